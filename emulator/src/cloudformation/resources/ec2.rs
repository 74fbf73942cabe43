//! `AWS::EC2::*` providers, each through the EC2 model functions the EC2 API handlers call (so a
//! stack meets the same CIDR, dependency and duplicate checks as `aws ec2 …`). The region's default
//! VPC is made first, as every EC2 request finds it.
//!
//! Physical ids (and so `Ref`) as CloudFormation reports them: the resource id for most types, the
//! public address for an Elastic IP, `IGW|<vpc>` for a gateway attachment, `<table>|<cidr>` for a
//! route, an `sgr-…` id for a standalone security group rule, and for a security group made
//! without `VpcId` its name. EC2 resources carry the stack's tags and CloudFormation's
//! `aws:cloudformation:*` tags.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{
    bool_of, changed_properties, ec2_failure, key_values, refuse_changes, scalar_string, strings,
    unsupported_property, Progress, Provider, Request, Services,
};
use crate::ec2::error::Ec2Error;
use crate::ec2::model::{
    parse_cidr, Ec2Region, LaunchTemplateData, NatGatewayState, NewTags, Peer, Rule,
};

/// The tags CloudFormation puts on an EC2 resource: the stack's, its own three, and `Tags`.
fn tags_of(req: &Request<'_>) -> NewTags {
    let mut tags = req.stack_tags();
    tags.extend(key_values(req.properties.get("Tags")));
    tags.into_iter().collect()
}

/// Makes `desired` the tags of `id` (through `CreateTags`/`DeleteTags`, as the handlers do).
fn retag(svc: &mut Services<'_>, id: &str, desired: NewTags) -> Result<(), String> {
    let stale: Vec<(String, Option<String>)> = svc
        .ec2
        .tags_of(id)
        .into_iter()
        .filter(|(key, _)| !desired.iter().any(|(k, _)| k == key))
        .map(|(key, _)| (key.to_owned(), None))
        .collect();
    let resources = [id.to_owned()];
    let result = if stale.is_empty() {
        Ok(())
    } else {
        svc.ec2.delete_tags(&resources, &stale)
    }
    .and_then(|()| {
        if desired.is_empty() {
            Ok(())
        } else {
            svc.ec2.create_tags(&resources, &desired)
        }
    });
    result.map_err(|e| ec2_failure(svc.ids, &e))
}

/// A create refused by EC2, as CloudFormation reports it.
fn refused<T>(svc: &mut Services<'_>, result: Result<T, Ec2Error>) -> Result<T, String> {
    result.map_err(|e| ec2_failure(svc.ids, &e))
}

/// A delete: what is already gone counts as deleted.
fn deleted(svc: &mut Services<'_>, result: Result<(), Ec2Error>) -> Result<(), String> {
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.code().ends_with("NotFound") || e.code() == "NatGatewayNotFound" => Ok(()),
        Err(e) => Err(ec2_failure(svc.ids, &e)),
    }
}

/// `Done` with `attrs`, or a failure when the resource vanished outside of CloudFormation.
fn done_if(found: Option<BTreeMap<String, Value>>, physical_id: &str) -> Progress {
    match found {
        Some(attrs) => Progress::Done(attrs),
        None => Progress::Failed(format!(
            "Resource {physical_id} was deleted outside of CloudFormation"
        )),
    }
}

fn attrs<const N: usize>(pairs: [(&str, Value); N]) -> BTreeMap<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// `AWS::EC2::VPC` through `CreateVpc` and `ModifyVpcAttribute`.
pub struct Vpc;

impl Provider for Vpc {
    fn type_name(&self) -> &'static str {
        "AWS::EC2::VPC"
    }

    fn attributes(&self) -> &'static [&'static str] {
        &[
            "CidrBlock",
            "CidrBlockAssociations",
            "DefaultSecurityGroup",
            "Ipv6CidrBlocks",
            "VpcId",
        ]
    }

    fn create_only(&self) -> &'static [&'static str] {
        &[
            "CidrBlock",
            "InstanceTenancy",
            "Ipv4IpamPoolId",
            "Ipv4NetmaskLength",
        ]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        unsupported_property(
            req,
            self.type_name(),
            &["Ipv4IpamPoolId", "Ipv4NetmaskLength"],
        )?;
        req.require(&["CidrBlock"])?;
        svc.ensure_ec2();
        let cidr = req.string("CidrBlock").unwrap_or_default();
        let created = svc
            .ec2
            .create_vpc(svc.ids, &cidr, req.string("InstanceTenancy"), tags_of(req))
            .map(|vpc| vpc.id.clone());
        let id = refused(svc, created)?;
        let p = req.properties;
        let set = svc.ec2.modify_vpc_attribute(
            &id,
            bool_of(p.get("EnableDnsSupport")),
            bool_of(p.get("EnableDnsHostnames")),
        );
        refused(svc, set)?;
        Ok(id)
    }

    fn check_create(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        let ec2 = &*svc.ec2;
        let found = ec2.vpcs.get(physical_id).map(|vpc| {
            let default_group = ec2
                .security_groups
                .values()
                .find(|g| g.vpc_id == vpc.id && g.name == "default")
                .map(|g| g.id.clone())
                .unwrap_or_default();
            attrs([
                ("VpcId", json!(vpc.id)),
                ("CidrBlock", json!(vpc.cidr.to_string())),
                ("CidrBlockAssociations", json!([vpc.cidr_association_id])),
                ("DefaultSecurityGroup", json!(default_group)),
                ("Ipv6CidrBlocks", json!([])),
            ])
        });
        done_if(found, physical_id)
    }

    fn update(
        &self,
        svc: &mut Services<'_>,
        req: &Request<'_>,
        physical_id: &str,
        old: &Value,
    ) -> Result<(), String> {
        let changed = changed_properties(old, req.properties);
        refuse_changes(
            self.type_name(),
            &changed,
            &["EnableDnsSupport", "EnableDnsHostnames", "Tags"],
        )?;
        let p = req.properties;
        // An attribute left out goes back to its default.
        let set = svc.ec2.modify_vpc_attribute(
            physical_id,
            Some(bool_of(p.get("EnableDnsSupport")).unwrap_or(true)),
            Some(bool_of(p.get("EnableDnsHostnames")).unwrap_or(false)),
        );
        refused(svc, set)?;
        retag(svc, physical_id, tags_of(req))
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
        let result = svc.ec2.delete_vpc(physical_id);
        deleted(svc, result)
    }
}

/// `AWS::EC2::Subnet` through `CreateSubnet` and `ModifySubnetAttribute`.
pub struct Subnet;

impl Provider for Subnet {
    fn type_name(&self) -> &'static str {
        "AWS::EC2::Subnet"
    }

    fn attributes(&self) -> &'static [&'static str] {
        &[
            "AvailabilityZone",
            "AvailabilityZoneId",
            "CidrBlock",
            "Ipv6CidrBlocks",
            "SubnetId",
            "VpcId",
        ]
    }

    fn create_only(&self) -> &'static [&'static str] {
        &[
            "VpcId",
            "CidrBlock",
            "AvailabilityZone",
            "AvailabilityZoneId",
            "Ipv6CidrBlock",
            "Ipv4IpamPoolId",
            "Ipv4NetmaskLength",
            "OutpostArn",
        ]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        unsupported_property(
            req,
            self.type_name(),
            &[
                "Ipv6CidrBlock",
                "Ipv4IpamPoolId",
                "Ipv4NetmaskLength",
                "OutpostArn",
                "Ipv6Native",
            ],
        )?;
        req.require(&["VpcId", "CidrBlock"])?;
        svc.ensure_ec2();
        let vpc = req.string("VpcId").unwrap_or_default();
        let cidr = req.string("CidrBlock").unwrap_or_default();
        let zone = req.string("AvailabilityZone");
        let zone_id = req.string("AvailabilityZoneId");
        let created = svc
            .ec2
            .create_subnet(
                svc.ids,
                &vpc,
                &cidr,
                zone.as_deref(),
                zone_id.as_deref(),
                tags_of(req),
            )
            .map(|s| s.id.clone());
        let id = refused(svc, created)?;
        if let Some(public) = bool_of(req.properties.get("MapPublicIpOnLaunch")) {
            let set = svc.ec2.modify_subnet_attribute(&id, Some(public));
            refused(svc, set)?;
        }
        Ok(id)
    }

    fn check_create(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        let found = svc.ec2.subnets.get(physical_id).map(|s| {
            attrs([
                ("SubnetId", json!(s.id)),
                ("VpcId", json!(s.vpc_id)),
                ("CidrBlock", json!(s.cidr.to_string())),
                ("AvailabilityZone", json!(s.availability_zone)),
                ("AvailabilityZoneId", json!(s.availability_zone_id)),
                ("Ipv6CidrBlocks", json!([])),
            ])
        });
        done_if(found, physical_id)
    }

    fn update(
        &self,
        svc: &mut Services<'_>,
        req: &Request<'_>,
        physical_id: &str,
        old: &Value,
    ) -> Result<(), String> {
        let changed = changed_properties(old, req.properties);
        refuse_changes(self.type_name(), &changed, &["MapPublicIpOnLaunch", "Tags"])?;
        let public = bool_of(req.properties.get("MapPublicIpOnLaunch")).unwrap_or(false);
        let set = svc.ec2.modify_subnet_attribute(physical_id, Some(public));
        refused(svc, set)?;
        retag(svc, physical_id, tags_of(req))
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
        let result = svc.ec2.delete_subnet(physical_id);
        deleted(svc, result)
    }
}

/// `AWS::EC2::InternetGateway` through `CreateInternetGateway`.
pub struct InternetGateway;

impl Provider for InternetGateway {
    fn type_name(&self) -> &'static str {
        "AWS::EC2::InternetGateway"
    }

    fn attributes(&self) -> &'static [&'static str] {
        &["InternetGatewayId"]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        svc.ensure_ec2();
        Ok(svc
            .ec2
            .create_internet_gateway(svc.ids, tags_of(req))
            .id
            .clone())
    }

    fn check_create(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        let found = svc
            .ec2
            .internet_gateways
            .get(physical_id)
            .map(|g| attrs([("InternetGatewayId", json!(g.id))]));
        done_if(found, physical_id)
    }

    fn update(
        &self,
        svc: &mut Services<'_>,
        req: &Request<'_>,
        physical_id: &str,
        old: &Value,
    ) -> Result<(), String> {
        let changed = changed_properties(old, req.properties);
        refuse_changes(self.type_name(), &changed, &["Tags"])?;
        retag(svc, physical_id, tags_of(req))
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
        let result = svc.ec2.delete_internet_gateway(physical_id);
        deleted(svc, result)
    }
}

/// `AWS::EC2::VPCGatewayAttachment` (internet gateways) through `AttachInternetGateway`;
/// physical id `IGW|<vpc>`.
pub struct VpcGatewayAttachment;

impl Provider for VpcGatewayAttachment {
    fn type_name(&self) -> &'static str {
        "AWS::EC2::VPCGatewayAttachment"
    }

    fn attributes(&self) -> &'static [&'static str] {
        &["AttachmentType"]
    }

    fn create_only(&self) -> &'static [&'static str] {
        &["VpcId"]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        unsupported_property(req, self.type_name(), &["VpnGatewayId"])?;
        req.require(&["VpcId", "InternetGatewayId"])?;
        svc.ensure_ec2();
        let vpc = req.string("VpcId").unwrap_or_default();
        let gateway = req.string("InternetGatewayId").unwrap_or_default();
        let attached = svc.ec2.attach_internet_gateway(&gateway, &vpc);
        refused(svc, attached)?;
        Ok(format!("IGW|{vpc}"))
    }

    fn check_create(&self, _svc: &mut Services<'_>, _physical_id: &str) -> Progress {
        Progress::Done(attrs([("AttachmentType", json!("IGW"))]))
    }

    fn update(
        &self,
        svc: &mut Services<'_>,
        req: &Request<'_>,
        physical_id: &str,
        old: &Value,
    ) -> Result<(), String> {
        let changed = changed_properties(old, req.properties);
        refuse_changes(self.type_name(), &changed, &["InternetGatewayId"])?;
        self.delete(svc, physical_id, old)?;
        let vpc = req.string("VpcId").unwrap_or_default();
        let gateway = req.string("InternetGatewayId").unwrap_or_default();
        let attached = svc.ec2.attach_internet_gateway(&gateway, &vpc);
        refused(svc, attached)
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        properties: &Value,
    ) -> Result<(), String> {
        let vpc = physical_id.strip_prefix("IGW|").unwrap_or(physical_id);
        let gateway = properties
            .get("InternetGatewayId")
            .and_then(scalar_string)
            .unwrap_or_default();
        match svc.ec2.detach_internet_gateway(&gateway, vpc) {
            Err(Ec2Error::GatewayNotAttached { .. }) => Ok(()),
            result => deleted(svc, result),
        }
    }
}

/// `AWS::EC2::EIP` through `AllocateAddress`; `Ref` is the public address.
pub struct Eip;

impl Provider for Eip {
    fn type_name(&self) -> &'static str {
        "AWS::EC2::EIP"
    }

    fn attributes(&self) -> &'static [&'static str] {
        &["AllocationId", "PublicIp"]
    }

    fn create_only(&self) -> &'static [&'static str] {
        &[
            "Domain",
            "NetworkBorderGroup",
            "PublicIpv4Pool",
            "TransferAddress",
        ]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        unsupported_property(
            req,
            self.type_name(),
            &["InstanceId", "TransferAddress", "IpamPoolId"],
        )?;
        if req.string("Domain").is_some_and(|d| d != "vpc") {
            return Err(
                "Property Domain of AWS::EC2::EIP is not supported by this emulator yet".into(),
            );
        }
        svc.ensure_ec2();
        Ok(svc
            .ec2
            .allocate_address(svc.ids, tags_of(req))
            .public_ip
            .clone())
    }

    fn check_create(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        let found = svc
            .ec2
            .addresses
            .values()
            .find(|a| a.public_ip == physical_id)
            .map(|a| {
                attrs([
                    ("AllocationId", json!(a.allocation_id)),
                    ("PublicIp", json!(a.public_ip)),
                ])
            });
        done_if(found, physical_id)
    }

    fn update(
        &self,
        svc: &mut Services<'_>,
        req: &Request<'_>,
        physical_id: &str,
        old: &Value,
    ) -> Result<(), String> {
        let changed = changed_properties(old, req.properties);
        refuse_changes(self.type_name(), &changed, &["Tags"])?;
        let allocation = svc
            .ec2
            .addresses
            .values()
            .find(|a| a.public_ip == physical_id)
            .map(|a| a.allocation_id.clone())
            .unwrap_or_default();
        retag(svc, &allocation, tags_of(req))
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
        let result = svc.ec2.release_address(None, Some(physical_id));
        deleted(svc, result)
    }
}

/// `AWS::EC2::NatGateway` through `CreateNatGateway`; CloudFormation waits for `available`.
pub struct NatGateway;

impl Provider for NatGateway {
    fn type_name(&self) -> &'static str {
        "AWS::EC2::NatGateway"
    }

    fn attributes(&self) -> &'static [&'static str] {
        &["NatGatewayId"]
    }

    fn create_only(&self) -> &'static [&'static str] {
        &[
            "SubnetId",
            "AllocationId",
            "ConnectivityType",
            "PrivateIpAddress",
        ]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        unsupported_property(
            req,
            self.type_name(),
            &[
                "PrivateIpAddress",
                "SecondaryAllocationIds",
                "SecondaryPrivateIpAddresses",
                "SecondaryPrivateIpAddressCount",
            ],
        )?;
        req.require(&["SubnetId"])?;
        svc.ensure_ec2();
        let env = svc.env;
        let subnet = req.string("SubnetId").unwrap_or_default();
        let allocation = req.string("AllocationId");
        let connectivity = req.string("ConnectivityType");
        let created = svc
            .ec2
            .create_nat_gateway(
                &env,
                svc.ids,
                &subnet,
                allocation.as_deref(),
                connectivity.as_deref(),
                tags_of(req),
            )
            .map(|n| n.id.clone());
        refused(svc, created)
    }

    fn check_create(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        let Some(nat) = svc.ec2.nat_gateways.get(physical_id) else {
            return done_if(None, physical_id);
        };
        match (nat.state, &nat.scheduled) {
            (NatGatewayState::Available, _) => {
                Progress::Done(attrs([("NatGatewayId", json!(nat.id))]))
            }
            (NatGatewayState::Pending, Some(step)) => Progress::Wait(step.at),
            (state, _) => {
                let detail = if state == NatGatewayState::Failed {
                    crate::ec2::model::nat_failure(&nat.vpc_id).1
                } else {
                    format!("NAT gateway {physical_id} is {}", state.as_str())
                };
                // The wording CloudFormation used for a NAT gateway that failed to stabilize
                // (GH giantswarm/aws-operator#1234).
                Progress::Failed(format!(
                    "NatGateway {physical_id} is in state {} and hence failed to stabilize. Detailed failure message: {detail}",
                    state.as_str()
                ))
            }
        }
    }

    fn update(
        &self,
        svc: &mut Services<'_>,
        req: &Request<'_>,
        physical_id: &str,
        old: &Value,
    ) -> Result<(), String> {
        let changed = changed_properties(old, req.properties);
        refuse_changes(self.type_name(), &changed, &["Tags"])?;
        retag(svc, physical_id, tags_of(req))
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
        let now = svc.env.now;
        let result = svc.ec2.delete_nat_gateway(now, physical_id).map(|_| ());
        deleted(svc, result)
    }
}

/// `AWS::EC2::RouteTable` through `CreateRouteTable`.
pub struct RouteTable;

impl Provider for RouteTable {
    fn type_name(&self) -> &'static str {
        "AWS::EC2::RouteTable"
    }

    fn attributes(&self) -> &'static [&'static str] {
        &["RouteTableId"]
    }

    fn create_only(&self) -> &'static [&'static str] {
        &["VpcId"]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        req.require(&["VpcId"])?;
        svc.ensure_ec2();
        let vpc = req.string("VpcId").unwrap_or_default();
        let created = svc
            .ec2
            .create_route_table(svc.ids, &vpc, tags_of(req))
            .map(|t| t.id.clone());
        refused(svc, created)
    }

    fn check_create(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        let found = svc
            .ec2
            .route_tables
            .get(physical_id)
            .map(|t| attrs([("RouteTableId", json!(t.id))]));
        done_if(found, physical_id)
    }

    fn update(
        &self,
        svc: &mut Services<'_>,
        req: &Request<'_>,
        physical_id: &str,
        old: &Value,
    ) -> Result<(), String> {
        let changed = changed_properties(old, req.properties);
        refuse_changes(self.type_name(), &changed, &["Tags"])?;
        retag(svc, physical_id, tags_of(req))
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
        let result = svc.ec2.delete_route_table(physical_id);
        deleted(svc, result)
    }
}

/// `AWS::EC2::Route` (IPv4, to an internet or NAT gateway) through `CreateRoute`/`ReplaceRoute`;
/// physical id `<table>|<cidr>`.
pub struct Route;

/// The route targets this emulator does not model.
const OTHER_ROUTE_TARGETS: &[&str] = &[
    "DestinationIpv6CidrBlock",
    "DestinationPrefixListId",
    "CarrierGatewayId",
    "CoreNetworkArn",
    "EgressOnlyInternetGatewayId",
    "InstanceId",
    "LocalGatewayId",
    "NetworkInterfaceId",
    "TransitGatewayId",
    "VpcEndpointId",
    "VpcPeeringConnectionId",
];

impl Provider for Route {
    fn type_name(&self) -> &'static str {
        "AWS::EC2::Route"
    }

    fn attributes(&self) -> &'static [&'static str] {
        &["CidrBlock"]
    }

    fn create_only(&self) -> &'static [&'static str] {
        &[
            "RouteTableId",
            "DestinationCidrBlock",
            "DestinationIpv6CidrBlock",
            "DestinationPrefixListId",
        ]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        unsupported_property(req, self.type_name(), OTHER_ROUTE_TARGETS)?;
        req.require(&["RouteTableId", "DestinationCidrBlock"])?;
        svc.ensure_ec2();
        let table = req.string("RouteTableId").unwrap_or_default();
        let cidr = req.string("DestinationCidrBlock").unwrap_or_default();
        let gateway = req.string("GatewayId");
        let nat = req.string("NatGatewayId");
        let created = svc
            .ec2
            .create_route(&table, &cidr, gateway.as_deref(), nat.as_deref());
        refused(svc, created)?;
        Ok(format!("{table}|{cidr}"))
    }

    fn check_create(&self, _svc: &mut Services<'_>, physical_id: &str) -> Progress {
        let cidr = physical_id.split_once('|').map_or("", |(_, c)| c);
        Progress::Done(attrs([("CidrBlock", json!(cidr))]))
    }

    fn update(
        &self,
        svc: &mut Services<'_>,
        req: &Request<'_>,
        _physical_id: &str,
        old: &Value,
    ) -> Result<(), String> {
        let changed = changed_properties(old, req.properties);
        refuse_changes(self.type_name(), &changed, &["GatewayId", "NatGatewayId"])?;
        let table = req.string("RouteTableId").unwrap_or_default();
        let cidr = req.string("DestinationCidrBlock").unwrap_or_default();
        let gateway = req.string("GatewayId");
        let nat = req.string("NatGatewayId");
        let replaced = svc
            .ec2
            .replace_route(&table, &cidr, gateway.as_deref(), nat.as_deref());
        refused(svc, replaced)
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
        let Some((table, cidr)) = physical_id.split_once('|') else {
            return Ok(());
        };
        let result = svc.ec2.delete_route(table, cidr);
        deleted(svc, result)
    }
}

/// `AWS::EC2::SubnetRouteTableAssociation` through `AssociateRouteTable`; physical id the
/// association's.
pub struct SubnetRouteTableAssociation;

impl Provider for SubnetRouteTableAssociation {
    fn type_name(&self) -> &'static str {
        "AWS::EC2::SubnetRouteTableAssociation"
    }

    fn attributes(&self) -> &'static [&'static str] {
        &["Id"]
    }

    fn create_only(&self) -> &'static [&'static str] {
        &["RouteTableId", "SubnetId"]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        req.require(&["RouteTableId", "SubnetId"])?;
        svc.ensure_ec2();
        let table = req.string("RouteTableId").unwrap_or_default();
        let subnet = req.string("SubnetId").unwrap_or_default();
        let associated = svc.ec2.associate_route_table(svc.ids, &table, &subnet);
        refused(svc, associated)
    }

    fn check_create(&self, _svc: &mut Services<'_>, physical_id: &str) -> Progress {
        Progress::Done(attrs([("Id", json!(physical_id))]))
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
        let result = svc.ec2.disassociate_route_table(physical_id);
        deleted(svc, result)
    }
}

/// One rule of a template: an item of `SecurityGroupIngress`/`SecurityGroupEgress`, or the
/// properties of a standalone `SecurityGroupIngress`/`Egress` resource.
fn template_rule(
    ec2: &Ec2Region,
    logical_id: &str,
    item: &Value,
    egress: bool,
) -> Result<Rule, RuleError> {
    let get = |name: &str| item.get(name).and_then(scalar_string);
    for unsupported in ["CidrIpv6", "SourcePrefixListId", "DestinationPrefixListId"] {
        if get(unsupported).is_some() {
            return Err(RuleError::Other(format!(
                "Property {unsupported} of a security group rule is not supported by this emulator yet"
            )));
        }
    }
    let peer = if let Some(cidr) = get("CidrIp") {
        Peer::Cidr(parse_cidr(&cidr, "cidrIp").map_err(RuleError::Ec2)?)
    } else if let Some(group) = get(if egress {
        "DestinationSecurityGroupId"
    } else {
        "SourceSecurityGroupId"
    }) {
        Peer::Group(group)
    } else if let Some(name) = get("SourceSecurityGroupName").filter(|_| !egress) {
        Peer::Group(
            ec2.security_group_id(None, Some(&name))
                .map_err(RuleError::Ec2)?,
        )
    } else {
        // Text chosen here, after CloudFormation's schema messages.
        let peers = if egress {
            "CidrIp, DestinationSecurityGroupId"
        } else {
            "CidrIp, SourceSecurityGroupId, SourceSecurityGroupName"
        };
        return Err(RuleError::Other(format!(
            "Properties validation failed for resource {logical_id} with message: [#: one of [{peers}] is required]"
        )));
    };
    let protocol = get("IpProtocol").ok_or_else(|| {
        RuleError::Other(format!(
            "Properties validation failed for resource {logical_id} with message: [#: required key [IpProtocol] not found]"
        ))
    })?;
    Rule::parse(
        &protocol,
        get("FromPort").as_deref(),
        get("ToPort").as_deref(),
        peer,
        get("Description"),
    )
    .map_err(RuleError::Ec2)
}

/// Why a rule of a template cannot be made.
enum RuleError {
    /// EC2 refuses it.
    Ec2(Ec2Error),
    /// CloudFormation or this emulator refuses it.
    Other(String),
}

impl RuleError {
    fn reason(self, svc: &mut Services<'_>) -> String {
        match self {
            Self::Ec2(e) => ec2_failure(svc.ids, &e),
            Self::Other(text) => text,
        }
    }
}

/// Every rule of a list property.
fn template_rules(
    svc: &mut Services<'_>,
    logical_id: &str,
    list: Option<&Value>,
    egress: bool,
) -> Result<Vec<Rule>, String> {
    let items = list.and_then(Value::as_array).cloned().unwrap_or_default();
    let mut rules = Vec::new();
    for item in &items {
        match template_rule(svc.ec2, logical_id, item, egress) {
            Ok(rule) => rules.push(rule),
            Err(e) => return Err(e.reason(svc)),
        }
    }
    Ok(rules)
}

/// The rule every new group has: all traffic out.
fn all_traffic_out() -> Rule {
    Rule {
        protocol: "-1".into(),
        from_port: None,
        to_port: None,
        peer: Peer::Cidr(parse_cidr("0.0.0.0/0", "cidrIp").unwrap_or_else(|_| unreachable!())),
        description: None,
    }
}

/// Changes a group's rules of one direction from `old` to `new` (by EC2's notion of the same rule).
fn replace_rules(
    svc: &mut Services<'_>,
    group: &str,
    egress: bool,
    old: &[Rule],
    new: &[Rule],
) -> Result<(), String> {
    let gone: Vec<Rule> = old
        .iter()
        .filter(|o| !new.iter().any(|n| n.describe() == o.describe()))
        .cloned()
        .collect();
    let added: Vec<Rule> = new
        .iter()
        .filter(|n| !old.iter().any(|o| o.describe() == n.describe()))
        .cloned()
        .collect();
    let revoked = if gone.is_empty() {
        Ok(())
    } else {
        svc.ec2.revoke(group, egress, &gone)
    };
    let result = revoked.and_then(|()| {
        if added.is_empty() {
            Ok(())
        } else {
            svc.ec2.authorize(group, egress, added)
        }
    });
    refused(svc, result)
}

/// A group's id from its physical id (its id, or its name in the default VPC).
fn group_id(ec2: &Ec2Region, physical_id: &str) -> Option<String> {
    if ec2.security_groups.contains_key(physical_id) {
        Some(physical_id.to_owned())
    } else {
        ec2.security_group_id(None, Some(physical_id)).ok()
    }
}

/// `AWS::EC2::SecurityGroup` through `CreateSecurityGroup` and the authorize/revoke calls; a
/// template's `SecurityGroupEgress` replaces the default all-traffic-out rule, as in
/// CloudFormation. `Ref` is the id when `VpcId` is given, else the name.
pub struct SecurityGroup;

impl SecurityGroup {
    fn egress_of(svc: &mut Services<'_>, logical_id: &str, p: &Value) -> Result<Vec<Rule>, String> {
        if p.get("SecurityGroupEgress").is_some_and(|v| !v.is_null()) {
            template_rules(svc, logical_id, p.get("SecurityGroupEgress"), true)
        } else {
            Ok(vec![all_traffic_out()])
        }
    }
}

impl Provider for SecurityGroup {
    fn type_name(&self) -> &'static str {
        "AWS::EC2::SecurityGroup"
    }

    fn attributes(&self) -> &'static [&'static str] {
        &["GroupId", "VpcId"]
    }

    fn create_only(&self) -> &'static [&'static str] {
        &["GroupDescription", "GroupName", "VpcId"]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        req.require(&["GroupDescription"])?;
        svc.ensure_ec2();
        let p = req.properties;
        let ingress = template_rules(svc, req.logical_id, p.get("SecurityGroupIngress"), false)?;
        let egress = Self::egress_of(svc, req.logical_id, p)?;
        let name = match req.string("GroupName") {
            Some(name) => name,
            None => req.generated_name(svc.ids, 255),
        };
        let description = req.string("GroupDescription").unwrap_or_default();
        let vpc = req.string("VpcId");
        let created = svc
            .ec2
            .create_security_group(svc.ids, &name, &description, vpc.as_deref(), tags_of(req))
            .map(|g| g.id.clone());
        let id = refused(svc, created)?;
        let rules = replace_rules(svc, &id, false, &[], &ingress)
            .and_then(|()| replace_rules(svc, &id, true, &[all_traffic_out()], &egress));
        if let Err(reason) = rules {
            // Nothing is left behind by a create that failed.
            svc.ec2.forget_security_group(&id);
            return Err(reason);
        }
        Ok(if vpc.is_some() { id } else { name })
    }

    fn check_create(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        let found = group_id(svc.ec2, physical_id)
            .and_then(|id| svc.ec2.security_groups.get(&id))
            .map(|g| attrs([("GroupId", json!(g.id)), ("VpcId", json!(g.vpc_id))]));
        done_if(found, physical_id)
    }

    fn update(
        &self,
        svc: &mut Services<'_>,
        req: &Request<'_>,
        physical_id: &str,
        old: &Value,
    ) -> Result<(), String> {
        let changed = changed_properties(old, req.properties);
        refuse_changes(
            self.type_name(),
            &changed,
            &["SecurityGroupIngress", "SecurityGroupEgress", "Tags"],
        )?;
        let id = group_id(svc.ec2, physical_id).unwrap_or_else(|| physical_id.to_owned());
        let new_ingress = template_rules(
            svc,
            req.logical_id,
            req.properties.get("SecurityGroupIngress"),
            false,
        )?;
        let new_egress = Self::egress_of(svc, req.logical_id, req.properties)?;
        // The diff is between the templates: rules that standalone ingress and egress resources
        // added to the group stay.
        let old_ingress =
            template_rules(svc, req.logical_id, old.get("SecurityGroupIngress"), false)?;
        let old_egress = Self::egress_of(svc, req.logical_id, old)?;
        replace_rules(svc, &id, false, &old_ingress, &new_ingress)?;
        replace_rules(svc, &id, true, &old_egress, &new_egress)?;
        retag(svc, &id, tags_of(req))
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
        let Some(id) = group_id(svc.ec2, physical_id) else {
            return Ok(());
        };
        let result = svc.ec2.delete_security_group(&id);
        deleted(svc, result)
    }
}

/// `AWS::EC2::SecurityGroupIngress` and `AWS::EC2::SecurityGroupEgress` through
/// `AuthorizeSecurityGroupIngress/Egress`; the physical id is a security group rule id (`sgr-…`).
pub struct SecurityGroupRule {
    /// Egress (else ingress).
    pub egress: bool,
}

impl SecurityGroupRule {
    /// The group a rule resource names: `GroupId`, or (ingress) `GroupName` in the default VPC.
    fn group(svc: &Services<'_>, p: &Value) -> Result<String, Ec2Error> {
        let id = p.get("GroupId").and_then(scalar_string);
        let name = p.get("GroupName").and_then(scalar_string);
        svc.ec2.security_group_id(id.as_deref(), name.as_deref())
    }
}

impl Provider for SecurityGroupRule {
    fn type_name(&self) -> &'static str {
        if self.egress {
            "AWS::EC2::SecurityGroupEgress"
        } else {
            "AWS::EC2::SecurityGroupIngress"
        }
    }

    fn attributes(&self) -> &'static [&'static str] {
        &["Id"]
    }

    fn create_only(&self) -> &'static [&'static str] {
        &[
            "GroupId",
            "GroupName",
            "IpProtocol",
            "FromPort",
            "ToPort",
            "CidrIp",
            "CidrIpv6",
            "SourceSecurityGroupId",
            "SourceSecurityGroupName",
            "SourceSecurityGroupOwnerId",
            "DestinationSecurityGroupId",
            "SourcePrefixListId",
            "DestinationPrefixListId",
        ]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        if self.egress {
            req.require(&["GroupId"])?;
        }
        svc.ensure_ec2();
        let rule = template_rule(svc.ec2, req.logical_id, req.properties, self.egress)
            .map_err(|e| e.reason(svc))?;
        let group = Self::group(svc, req.properties);
        let group = refused(svc, group)?;
        let authorized = svc.ec2.authorize(&group, self.egress, vec![rule]);
        refused(svc, authorized)?;
        Ok(svc.ids.ec2_id("sgr"))
    }

    fn check_create(&self, _svc: &mut Services<'_>, physical_id: &str) -> Progress {
        Progress::Done(attrs([("Id", json!(physical_id))]))
    }

    fn update(
        &self,
        svc: &mut Services<'_>,
        req: &Request<'_>,
        physical_id: &str,
        old: &Value,
    ) -> Result<(), String> {
        let changed = changed_properties(old, req.properties);
        refuse_changes(self.type_name(), &changed, &["Description"])?;
        self.delete(svc, physical_id, old)?;
        let rule = template_rule(svc.ec2, req.logical_id, req.properties, self.egress)
            .map_err(|e| e.reason(svc))?;
        let group = Self::group(svc, req.properties);
        let group = refused(svc, group)?;
        let authorized = svc.ec2.authorize(&group, self.egress, vec![rule]);
        refused(svc, authorized)
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        _physical_id: &str,
        properties: &Value,
    ) -> Result<(), String> {
        // A rule whose group or peer is gone went with it.
        let (Ok(rule), Ok(group)) = (
            template_rule(svc.ec2, "", properties, self.egress),
            Self::group(svc, properties),
        ) else {
            return Ok(());
        };
        match svc.ec2.revoke(&group, self.egress, &[rule]) {
            Err(Ec2Error::PermissionNotFound) => Ok(()),
            result => deleted(svc, result),
        }
    }
}

/// `LaunchTemplateData` as the model keeps it.
fn launch_template_data(value: Option<&Value>) -> LaunchTemplateData {
    let empty = Value::Null;
    let data = value.unwrap_or(&empty);
    let get = |name: &str| data.get(name).and_then(scalar_string);
    let profile = data.get("IamInstanceProfile");
    LaunchTemplateData {
        image_id: get("ImageId"),
        instance_type: get("InstanceType"),
        key_name: get("KeyName"),
        // Groups of the primary network interface stand for `SecurityGroupIds` when those are
        // absent (eksctl's unmanaged nodegroups give them so).
        security_group_ids: match data.get("SecurityGroupIds") {
            Some(ids) => strings(Some(ids)),
            None => strings(data.pointer("/NetworkInterfaces/0/Groups")),
        },
        user_data: get("UserData"),
        iam_instance_profile: profile
            .and_then(|p| p.get("Arn").or_else(|| p.get("Name")))
            .and_then(scalar_string),
    }
}

/// `AWS::EC2::LaunchTemplate` through `CreateLaunchTemplate`; an update of its data makes a new
/// version, the default.
pub struct LaunchTemplate;

impl LaunchTemplate {
    fn tags(req: &Request<'_>) -> NewTags {
        let mut tags = req.stack_tags();
        let specs = req
            .properties
            .get("TagSpecifications")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for spec in specs {
            if spec.get("ResourceType").and_then(Value::as_str) == Some("launch-template") {
                tags.extend(key_values(spec.get("Tags")));
            }
        }
        tags.into_iter().collect()
    }
}

impl Provider for LaunchTemplate {
    fn type_name(&self) -> &'static str {
        "AWS::EC2::LaunchTemplate"
    }

    fn attributes(&self) -> &'static [&'static str] {
        &[
            "DefaultVersionNumber",
            "LatestVersionNumber",
            "LaunchTemplateId",
        ]
    }

    fn create_only(&self) -> &'static [&'static str] {
        &["LaunchTemplateName"]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        req.require(&["LaunchTemplateData"])?;
        svc.ensure_ec2();
        let name = match req.string("LaunchTemplateName") {
            Some(name) => name,
            None => req.generated_name(svc.ids, 128),
        };
        let env = svc.env;
        let created = svc
            .ec2
            .create_launch_template(
                &env,
                svc.ids,
                &name,
                req.string("VersionDescription"),
                launch_template_data(req.properties.get("LaunchTemplateData")),
                Self::tags(req),
            )
            .map(|t| t.id.clone());
        refused(svc, created)
    }

    fn check_create(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        let found = svc.ec2.launch_templates.get(physical_id).map(|t| {
            attrs([
                ("LaunchTemplateId", json!(t.id)),
                ("DefaultVersionNumber", json!(t.default_version.to_string())),
                ("LatestVersionNumber", json!(t.latest_version().to_string())),
            ])
        });
        done_if(found, physical_id)
    }

    fn update(
        &self,
        svc: &mut Services<'_>,
        req: &Request<'_>,
        physical_id: &str,
        old: &Value,
    ) -> Result<(), String> {
        let changed = changed_properties(old, req.properties);
        refuse_changes(
            self.type_name(),
            &changed,
            &[
                "LaunchTemplateData",
                "VersionDescription",
                "TagSpecifications",
            ],
        )?;
        if changed
            .iter()
            .any(|c| c == "LaunchTemplateData" || c == "VersionDescription")
        {
            let env = svc.env;
            let made = svc
                .ec2
                .create_launch_template_version(
                    &env,
                    physical_id,
                    req.string("VersionDescription"),
                    launch_template_data(req.properties.get("LaunchTemplateData")),
                )
                .map(|v| v.number.to_string());
            let version = refused(svc, made)?;
            let set = svc
                .ec2
                .set_default_launch_template_version(physical_id, &version)
                .map(|_| ());
            refused(svc, set)?;
        }
        retag(svc, physical_id, Self::tags(req))
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
        let result = svc.ec2.delete_launch_template(physical_id).map(|_| ());
        deleted(svc, result)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{request, World};
    use super::*;
    use crate::clock::Timestamp;

    /// A VPC with an internet gateway attached, as the eksctl template makes it.
    fn network(w: &mut World) -> (String, String) {
        let (vpc, attrs) = w.make(
            &Vpc,
            "VPC",
            &json!({"CidrBlock": "192.168.0.0/16", "EnableDnsHostnames": true, "EnableDnsSupport": true}),
        );
        assert_eq!(attrs["CidrBlock"], "192.168.0.0/16");
        assert_eq!(attrs["VpcId"], vpc);
        let default_group = attrs["DefaultSecurityGroup"].as_str().unwrap();
        assert_eq!(w.ec2.security_groups[default_group].name, "default");
        assert!(w.ec2.vpcs[&vpc].dns_hostnames);
        let (igw, _) = w.make(&InternetGateway, "InternetGateway", &json!({}));
        let (attachment, attrs) = w.make(
            &VpcGatewayAttachment,
            "VPCGatewayAttachment",
            &json!({"VpcId": vpc, "InternetGatewayId": igw}),
        );
        assert_eq!(attachment, format!("IGW|{vpc}"));
        assert_eq!(attrs["AttachmentType"], "IGW");
        (vpc, igw)
    }

    #[test]
    fn a_public_and_private_network_is_built_and_torn_down_through_the_ec2_model() {
        let mut w = World::new();
        let (vpc, igw) = network(&mut w);
        let public_props = json!({"VpcId": vpc, "CidrBlock": "192.168.0.0/19", "AvailabilityZone": "us-west-2a", "MapPublicIpOnLaunch": true,
                                  "Tags": [{"Key": "kubernetes.io/role/elb", "Value": "1"}]});
        let (public, attrs) = w.make(&Subnet, "SubnetPublic", &public_props);
        assert_eq!(attrs["AvailabilityZone"], "us-west-2a");
        assert_eq!(attrs["VpcId"], vpc);
        assert_eq!(attrs["CidrBlock"], "192.168.0.0/19");
        assert!(w.ec2.subnets[&public].map_public_ip_on_launch);
        assert!(w
            .ec2
            .tags_of(&public)
            .contains(&("kubernetes.io/role/elb", "1")));
        let private_props =
            json!({"VpcId": vpc, "CidrBlock": "192.168.96.0/19", "AvailabilityZone": "us-west-2b"});
        let (private, _) = w.make(&Subnet, "SubnetPrivate", &private_props);
        let (ip, attrs) = w.make(&Eip, "NATIP", &json!({"Domain": "vpc"}));
        assert_eq!(attrs["PublicIp"], ip);
        let allocation = attrs["AllocationId"].as_str().unwrap().to_owned();
        assert!(allocation.starts_with("eipalloc-"));

        // The NAT gateway is waited for: `available` about 90 seconds later.
        let before = w.now;
        let nat_props = json!({"AllocationId": allocation, "SubnetId": public});
        let (nat, attrs) = w.make(&NatGateway, "NATGateway", &nat_props);
        assert_eq!(attrs["NatGatewayId"], nat);
        assert_eq!(w.now, before.after(std::time::Duration::from_secs(90)));
        assert_eq!(w.ec2.nat_gateways[&nat].state, NatGatewayState::Available);

        let (public_table, _) = w.make(&RouteTable, "PublicRouteTable", &json!({"VpcId": vpc}));
        let (private_table, _) = w.make(&RouteTable, "PrivateRouteTable", &json!({"VpcId": vpc}));
        let public_route_props = json!({"RouteTableId": public_table, "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw});
        let (public_route, attrs) = w.make(&Route, "PublicSubnetRoute", &public_route_props);
        assert_eq!(public_route, format!("{public_table}|0.0.0.0/0"));
        assert_eq!(attrs["CidrBlock"], "0.0.0.0/0");
        let private_route_props = json!({"RouteTableId": private_table, "DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat});
        let (private_route, _) = w.make(&Route, "NATPrivateSubnetRoute", &private_route_props);
        let (public_assoc, attrs) = w.make(
            &SubnetRouteTableAssociation,
            "RouteTableAssociationPublic",
            &json!({"RouteTableId": public_table, "SubnetId": public}),
        );
        assert!(public_assoc.starts_with("rtbassoc-"));
        assert_eq!(attrs["Id"], public_assoc);
        let (private_assoc, _) = w.make(
            &SubnetRouteTableAssociation,
            "RouteTableAssociationPrivate",
            &json!({"RouteTableId": private_table, "SubnetId": private}),
        );
        assert!(!w.ec2.is_private(&w.ec2.subnets[&public]));
        assert!(w.ec2.is_private(&w.ec2.subnets[&private]));

        // Deleted in reverse order, everything goes; what is already gone counts as deleted.
        w.unmake(&SubnetRouteTableAssociation, &private_assoc, &json!({}));
        w.unmake(&SubnetRouteTableAssociation, &public_assoc, &json!({}));
        w.unmake(&Route, &private_route, &private_route_props);
        w.unmake(&Route, &public_route, &public_route_props);
        w.unmake(&Route, &public_route, &public_route_props);
        w.unmake(&RouteTable, &private_table, &json!({}));
        w.unmake(&RouteTable, &public_table, &json!({}));
        w.unmake(&NatGateway, &nat, &nat_props);
        w.unmake(&Eip, &ip, &json!({}));
        w.unmake(&Subnet, &private, &private_props);
        w.unmake(&Subnet, &public, &public_props);
        let attachment_props = json!({"VpcId": vpc, "InternetGatewayId": igw});
        w.unmake(
            &VpcGatewayAttachment,
            &format!("IGW|{vpc}"),
            &attachment_props,
        );
        w.unmake(&InternetGateway, &igw, &json!({}));
        w.unmake(&Vpc, &vpc, &json!({}));
        w.unmake(&Vpc, &vpc, &json!({}));
        assert_eq!(w.ec2.vpcs.len(), 1, "only the default VPC is left");
        assert!(w.ec2.addresses.is_empty());
        assert_eq!(w.ec2.internet_gateways.len(), 1);
    }

    #[test]
    fn refusals_are_ec2s_own_errors_in_handler_messages() {
        let mut w = World::new();
        let reason = w.refuse(&Vpc, "VPC", &json!({"CidrBlock": "10.0.0.0/8"}));
        assert!(
            reason.starts_with("Resource handler returned message: \"The CIDR '10.0.0.0/8' is invalid. (Service: Ec2, Status Code: 400, Request ID: "),
            "{reason}"
        );
        assert!(
            reason.ends_with("HandlerErrorCode: InvalidRequest)"),
            "{reason}"
        );
        assert_eq!(
            w.refuse(&Vpc, "VPC", &json!({"Ipv4IpamPoolId": "ipam-pool-1"})),
            "Property Ipv4IpamPoolId of AWS::EC2::VPC is not supported by this emulator yet"
        );
        assert_eq!(
            w.refuse(&Subnet, "Subnet", &json!({"CidrBlock": "10.0.0.0/24"})),
            "Properties validation failed for resource Subnet with message: [#: required key [VpcId] not found]"
        );
        let reason = w.refuse(
            &Subnet,
            "Subnet",
            &json!({"VpcId": "vpc-0000", "CidrBlock": "10.0.0.0/24"}),
        );
        assert!(
            reason.contains("The vpc ID 'vpc-0000' does not exist (Service: Ec2"),
            "{reason}"
        );
        assert!(reason.ends_with("HandlerErrorCode: NotFound)"), "{reason}");

        // A NAT gateway in a VPC without internet gateway fails, and CloudFormation says why.
        let (vpc, _) = w.make(&Vpc, "VPC", &json!({"CidrBlock": "10.1.0.0/16"}));
        let (subnet, _) = w.make(
            &Subnet,
            "S",
            &json!({"VpcId": vpc, "CidrBlock": "10.1.0.0/24"}),
        );
        let (_, eip) = w.make(&Eip, "IP", &json!({}));
        let nat = NatGateway
            .create(
                &mut w.svc(),
                &request(
                    "NAT",
                    &json!({"SubnetId": subnet, "AllocationId": eip["AllocationId"]}),
                    &[],
                ),
            )
            .unwrap();
        let Progress::Wait(at) = NatGateway.check_create(&mut w.svc(), &nat) else {
            panic!("pending first");
        };
        w.advance_to(at);
        assert_eq!(
            NatGateway.check_create(&mut w.svc(), &nat),
            Progress::Failed(format!("NatGateway {nat} is in state failed and hence failed to stabilize. Detailed failure message: Network {vpc} is not attached to any internet gateway"))
        );
        // A route to a gateway of another VPC is refused by EC2.
        let (table, _) = w.make(&RouteTable, "T", &json!({"VpcId": vpc}));
        let (igw, _) = w.make(&InternetGateway, "G", &json!({}));
        let reason = w.refuse(
            &Route,
            "R",
            &json!({"RouteTableId": table, "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw}),
        );
        assert!(reason.contains("belong to different networks"), "{reason}");
        assert_eq!(
            w.refuse(&Route, "R", &json!({"RouteTableId": table, "DestinationCidrBlock": "0.0.0.0/0", "TransitGatewayId": "tgw-1"})),
            "Property TransitGatewayId of AWS::EC2::Route is not supported by this emulator yet"
        );
        // Deleting a VPC that still has subnets is EC2's DependencyViolation.
        let reason = Vpc.delete(&mut w.svc(), &vpc, &json!({})).unwrap_err();
        assert!(
            reason.contains("has dependencies and cannot be deleted"),
            "{reason}"
        );
        assert!(
            reason.ends_with("HandlerErrorCode: ResourceConflict)"),
            "{reason}"
        );
    }

    #[test]
    fn security_groups_take_inline_rules_and_standalone_ones() {
        let mut w = World::new();
        let (vpc, _) = network(&mut w);
        let props = json!({
            "GroupDescription": "nodes", "VpcId": vpc,
            "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/16"}],
            "SecurityGroupEgress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"}]
        });
        let (group, attrs) = w.make(&SecurityGroup, "SG", &props);
        assert!(
            group.starts_with("sg-"),
            "Ref is the id when VpcId is given"
        );
        assert_eq!(attrs["GroupId"], group);
        assert_eq!(attrs["VpcId"], vpc);
        let g = &w.ec2.security_groups[&group];
        assert!(g.name.starts_with("eksctl-demo-cluster-SG-"), "{}", g.name);
        assert_eq!(g.ingress.len(), 1);
        assert_eq!(
            g.egress.len(),
            1,
            "the template's egress replaces all-traffic-out"
        );
        assert_eq!(g.egress[0].from_port, Some(443));

        // A standalone rule, from the group itself, all protocols (ports ignored for -1).
        let rule_props = json!({"GroupId": group, "IpProtocol": "-1", "FromPort": 0, "ToPort": 65535, "SourceSecurityGroupId": group, "Description": "nodes"});
        let ingress = SecurityGroupRule { egress: false };
        let (rule, attrs) = w.make(&ingress, "IngressInterNodeGroupSG", &rule_props);
        assert!(rule.starts_with("sgr-"));
        assert_eq!(attrs["Id"], rule);
        assert_eq!(w.ec2.security_groups[&group].ingress.len(), 2);
        let reason = w.refuse(&ingress, "Again", &rule_props);
        assert!(reason.contains("already exists"), "{reason}");
        assert!(
            reason.ends_with("HandlerErrorCode: AlreadyExists)"),
            "{reason}"
        );

        // Changing the inline rules leaves the standalone one alone.
        let mut v2 = props.clone();
        v2["SecurityGroupIngress"] =
            json!([{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "10.0.0.0/16"}]);
        v2.as_object_mut().unwrap().remove("SecurityGroupEgress");
        w.change(&SecurityGroup, "SG", &group, &props, &v2).unwrap();
        let g = &w.ec2.security_groups[&group];
        let ports: Vec<Option<i32>> = g.ingress.iter().map(|r| r.from_port).collect();
        assert_eq!(ports, [None, Some(22)]);
        assert_eq!(g.egress[0].protocol, "-1", "all traffic out is back");

        // The group cannot go while its rule refers to it... it can: self-references do not count.
        w.unmake(&ingress, &rule, &rule_props);
        w.unmake(&ingress, &rule, &rule_props);
        assert_eq!(w.ec2.security_groups[&group].ingress.len(), 1);
        w.unmake(&SecurityGroup, &group, &v2);
        assert!(!w.ec2.security_groups.contains_key(&group));

        // Without VpcId the group lives in the default VPC and `Ref` is its name.
        let (name, attrs) = w.make(
            &SecurityGroup,
            "Legacy",
            &json!({"GroupDescription": "d", "GroupName": "legacy"}),
        );
        assert_eq!(name, "legacy");
        assert_eq!(attrs["VpcId"], w.ec2.default_vpc().unwrap().id.as_str());
        let reason = w.refuse(
            &SecurityGroupRule { egress: true },
            "E",
            &json!({"GroupId": attrs["GroupId"], "IpProtocol": "tcp", "FromPort": 1, "ToPort": 2}),
        );
        assert!(
            reason.contains("one of [CidrIp, DestinationSecurityGroupId] is required"),
            "{reason}"
        );
        w.unmake(&SecurityGroup, &name, &json!({}));
        assert!(w.ec2.security_group_id(None, Some("legacy")).is_err());
    }

    #[test]
    fn updates_apply_in_place_and_refuse_what_they_cannot() {
        let mut w = World::new();
        let (vpc, igw) = network(&mut w);
        let v1 = json!({"CidrBlock": "192.168.0.0/16", "EnableDnsHostnames": true, "EnableDnsSupport": true});
        let v2 = json!({"CidrBlock": "192.168.0.0/16", "Tags": [{"Key": "team", "Value": "b"}]});
        w.change(&Vpc, "VPC", &vpc, &v1, &v2).unwrap();
        assert!(!w.ec2.vpcs[&vpc].dns_hostnames);
        assert!(w.ec2.tags_of(&vpc).contains(&("team", "b")));
        assert!(w
            .ec2
            .tags_of(&vpc)
            .contains(&("aws:cloudformation:logical-id", "VPC")));
        let odd = json!({"CidrBlock": "192.168.0.0/16", "Foo": 1});
        assert_eq!(
            w.change(&Vpc, "VPC", &vpc, &v2, &odd).unwrap_err(),
            "Updating Foo of AWS::EC2::VPC is not supported by this emulator yet"
        );

        let s1 = json!({"VpcId": vpc, "CidrBlock": "192.168.0.0/24"});
        let (subnet, _) = w.make(&Subnet, "S", &s1);
        let s2 =
            json!({"VpcId": vpc, "CidrBlock": "192.168.0.0/24", "MapPublicIpOnLaunch": "true"});
        w.change(&Subnet, "S", &subnet, &s1, &s2).unwrap();
        assert!(w.ec2.subnets[&subnet].map_public_ip_on_launch);

        // A route moves from the internet gateway to a NAT gateway with ReplaceRoute.
        let (eip, attrs) = w.make(&Eip, "IP", &json!({}));
        let (nat, _) = w.make(
            &NatGateway,
            "NAT",
            &json!({"SubnetId": subnet, "AllocationId": attrs["AllocationId"]}),
        );
        let (table, _) = w.make(&RouteTable, "T", &json!({"VpcId": vpc}));
        let r1 =
            json!({"RouteTableId": table, "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw});
        let (route, _) = w.make(&Route, "R", &r1);
        let r2 = json!({"RouteTableId": table, "DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat});
        w.change(&Route, "R", &route, &r1, &r2).unwrap();
        let routes = &w.ec2.route_tables[&table].routes;
        assert_eq!(
            routes.last().unwrap().target,
            crate::ec2::model::RouteTarget::NatGateway(nat.clone())
        );
        assert!(eip.contains('.'));
    }

    #[test]
    fn a_launch_template_versions_its_data_on_update() {
        let mut w = World::new();
        let v1 = json!({
            "LaunchTemplateData": {"InstanceType": "m5.large", "SecurityGroupIds": ["sg-1"],
                                   "MetadataOptions": {"HttpTokens": "required"}},
            "TagSpecifications": [{"ResourceType": "launch-template", "Tags": [{"Key": "k", "Value": "v"}]},
                                  {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "node"}]}]
        });
        let (id, attrs) = w.make(&LaunchTemplate, "LaunchTemplate", &v1);
        assert!(id.starts_with("lt-"));
        assert_eq!(attrs["LaunchTemplateId"], id);
        assert_eq!(attrs["LatestVersionNumber"], "1");
        assert_eq!(attrs["DefaultVersionNumber"], "1");
        let template = &w.ec2.launch_templates[&id];
        assert!(template
            .name
            .starts_with("eksctl-demo-cluster-LaunchTemplate-"));
        assert_eq!(
            template.versions[0].data.instance_type.as_deref(),
            Some("m5.large")
        );
        assert_eq!(template.versions[0].data.security_group_ids, ["sg-1"]);
        assert!(w.ec2.tags_of(&id).contains(&("k", "v")));
        assert!(!w.ec2.tags_of(&id).contains(&("Name", "node")));

        let mut v2 = v1.clone();
        v2["LaunchTemplateData"]["InstanceType"] = json!("m5.xlarge");
        let attrs = w
            .change(&LaunchTemplate, "LaunchTemplate", &id, &v1, &v2)
            .unwrap();
        assert_eq!(attrs["LatestVersionNumber"], "2");
        assert_eq!(attrs["DefaultVersionNumber"], "2");
        let name = w.ec2.launch_templates[&id].name.clone();
        let taken = json!({"LaunchTemplateName": name, "LaunchTemplateData": {}});
        let reason = w.refuse(&LaunchTemplate, "Other", &taken);
        assert!(
            reason.contains("Launch template name already in use."),
            "{reason}"
        );
        w.unmake(&LaunchTemplate, &id, &v2);
        assert!(w.ec2.launch_templates.is_empty());
        assert_eq!(w.now, Timestamp(0));
    }
}
