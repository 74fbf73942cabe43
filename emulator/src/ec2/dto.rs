//! EC2 wire shapes (ec2Query, 2016-11-15): decoding of the flattened request members
//! (`Filter.1.Name`, `TagSpecification.1.Tag.1.Key`, `IpPermissions.1.IpRanges.1.CidrIp`) and the
//! camelCase XML elements of each resource, lists as `<item>`s, in EC2's response envelope.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::error::Ec2Error;
use super::model::{
    parse_cidr, Address, Ec2Region, Filter, InternetGateway, LaunchTemplate, LaunchTemplateData,
    LaunchTemplateVersion, NatGateway, NatGatewayState, NewTags, Peer, RouteTable, RouteTarget,
    Rule, SecurityGroup, Subnet, Vpc,
};
use super::zones::Zone;
use super::XMLNS;
use crate::clock::Timestamp;
use crate::wire::query::QueryRequest;
use crate::wire::xml::Writer;

/// EC2's success envelope: `<{Action}Response xmlns><requestId/>…</{Action}Response>`.
#[must_use]
pub fn envelope(action: &str, request_id: &str, inner: &str) -> Response {
    let mut w = Writer::new();
    let root = format!("{action}Response");
    w.open_ns(&root, XMLNS);
    w.leaf("requestId", request_id);
    w.raw(inner);
    w.close(&root);
    (
        StatusCode::OK,
        [("content-type", "text/xml;charset=UTF-8")],
        w.finish(),
    )
        .into_response()
}

/// `<return>true</return>`, the whole answer of most mutating calls.
#[must_use]
pub fn return_true() -> String {
    "<return>true</return>".to_owned()
}

/// A required member, or EC2's `MissingParameter`.
pub fn required<'a>(req: &'a QueryRequest, name: &'static str) -> Result<&'a str, Ec2Error> {
    req.get(name)
        .ok_or(Ec2Error::MissingParameter { parameter: name })
}

/// Groups `prefix.N.rest=value` members of `fields` by N, in index order.
fn groups(fields: &BTreeMap<String, String>, prefix: &str) -> Vec<BTreeMap<String, String>> {
    let mut out: BTreeMap<u32, BTreeMap<String, String>> = BTreeMap::new();
    for (key, value) in fields {
        let Some(rest) = key.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')) else {
            continue;
        };
        let (index, field) = rest.split_once('.').unwrap_or((rest, ""));
        if let Ok(index) = index.parse::<u32>() {
            out.entry(index)
                .or_default()
                .insert(field.to_owned(), value.clone());
        }
    }
    out.into_values().collect()
}

fn all_params(req: &QueryRequest) -> BTreeMap<String, String> {
    req.params.clone()
}

/// `Filter.N.Name` / `Filter.N.Value.M`.
#[must_use]
pub fn filters(req: &QueryRequest) -> Vec<Filter> {
    groups(&all_params(req), "Filter")
        .into_iter()
        .filter_map(|fields| {
            let name = fields.get("Name")?.clone();
            let values = groups(&fields, "Value")
                .into_iter()
                .filter_map(|v| v.get("").cloned())
                .collect();
            Some(Filter { name, values })
        })
        .collect()
}

/// The tags `TagSpecification.N` gives for `resource_type` (or for no type in particular).
#[must_use]
pub fn tag_specifications(req: &QueryRequest, resource_type: &str) -> NewTags {
    groups(&all_params(req), "TagSpecification")
        .into_iter()
        .filter(|spec| spec.get("ResourceType").is_none_or(|t| t == resource_type))
        .flat_map(|spec| {
            groups(&spec, "Tag")
                .into_iter()
                .filter_map(|tag| {
                    Some((
                        tag.get("Key")?.clone(),
                        tag.get("Value").cloned().unwrap_or_default(),
                    ))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `Tag.N.Key` / `Tag.N.Value` (`Value` absent where `DeleteTags` names a key only).
#[must_use]
pub fn tag_list(req: &QueryRequest) -> Vec<(String, Option<String>)> {
    groups(&all_params(req), "Tag")
        .into_iter()
        .filter_map(|tag| Some((tag.get("Key")?.clone(), tag.get("Value").cloned())))
        .collect()
}

/// `Name.Value=true|false`, as EC2 spells boolean attributes.
#[must_use]
pub fn attribute_bool(req: &QueryRequest, name: &str) -> Option<bool> {
    req.get_bool(&format!("{name}.Value"))
}

/// The rules of an authorize/revoke call: `IpPermissions.N…`, or the flat `IpProtocol`, `FromPort`,
/// `ToPort`, `CidrIp` members; one [`Rule`] per peer.
pub fn rules(req: &QueryRequest) -> Result<Vec<Rule>, Ec2Error> {
    let params = all_params(req);
    let mut out = Vec::new();
    let mut permissions = groups(&params, "IpPermissions");
    if permissions.is_empty() {
        if let Some(p) = req.get("IpProtocol") {
            let mut flat = BTreeMap::new();
            flat.insert("IpProtocol".to_owned(), p.to_owned());
            for (name, key) in [("FromPort", "FromPort"), ("ToPort", "ToPort")] {
                if let Some(v) = req.get(name) {
                    flat.insert(key.to_owned(), v.to_owned());
                }
            }
            if let Some(c) = req.get("CidrIp") {
                flat.insert("IpRanges.1.CidrIp".to_owned(), c.to_owned());
            }
            permissions.push(flat);
        }
    }
    for permission in permissions {
        let protocol = permission.get("IpProtocol").map_or("", String::as_str);
        let from_port = permission.get("FromPort").map(String::as_str);
        let to_port = permission.get("ToPort").map(String::as_str);
        let rule = |peer, description: Option<&String>| {
            Rule::parse(protocol, from_port, to_port, peer, description.cloned())
        };
        for range in groups(&permission, "IpRanges") {
            let text = range.get("CidrIp").map_or("", String::as_str);
            out.push(rule(
                Peer::Cidr(parse_cidr(text, "cidrIp")?),
                range.get("Description"),
            )?);
        }
        for group in groups(&permission, "Groups") {
            if let Some(id) = group.get("GroupId") {
                out.push(rule(Peer::Group(id.clone()), group.get("Description"))?);
            }
        }
        if groups(&permission, "IpRanges").is_empty() && groups(&permission, "Groups").is_empty() {
            // A permission without peers still has its protocol checked.
            rule(Peer::Group(String::new()), None)?;
        }
    }
    Ok(out)
}

fn bool_text(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

fn write_tags(w: &mut Writer, ec2: &Ec2Region, id: &str) {
    w.items("tagSet", ec2.tags_of(id), |w, (key, value)| {
        w.leaf("key", key);
        w.leaf("value", value);
    });
}

/// Who is asking and where: the owner id and region in ARNs and `ownerId`s.
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    /// The account id.
    pub account: &'a str,
    /// The region.
    pub region: &'a str,
}

/// The children of a VPC item; `state` is `pending` in `CreateVpc`'s answer, as on AWS.
pub fn write_vpc(w: &mut Writer, ec2: &Ec2Region, vpc: &Vpc, owner: Owner<'_>, state: &str) {
    w.leaf("vpcId", &vpc.id);
    w.leaf("ownerId", owner.account);
    w.leaf("state", state);
    w.leaf("cidrBlock", &vpc.cidr.to_string());
    w.items("cidrBlockAssociationSet", [vpc], |w, vpc| {
        w.leaf("cidrBlock", &vpc.cidr.to_string());
        w.leaf("associationId", &vpc.cidr_association_id);
        w.open("cidrBlockState");
        w.leaf("state", "associated");
        w.close("cidrBlockState");
    });
    w.leaf("dhcpOptionsId", &vpc.dhcp_options_id);
    w.leaf("instanceTenancy", &vpc.instance_tenancy);
    w.leaf("isDefault", bool_text(vpc.is_default));
    write_tags(w, ec2, &vpc.id);
    w.open("blockPublicAccessStates");
    w.leaf("internetGatewayBlockMode", "off");
    w.close("blockPublicAccessStates");
}

/// The children of a subnet item.
pub fn write_subnet(w: &mut Writer, ec2: &Ec2Region, subnet: &Subnet, owner: Owner<'_>) {
    w.leaf("subnetId", &subnet.id);
    w.leaf(
        "subnetArn",
        &format!(
            "arn:aws:ec2:{}:{}:subnet/{}",
            owner.region, owner.account, subnet.id
        ),
    );
    w.leaf("state", "available");
    w.leaf("ownerId", owner.account);
    w.leaf("vpcId", &subnet.vpc_id);
    w.leaf("cidrBlock", &subnet.cidr.to_string());
    w.items("ipv6CidrBlockAssociationSet", Vec::<()>::new(), |_, ()| {});
    w.leaf(
        "availableIpAddressCount",
        &ec2.available_ip_count(subnet).to_string(),
    );
    w.leaf("availabilityZone", &subnet.availability_zone);
    w.leaf("availabilityZoneId", &subnet.availability_zone_id);
    w.leaf("defaultForAz", bool_text(subnet.default_for_az));
    w.leaf(
        "mapPublicIpOnLaunch",
        bool_text(subnet.map_public_ip_on_launch),
    );
    w.leaf("mapCustomerOwnedIpOnLaunch", "false");
    w.leaf("assignIpv6AddressOnCreation", "false");
    w.leaf("enableDns64", "false");
    w.leaf("ipv6Native", "false");
    w.open("privateDnsNameOptionsOnLaunch");
    w.leaf("hostnameType", "ip-name");
    w.leaf("enableResourceNameDnsARecord", "false");
    w.leaf("enableResourceNameDnsAAAARecord", "false");
    w.close("privateDnsNameOptionsOnLaunch");
    write_tags(w, ec2, &subnet.id);
    w.open("blockPublicAccessStates");
    w.leaf("internetGatewayBlockMode", "off");
    w.close("blockPublicAccessStates");
}

/// The children of an internet gateway item.
pub fn write_internet_gateway(
    w: &mut Writer,
    ec2: &Ec2Region,
    gateway: &InternetGateway,
    owner: Owner<'_>,
) {
    w.leaf("internetGatewayId", &gateway.id);
    w.leaf("ownerId", owner.account);
    w.items("attachmentSet", gateway.vpc_id.iter(), |w, vpc| {
        w.leaf("vpcId", vpc);
        w.leaf("state", "available");
    });
    write_tags(w, ec2, &gateway.id);
}

/// The children of a route table item.
pub fn write_route_table(w: &mut Writer, ec2: &Ec2Region, table: &RouteTable, owner: Owner<'_>) {
    w.leaf("routeTableId", &table.id);
    w.leaf("vpcId", &table.vpc_id);
    w.leaf("ownerId", owner.account);
    w.items("routeSet", &table.routes, |w, route| {
        w.leaf("destinationCidrBlock", &route.destination.to_string());
        match &route.target {
            RouteTarget::Local => w.leaf("gatewayId", "local"),
            RouteTarget::InternetGateway(id) => w.leaf("gatewayId", id),
            RouteTarget::NatGateway(id) => w.leaf("natGatewayId", id),
        }
        let active = ec2.route_is_active(table, route);
        w.leaf("state", if active { "active" } else { "blackhole" });
        let origin = if route.target == RouteTarget::Local {
            "CreateRouteTable"
        } else {
            "CreateRoute"
        };
        w.leaf("origin", origin);
    });
    let main = table
        .main_association_id
        .iter()
        .map(|id| (id.as_str(), None));
    let explicit = table
        .associations
        .iter()
        .map(|a| (a.id.as_str(), Some(a.subnet_id.as_str())));
    w.items("associationSet", main.chain(explicit), |w, (id, subnet)| {
        w.leaf("routeTableAssociationId", id);
        w.leaf("routeTableId", &table.id);
        w.opt_leaf("subnetId", subnet);
        w.leaf("main", bool_text(subnet.is_none()));
        w.open("associationState");
        w.leaf("state", "associated");
        w.close("associationState");
    });
    w.items("propagatingVgwSet", Vec::<()>::new(), |_, ()| {});
    write_tags(w, ec2, &table.id);
}

/// The children of a NAT gateway item.
pub fn write_nat_gateway(w: &mut Writer, ec2: &Ec2Region, nat: &NatGateway) {
    w.leaf("createTime", &nat.created_at.iso8601_millis());
    w.opt_leaf(
        "deleteTime",
        nat.deleted_at.map(Timestamp::iso8601_millis).as_deref(),
    );
    if nat.state == NatGatewayState::Failed {
        let (code, message) = super::model::nat_failure(&nat.vpc_id);
        w.leaf("failureCode", code);
        w.leaf("failureMessage", &message);
    }
    w.items("natGatewayAddressSet", [nat], |w, nat| {
        w.opt_leaf("allocationId", nat.allocation_id.as_deref());
        w.leaf("networkInterfaceId", &nat.network_interface_id);
        w.leaf("privateIp", &nat.private_ip);
        w.opt_leaf("publicIp", ec2.public_ip_of(nat));
        w.opt_leaf("associationId", ec2.association_of(nat));
        w.leaf("isPrimary", "true");
        let status = match nat.state {
            NatGatewayState::Pending => "associating",
            NatGatewayState::Available => "succeeded",
            NatGatewayState::Failed => "failed",
            NatGatewayState::Deleted => "disassociated",
        };
        w.leaf("status", status);
    });
    w.leaf("natGatewayId", &nat.id);
    w.leaf("state", nat.state.as_str());
    w.leaf("subnetId", &nat.subnet_id);
    w.leaf("vpcId", &nat.vpc_id);
    write_tags(w, ec2, &nat.id);
    w.leaf("connectivityType", &nat.connectivity_type);
}

/// The children of an address item.
pub fn write_address(w: &mut Writer, ec2: &Ec2Region, address: &Address, owner: Owner<'_>) {
    w.leaf("publicIp", &address.public_ip);
    w.leaf("allocationId", &address.allocation_id);
    w.leaf("domain", "vpc");
    if let Some(association) = &address.association {
        w.leaf("associationId", &association.id);
        w.leaf("networkInterfaceId", &association.network_interface_id);
        w.leaf("networkInterfaceOwnerId", owner.account);
        w.leaf("privateIpAddress", &association.private_ip);
    }
    write_tags(w, ec2, &address.allocation_id);
    w.leaf("publicIpv4Pool", "amazon");
    w.leaf("networkBorderGroup", owner.region);
}

/// A protocol and port range, under which EC2 lists a group's rules.
type PortRange<'a> = (&'a str, Option<i32>, Option<i32>);

fn write_permissions(w: &mut Writer, name: &str, rules: &[Rule], owner: Owner<'_>) {
    // EC2 groups rules by protocol and port range, each with its ranges and groups.
    let mut grouped: Vec<(PortRange<'_>, Vec<&Rule>)> = Vec::new();
    for rule in rules {
        let key = (rule.protocol.as_str(), rule.from_port, rule.to_port);
        match grouped.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(rule),
            None => grouped.push((key, vec![rule])),
        }
    }
    w.items(name, grouped, |w, ((protocol, from, to), members)| {
        w.leaf("ipProtocol", protocol);
        w.opt_leaf("fromPort", from.map(|p| p.to_string()).as_deref());
        w.opt_leaf("toPort", to.map(|p| p.to_string()).as_deref());
        let groups = members.iter().filter_map(|r| match &r.peer {
            Peer::Group(id) => Some((id, r.description.as_deref())),
            Peer::Cidr(_) => None,
        });
        w.items("groups", groups, |w, (id, description)| {
            w.leaf("userId", owner.account);
            w.leaf("groupId", id);
            w.opt_leaf("description", description);
        });
        let ranges = members.iter().filter_map(|r| match &r.peer {
            Peer::Cidr(cidr) => Some((cidr.to_string(), r.description.as_deref())),
            Peer::Group(_) => None,
        });
        w.items("ipRanges", ranges, |w, (cidr, description)| {
            w.leaf("cidrIp", &cidr);
            w.opt_leaf("description", description);
        });
        w.items("ipv6Ranges", Vec::<()>::new(), |_, ()| {});
        w.items("prefixListIds", Vec::<()>::new(), |_, ()| {});
    });
}

/// The children of a security group item.
pub fn write_security_group(
    w: &mut Writer,
    ec2: &Ec2Region,
    group: &SecurityGroup,
    owner: Owner<'_>,
) {
    w.leaf("ownerId", owner.account);
    w.leaf("groupId", &group.id);
    w.leaf("groupName", &group.name);
    w.leaf("groupDescription", &group.description);
    w.leaf("vpcId", &group.vpc_id);
    write_permissions(w, "ipPermissions", &group.ingress, owner);
    write_permissions(w, "ipPermissionsEgress", &group.egress, owner);
    write_tags(w, ec2, &group.id);
    w.leaf("securityGroupArn", &security_group_arn(group, owner));
}

/// `arn:aws:ec2:<region>:<account>:security-group/<id>`.
#[must_use]
pub fn security_group_arn(group: &SecurityGroup, owner: Owner<'_>) -> String {
    format!(
        "arn:aws:ec2:{}:{}:security-group/{}",
        owner.region, owner.account, group.id
    )
}

/// `LaunchTemplateData.*`: the members the model keeps (`SecurityGroupIds` travel as
/// `LaunchTemplateData.SecurityGroupId.N`).
#[must_use]
pub fn launch_template_data(req: &QueryRequest) -> LaunchTemplateData {
    let get = |name: &str| {
        req.get(&format!("LaunchTemplateData.{name}"))
            .map(str::to_owned)
    };
    LaunchTemplateData {
        image_id: get("ImageId"),
        instance_type: get("InstanceType"),
        key_name: get("KeyName"),
        security_group_ids: {
            let ids = req.list("LaunchTemplateData.SecurityGroupId");
            if ids.is_empty() {
                // The primary network interface's groups stand for them (see the CloudFormation
                // provider).
                req.list("LaunchTemplateData.NetworkInterface.1.SecurityGroupId")
            } else {
                ids
            }
        },
        user_data: get("UserData"),
        iam_instance_profile: get("IamInstanceProfile.Arn")
            .or_else(|| get("IamInstanceProfile.Name")),
    }
}

/// The children of a launch template item (`CreateLaunchTemplate`, `DescribeLaunchTemplates`, …).
pub fn write_launch_template(
    w: &mut Writer,
    ec2: &Ec2Region,
    template: &LaunchTemplate,
    owner: Owner<'_>,
) {
    w.leaf("createTime", &template.created_at.iso8601_millis());
    w.leaf("createdBy", &format!("arn:aws:iam::{}:root", owner.account));
    w.leaf(
        "defaultVersionNumber",
        &template.default_version.to_string(),
    );
    w.leaf(
        "latestVersionNumber",
        &template.latest_version().to_string(),
    );
    w.leaf("launchTemplateId", &template.id);
    w.leaf("launchTemplateName", &template.name);
    write_tags(w, ec2, &template.id);
}

/// The children of a launch template version item.
pub fn write_launch_template_version(
    w: &mut Writer,
    template: &LaunchTemplate,
    version: &LaunchTemplateVersion,
    owner: Owner<'_>,
) {
    w.leaf("createTime", &version.created_at.iso8601_millis());
    w.leaf("createdBy", &format!("arn:aws:iam::{}:root", owner.account));
    w.leaf(
        "defaultVersion",
        bool_text(version.number == template.default_version),
    );
    let data = &version.data;
    w.open("launchTemplateData");
    if let Some(profile) = &data.iam_instance_profile {
        w.open("iamInstanceProfile");
        if profile.starts_with("arn:") {
            w.leaf("arn", profile);
        } else {
            w.leaf("name", profile);
        }
        w.close("iamInstanceProfile");
    }
    w.opt_leaf("imageId", data.image_id.as_deref());
    w.opt_leaf("instanceType", data.instance_type.as_deref());
    w.opt_leaf("keyName", data.key_name.as_deref());
    if !data.security_group_ids.is_empty() {
        w.items("securityGroupIdSet", &data.security_group_ids, |w, id| {
            w.text(id);
        });
    }
    w.opt_leaf("userData", data.user_data.as_deref());
    w.close("launchTemplateData");
    w.leaf("launchTemplateId", &template.id);
    w.leaf("launchTemplateName", &template.name);
    w.opt_leaf("versionDescription", version.description.as_deref());
    w.leaf("versionNumber", &version.number.to_string());
}

/// The children of an Availability Zone item.
pub fn write_zone(w: &mut Writer, zone: &Zone, region: &str) {
    w.leaf("zoneName", &zone.name);
    w.leaf("zoneId", &zone.id);
    w.leaf("zoneState", "available");
    w.leaf("regionName", region);
    w.leaf("groupName", &format!("{region}-zg-1"));
    w.leaf("networkBorderGroup", region);
    w.leaf("optInStatus", "opt-in-not-required");
    w.leaf("zoneType", "availability-zone");
    w.items("messageSet", Vec::<()>::new(), |_, ()| {});
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_and_tag_specifications_decode_from_flattened_members() {
        let req = QueryRequest::from_form(
            b"Action=DescribeSubnets&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1&Filter.1.Value.2=vpc-2\
&Filter.2.Name=tag%3AName&Filter.2.Value.1=a*\
&TagSpecification.1.ResourceType=subnet&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=x\
&TagSpecification.2.ResourceType=vpc&TagSpecification.2.Tag.1.Key=Other&TagSpecification.2.Tag.1.Value=y",
        );
        assert_eq!(
            filters(&req),
            [
                Filter {
                    name: "vpc-id".into(),
                    values: vec!["vpc-1".into(), "vpc-2".into()]
                },
                Filter {
                    name: "tag:Name".into(),
                    values: vec!["a*".into()]
                },
            ]
        );
        assert_eq!(
            tag_specifications(&req, "subnet"),
            [("Name".to_owned(), "x".to_owned())]
        );
    }

    #[test]
    fn permissions_expand_into_one_rule_per_peer() {
        let req = QueryRequest::from_form(
            b"GroupId=sg-1&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=443&IpPermissions.1.ToPort=443\
&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0%2F16&IpPermissions.1.IpRanges.2.CidrIp=10.1.0.0%2F16\
&IpPermissions.1.Groups.1.GroupId=sg-2&IpPermissions.2.IpProtocol=-1&IpPermissions.2.FromPort=1",
        );
        let rules = rules(&req).unwrap();
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[2].peer, Peer::Group("sg-2".into()));
        assert_eq!(
            rules[0].describe(),
            "peer: 10.0.0.0/16, TCP, from port: 443, to port: 443, ALLOW"
        );
        let bad = QueryRequest::from_form(b"IpPermissions.1.IpProtocol=gre");
        assert!(matches!(
            super::rules(&bad),
            Err(Ec2Error::InvalidValue { .. })
        ));
    }
}
