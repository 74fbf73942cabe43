//! EC2 handlers: query members in, model call under the world lock (after making the region's
//! default VPC on first use), XML out. Thin by design; the rules live in `model.rs`.
//! API reference: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/>.

use super::dto::{
    attribute_bool, filters, launch_template_data, required, return_true, rules,
    security_group_arn, tag_list, tag_specifications, write_address, write_internet_gateway,
    write_launch_template, write_launch_template_version, write_nat_gateway, write_route_table,
    write_security_group, write_subnet, write_vpc, write_zone, Owner,
};
use super::error::Ec2Error;
use super::model::Ec2Region;
use crate::ids::IdGen;
use crate::state::{Emulator, Env};
use crate::wire::query::QueryRequest;
use crate::wire::xml::Writer;
use crate::wire::RequestContext;

/// One request's inputs.
pub struct Req<'a> {
    pub emu: &'a Emulator,
    pub ctx: &'a RequestContext,
    pub query: &'a QueryRequest,
}

/// A handler's outcome: the children of `<ActionResponse>` after `requestId`.
pub type Answer = Result<String, Ec2Error>;

impl Req<'_> {
    /// Runs `f` on the region's EC2, whose default VPC exists by then.
    fn with_ec2<R>(
        &self,
        f: impl FnOnce(&mut Ec2Region, &mut IdGen, &Env<'_>) -> Result<R, Ec2Error>,
    ) -> Result<R, Ec2Error> {
        self.emu.with_world(|world, now| {
            let scope = world.scope(&self.ctx.account, &self.ctx.region);
            let ec2 = &mut scope.region.ec2;
            ec2.ensure_default_vpc(scope.ids, &self.ctx.region);
            let env = Env {
                now,
                timing: self.emu.timing(),
                account: &self.ctx.account,
                region: &self.ctx.region,
            };
            f(ec2, scope.ids, &env)
        })
    }

    fn owner(&self) -> Owner<'_> {
        Owner {
            account: &self.ctx.account,
            region: &self.ctx.region,
        }
    }

    fn get(&self, name: &'static str) -> Result<&str, Ec2Error> {
        required(self.query, name)
    }
}

/// [DescribeAvailabilityZones](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAvailabilityZones.html)
pub fn describe_availability_zones(req: &Req<'_>) -> Answer {
    let names = req.query.list("ZoneName");
    let zone_ids = req.query.list("ZoneId");
    let filters = filters(req.query);
    req.with_ec2(|ec2, _, env| {
        let zones = ec2.zones();
        for wanted in &names {
            if !zones.iter().any(|z| &z.name == wanted) {
                return Err(Ec2Error::UnknownZone {
                    zone: wanted.clone(),
                });
            }
        }
        for wanted in &zone_ids {
            if !zones.iter().any(|z| &z.id == wanted) {
                return Err(Ec2Error::UnknownZone {
                    zone: wanted.clone(),
                });
            }
        }
        for filter in &filters {
            if !matches!(
                filter.name.as_str(),
                "zone-name" | "zone-id" | "region-name" | "state" | "zone-type"
            ) {
                return Err(Ec2Error::InvalidFilter {
                    name: filter.name.clone(),
                });
            }
        }
        let selected = zones.iter().filter(|z| {
            (names.is_empty() || names.contains(&z.name))
                && (zone_ids.is_empty() || zone_ids.contains(&z.id))
                && filters.iter().all(|f| {
                    let actual = match f.name.as_str() {
                        "zone-name" => z.name.as_str(),
                        "zone-id" => z.id.as_str(),
                        "region-name" => env.region,
                        "state" => "available",
                        _ => "availability-zone",
                    };
                    f.values.iter().any(|p| super::model::glob_match(p, actual))
                })
        });
        let mut w = Writer::new();
        w.items("availabilityZoneInfo", selected, |w, zone| {
            write_zone(w, zone, env.region)
        });
        Ok(w.finish())
    })
}

/// [CreateVpc](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpc.html)
pub fn create_vpc(req: &Req<'_>) -> Answer {
    let cidr = req.get("CidrBlock")?;
    let tenancy = req.query.get("InstanceTenancy").map(str::to_owned);
    let tags = tag_specifications(req.query, "vpc");
    req.with_ec2(|ec2, ids, _| {
        let id = ec2.create_vpc(ids, cidr, tenancy, tags)?.id.clone();
        let mut w = Writer::new();
        w.open("vpc");
        write_vpc(&mut w, ec2, ec2.vpc(&id)?, req.owner(), "pending");
        w.close("vpc");
        Ok(w.finish())
    })
}

/// [DescribeVpcs](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcs.html)
pub fn describe_vpcs(req: &Req<'_>) -> Answer {
    let ids = req.query.list("VpcId");
    let filters = filters(req.query);
    req.with_ec2(|ec2, _, _| {
        let vpcs = ec2.describe_vpcs(&ids, &filters)?;
        let mut w = Writer::new();
        w.items("vpcSet", vpcs, |w, vpc| {
            write_vpc(w, ec2, vpc, req.owner(), "available")
        });
        Ok(w.finish())
    })
}

/// [ModifyVpcAttribute](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVpcAttribute.html)
pub fn modify_vpc_attribute(req: &Req<'_>) -> Answer {
    let id = req.get("VpcId")?;
    let support = attribute_bool(req.query, "EnableDnsSupport");
    let hostnames = attribute_bool(req.query, "EnableDnsHostnames");
    req.with_ec2(|ec2, _, _| ec2.modify_vpc_attribute(id, support, hostnames))?;
    Ok(return_true())
}

/// [DeleteVpc](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpc.html)
pub fn delete_vpc(req: &Req<'_>) -> Answer {
    let id = req.get("VpcId")?;
    req.with_ec2(|ec2, _, _| ec2.delete_vpc(id))?;
    Ok(return_true())
}

/// [CreateSubnet](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnet.html)
pub fn create_subnet(req: &Req<'_>) -> Answer {
    let vpc = req.get("VpcId")?;
    let cidr = req.get("CidrBlock")?;
    let zone = req.query.get("AvailabilityZone");
    let zone_id = req.query.get("AvailabilityZoneId");
    let tags = tag_specifications(req.query, "subnet");
    req.with_ec2(|ec2, ids, _| {
        let id = ec2
            .create_subnet(ids, vpc, cidr, zone, zone_id, tags)?
            .id
            .clone();
        let mut w = Writer::new();
        w.open("subnet");
        write_subnet(&mut w, ec2, ec2.subnet(&id)?, req.owner());
        w.close("subnet");
        Ok(w.finish())
    })
}

/// [DescribeSubnets](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSubnets.html)
pub fn describe_subnets(req: &Req<'_>) -> Answer {
    let ids = req.query.list("SubnetId");
    let filters = filters(req.query);
    req.with_ec2(|ec2, _, _| {
        let subnets = ec2.describe_subnets(&ids, &filters)?;
        let mut w = Writer::new();
        w.items("subnetSet", subnets, |w, subnet| {
            write_subnet(w, ec2, subnet, req.owner())
        });
        Ok(w.finish())
    })
}

/// [ModifySubnetAttribute](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifySubnetAttribute.html)
pub fn modify_subnet_attribute(req: &Req<'_>) -> Answer {
    let id = req.get("SubnetId")?;
    let map_public = attribute_bool(req.query, "MapPublicIpOnLaunch");
    req.with_ec2(|ec2, _, _| ec2.modify_subnet_attribute(id, map_public))?;
    Ok(return_true())
}

/// [DeleteSubnet](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSubnet.html)
pub fn delete_subnet(req: &Req<'_>) -> Answer {
    let id = req.get("SubnetId")?;
    req.with_ec2(|ec2, _, _| ec2.delete_subnet(id))?;
    Ok(return_true())
}

/// [CreateInternetGateway](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateInternetGateway.html)
pub fn create_internet_gateway(req: &Req<'_>) -> Answer {
    let tags = tag_specifications(req.query, "internet-gateway");
    req.with_ec2(|ec2, ids, _| {
        let id = ec2.create_internet_gateway(ids, tags).id.clone();
        let mut w = Writer::new();
        w.open("internetGateway");
        write_internet_gateway(&mut w, ec2, &ec2.internet_gateways[&id], req.owner());
        w.close("internetGateway");
        Ok(w.finish())
    })
}

/// [AttachInternetGateway](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AttachInternetGateway.html)
pub fn attach_internet_gateway(req: &Req<'_>) -> Answer {
    let id = req.get("InternetGatewayId")?;
    let vpc = req.get("VpcId")?;
    req.with_ec2(|ec2, _, _| ec2.attach_internet_gateway(id, vpc))?;
    Ok(return_true())
}

/// [DetachInternetGateway](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DetachInternetGateway.html)
pub fn detach_internet_gateway(req: &Req<'_>) -> Answer {
    let id = req.get("InternetGatewayId")?;
    let vpc = req.get("VpcId")?;
    req.with_ec2(|ec2, _, _| ec2.detach_internet_gateway(id, vpc))?;
    Ok(return_true())
}

/// [DeleteInternetGateway](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteInternetGateway.html)
pub fn delete_internet_gateway(req: &Req<'_>) -> Answer {
    let id = req.get("InternetGatewayId")?;
    req.with_ec2(|ec2, _, _| ec2.delete_internet_gateway(id))?;
    Ok(return_true())
}

/// [DescribeInternetGateways](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInternetGateways.html)
pub fn describe_internet_gateways(req: &Req<'_>) -> Answer {
    let ids = req.query.list("InternetGatewayId");
    let filters = filters(req.query);
    req.with_ec2(|ec2, _, _| {
        let gateways = ec2.describe_internet_gateways(&ids, &filters)?;
        let mut w = Writer::new();
        w.items("internetGatewaySet", gateways, |w, g| {
            write_internet_gateway(w, ec2, g, req.owner());
        });
        Ok(w.finish())
    })
}

/// [AllocateAddress](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AllocateAddress.html)
pub fn allocate_address(req: &Req<'_>) -> Answer {
    let tags = tag_specifications(req.query, "elastic-ip");
    req.with_ec2(|ec2, ids, env| {
        let address = ec2.allocate_address(ids, tags);
        let mut w = Writer::new();
        w.leaf("publicIp", &address.public_ip);
        w.leaf("domain", "vpc");
        w.leaf("allocationId", &address.allocation_id);
        w.leaf("publicIpv4Pool", "amazon");
        w.leaf("networkBorderGroup", env.region);
        Ok(w.finish())
    })
}

/// [ReleaseAddress](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ReleaseAddress.html)
pub fn release_address(req: &Req<'_>) -> Answer {
    let allocation = req.query.get("AllocationId");
    let ip = req.query.get("PublicIp");
    req.with_ec2(|ec2, _, _| ec2.release_address(allocation, ip))?;
    Ok(return_true())
}

/// [DescribeAddresses](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAddresses.html)
pub fn describe_addresses(req: &Req<'_>) -> Answer {
    let allocations = req.query.list("AllocationId");
    let ips = req.query.list("PublicIp");
    let filters = filters(req.query);
    req.with_ec2(|ec2, _, _| {
        let addresses = ec2.describe_addresses(&allocations, &ips, &filters)?;
        let mut w = Writer::new();
        w.items("addressesSet", addresses, |w, a| {
            write_address(w, ec2, a, req.owner())
        });
        Ok(w.finish())
    })
}

/// [CreateNatGateway](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNatGateway.html)
pub fn create_nat_gateway(req: &Req<'_>) -> Answer {
    let subnet = req.get("SubnetId")?;
    let allocation = req.query.get("AllocationId");
    let connectivity = req.query.get("ConnectivityType");
    let token = req.query.get("ClientToken");
    let tags = tag_specifications(req.query, "natgateway");
    req.with_ec2(|ec2, ids, env| {
        let id = ec2
            .create_nat_gateway(env, ids, subnet, allocation, connectivity, tags)?
            .id
            .clone();
        let mut w = Writer::new();
        w.opt_leaf("clientToken", token);
        w.open("natGateway");
        write_nat_gateway(&mut w, ec2, &ec2.nat_gateways[&id]);
        w.close("natGateway");
        Ok(w.finish())
    })
}

/// [DeleteNatGateway](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteNatGateway.html)
pub fn delete_nat_gateway(req: &Req<'_>) -> Answer {
    let id = req.get("NatGatewayId")?;
    req.with_ec2(|ec2, _, env| {
        let nat = ec2.delete_nat_gateway(env.now, id)?;
        let mut w = Writer::new();
        w.leaf("natGatewayId", &nat.id);
        Ok(w.finish())
    })
}

/// [DescribeNatGateways](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNatGateways.html)
pub fn describe_nat_gateways(req: &Req<'_>) -> Answer {
    let ids = req.query.list("NatGatewayId");
    let filters = filters(req.query);
    req.with_ec2(|ec2, _, env| {
        let gateways = ec2.describe_nat_gateways(env.now, &ids, &filters)?;
        let mut w = Writer::new();
        w.items("natGatewaySet", gateways, |w, nat| {
            write_nat_gateway(w, ec2, nat)
        });
        Ok(w.finish())
    })
}

/// [CreateRouteTable](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRouteTable.html)
pub fn create_route_table(req: &Req<'_>) -> Answer {
    let vpc = req.get("VpcId")?;
    let tags = tag_specifications(req.query, "route-table");
    req.with_ec2(|ec2, ids, _| {
        let id = ec2.create_route_table(ids, vpc, tags)?.id.clone();
        let mut w = Writer::new();
        w.open("routeTable");
        write_route_table(&mut w, ec2, &ec2.route_tables[&id], req.owner());
        w.close("routeTable");
        Ok(w.finish())
    })
}

/// [CreateRoute](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html)
pub fn create_route(req: &Req<'_>) -> Answer {
    let table = req.get("RouteTableId")?;
    let destination = req.get("DestinationCidrBlock")?;
    let gateway = req.query.get("GatewayId");
    let nat = req.query.get("NatGatewayId");
    req.with_ec2(|ec2, _, _| ec2.create_route(table, destination, gateway, nat))?;
    Ok(return_true())
}

/// [ReplaceRoute](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ReplaceRoute.html)
pub fn replace_route(req: &Req<'_>) -> Answer {
    let table = req.get("RouteTableId")?;
    let destination = req.get("DestinationCidrBlock")?;
    let gateway = req.query.get("GatewayId");
    let nat = req.query.get("NatGatewayId");
    req.with_ec2(|ec2, _, _| ec2.replace_route(table, destination, gateway, nat))?;
    Ok(return_true())
}

/// [DeleteRoute](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteRoute.html)
pub fn delete_route(req: &Req<'_>) -> Answer {
    let table = req.get("RouteTableId")?;
    let destination = req.get("DestinationCidrBlock")?;
    req.with_ec2(|ec2, _, _| ec2.delete_route(table, destination))?;
    Ok(return_true())
}

/// [AssociateRouteTable](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateRouteTable.html)
pub fn associate_route_table(req: &Req<'_>) -> Answer {
    let table = req.get("RouteTableId")?;
    let subnet = req.get("SubnetId")?;
    req.with_ec2(|ec2, ids, _| {
        let id = ec2.associate_route_table(ids, table, subnet)?;
        let mut w = Writer::new();
        w.leaf("associationId", &id);
        w.open("associationState");
        w.leaf("state", "associated");
        w.close("associationState");
        Ok(w.finish())
    })
}

/// [DisassociateRouteTable](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisassociateRouteTable.html)
pub fn disassociate_route_table(req: &Req<'_>) -> Answer {
    let id = req.get("AssociationId")?;
    req.with_ec2(|ec2, _, _| ec2.disassociate_route_table(id))?;
    Ok(return_true())
}

/// [DeleteRouteTable](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteRouteTable.html)
pub fn delete_route_table(req: &Req<'_>) -> Answer {
    let id = req.get("RouteTableId")?;
    req.with_ec2(|ec2, _, _| ec2.delete_route_table(id))?;
    Ok(return_true())
}

/// [DescribeRouteTables](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRouteTables.html)
pub fn describe_route_tables(req: &Req<'_>) -> Answer {
    let ids = req.query.list("RouteTableId");
    let filters = filters(req.query);
    req.with_ec2(|ec2, _, _| {
        let tables = ec2.describe_route_tables(&ids, &filters)?;
        let mut w = Writer::new();
        w.items("routeTableSet", tables, |w, t| {
            write_route_table(w, ec2, t, req.owner())
        });
        Ok(w.finish())
    })
}

/// [CreateSecurityGroup](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html)
pub fn create_security_group(req: &Req<'_>) -> Answer {
    let name = req.get("GroupName")?;
    let description = req.get("GroupDescription")?;
    let vpc = req.query.get("VpcId");
    let tags = tag_specifications(req.query, "security-group");
    req.with_ec2(|ec2, ids, _| {
        let group = ec2.create_security_group(ids, name, description, vpc, tags)?;
        let id = group.id.clone();
        let arn = security_group_arn(group, req.owner());
        let mut w = Writer::new();
        w.leaf("return", "true");
        w.leaf("groupId", &id);
        w.items("tagSet", ec2.tags_of(&id), |w, (key, value)| {
            w.leaf("key", key);
            w.leaf("value", value);
        });
        w.leaf("securityGroupArn", &arn);
        Ok(w.finish())
    })
}

/// [DescribeSecurityGroups](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroups.html)
pub fn describe_security_groups(req: &Req<'_>) -> Answer {
    let ids = req.query.list("GroupId");
    let names = req.query.list("GroupName");
    let filters = filters(req.query);
    req.with_ec2(|ec2, _, _| {
        let groups = ec2.describe_security_groups(&ids, &names, &filters)?;
        let mut w = Writer::new();
        w.items("securityGroupInfo", groups, |w, g| {
            write_security_group(w, ec2, g, req.owner());
        });
        Ok(w.finish())
    })
}

/// [AuthorizeSecurityGroupIngress](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html)
/// and [AuthorizeSecurityGroupEgress](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupEgress.html)
pub fn authorize(req: &Req<'_>, egress: bool) -> Answer {
    let id = req.query.get("GroupId");
    let name = req.query.get("GroupName");
    let rules = rules(req.query)?;
    req.with_ec2(|ec2, _, _| {
        let id = ec2.security_group_id(id, name)?;
        ec2.authorize(&id, egress, rules)
    })?;
    Ok(return_true())
}

/// [RevokeSecurityGroupIngress](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RevokeSecurityGroupIngress.html)
/// and [RevokeSecurityGroupEgress](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RevokeSecurityGroupEgress.html)
pub fn revoke(req: &Req<'_>, egress: bool) -> Answer {
    let id = req.query.get("GroupId");
    let name = req.query.get("GroupName");
    let rules = rules(req.query)?;
    req.with_ec2(|ec2, _, _| {
        let id = ec2.security_group_id(id, name)?;
        ec2.revoke(&id, egress, &rules)
    })?;
    Ok(return_true())
}

/// [DeleteSecurityGroup](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSecurityGroup.html)
pub fn delete_security_group(req: &Req<'_>) -> Answer {
    let id = req.query.get("GroupId");
    let name = req.query.get("GroupName");
    let deleted = req.with_ec2(|ec2, _, _| {
        let id = ec2.security_group_id(id, name)?;
        ec2.delete_security_group(&id)?;
        Ok(id)
    })?;
    let mut w = Writer::new();
    w.leaf("return", "true");
    w.leaf("groupId", &deleted);
    Ok(w.finish())
}

/// [CreateLaunchTemplate](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html)
pub fn create_launch_template(req: &Req<'_>) -> Answer {
    let name = req.get("LaunchTemplateName")?;
    let description = req.query.get("VersionDescription").map(str::to_owned);
    let data = launch_template_data(req.query);
    let tags = tag_specifications(req.query, "launch-template");
    req.with_ec2(|ec2, ids, env| {
        let id = ec2
            .create_launch_template(env, ids, name, description, data, tags)?
            .id
            .clone();
        let mut w = Writer::new();
        w.open("launchTemplate");
        write_launch_template(&mut w, ec2, ec2.launch_template(&id)?, req.owner());
        w.close("launchTemplate");
        Ok(w.finish())
    })
}

/// [CreateLaunchTemplateVersion](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html)
pub fn create_launch_template_version(req: &Req<'_>) -> Answer {
    let id = req.query.get("LaunchTemplateId");
    let name = req.query.get("LaunchTemplateName");
    let description = req.query.get("VersionDescription").map(str::to_owned);
    let data = launch_template_data(req.query);
    req.with_ec2(|ec2, _, env| {
        let id = ec2.launch_template_id(id, name)?;
        let number = ec2
            .create_launch_template_version(env, &id, description, data)?
            .number;
        let template = ec2.launch_template(&id)?;
        let mut w = Writer::new();
        w.open("launchTemplateVersion");
        write_launch_template_version(
            &mut w,
            template,
            template.version(&number.to_string())?,
            req.owner(),
        );
        w.close("launchTemplateVersion");
        Ok(w.finish())
    })
}

/// [ModifyLaunchTemplate](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyLaunchTemplate.html)
/// (`SetDefaultVersion`).
pub fn modify_launch_template(req: &Req<'_>) -> Answer {
    let id = req.query.get("LaunchTemplateId");
    let name = req.query.get("LaunchTemplateName");
    let version = req.query.get("SetDefaultVersion");
    req.with_ec2(|ec2, _, _| {
        let id = ec2.launch_template_id(id, name)?;
        if let Some(version) = version {
            ec2.set_default_launch_template_version(&id, version)?;
        }
        let mut w = Writer::new();
        w.open("launchTemplate");
        write_launch_template(&mut w, ec2, ec2.launch_template(&id)?, req.owner());
        w.close("launchTemplate");
        Ok(w.finish())
    })
}

/// [DescribeLaunchTemplates](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplates.html)
pub fn describe_launch_templates(req: &Req<'_>) -> Answer {
    let ids = req.query.list("LaunchTemplateId");
    let names = req.query.list("LaunchTemplateName");
    let filters = filters(req.query);
    req.with_ec2(|ec2, _, _| {
        let templates = ec2.describe_launch_templates(&ids, &names, &filters)?;
        let mut w = Writer::new();
        w.items("launchTemplates", templates, |w, t| {
            write_launch_template(w, ec2, t, req.owner());
        });
        Ok(w.finish())
    })
}

/// [DescribeLaunchTemplateVersions](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplateVersions.html)
/// (of one template: every version, or those `LaunchTemplateVersion.N` names).
pub fn describe_launch_template_versions(req: &Req<'_>) -> Answer {
    let id = req.query.get("LaunchTemplateId");
    let name = req.query.get("LaunchTemplateName");
    let wanted = req.query.list("LaunchTemplateVersion");
    req.with_ec2(|ec2, _, _| {
        let template = ec2.launch_template(&ec2.launch_template_id(id, name)?)?;
        let versions: Vec<_> = if wanted.is_empty() {
            template.versions.iter().collect()
        } else {
            wanted
                .iter()
                .map(|v| template.version(v))
                .collect::<Result<_, _>>()?
        };
        let mut w = Writer::new();
        w.items("launchTemplateVersionSet", versions, |w, v| {
            write_launch_template_version(w, template, v, req.owner());
        });
        Ok(w.finish())
    })
}

/// [DeleteLaunchTemplate](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteLaunchTemplate.html)
pub fn delete_launch_template(req: &Req<'_>) -> Answer {
    let id = req.query.get("LaunchTemplateId");
    let name = req.query.get("LaunchTemplateName");
    req.with_ec2(|ec2, _, _| {
        let id = ec2.launch_template_id(id, name)?;
        let template = ec2.delete_launch_template(&id)?;
        let mut w = Writer::new();
        w.open("launchTemplate");
        write_launch_template(&mut w, ec2, &template, req.owner());
        w.close("launchTemplate");
        Ok(w.finish())
    })
}

/// [CreateTags](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTags.html)
pub fn create_tags(req: &Req<'_>) -> Answer {
    let resources = req.query.list("ResourceId");
    if resources.is_empty() {
        return Err(Ec2Error::MissingParameter {
            parameter: "ResourceId",
        });
    }
    let tags: Vec<(String, String)> = tag_list(req.query)
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or_default()))
        .collect();
    if tags.is_empty() {
        return Err(Ec2Error::MissingParameter { parameter: "Tag" });
    }
    req.with_ec2(|ec2, _, _| ec2.create_tags(&resources, &tags))?;
    Ok(return_true())
}

/// [DeleteTags](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteTags.html)
pub fn delete_tags(req: &Req<'_>) -> Answer {
    let resources = req.query.list("ResourceId");
    if resources.is_empty() {
        return Err(Ec2Error::MissingParameter {
            parameter: "ResourceId",
        });
    }
    let tags = tag_list(req.query);
    req.with_ec2(|ec2, _, _| ec2.delete_tags(&resources, &tags))?;
    Ok(return_true())
}

/// [DescribeTags](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeTags.html)
pub fn describe_tags(req: &Req<'_>) -> Answer {
    let filters = filters(req.query);
    req.with_ec2(|ec2, _, _| {
        let tags = ec2.describe_tags(&filters)?;
        let mut w = Writer::new();
        w.items("tagSet", tags, |w, (id, kind, key, value)| {
            w.leaf("resourceId", id);
            w.leaf("resourceType", kind);
            w.leaf("key", key);
            w.leaf("value", value);
        });
        Ok(w.finish())
    })
}
