//! EC2 state of one region — VPCs, subnets, internet and NAT gateways, Elastic IPs, route tables,
//! security groups, launch templates and tags — with the rules real EC2 enforces on them (CIDR
//! ranges and conflicts, dependencies on delete) and the one EKS relies on: a subnet is *private*
//! when its route table (its explicit association, else its VPC's main table) has no route to an
//! internet gateway.
//! Every region has a default VPC, made on first use. Nothing of HTTP or XML here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::cidr::Ipv4Cidr;
use super::error::Ec2Error;
use super::zones::{zones, Zone};
use crate::clock::Timestamp;
use crate::ids::IdGen;
use crate::lifecycle::{self, Next, Scheduled, Transition};
use crate::state::Env;

/// The CIDR of every default VPC.
pub const DEFAULT_VPC_CIDR: &str = "172.31.0.0/16";

/// How long a deleted NAT gateway stays visible to `DescribeNatGateways` (about an hour on AWS).
const DELETED_NAT_VISIBLE_MS: u64 = 60 * 60 * 1000;

/// Tags by key.
pub type Tags = BTreeMap<String, String>;

/// The EC2 store of one region.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Ec2Region {
    /// The region's name; empty until the region is first used (then the default VPC exists).
    pub name: String,
    /// VPCs by id.
    pub vpcs: BTreeMap<String, Vpc>,
    /// Subnets by id.
    pub subnets: BTreeMap<String, Subnet>,
    /// Internet gateways by id.
    pub internet_gateways: BTreeMap<String, InternetGateway>,
    /// Route tables by id.
    pub route_tables: BTreeMap<String, RouteTable>,
    /// NAT gateways by id (deleted ones stay listed for an hour, as on AWS).
    pub nat_gateways: BTreeMap<String, NatGateway>,
    /// Elastic IPs by allocation id.
    pub addresses: BTreeMap<String, Address>,
    /// Security groups by id.
    pub security_groups: BTreeMap<String, SecurityGroup>,
    /// Launch templates by id.
    #[serde(default)]
    pub launch_templates: BTreeMap<String, LaunchTemplate>,
    /// Tags by resource id.
    pub tags: BTreeMap<String, Tags>,
}

/// What a launch template version says about the instances it launches: the part of
/// `LaunchTemplateData` this emulator keeps (what nodes need); other members are accepted and
/// not recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchTemplateData {
    /// `ImageId`.
    pub image_id: Option<String>,
    /// `InstanceType`.
    pub instance_type: Option<String>,
    /// `KeyName`.
    pub key_name: Option<String>,
    /// `SecurityGroupIds`.
    pub security_group_ids: Vec<String>,
    /// `UserData` (base64, as given).
    pub user_data: Option<String>,
    /// `IamInstanceProfile.Arn` or `.Name`.
    pub iam_instance_profile: Option<String>,
}

/// One version of a launch template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchTemplateVersion {
    /// `VersionNumber`, from 1.
    pub number: u32,
    /// `VersionDescription`.
    pub description: Option<String>,
    /// `CreateTime`.
    pub created_at: Timestamp,
    /// `LaunchTemplateData`.
    pub data: LaunchTemplateData,
}

/// A launch template: numbered versions, one of them the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchTemplate {
    /// `lt-…`.
    pub id: String,
    /// `LaunchTemplateName` (unique in the region).
    pub name: String,
    /// `CreateTime`.
    pub created_at: Timestamp,
    /// `DefaultVersionNumber`.
    pub default_version: u32,
    /// Every version, oldest first.
    pub versions: Vec<LaunchTemplateVersion>,
}

impl LaunchTemplate {
    /// `LatestVersionNumber`.
    #[must_use]
    pub fn latest_version(&self) -> u32 {
        self.versions.last().map_or(1, |v| v.number)
    }

    /// A version by number, or `$Latest` / `$Default`.
    pub fn version(&self, version: &str) -> Result<&LaunchTemplateVersion, Ec2Error> {
        let number = match version {
            "$Latest" => Some(self.latest_version()),
            "$Default" => Some(self.default_version),
            other => other.parse().ok(),
        };
        number
            .and_then(|n| self.versions.iter().find(|v| v.number == n))
            .ok_or_else(|| Ec2Error::LaunchTemplateVersionNotFound {
                id: self.id.clone(),
                version: version.to_owned(),
            })
    }
}

/// A VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vpc {
    /// `vpc-…`.
    pub id: String,
    /// The primary IPv4 block.
    pub cidr: Ipv4Cidr,
    /// The id of the primary block's association (`vpc-cidr-assoc-…`).
    pub cidr_association_id: String,
    /// Whether this is the region's default VPC.
    pub is_default: bool,
    /// `dopt-…`.
    pub dhcp_options_id: String,
    /// `default` or `dedicated`.
    pub instance_tenancy: String,
    /// `enableDnsSupport`.
    pub dns_support: bool,
    /// `enableDnsHostnames` (true only in default VPCs unless modified).
    pub dns_hostnames: bool,
}

/// A subnet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subnet {
    /// `subnet-…`.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Its IPv4 block, inside the VPC's.
    pub cidr: Ipv4Cidr,
    /// `ap-northeast-1a`.
    pub availability_zone: String,
    /// `apne1-az4`.
    pub availability_zone_id: String,
    /// `MapPublicIpOnLaunch` (true in default subnets).
    pub map_public_ip_on_launch: bool,
    /// `DefaultForAz`.
    pub default_for_az: bool,
}

/// An internet gateway, attached to at most one VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternetGateway {
    /// `igw-…`.
    pub id: String,
    /// The VPC it is attached to.
    pub vpc_id: Option<String>,
}

/// Where a route sends traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RouteTarget {
    /// Inside the VPC (`GatewayId` `local`).
    Local,
    /// An internet gateway (`igw-…`).
    InternetGateway(String),
    /// A NAT gateway (`nat-…`).
    NatGateway(String),
}

/// One route of a route table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// `DestinationCidrBlock`.
    pub destination: Ipv4Cidr,
    /// The target.
    pub target: RouteTarget,
}

/// A subnet's explicit association with a route table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubnetAssociation {
    /// `rtbassoc-…`.
    pub id: String,
    /// The subnet.
    pub subnet_id: String,
}

/// A route table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteTable {
    /// `rtb-…`.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// The id of its main association when it is its VPC's main table.
    pub main_association_id: Option<String>,
    /// Routes, the local one first.
    pub routes: Vec<Route>,
    /// Explicit subnet associations.
    pub associations: Vec<SubnetAssociation>,
}

impl RouteTable {
    /// Whether a route sends traffic straight to an internet gateway: what makes its subnets public.
    #[must_use]
    pub fn routes_to_internet_gateway(&self) -> bool {
        self.routes
            .iter()
            .any(|r| matches!(r.target, RouteTarget::InternetGateway(_)))
    }
}

/// A NAT gateway's `State`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NatGatewayState {
    /// Entered on `CreateNatGateway`; left for `available` (or `failed`) after about 90 seconds.
    Pending,
    /// Routing traffic; left for `deleted` on `DeleteNatGateway`.
    Available,
    /// Could not be created (its VPC has no internet gateway); left only by deletion.
    Failed,
    /// Entered on `DeleteNatGateway`; listed for an hour, then gone.
    Deleted,
}

impl NatGatewayState {
    /// As EC2 spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Available => "available",
            Self::Failed => "failed",
            Self::Deleted => "deleted",
        }
    }
}

/// A NAT gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NatGateway {
    /// `nat-…`.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// The subnet it lives in.
    pub subnet_id: String,
    /// `public` or `private`.
    pub connectivity_type: String,
    /// The Elastic IP it holds (public NAT gateways).
    pub allocation_id: Option<String>,
    /// Its address inside the subnet.
    pub private_ip: String,
    /// Its network interface (`eni-…`).
    pub network_interface_id: String,
    /// `CreateTime`.
    pub created_at: Timestamp,
    /// `DeleteTime`.
    pub deleted_at: Option<Timestamp>,
    /// Current state.
    pub state: NatGatewayState,
    /// The next state change, if one is under way.
    pub scheduled: Option<Scheduled<NatGatewayState>>,
}

impl NatGateway {
    /// Whether `DescribeNatGateways` still lists it at `now` (deleted ones go after an hour).
    #[must_use]
    pub fn visible_at(&self, now: Timestamp) -> bool {
        self.deleted_at
            .is_none_or(|at| now.0 < at.0 + DELETED_NAT_VISIBLE_MS)
    }
}

/// Why a NAT gateway failed, as EC2 reports it (`FailureCode`, `FailureMessage`; the message is the
/// real one, GH aws-samples/cfn101-workshop#165).
#[must_use]
pub fn nat_failure(vpc_id: &str) -> (&'static str, String) {
    (
        "Gateway.NotAttached",
        format!("Network {vpc_id} is not attached to any internet gateway"),
    )
}

/// An Elastic IP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// `eipalloc-…`.
    pub allocation_id: String,
    /// The public address.
    pub public_ip: String,
    /// What holds it.
    pub association: Option<AddressAssociation>,
}

/// An Elastic IP's association with a NAT gateway's interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressAssociation {
    /// `eipassoc-…`.
    pub id: String,
    /// The NAT gateway.
    pub nat_gateway_id: String,
    /// The interface.
    pub network_interface_id: String,
    /// The private address it maps to.
    pub private_ip: String,
}

/// One source or destination of a security group rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Peer {
    /// An IPv4 range.
    Cidr(Ipv4Cidr),
    /// Another security group.
    Group(String),
}

/// A security group rule: protocol, ports and one peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// `tcp`, `udp`, `icmp` or `-1` (all).
    pub protocol: String,
    /// `FromPort` (absent for all protocols).
    pub from_port: Option<i32>,
    /// `ToPort`.
    pub to_port: Option<i32>,
    /// The peer.
    pub peer: Peer,
    /// The rule's description.
    pub description: Option<String>,
}

impl Rule {
    /// A rule as EC2 reads one, from the API or a CloudFormation template alike: the protocol by
    /// name or number (`tcp`/`6`, `udp`/`17`, `icmp`/`1`, `-1`/`all`), ports for all but `-1`
    /// (whose ports EC2 ignores).
    pub fn parse(
        protocol: &str,
        from_port: Option<&str>,
        to_port: Option<&str>,
        peer: Peer,
        description: Option<String>,
    ) -> Result<Self, Ec2Error> {
        let protocol = match protocol.to_ascii_lowercase().as_str() {
            "tcp" | "6" => "tcp",
            "udp" | "17" => "udp",
            "icmp" | "1" => "icmp",
            "-1" | "all" => "-1",
            _ => {
                return Err(Ec2Error::InvalidValue {
                    value: protocol.to_owned(),
                    parameter: "ipProtocol",
                })
            }
        };
        let port = |text: Option<&str>, parameter: &'static str| {
            text.map(|t| {
                t.parse::<i32>().map_err(|_| Ec2Error::InvalidValue {
                    value: t.to_owned(),
                    parameter,
                })
            })
            .transpose()
        };
        let (from_port, to_port) = if protocol == "-1" {
            (None, None)
        } else {
            (port(from_port, "fromPort")?, port(to_port, "toPort")?)
        };
        Ok(Self {
            protocol: protocol.to_owned(),
            from_port,
            to_port,
            peer,
            description,
        })
    }

    fn same_as(&self, other: &Self) -> bool {
        self.protocol == other.protocol
            && self.from_port == other.from_port
            && self.to_port == other.to_port
            && self.peer == other.peer
    }

    /// How EC2 quotes a rule in `InvalidPermission.Duplicate`.
    #[must_use]
    pub fn describe(&self) -> String {
        let peer = match &self.peer {
            Peer::Cidr(cidr) => cidr.to_string(),
            Peer::Group(id) => id.clone(),
        };
        match (self.protocol.as_str(), self.from_port, self.to_port) {
            ("-1", _, _) => format!("peer: {peer}, ALL, ALLOW"),
            (protocol, Some(from), Some(to)) => format!(
                "peer: {peer}, {}, from port: {from}, to port: {to}, ALLOW",
                protocol.to_ascii_uppercase()
            ),
            (protocol, _, _) => format!("peer: {peer}, {}, ALLOW", protocol.to_ascii_uppercase()),
        }
    }
}

/// A CIDR block given as `parameter`, or EC2's error for one that does not parse.
pub fn parse_cidr(text: &str, parameter: &'static str) -> Result<Ipv4Cidr, Ec2Error> {
    Ipv4Cidr::parse(text).ok_or_else(|| Ec2Error::InvalidCidr {
        value: text.to_owned(),
        parameter,
    })
}

/// A security group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroup {
    /// `sg-…`.
    pub id: String,
    /// `GroupName` (unique in its VPC).
    pub name: String,
    /// `Description`.
    pub description: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Inbound rules.
    pub ingress: Vec<Rule>,
    /// Outbound rules.
    pub egress: Vec<Rule>,
}

/// A `Filter.N.Name` with its `Filter.N.Value.M`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// The filter name (`vpc-id`, `tag:Name`, …).
    pub name: String,
    /// The values, any of which may match; `*` and `?` are wildcards.
    pub values: Vec<String>,
}

/// What a new resource is tagged with.
pub type NewTags = Vec<(String, String)>;

/// Whether `text` matches `pattern`, where `*` is any run of characters and `?` any one.
#[must_use]
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

fn bool_text(b: bool) -> String {
    if b { "true" } else { "false" }.to_owned()
}

/// The resource type `DescribeTags` reports for an id.
#[must_use]
pub fn resource_type(id: &str) -> Option<&'static str> {
    let prefix = id.rsplit_once('-').map(|(p, _)| p)?;
    Some(match prefix {
        "vpc" => "vpc",
        "subnet" => "subnet",
        "igw" => "internet-gateway",
        "rtb" => "route-table",
        "nat" => "natgateway",
        "eipalloc" => "elastic-ip",
        "sg" => "security-group",
        "dopt" => "dhcp-options",
        "lt" => "launch-template",
        _ => return None,
    })
}

impl Ec2Region {
    /// Makes the region's default VPC on its first use, as every AWS account has one: 172.31.0.0/16
    /// with an attached internet gateway, a main route table routing 0.0.0.0/0 to it, and one public
    /// /20 default subnet per Availability Zone.
    pub fn ensure_default_vpc(&mut self, ids: &mut IdGen, region: &str) {
        if !self.name.is_empty() {
            return;
        }
        self.name = region.to_owned();
        let cidr = Ipv4Cidr::parse(DEFAULT_VPC_CIDR).unwrap_or_else(|| unreachable!());
        let vpc_id = self.insert_vpc(ids, cidr, true, "default".into());
        let igw = ids.ec2_id("igw");
        self.internet_gateways.insert(
            igw.clone(),
            InternetGateway {
                id: igw.clone(),
                vpc_id: Some(vpc_id.clone()),
            },
        );
        if let Some(main) = self.main_route_table_mut(&vpc_id) {
            main.routes.push(Route {
                destination: Ipv4Cidr::parse("0.0.0.0/0").unwrap_or_else(|| unreachable!()),
                target: RouteTarget::InternetGateway(igw),
            });
        }
        for (i, zone) in (0u32..).zip(zones(region)) {
            let Some(cidr) = cidr.subdivide(20, i) else {
                break;
            };
            let id = ids.ec2_id("subnet");
            self.subnets.insert(
                id.clone(),
                Subnet {
                    id,
                    vpc_id: vpc_id.clone(),
                    cidr,
                    availability_zone: zone.name,
                    availability_zone_id: zone.id,
                    map_public_ip_on_launch: true,
                    default_for_az: true,
                },
            );
        }
    }

    /// The region's Availability Zones.
    #[must_use]
    pub fn zones(&self) -> Vec<Zone> {
        zones(&self.name)
    }

    /// The default VPC, if it still exists.
    #[must_use]
    pub fn default_vpc(&self) -> Option<&Vpc> {
        self.vpcs.values().find(|v| v.is_default)
    }

    fn insert_vpc(
        &mut self,
        ids: &mut IdGen,
        cidr: Ipv4Cidr,
        is_default: bool,
        tenancy: String,
    ) -> String {
        let id = ids.ec2_id("vpc");
        self.vpcs.insert(
            id.clone(),
            Vpc {
                id: id.clone(),
                cidr,
                cidr_association_id: ids.ec2_id("vpc-cidr-assoc"),
                is_default,
                dhcp_options_id: ids.ec2_id("dopt"),
                instance_tenancy: tenancy,
                dns_support: true,
                dns_hostnames: is_default,
            },
        );
        let table = ids.ec2_id("rtb");
        self.route_tables.insert(
            table.clone(),
            RouteTable {
                id: table,
                vpc_id: id.clone(),
                main_association_id: Some(ids.ec2_id("rtbassoc")),
                routes: vec![Route {
                    destination: cidr,
                    target: RouteTarget::Local,
                }],
                associations: Vec::new(),
            },
        );
        let group = ids.ec2_id("sg");
        self.security_groups.insert(
            group.clone(),
            SecurityGroup {
                id: group.clone(),
                name: "default".into(),
                description: "default VPC security group".into(),
                vpc_id: id.clone(),
                ingress: vec![Rule {
                    protocol: "-1".into(),
                    from_port: None,
                    to_port: None,
                    peer: Peer::Group(group),
                    description: None,
                }],
                egress: vec![all_traffic_out()],
            },
        );
        id
    }

    fn set_tags(&mut self, id: &str, tags: NewTags) {
        if !tags.is_empty() {
            self.tags.entry(id.to_owned()).or_default().extend(tags);
        }
    }

    /// The tags of a resource.
    #[must_use]
    pub fn tags_of(&self, id: &str) -> Vec<(&str, &str)> {
        self.tags
            .get(id)
            .map(|t| t.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect())
            .unwrap_or_default()
    }

    /// `CreateVpc`.
    pub fn create_vpc(
        &mut self,
        ids: &mut IdGen,
        cidr: &str,
        tenancy: Option<String>,
        tags: NewTags,
    ) -> Result<&Vpc, Ec2Error> {
        let block = Ipv4Cidr::parse(cidr).ok_or_else(|| Ec2Error::InvalidCidr {
            value: cidr.to_owned(),
            parameter: "cidrBlock",
        })?;
        if !(16..=28).contains(&block.prefix()) {
            return Err(Ec2Error::VpcRange {
                cidr: cidr.to_owned(),
            });
        }
        let tenancy = tenancy.unwrap_or_else(|| "default".into());
        if !matches!(tenancy.as_str(), "default" | "dedicated") {
            return Err(Ec2Error::InvalidValue {
                value: tenancy,
                parameter: "instanceTenancy",
            });
        }
        let id = self.insert_vpc(ids, block, false, tenancy);
        self.set_tags(&id, tags);
        Ok(&self.vpcs[&id])
    }

    /// A VPC by id.
    pub fn vpc(&self, id: &str) -> Result<&Vpc, Ec2Error> {
        self.vpcs
            .get(id)
            .ok_or_else(|| Ec2Error::VpcNotFound { id: id.to_owned() })
    }

    /// `DescribeVpcs`.
    pub fn describe_vpcs(&self, ids: &[String], filters: &[Filter]) -> Result<Vec<&Vpc>, Ec2Error> {
        for id in ids {
            self.vpc(id)?;
        }
        self.select(
            self.vpcs
                .values()
                .filter(|v| ids.is_empty() || ids.contains(&v.id)),
            filters,
            &[
                "vpc-id",
                "cidr",
                "cidr-block-association.cidr-block",
                "is-default",
                "state",
                "dhcp-options-id",
                "owner-id",
            ],
            |v| &v.id,
            |v, name| match name {
                "vpc-id" => vec![v.id.clone()],
                "cidr" | "cidr-block-association.cidr-block" => vec![v.cidr.to_string()],
                "is-default" => vec![bool_text(v.is_default)],
                "state" => vec!["available".into()],
                "dhcp-options-id" => vec![v.dhcp_options_id.clone()],
                _ => Vec::new(),
            },
        )
    }

    /// `ModifyVpcAttribute`.
    pub fn modify_vpc_attribute(
        &mut self,
        id: &str,
        dns_support: Option<bool>,
        dns_hostnames: Option<bool>,
    ) -> Result<(), Ec2Error> {
        let vpc = self
            .vpcs
            .get_mut(id)
            .ok_or_else(|| Ec2Error::VpcNotFound { id: id.to_owned() })?;
        if let Some(v) = dns_support {
            vpc.dns_support = v;
        }
        if let Some(v) = dns_hostnames {
            vpc.dns_hostnames = v;
        }
        Ok(())
    }

    /// `DeleteVpc`: refused while subnets, an internet gateway, NAT gateways, route tables other
    /// than the main one or security groups other than the default one remain.
    pub fn delete_vpc(&mut self, id: &str) -> Result<(), Ec2Error> {
        self.vpc(id)?;
        let in_vpc = |vpc: &str| vpc == id;
        let depended_on = self.subnets.values().any(|s| in_vpc(&s.vpc_id))
            || self
                .internet_gateways
                .values()
                .any(|g| g.vpc_id.as_deref() == Some(id))
            || self
                .nat_gateways
                .values()
                .any(|n| in_vpc(&n.vpc_id) && n.state != NatGatewayState::Deleted)
            || self
                .route_tables
                .values()
                .any(|t| in_vpc(&t.vpc_id) && t.main_association_id.is_none())
            || self
                .security_groups
                .values()
                .any(|g| in_vpc(&g.vpc_id) && g.name != "default");
        if depended_on {
            return Err(Ec2Error::VpcHasDependencies { id: id.to_owned() });
        }
        let gone: Vec<String> = self
            .route_tables
            .values()
            .filter(|t| in_vpc(&t.vpc_id))
            .map(|t| t.id.clone())
            .chain(
                self.security_groups
                    .values()
                    .filter(|g| in_vpc(&g.vpc_id))
                    .map(|g| g.id.clone()),
            )
            .chain(std::iter::once(id.to_owned()))
            .collect();
        for resource in gone {
            self.route_tables.remove(&resource);
            self.security_groups.remove(&resource);
            self.tags.remove(&resource);
        }
        self.vpcs.remove(id);
        Ok(())
    }

    /// `CreateSubnet`: the block must lie in the VPC's, be /16 to /28 and overlap no other subnet;
    /// without a zone, one is picked.
    pub fn create_subnet(
        &mut self,
        ids: &mut IdGen,
        vpc_id: &str,
        cidr: &str,
        zone_name: Option<&str>,
        zone_id: Option<&str>,
        tags: NewTags,
    ) -> Result<&Subnet, Ec2Error> {
        let vpc = self.vpc(vpc_id)?;
        let block = Ipv4Cidr::parse(cidr).ok_or_else(|| Ec2Error::InvalidCidr {
            value: cidr.to_owned(),
            parameter: "cidrBlock",
        })?;
        if !vpc.cidr.contains(block) || !(16..=28).contains(&block.prefix()) {
            return Err(Ec2Error::SubnetRange {
                cidr: cidr.to_owned(),
            });
        }
        let zones = self.zones();
        let zone = match (zone_name, zone_id) {
            (Some(name), _) => {
                zones
                    .iter()
                    .find(|z| z.name == name)
                    .ok_or_else(|| Ec2Error::SubnetZone {
                        zone: name.to_owned(),
                        valid: zones
                            .iter()
                            .map(|z| z.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })?
            }
            (None, Some(id)) => {
                zones
                    .iter()
                    .find(|z| z.id == id)
                    .ok_or_else(|| Ec2Error::InvalidValue {
                        value: id.to_owned(),
                        parameter: "availabilityZoneId",
                    })?
            }
            (None, None) => {
                let n = u32::try_from(zones.len()).unwrap_or(1);
                &zones[usize::try_from(ids.below(n)).unwrap_or(0)]
            }
        }
        .clone();
        if self
            .subnets
            .values()
            .any(|s| s.vpc_id == vpc_id && s.cidr.overlaps(block))
        {
            return Err(Ec2Error::SubnetConflict {
                cidr: cidr.to_owned(),
            });
        }
        let id = ids.ec2_id("subnet");
        self.subnets.insert(
            id.clone(),
            Subnet {
                id: id.clone(),
                vpc_id: vpc_id.to_owned(),
                cidr: block,
                availability_zone: zone.name,
                availability_zone_id: zone.id,
                map_public_ip_on_launch: false,
                default_for_az: false,
            },
        );
        self.set_tags(&id, tags);
        Ok(&self.subnets[&id])
    }

    /// A subnet by id.
    pub fn subnet(&self, id: &str) -> Result<&Subnet, Ec2Error> {
        self.subnets
            .get(id)
            .ok_or_else(|| Ec2Error::SubnetNotFound { id: id.to_owned() })
    }

    /// The route table that routes a subnet: its explicit association, else its VPC's main table.
    #[must_use]
    pub fn route_table_of(&self, subnet: &Subnet) -> Option<&RouteTable> {
        self.route_tables
            .values()
            .find(|t| t.associations.iter().any(|a| a.subnet_id == subnet.id))
            .or_else(|| {
                self.route_tables
                    .values()
                    .find(|t| t.vpc_id == subnet.vpc_id && t.main_association_id.is_some())
            })
    }

    /// Whether a subnet has no route to an internet gateway (the rule EKS applies to Fargate).
    #[must_use]
    pub fn is_private(&self, subnet: &Subnet) -> bool {
        !self
            .route_table_of(subnet)
            .is_some_and(RouteTable::routes_to_internet_gateway)
    }

    /// How many addresses of a subnet are free: its size less the five AWS reserves and those its
    /// NAT gateways hold.
    #[must_use]
    pub fn available_ip_count(&self, subnet: &Subnet) -> u64 {
        let used = self
            .nat_gateways
            .values()
            .filter(|n| n.subnet_id == subnet.id && n.state != NatGatewayState::Deleted)
            .count();
        subnet.cidr.size().saturating_sub(5 + used as u64)
    }

    /// `DescribeSubnets`.
    pub fn describe_subnets(
        &self,
        ids: &[String],
        filters: &[Filter],
    ) -> Result<Vec<&Subnet>, Ec2Error> {
        for id in ids {
            self.subnet(id)?;
        }
        self.select(
            self.subnets
                .values()
                .filter(|s| ids.is_empty() || ids.contains(&s.id)),
            filters,
            &[
                "vpc-id",
                "subnet-id",
                "availability-zone",
                "availability-zone-id",
                "availabilityZone",
                "cidr-block",
                "cidr",
                "cidrBlock",
                "default-for-az",
                "defaultForAz",
                "map-public-ip-on-launch",
                "state",
                "owner-id",
            ],
            |s| &s.id,
            |s, name| match name {
                "vpc-id" => vec![s.vpc_id.clone()],
                "subnet-id" => vec![s.id.clone()],
                "availability-zone" | "availabilityZone" => vec![s.availability_zone.clone()],
                "availability-zone-id" => vec![s.availability_zone_id.clone()],
                "cidr-block" | "cidr" | "cidrBlock" => vec![s.cidr.to_string()],
                "default-for-az" | "defaultForAz" => vec![bool_text(s.default_for_az)],
                "map-public-ip-on-launch" => vec![bool_text(s.map_public_ip_on_launch)],
                "state" => vec!["available".into()],
                _ => Vec::new(),
            },
        )
    }

    /// `ModifySubnetAttribute` (`MapPublicIpOnLaunch`).
    pub fn modify_subnet_attribute(
        &mut self,
        id: &str,
        map_public_ip_on_launch: Option<bool>,
    ) -> Result<(), Ec2Error> {
        let subnet = self
            .subnets
            .get_mut(id)
            .ok_or_else(|| Ec2Error::SubnetNotFound { id: id.to_owned() })?;
        if let Some(v) = map_public_ip_on_launch {
            subnet.map_public_ip_on_launch = v;
        }
        Ok(())
    }

    /// `DeleteSubnet`: refused while a NAT gateway lives in it; its route table association goes.
    pub fn delete_subnet(&mut self, id: &str) -> Result<(), Ec2Error> {
        self.subnet(id)?;
        if self
            .nat_gateways
            .values()
            .any(|n| n.subnet_id == id && n.state != NatGatewayState::Deleted)
        {
            return Err(Ec2Error::SubnetHasDependencies { id: id.to_owned() });
        }
        for table in self.route_tables.values_mut() {
            table.associations.retain(|a| a.subnet_id != id);
        }
        self.subnets.remove(id);
        self.tags.remove(id);
        Ok(())
    }

    /// `CreateInternetGateway`.
    pub fn create_internet_gateway(&mut self, ids: &mut IdGen, tags: NewTags) -> &InternetGateway {
        let id = ids.ec2_id("igw");
        self.set_tags(&id, tags);
        self.internet_gateways
            .entry(id.clone())
            .or_insert(InternetGateway { id, vpc_id: None })
    }

    fn internet_gateway(&self, id: &str) -> Result<&InternetGateway, Ec2Error> {
        self.internet_gateways
            .get(id)
            .ok_or_else(|| Ec2Error::InternetGatewayNotFound { id: id.to_owned() })
    }

    /// `AttachInternetGateway`.
    pub fn attach_internet_gateway(&mut self, id: &str, vpc_id: &str) -> Result<(), Ec2Error> {
        let gateway = self.internet_gateway(id)?;
        self.vpc(vpc_id)?;
        if let Some(attached) = &gateway.vpc_id {
            return Err(Ec2Error::GatewayAlreadyAttached {
                igw: id.to_owned(),
                vpc: attached.clone(),
            });
        }
        if let Some(other) = self
            .internet_gateways
            .values()
            .find(|g| g.vpc_id.as_deref() == Some(vpc_id))
        {
            return Err(Ec2Error::VpcAlreadyHasGateway {
                vpc: vpc_id.to_owned(),
                igw: other.id.clone(),
            });
        }
        if let Some(gateway) = self.internet_gateways.get_mut(id) {
            gateway.vpc_id = Some(vpc_id.to_owned());
        }
        Ok(())
    }

    /// `DetachInternetGateway`: refused while NAT gateways of the VPC hold public addresses.
    pub fn detach_internet_gateway(&mut self, id: &str, vpc_id: &str) -> Result<(), Ec2Error> {
        let gateway = self.internet_gateway(id)?;
        self.vpc(vpc_id)?;
        if gateway.vpc_id.as_deref() != Some(vpc_id) {
            return Err(Ec2Error::GatewayNotAttached {
                igw: id.to_owned(),
                vpc: vpc_id.to_owned(),
            });
        }
        if self.nat_gateways.values().any(|n| {
            n.vpc_id == vpc_id
                && n.allocation_id.is_some()
                && matches!(
                    n.state,
                    NatGatewayState::Pending | NatGatewayState::Available
                )
        }) {
            return Err(Ec2Error::MappedPublicAddresses {
                vpc: vpc_id.to_owned(),
            });
        }
        if let Some(gateway) = self.internet_gateways.get_mut(id) {
            gateway.vpc_id = None;
        }
        Ok(())
    }

    /// `DeleteInternetGateway`: refused while attached.
    pub fn delete_internet_gateway(&mut self, id: &str) -> Result<(), Ec2Error> {
        if self.internet_gateway(id)?.vpc_id.is_some() {
            return Err(Ec2Error::InternetGatewayHasDependencies { id: id.to_owned() });
        }
        self.internet_gateways.remove(id);
        self.tags.remove(id);
        Ok(())
    }

    /// `DescribeInternetGateways`.
    pub fn describe_internet_gateways(
        &self,
        ids: &[String],
        filters: &[Filter],
    ) -> Result<Vec<&InternetGateway>, Ec2Error> {
        for id in ids {
            self.internet_gateway(id)?;
        }
        self.select(
            self.internet_gateways
                .values()
                .filter(|g| ids.is_empty() || ids.contains(&g.id)),
            filters,
            &[
                "internet-gateway-id",
                "attachment.vpc-id",
                "attachment.state",
                "owner-id",
            ],
            |g| &g.id,
            |g, name| match name {
                "internet-gateway-id" => vec![g.id.clone()],
                "attachment.vpc-id" => g.vpc_id.iter().cloned().collect(),
                "attachment.state" => g.vpc_id.iter().map(|_| "available".to_owned()).collect(),
                _ => Vec::new(),
            },
        )
    }

    /// `AllocateAddress`: a fresh public address.
    pub fn allocate_address(&mut self, ids: &mut IdGen, tags: NewTags) -> &Address {
        let public_ip = loop {
            let ip = format!(
                "54.{}.{}.{}",
                64 + ids.below(128),
                ids.below(256),
                1 + ids.below(254)
            );
            if !self.addresses.values().any(|a| a.public_ip == ip) {
                break ip;
            }
        };
        let id = ids.ec2_id("eipalloc");
        self.set_tags(&id, tags);
        self.addresses.entry(id.clone()).or_insert(Address {
            allocation_id: id,
            public_ip,
            association: None,
        })
    }

    fn address_id(
        &self,
        allocation_id: Option<&str>,
        public_ip: Option<&str>,
    ) -> Result<String, Ec2Error> {
        match (allocation_id, public_ip) {
            (Some(id), _) => self
                .addresses
                .contains_key(id)
                .then(|| id.to_owned())
                .ok_or_else(|| Ec2Error::AllocationNotFound { id: id.to_owned() }),
            (None, Some(ip)) => self
                .addresses
                .values()
                .find(|a| a.public_ip == ip)
                .map(|a| a.allocation_id.clone())
                .ok_or_else(|| Ec2Error::AddressNotFound { ip: ip.to_owned() }),
            (None, None) => Err(Ec2Error::MissingParameter {
                parameter: "AllocationId",
            }),
        }
    }

    /// `ReleaseAddress`: refused while a NAT gateway holds the address.
    pub fn release_address(
        &mut self,
        allocation_id: Option<&str>,
        public_ip: Option<&str>,
    ) -> Result<(), Ec2Error> {
        let id = self.address_id(allocation_id, public_ip)?;
        if self.addresses[&id].association.is_some() {
            return Err(Ec2Error::AddressInUse);
        }
        self.addresses.remove(&id);
        self.tags.remove(&id);
        Ok(())
    }

    /// `DescribeAddresses`.
    pub fn describe_addresses(
        &self,
        allocation_ids: &[String],
        public_ips: &[String],
        filters: &[Filter],
    ) -> Result<Vec<&Address>, Ec2Error> {
        for id in allocation_ids {
            self.address_id(Some(id), None)?;
        }
        for ip in public_ips {
            self.address_id(None, Some(ip))?;
        }
        self.select(
            self.addresses.values().filter(|a| {
                (allocation_ids.is_empty() || allocation_ids.contains(&a.allocation_id))
                    && (public_ips.is_empty() || public_ips.contains(&a.public_ip))
            }),
            filters,
            &[
                "allocation-id",
                "public-ip",
                "domain",
                "association-id",
                "network-interface-id",
                "private-ip-address",
            ],
            |a| &a.allocation_id,
            |a, name| match name {
                "allocation-id" => vec![a.allocation_id.clone()],
                "public-ip" => vec![a.public_ip.clone()],
                "domain" => vec!["vpc".into()],
                "association-id" => a.association.iter().map(|x| x.id.clone()).collect(),
                "network-interface-id" => a
                    .association
                    .iter()
                    .map(|x| x.network_interface_id.clone())
                    .collect(),
                "private-ip-address" => {
                    a.association.iter().map(|x| x.private_ip.clone()).collect()
                }
                _ => Vec::new(),
            },
        )
    }

    /// `CreateNatGateway`: `pending`, then `available` after about 90 seconds — or `failed` when the
    /// VPC of a public NAT gateway has no internet gateway.
    pub fn create_nat_gateway(
        &mut self,
        env: &Env<'_>,
        ids: &mut IdGen,
        subnet_id: &str,
        allocation_id: Option<&str>,
        connectivity_type: Option<&str>,
        tags: NewTags,
    ) -> Result<&NatGateway, Ec2Error> {
        let connectivity = connectivity_type.unwrap_or("public");
        if !matches!(connectivity, "public" | "private") {
            return Err(Ec2Error::InvalidValue {
                value: connectivity.to_owned(),
                parameter: "ConnectivityType",
            });
        }
        let subnet = self.subnet(subnet_id)?.clone();
        let allocation = match (connectivity, allocation_id) {
            ("public", None) => {
                return Err(Ec2Error::MissingParameter {
                    parameter: "AllocationId",
                })
            }
            (_, Some(id)) => {
                let address = self
                    .addresses
                    .get(id)
                    .ok_or_else(|| Ec2Error::AllocationNotFound { id: id.to_owned() })?;
                if address.association.is_some() {
                    return Err(Ec2Error::AddressAlreadyAssociated { id: id.to_owned() });
                }
                Some(id.to_owned())
            }
            _ => None,
        };
        let has_gateway = self
            .internet_gateways
            .values()
            .any(|g| g.vpc_id.as_deref() == Some(subnet.vpc_id.as_str()));
        let outcome = if connectivity == "public" && !has_gateway {
            NatGatewayState::Failed
        } else {
            NatGatewayState::Available
        };
        let id = ids.ec2_id("nat");
        let eni = ids.ec2_id("eni");
        let offset = 4 + u64::from(
            ids.below(
                u32::try_from(subnet.cidr.size().saturating_sub(5))
                    .unwrap_or(1)
                    .max(1),
            ),
        );
        let private_ip = subnet.cidr.address(offset).to_string();
        if let Some(allocation) = &allocation {
            if outcome == NatGatewayState::Available {
                let association = AddressAssociation {
                    id: ids.ec2_id("eipassoc"),
                    nat_gateway_id: id.clone(),
                    network_interface_id: eni.clone(),
                    private_ip: private_ip.clone(),
                };
                if let Some(address) = self.addresses.get_mut(allocation) {
                    address.association = Some(association);
                }
            }
        }
        self.set_tags(&id, tags);
        let nat = NatGateway {
            id: id.clone(),
            vpc_id: subnet.vpc_id,
            subnet_id: subnet.id,
            connectivity_type: connectivity.to_owned(),
            allocation_id: allocation,
            private_ip,
            network_interface_id: eni,
            created_at: env.now,
            deleted_at: None,
            state: NatGatewayState::Pending,
            scheduled: Some(Scheduled::after(
                env.now,
                env.timing,
                Transition::NatGatewayCreate,
                Next::Become(outcome),
            )),
        };
        self.nat_gateways.insert(id.clone(), nat);
        self.advance(env.now);
        Ok(&self.nat_gateways[&id])
    }

    /// `DeleteNatGateway`: the gateway is `deleted` at once and its Elastic IP freed.
    pub fn delete_nat_gateway(
        &mut self,
        now: Timestamp,
        id: &str,
    ) -> Result<&NatGateway, Ec2Error> {
        let nat = self
            .nat_gateways
            .get_mut(id)
            .filter(|n| n.visible_at(now))
            .ok_or_else(|| Ec2Error::NatGatewayNotFound { id: id.to_owned() })?;
        if nat.state != NatGatewayState::Deleted {
            nat.state = NatGatewayState::Deleted;
            nat.scheduled = None;
            nat.deleted_at = Some(now);
            for address in self.addresses.values_mut() {
                if address
                    .association
                    .as_ref()
                    .is_some_and(|a| a.nat_gateway_id == id)
                {
                    address.association = None;
                }
            }
        }
        Ok(&self.nat_gateways[id])
    }

    /// `DescribeNatGateways` (gateways deleted over an hour ago are gone).
    pub fn describe_nat_gateways(
        &self,
        now: Timestamp,
        ids: &[String],
        filters: &[Filter],
    ) -> Result<Vec<&NatGateway>, Ec2Error> {
        let visible = |n: &&NatGateway| n.visible_at(now);
        for id in ids {
            if !self.nat_gateways.get(id).is_some_and(|n| visible(&n)) {
                return Err(Ec2Error::NatGatewayNotFound { id: id.clone() });
            }
        }
        self.select(
            self.nat_gateways
                .values()
                .filter(visible)
                .filter(|n| ids.is_empty() || ids.contains(&n.id)),
            filters,
            &["nat-gateway-id", "subnet-id", "vpc-id", "state"],
            |n| &n.id,
            |n, name| match name {
                "nat-gateway-id" => vec![n.id.clone()],
                "subnet-id" => vec![n.subnet_id.clone()],
                "vpc-id" => vec![n.vpc_id.clone()],
                "state" => vec![n.state.as_str().to_owned()],
                _ => Vec::new(),
            },
        )
    }

    /// The public address of a NAT gateway's Elastic IP.
    #[must_use]
    pub fn public_ip_of(&self, nat: &NatGateway) -> Option<&str> {
        nat.allocation_id
            .as_ref()
            .and_then(|id| self.addresses.get(id))
            .map(|a| a.public_ip.as_str())
    }

    /// The association id of a NAT gateway's Elastic IP.
    #[must_use]
    pub fn association_of(&self, nat: &NatGateway) -> Option<&str> {
        nat.allocation_id
            .as_ref()
            .and_then(|id| self.addresses.get(id))
            .and_then(|a| a.association.as_ref())
            .filter(|a| a.nat_gateway_id == nat.id)
            .map(|a| a.id.as_str())
    }

    /// Applies every NAT gateway transition due at `now`.
    pub fn advance(&mut self, now: Timestamp) {
        let mut failed = Vec::new();
        for nat in self.nat_gateways.values_mut() {
            lifecycle::advance(&mut nat.state, &mut nat.scheduled, now);
            if nat.state == NatGatewayState::Failed {
                failed.push(nat.id.clone());
            }
        }
        for address in self.addresses.values_mut() {
            if address
                .association
                .as_ref()
                .is_some_and(|a| failed.contains(&a.nat_gateway_id))
            {
                address.association = None;
            }
        }
    }

    /// `CreateRouteTable`: a table with the VPC's local route.
    pub fn create_route_table(
        &mut self,
        ids: &mut IdGen,
        vpc_id: &str,
        tags: NewTags,
    ) -> Result<&RouteTable, Ec2Error> {
        let cidr = self.vpc(vpc_id)?.cidr;
        let id = ids.ec2_id("rtb");
        self.set_tags(&id, tags);
        Ok(self.route_tables.entry(id.clone()).or_insert(RouteTable {
            id,
            vpc_id: vpc_id.to_owned(),
            main_association_id: None,
            routes: vec![Route {
                destination: cidr,
                target: RouteTarget::Local,
            }],
            associations: Vec::new(),
        }))
    }

    fn route_table(&self, id: &str) -> Result<&RouteTable, Ec2Error> {
        self.route_tables
            .get(id)
            .ok_or_else(|| Ec2Error::RouteTableNotFound { id: id.to_owned() })
    }

    fn main_route_table_mut(&mut self, vpc_id: &str) -> Option<&mut RouteTable> {
        self.route_tables
            .values_mut()
            .find(|t| t.vpc_id == vpc_id && t.main_association_id.is_some())
    }

    /// Where a route of `table_id` to `gateway_id` (an internet gateway, or a NAT gateway given
    /// there) or `nat_gateway_id` sends traffic; the gateway must be in the table's VPC.
    fn route_target(
        &self,
        table_id: &str,
        gateway_id: Option<&str>,
        nat_gateway_id: Option<&str>,
    ) -> Result<RouteTarget, Ec2Error> {
        let table = self.route_table(table_id)?;
        Ok(match (gateway_id, nat_gateway_id) {
            (Some(id), _) if id.starts_with("nat-") => {
                self.nat_gateways
                    .get(id)
                    .ok_or_else(|| Ec2Error::GatewayNotFound { id: id.to_owned() })?;
                RouteTarget::NatGateway(id.to_owned())
            }
            (Some(id), _) => {
                let gateway = self
                    .internet_gateways
                    .get(id)
                    .ok_or_else(|| Ec2Error::GatewayNotFound { id: id.to_owned() })?;
                if gateway.vpc_id.as_deref() != Some(table.vpc_id.as_str()) {
                    return Err(Ec2Error::GatewayOtherNetwork {
                        table: table_id.to_owned(),
                        gateway: id.to_owned(),
                    });
                }
                RouteTarget::InternetGateway(id.to_owned())
            }
            (None, Some(id)) => {
                let nat = self
                    .nat_gateways
                    .get(id)
                    .filter(|n| n.state != NatGatewayState::Deleted)
                    .ok_or_else(|| Ec2Error::NatGatewayIdNotFound { id: id.to_owned() })?;
                if nat.vpc_id != table.vpc_id {
                    return Err(Ec2Error::GatewayOtherNetwork {
                        table: table_id.to_owned(),
                        gateway: id.to_owned(),
                    });
                }
                RouteTarget::NatGateway(id.to_owned())
            }
            (None, None) => {
                return Err(Ec2Error::MissingParameter {
                    parameter: "GatewayId",
                })
            }
        })
    }

    /// `CreateRoute` to an internet gateway (`GatewayId`) or a NAT gateway (`NatGatewayId`).
    pub fn create_route(
        &mut self,
        table_id: &str,
        destination: &str,
        gateway_id: Option<&str>,
        nat_gateway_id: Option<&str>,
    ) -> Result<(), Ec2Error> {
        self.route_table(table_id)?;
        let block = parse_cidr(destination, "destinationCidrBlock")?;
        let target = self.route_target(table_id, gateway_id, nat_gateway_id)?;
        let table = self.route_table(table_id)?;
        if table.routes.iter().any(|r| r.destination == block) {
            return Err(Ec2Error::RouteExists {
                cidr: destination.to_owned(),
            });
        }
        if let Some(table) = self.route_tables.get_mut(table_id) {
            table.routes.push(Route {
                destination: block,
                target,
            });
        }
        Ok(())
    }

    /// `ReplaceRoute`: the route to `destination` sends traffic to another gateway (never the
    /// local route).
    pub fn replace_route(
        &mut self,
        table_id: &str,
        destination: &str,
        gateway_id: Option<&str>,
        nat_gateway_id: Option<&str>,
    ) -> Result<(), Ec2Error> {
        let position = self.route_position(table_id, destination)?;
        let target = self.route_target(table_id, gateway_id, nat_gateway_id)?;
        if let Some(table) = self.route_tables.get_mut(table_id) {
            table.routes[position].target = target;
        }
        Ok(())
    }

    /// Where the route to `destination` sits in a table; never the local route.
    fn route_position(&self, table_id: &str, destination: &str) -> Result<usize, Ec2Error> {
        let table = self.route_table(table_id)?;
        let position = Ipv4Cidr::parse(destination)
            .and_then(|block| table.routes.iter().position(|r| r.destination == block))
            .ok_or_else(|| Ec2Error::RouteNotFound {
                table: table_id.to_owned(),
                cidr: destination.to_owned(),
            })?;
        if table.routes[position].target == RouteTarget::Local {
            return Err(Ec2Error::LocalRoute {
                table: table_id.to_owned(),
                cidr: destination.to_owned(),
            });
        }
        Ok(position)
    }

    /// `DeleteRoute` (never the local route).
    pub fn delete_route(&mut self, table_id: &str, destination: &str) -> Result<(), Ec2Error> {
        let position = self.route_position(table_id, destination)?;
        if let Some(table) = self.route_tables.get_mut(table_id) {
            table.routes.remove(position);
        }
        Ok(())
    }

    /// `AssociateRouteTable` with a subnet of the same VPC that has no explicit association yet.
    pub fn associate_route_table(
        &mut self,
        ids: &mut IdGen,
        table_id: &str,
        subnet_id: &str,
    ) -> Result<String, Ec2Error> {
        let table = self.route_table(table_id)?;
        let subnet = self.subnet(subnet_id)?;
        if subnet.vpc_id != table.vpc_id {
            return Err(Ec2Error::SubnetOtherNetwork {
                table: table_id.to_owned(),
                subnet: subnet_id.to_owned(),
            });
        }
        if self
            .route_tables
            .values()
            .any(|t| t.associations.iter().any(|a| a.subnet_id == subnet_id))
        {
            return Err(Ec2Error::SubnetAlreadyAssociated {
                table: table_id.to_owned(),
            });
        }
        let id = ids.ec2_id("rtbassoc");
        if let Some(table) = self.route_tables.get_mut(table_id) {
            table.associations.push(SubnetAssociation {
                id: id.clone(),
                subnet_id: subnet_id.to_owned(),
            });
        }
        Ok(id)
    }

    /// `DisassociateRouteTable` (never a main association).
    pub fn disassociate_route_table(&mut self, association_id: &str) -> Result<(), Ec2Error> {
        if self
            .route_tables
            .values()
            .any(|t| t.main_association_id.as_deref() == Some(association_id))
        {
            return Err(Ec2Error::MainAssociation {
                id: association_id.to_owned(),
            });
        }
        let table = self
            .route_tables
            .values_mut()
            .find(|t| t.associations.iter().any(|a| a.id == association_id))
            .ok_or_else(|| Ec2Error::AssociationNotFound {
                id: association_id.to_owned(),
            })?;
        table.associations.retain(|a| a.id != association_id);
        Ok(())
    }

    /// `DeleteRouteTable`: refused for a main table or one still associated.
    pub fn delete_route_table(&mut self, id: &str) -> Result<(), Ec2Error> {
        let table = self.route_table(id)?;
        if table.main_association_id.is_some() || !table.associations.is_empty() {
            return Err(Ec2Error::RouteTableHasDependencies { id: id.to_owned() });
        }
        self.route_tables.remove(id);
        self.tags.remove(id);
        Ok(())
    }

    /// Whether a route's target can carry traffic (`active`) or not (`blackhole`).
    #[must_use]
    pub fn route_is_active(&self, table: &RouteTable, route: &Route) -> bool {
        match &route.target {
            RouteTarget::Local => true,
            RouteTarget::InternetGateway(id) => self
                .internet_gateways
                .get(id)
                .is_some_and(|g| g.vpc_id.as_deref() == Some(table.vpc_id.as_str())),
            RouteTarget::NatGateway(id) => self.nat_gateways.get(id).is_some_and(|n| {
                matches!(
                    n.state,
                    NatGatewayState::Available | NatGatewayState::Pending
                )
            }),
        }
    }

    /// `DescribeRouteTables`.
    pub fn describe_route_tables(
        &self,
        ids: &[String],
        filters: &[Filter],
    ) -> Result<Vec<&RouteTable>, Ec2Error> {
        for id in ids {
            self.route_table(id)?;
        }
        self.select(
            self.route_tables
                .values()
                .filter(|t| ids.is_empty() || ids.contains(&t.id)),
            filters,
            &[
                "route-table-id",
                "vpc-id",
                "association.subnet-id",
                "association.main",
                "association.route-table-association-id",
                "association.route-table-id",
                "route.gateway-id",
                "route.nat-gateway-id",
                "route.destination-cidr-block",
                "owner-id",
            ],
            |t| &t.id,
            |t, name| match name {
                "route-table-id" | "association.route-table-id" => vec![t.id.clone()],
                "vpc-id" => vec![t.vpc_id.clone()],
                "association.subnet-id" => {
                    t.associations.iter().map(|a| a.subnet_id.clone()).collect()
                }
                "association.main" => vec![bool_text(t.main_association_id.is_some())],
                "association.route-table-association-id" => t
                    .associations
                    .iter()
                    .map(|a| a.id.clone())
                    .chain(t.main_association_id.iter().cloned())
                    .collect(),
                "route.gateway-id" => t
                    .routes
                    .iter()
                    .filter_map(|r| match &r.target {
                        RouteTarget::Local => Some("local".to_owned()),
                        RouteTarget::InternetGateway(id) => Some(id.clone()),
                        RouteTarget::NatGateway(_) => None,
                    })
                    .collect(),
                "route.nat-gateway-id" => t
                    .routes
                    .iter()
                    .filter_map(|r| match &r.target {
                        RouteTarget::NatGateway(id) => Some(id.clone()),
                        _ => None,
                    })
                    .collect(),
                "route.destination-cidr-block" => {
                    t.routes.iter().map(|r| r.destination.to_string()).collect()
                }
                _ => Vec::new(),
            },
        )
    }

    /// `CreateSecurityGroup` in `vpc_id` (the default VPC when absent), allowing all egress.
    pub fn create_security_group(
        &mut self,
        ids: &mut IdGen,
        name: &str,
        description: &str,
        vpc_id: Option<&str>,
        tags: NewTags,
    ) -> Result<&SecurityGroup, Ec2Error> {
        let vpc_id = match vpc_id {
            Some(id) => self.vpc(id)?.id.clone(),
            None => self
                .default_vpc()
                .map(|v| v.id.clone())
                .ok_or(Ec2Error::MissingParameter { parameter: "VpcId" })?,
        };
        if name.to_ascii_lowercase().starts_with("sg-") {
            return Err(Ec2Error::ReservedGroupName);
        }
        if self
            .security_groups
            .values()
            .any(|g| g.vpc_id == vpc_id && g.name == name)
        {
            return Err(Ec2Error::SecurityGroupExists {
                name: name.to_owned(),
                vpc: vpc_id,
            });
        }
        let id = ids.ec2_id("sg");
        self.set_tags(&id, tags);
        Ok(self
            .security_groups
            .entry(id.clone())
            .or_insert(SecurityGroup {
                id,
                name: name.to_owned(),
                description: description.to_owned(),
                vpc_id,
                ingress: Vec::new(),
                egress: vec![all_traffic_out()],
            }))
    }

    /// The security group EKS makes for a cluster (`eks-cluster-sg-<name>-<n>`): all traffic from
    /// itself in, everything out, tagged as EKS tags it. Its VPC exists (the caller checked).
    pub fn create_cluster_security_group(
        &mut self,
        ids: &mut IdGen,
        vpc_id: &str,
        cluster: &str,
    ) -> String {
        let name = loop {
            let name = format!(
                "eks-cluster-sg-{cluster}-{}",
                1_000_000_000 + ids.below(1_000_000_000)
            );
            if !self
                .security_groups
                .values()
                .any(|g| g.vpc_id == vpc_id && g.name == name)
            {
                break name;
            }
        };
        let id = ids.ec2_id("sg");
        self.security_groups.insert(
            id.clone(),
            SecurityGroup {
                id: id.clone(),
                name: name.clone(),
                description: "EKS created security group applied to ENI that is attached to EKS Control Plane master nodes, as well as any managed workloads.".into(),
                vpc_id: vpc_id.to_owned(),
                ingress: vec![Rule {
                    protocol: "-1".into(),
                    from_port: None,
                    to_port: None,
                    peer: Peer::Group(id.clone()),
                    description: None,
                }],
                egress: vec![all_traffic_out()],
            },
        );
        self.set_tags(
            &id,
            vec![
                ("Name".into(), name),
                (format!("kubernetes.io/cluster/{cluster}"), "owned".into()),
                ("aws:eks:cluster-name".into(), cluster.to_owned()),
            ],
        );
        id
    }

    /// Removes a security group EKS made, once its cluster is gone.
    pub fn forget_security_group(&mut self, id: &str) {
        self.security_groups.remove(id);
        self.tags.remove(id);
    }

    fn security_group_mut(&mut self, id: &str) -> Result<&mut SecurityGroup, Ec2Error> {
        self.security_groups
            .get_mut(id)
            .ok_or_else(|| Ec2Error::SecurityGroupNotFound { id: id.to_owned() })
    }

    /// A group by id, or by name in the default VPC.
    pub fn security_group_id(
        &self,
        id: Option<&str>,
        name: Option<&str>,
    ) -> Result<String, Ec2Error> {
        match (id, name) {
            (Some(id), _) => self
                .security_groups
                .contains_key(id)
                .then(|| id.to_owned())
                .ok_or_else(|| Ec2Error::SecurityGroupNotFound { id: id.to_owned() }),
            (None, Some(name)) => {
                let vpc = self.default_vpc().map(|v| v.id.clone()).unwrap_or_default();
                self.security_groups
                    .values()
                    .find(|g| g.vpc_id == vpc && g.name == name)
                    .map(|g| g.id.clone())
                    .ok_or_else(|| Ec2Error::SecurityGroupNameNotFound {
                        name: name.to_owned(),
                        vpc,
                    })
            }
            (None, None) => Err(Ec2Error::MissingParameter {
                parameter: "GroupId",
            }),
        }
    }

    /// `AuthorizeSecurityGroupIngress` / `…Egress`: every rule is new, or nothing changes.
    pub fn authorize(&mut self, id: &str, egress: bool, rules: Vec<Rule>) -> Result<(), Ec2Error> {
        for rule in &rules {
            if let Peer::Group(peer) = &rule.peer {
                if !self.security_groups.contains_key(peer) {
                    return Err(Ec2Error::SecurityGroupNotFound { id: peer.clone() });
                }
            }
        }
        let group = self.security_group_mut(id)?;
        let existing = if egress {
            &group.egress
        } else {
            &group.ingress
        };
        for (i, rule) in rules.iter().enumerate() {
            if existing.iter().chain(&rules[..i]).any(|r| r.same_as(rule)) {
                return Err(Ec2Error::PermissionExists {
                    rule: rule.describe(),
                });
            }
        }
        if egress {
            group.egress.extend(rules);
        } else {
            group.ingress.extend(rules);
        }
        Ok(())
    }

    /// `RevokeSecurityGroupIngress` / `…Egress`: every rule must exist.
    pub fn revoke(&mut self, id: &str, egress: bool, rules: &[Rule]) -> Result<(), Ec2Error> {
        let group = self.security_group_mut(id)?;
        let list = if egress {
            &mut group.egress
        } else {
            &mut group.ingress
        };
        if !rules
            .iter()
            .all(|rule| list.iter().any(|r| r.same_as(rule)))
        {
            return Err(Ec2Error::PermissionNotFound);
        }
        list.retain(|r| !rules.iter().any(|rule| r.same_as(rule)));
        Ok(())
    }

    /// `DeleteSecurityGroup`: never a default group, nor one another group's rules refer to.
    pub fn delete_security_group(&mut self, id: &str) -> Result<(), Ec2Error> {
        let group = self
            .security_groups
            .get(id)
            .ok_or_else(|| Ec2Error::SecurityGroupNotFound { id: id.to_owned() })?;
        if group.name == "default" {
            return Err(Ec2Error::DefaultGroupUndeletable { id: id.to_owned() });
        }
        let referenced = self.security_groups.values().any(|g| {
            g.id != id
                && g.ingress
                    .iter()
                    .chain(&g.egress)
                    .any(|r| r.peer == Peer::Group(id.to_owned()))
        });
        if referenced {
            return Err(Ec2Error::SecurityGroupInUse { id: id.to_owned() });
        }
        self.forget_security_group(id);
        Ok(())
    }

    /// `DescribeSecurityGroups`.
    pub fn describe_security_groups(
        &self,
        ids: &[String],
        names: &[String],
        filters: &[Filter],
    ) -> Result<Vec<&SecurityGroup>, Ec2Error> {
        for id in ids {
            self.security_group_id(Some(id), None)?;
        }
        for name in names {
            self.security_group_id(None, Some(name))?;
        }
        let default_vpc = self.default_vpc().map(|v| v.id.as_str());
        self.select(
            self.security_groups.values().filter(|g| {
                (ids.is_empty() || ids.contains(&g.id))
                    && (names.is_empty()
                        || (names.contains(&g.name) && Some(g.vpc_id.as_str()) == default_vpc))
            }),
            filters,
            &[
                "group-id",
                "group-name",
                "vpc-id",
                "description",
                "owner-id",
            ],
            |g| &g.id,
            |g, name| match name {
                "group-id" => vec![g.id.clone()],
                "group-name" => vec![g.name.clone()],
                "vpc-id" => vec![g.vpc_id.clone()],
                "description" => vec![g.description.clone()],
                _ => Vec::new(),
            },
        )
    }

    /// `CreateLaunchTemplate`: version 1, the default.
    pub fn create_launch_template(
        &mut self,
        env: &Env<'_>,
        ids: &mut IdGen,
        name: &str,
        description: Option<String>,
        data: LaunchTemplateData,
        tags: NewTags,
    ) -> Result<&LaunchTemplate, Ec2Error> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || "()./_-".contains(c);
        if !(3..=128).contains(&name.len()) || !name.chars().all(allowed) {
            return Err(Ec2Error::LaunchTemplateNameMalformed);
        }
        if self.launch_templates.values().any(|t| t.name == name) {
            return Err(Ec2Error::LaunchTemplateNameInUse);
        }
        let id = ids.ec2_id("lt");
        self.set_tags(&id, tags);
        Ok(self
            .launch_templates
            .entry(id.clone())
            .or_insert(LaunchTemplate {
                id,
                name: name.to_owned(),
                created_at: env.now,
                default_version: 1,
                versions: vec![LaunchTemplateVersion {
                    number: 1,
                    description,
                    created_at: env.now,
                    data,
                }],
            }))
    }

    /// A launch template by id.
    pub fn launch_template(&self, id: &str) -> Result<&LaunchTemplate, Ec2Error> {
        self.launch_templates
            .get(id)
            .ok_or_else(|| Ec2Error::LaunchTemplateIdNotFound { id: id.to_owned() })
    }

    /// The id of the launch template named by `id` or else `name`.
    pub fn launch_template_id(
        &self,
        id: Option<&str>,
        name: Option<&str>,
    ) -> Result<String, Ec2Error> {
        match (id, name) {
            (Some(id), _) => self.launch_template(id).map(|t| t.id.clone()),
            (None, Some(name)) => self
                .launch_templates
                .values()
                .find(|t| t.name == name)
                .map(|t| t.id.clone())
                .ok_or_else(|| Ec2Error::LaunchTemplateNameNotFound {
                    name: name.to_owned(),
                }),
            (None, None) => Err(Ec2Error::MissingParameter {
                parameter: "LaunchTemplateId",
            }),
        }
    }

    /// `CreateLaunchTemplateVersion`: the next number; the default stays.
    pub fn create_launch_template_version(
        &mut self,
        env: &Env<'_>,
        id: &str,
        description: Option<String>,
        data: LaunchTemplateData,
    ) -> Result<&LaunchTemplateVersion, Ec2Error> {
        self.launch_template(id)?;
        let template = self
            .launch_templates
            .get_mut(id)
            .unwrap_or_else(|| unreachable!());
        let number = template.latest_version() + 1;
        template.versions.push(LaunchTemplateVersion {
            number,
            description,
            created_at: env.now,
            data,
        });
        Ok(template.versions.last().unwrap_or_else(|| unreachable!()))
    }

    /// `ModifyLaunchTemplate --default-version`.
    pub fn set_default_launch_template_version(
        &mut self,
        id: &str,
        version: &str,
    ) -> Result<&LaunchTemplate, Ec2Error> {
        let number = self.launch_template(id)?.version(version)?.number;
        let template = self
            .launch_templates
            .get_mut(id)
            .unwrap_or_else(|| unreachable!());
        template.default_version = number;
        Ok(template)
    }

    /// `DeleteLaunchTemplate`: every version goes.
    pub fn delete_launch_template(&mut self, id: &str) -> Result<LaunchTemplate, Ec2Error> {
        let template = self
            .launch_templates
            .remove(id)
            .ok_or_else(|| Ec2Error::LaunchTemplateIdNotFound { id: id.to_owned() })?;
        self.tags.remove(id);
        Ok(template)
    }

    /// `DescribeLaunchTemplates`.
    pub fn describe_launch_templates(
        &self,
        ids: &[String],
        names: &[String],
        filters: &[Filter],
    ) -> Result<Vec<&LaunchTemplate>, Ec2Error> {
        for id in ids {
            self.launch_template(id)?;
        }
        for name in names {
            self.launch_template_id(None, Some(name))?;
        }
        self.select(
            self.launch_templates.values().filter(|t| {
                (ids.is_empty() || ids.contains(&t.id))
                    && (names.is_empty() || names.contains(&t.name))
            }),
            filters,
            &["launch-template-name"],
            |t| &t.id,
            |t, name| match name {
                "launch-template-name" => vec![t.name.clone()],
                _ => Vec::new(),
            },
        )
    }

    /// Checks that `id` names an existing resource of a kind that takes tags.
    fn check_taggable(&self, id: &str) -> Result<(), Ec2Error> {
        let exists = match resource_type(id) {
            Some("vpc") => self.vpc(id).map(|_| ()),
            Some("subnet") => self.subnet(id).map(|_| ()),
            Some("internet-gateway") => self.internet_gateway(id).map(|_| ()),
            Some("route-table") => self.route_table(id).map(|_| ()),
            Some("natgateway") => self
                .nat_gateways
                .get(id)
                .map(|_| ())
                .ok_or_else(|| Ec2Error::NatGatewayNotFound { id: id.to_owned() }),
            Some("elastic-ip") => self.address_id(Some(id), None).map(|_| ()),
            Some("security-group") => self.security_group_id(Some(id), None).map(|_| ()),
            Some("launch-template") => self.launch_template(id).map(|_| ()),
            _ => Err(Ec2Error::InvalidId { id: id.to_owned() }),
        };
        exists
    }

    /// `CreateTags`: sets tags on every resource, or on none if one does not exist.
    pub fn create_tags(
        &mut self,
        resources: &[String],
        tags: &[(String, String)],
    ) -> Result<(), Ec2Error> {
        for id in resources {
            self.check_taggable(id)?;
            let mut merged = self.tags.get(id).cloned().unwrap_or_default();
            merged.extend(tags.iter().cloned());
            if merged.len() > 50 {
                return Err(Ec2Error::TagLimit);
            }
        }
        for id in resources {
            self.set_tags(id, tags.to_vec());
        }
        Ok(())
    }

    /// `DeleteTags`: removes keys (only where the value matches, when one is given); no tags given
    /// removes them all.
    pub fn delete_tags(
        &mut self,
        resources: &[String],
        tags: &[(String, Option<String>)],
    ) -> Result<(), Ec2Error> {
        for id in resources {
            self.check_taggable(id)?;
        }
        for id in resources {
            if let Some(current) = self.tags.get_mut(id) {
                if tags.is_empty() {
                    current.clear();
                }
                for (key, value) in tags {
                    if value.as_ref().is_none_or(|v| current.get(key) == Some(v)) {
                        current.remove(key);
                    }
                }
                if current.is_empty() {
                    self.tags.remove(id);
                }
            }
        }
        Ok(())
    }

    /// `DescribeTags`: (resource id, type, key, value) of every tag matching the filters.
    pub fn describe_tags(
        &self,
        filters: &[Filter],
    ) -> Result<Vec<(&str, &'static str, &str, &str)>, Ec2Error> {
        const NAMES: &[&str] = &["resource-id", "resource-type", "key", "value"];
        if let Some(bad) = filters.iter().find(|f| !NAMES.contains(&f.name.as_str())) {
            return Err(Ec2Error::InvalidFilter {
                name: bad.name.clone(),
            });
        }
        let mut out = Vec::new();
        for (id, tags) in &self.tags {
            let kind = resource_type(id).unwrap_or("vpc");
            for (key, value) in tags {
                let fields = [id.as_str(), kind, key.as_str(), value.as_str()];
                let keep = filters.iter().all(|f| {
                    let position = NAMES.iter().position(|n| *n == f.name).unwrap_or(0);
                    f.values.iter().any(|p| glob_match(p, fields[position]))
                });
                if keep {
                    out.push((id.as_str(), kind, key.as_str(), value.as_str()));
                }
            }
        }
        Ok(out)
    }

    /// Keeps the items every filter matches: `tag:<key>`, `tag-key`, `tag-value` for any resource,
    /// and the resource's own `names`, whose values `field` gives.
    fn select<'a, T: 'a>(
        &self,
        items: impl Iterator<Item = &'a T>,
        filters: &[Filter],
        names: &[&str],
        id_of: impl Fn(&T) -> &str,
        field: impl Fn(&T, &str) -> Vec<String>,
    ) -> Result<Vec<&'a T>, Ec2Error> {
        for filter in filters {
            let known = names.contains(&filter.name.as_str())
                || filter.name.starts_with("tag:")
                || filter.name == "tag-key"
                || filter.name == "tag-value";
            if !known {
                return Err(Ec2Error::InvalidFilter {
                    name: filter.name.clone(),
                });
            }
        }
        Ok(items
            .filter(|item| {
                let tags = self.tags.get(id_of(item));
                filters.iter().all(|filter| {
                    let actual: Vec<String> = if let Some(key) = filter.name.strip_prefix("tag:") {
                        tags.and_then(|t| t.get(key)).cloned().into_iter().collect()
                    } else if filter.name == "tag-key" {
                        tags.map(|t| t.keys().cloned().collect())
                            .unwrap_or_default()
                    } else if filter.name == "tag-value" {
                        tags.map(|t| t.values().cloned().collect())
                            .unwrap_or_default()
                    } else if filter.name == "owner-id" {
                        return true;
                    } else {
                        field(item, &filter.name)
                    };
                    filter
                        .values
                        .iter()
                        .any(|pattern| actual.iter().any(|a| glob_match(pattern, a)))
                })
            })
            .collect())
    }
}

fn all_traffic_out() -> Rule {
    Rule {
        protocol: "-1".into(),
        from_port: None,
        to_port: None,
        peer: Peer::Cidr(Ipv4Cidr::parse("0.0.0.0/0").unwrap_or_else(|| unreachable!())),
        description: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::Timing;
    use std::time::Duration;

    fn env(now: Timestamp) -> Env<'static> {
        Env {
            now,
            timing: Timing::Realistic,
            account: "123456789012",
            region: "ap-northeast-1",
        }
    }

    fn region() -> (Ec2Region, IdGen) {
        let mut ec2 = Ec2Region::default();
        let mut ids = IdGen::new(0);
        ec2.ensure_default_vpc(&mut ids, "ap-northeast-1");
        (ec2, ids)
    }

    #[test]
    fn a_region_starts_with_a_public_default_vpc_with_a_subnet_per_zone() {
        let (ec2, _) = region();
        let vpc = ec2.default_vpc().unwrap();
        assert_eq!(vpc.cidr.to_string(), DEFAULT_VPC_CIDR);
        let subnets: Vec<(String, String, bool)> = ec2
            .subnets
            .values()
            .map(|s| {
                (
                    s.availability_zone.clone(),
                    s.cidr.to_string(),
                    ec2.is_private(s),
                )
            })
            .collect();
        let mut subnets = subnets;
        subnets.sort();
        assert_eq!(
            subnets,
            [
                ("ap-northeast-1a".into(), "172.31.0.0/20".into(), false),
                ("ap-northeast-1c".into(), "172.31.16.0/20".into(), false),
                ("ap-northeast-1d".into(), "172.31.32.0/20".into(), false),
            ]
        );
        assert!(ec2
            .subnets
            .values()
            .all(|s| s.default_for_az && s.map_public_ip_on_launch));
    }

    #[test]
    fn the_default_vpc_is_made_once_and_the_same_way_for_the_same_seed() {
        let (mut a, mut ids) = region();
        let before = a.vpcs.len();
        a.ensure_default_vpc(&mut ids, "ap-northeast-1");
        assert_eq!(a.vpcs.len(), before);
        let (b, _) = region();
        assert_eq!(
            a.subnets.keys().collect::<Vec<_>>(),
            b.subnets.keys().collect::<Vec<_>>()
        );
    }

    #[test]
    fn subnet_blocks_must_lie_in_the_vpc_and_not_overlap() {
        let (mut ec2, mut ids) = region();
        let vpc = ec2
            .create_vpc(&mut ids, "10.0.0.0/16", None, Vec::new())
            .unwrap()
            .id
            .clone();
        let zone = Some("ap-northeast-1a");
        ec2.create_subnet(&mut ids, &vpc, "10.0.0.0/24", zone, None, Vec::new())
            .unwrap();
        let err = |ec2: &mut Ec2Region, ids: &mut IdGen, cidr: &str| {
            ec2.create_subnet(ids, &vpc, cidr, zone, None, Vec::new())
                .unwrap_err()
        };
        assert_eq!(
            err(&mut ec2, &mut ids, "10.0.0.128/25"),
            Ec2Error::SubnetConflict {
                cidr: "10.0.0.128/25".into()
            }
        );
        assert_eq!(
            err(&mut ec2, &mut ids, "10.1.0.0/24"),
            Ec2Error::SubnetRange {
                cidr: "10.1.0.0/24".into()
            }
        );
        assert_eq!(
            err(&mut ec2, &mut ids, "10.0.1.0/29"),
            Ec2Error::SubnetRange {
                cidr: "10.0.1.0/29".into()
            }
        );
        assert_eq!(
            err(&mut ec2, &mut ids, "10.0.1.1/24"),
            Ec2Error::InvalidCidr {
                value: "10.0.1.1/24".into(),
                parameter: "cidrBlock"
            }
        );
        assert!(matches!(
            ec2.create_subnet(
                &mut ids,
                &vpc,
                "10.0.1.0/24",
                Some("ap-northeast-1b"),
                None,
                Vec::new()
            ),
            Err(Ec2Error::SubnetZone { .. })
        ));
        assert_eq!(
            ec2.create_vpc(&mut ids, "10.0.0.0/8", None, Vec::new())
                .unwrap_err(),
            Ec2Error::VpcRange {
                cidr: "10.0.0.0/8".into()
            }
        );
    }

    #[test]
    fn a_subnet_is_private_until_its_route_table_routes_to_an_internet_gateway() {
        let (mut ec2, mut ids) = region();
        let vpc = ec2
            .create_vpc(&mut ids, "10.0.0.0/16", None, Vec::new())
            .unwrap()
            .id
            .clone();
        let subnet = ec2
            .create_subnet(&mut ids, &vpc, "10.0.0.0/24", None, None, Vec::new())
            .unwrap()
            .id
            .clone();
        let private = |ec2: &Ec2Region| ec2.is_private(&ec2.subnets[&subnet]);
        assert!(private(&ec2), "the main table has only the local route");
        let igw = ec2.create_internet_gateway(&mut ids, Vec::new()).id.clone();
        let table = ec2
            .create_route_table(&mut ids, &vpc, Vec::new())
            .unwrap()
            .id
            .clone();
        assert_eq!(
            ec2.create_route(&table, "0.0.0.0/0", Some(&igw), None),
            Err(Ec2Error::GatewayOtherNetwork {
                table: table.clone(),
                gateway: igw.clone()
            })
        );
        ec2.attach_internet_gateway(&igw, &vpc).unwrap();
        ec2.create_route(&table, "0.0.0.0/0", Some(&igw), None)
            .unwrap();
        assert!(private(&ec2), "the table is not associated yet");
        let association = ec2
            .associate_route_table(&mut ids, &table, &subnet)
            .unwrap();
        assert!(!private(&ec2));
        ec2.disassociate_route_table(&association).unwrap();
        assert!(private(&ec2));
    }

    #[test]
    fn a_nat_gateway_is_pending_then_available_and_holds_its_address() {
        let (mut ec2, mut ids) = region();
        let subnet = ec2.subnets.keys().next().unwrap().clone();
        let eip = ec2
            .allocate_address(&mut ids, Vec::new())
            .allocation_id
            .clone();
        let t0 = Timestamp(1_000_000);
        let nat = ec2
            .create_nat_gateway(&env(t0), &mut ids, &subnet, Some(&eip), None, Vec::new())
            .unwrap();
        assert_eq!(nat.state, NatGatewayState::Pending);
        let nat = nat.id.clone();
        ec2.advance(t0.after(Duration::from_secs(90)));
        assert_eq!(ec2.nat_gateways[&nat].state, NatGatewayState::Available);
        assert_eq!(
            ec2.release_address(Some(&eip), None),
            Err(Ec2Error::AddressInUse)
        );
        assert_eq!(
            ec2.delete_subnet(&subnet),
            Err(Ec2Error::SubnetHasDependencies { id: subnet.clone() })
        );
        ec2.delete_nat_gateway(t0, &nat).unwrap();
        ec2.release_address(Some(&eip), None).unwrap();
        let later = t0.after(Duration::from_secs(3600));
        assert!(ec2
            .describe_nat_gateways(later, &[], &[])
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_public_nat_gateway_fails_without_an_internet_gateway() {
        let (mut ec2, mut ids) = region();
        let vpc = ec2
            .create_vpc(&mut ids, "10.0.0.0/16", None, Vec::new())
            .unwrap()
            .id
            .clone();
        let subnet = ec2
            .create_subnet(&mut ids, &vpc, "10.0.0.0/24", None, None, Vec::new())
            .unwrap()
            .id
            .clone();
        let eip = ec2
            .allocate_address(&mut ids, Vec::new())
            .allocation_id
            .clone();
        let t0 = Timestamp(0);
        let nat = ec2
            .create_nat_gateway(&env(t0), &mut ids, &subnet, Some(&eip), None, Vec::new())
            .unwrap()
            .id
            .clone();
        ec2.advance(t0.after(Duration::from_secs(90)));
        assert_eq!(ec2.nat_gateways[&nat].state, NatGatewayState::Failed);
        assert!(ec2.addresses[&eip].association.is_none());
    }

    #[test]
    fn a_vpc_is_deleted_only_once_empty() {
        let (mut ec2, mut ids) = region();
        let vpc = ec2
            .create_vpc(&mut ids, "10.0.0.0/16", None, Vec::new())
            .unwrap()
            .id
            .clone();
        let subnet = ec2
            .create_subnet(&mut ids, &vpc, "10.0.0.0/24", None, None, Vec::new())
            .unwrap()
            .id
            .clone();
        let igw = ec2.create_internet_gateway(&mut ids, Vec::new()).id.clone();
        ec2.attach_internet_gateway(&igw, &vpc).unwrap();
        let dependent = Err(Ec2Error::VpcHasDependencies { id: vpc.clone() });
        assert_eq!(ec2.delete_vpc(&vpc), dependent);
        ec2.delete_subnet(&subnet).unwrap();
        assert_eq!(ec2.delete_vpc(&vpc), dependent);
        assert_eq!(
            ec2.delete_internet_gateway(&igw),
            Err(Ec2Error::InternetGatewayHasDependencies { id: igw.clone() })
        );
        ec2.detach_internet_gateway(&igw, &vpc).unwrap();
        ec2.delete_vpc(&vpc).unwrap();
        assert!(ec2.route_tables.values().all(|t| t.vpc_id != vpc));
        assert!(ec2.security_groups.values().all(|g| g.vpc_id != vpc));
    }

    #[test]
    fn duplicate_rules_are_refused_with_ec2s_description() {
        let (mut ec2, mut ids) = region();
        let sg = ec2
            .create_security_group(&mut ids, "web", "web", None, Vec::new())
            .unwrap()
            .id
            .clone();
        let https = Rule {
            protocol: "tcp".into(),
            from_port: Some(443),
            to_port: Some(443),
            peer: Peer::Cidr(Ipv4Cidr::parse("0.0.0.0/0").unwrap()),
            description: None,
        };
        ec2.authorize(&sg, false, vec![https.clone()]).unwrap();
        assert_eq!(
            ec2.authorize(&sg, false, vec![https]),
            Err(Ec2Error::PermissionExists {
                rule: "peer: 0.0.0.0/0, TCP, from port: 443, to port: 443, ALLOW".into()
            })
        );
        assert_eq!(
            ec2.authorize(&sg, true, vec![all_traffic_out()]),
            Err(Ec2Error::PermissionExists {
                rule: "peer: 0.0.0.0/0, ALL, ALLOW".into()
            })
        );
    }

    #[test]
    fn filters_match_fields_and_tags_with_wildcards() {
        let (mut ec2, mut ids) = region();
        let vpc = ec2.default_vpc().unwrap().id.clone();
        let first = ec2.subnets.keys().next().unwrap().clone();
        ec2.create_tags(
            std::slice::from_ref(&first),
            &[("Name".into(), "public-a".into())],
        )
        .unwrap();
        let filter = |name: &str, value: &str| Filter {
            name: name.into(),
            values: vec![value.into()],
        };
        let found = ec2
            .describe_subnets(
                &[],
                &[filter("vpc-id", &vpc), filter("tag:Name", "public-*")],
            )
            .unwrap();
        assert_eq!(
            found.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
            [first]
        );
        assert_eq!(
            ec2.describe_subnets(&[], &[filter("colour", "red")])
                .unwrap_err(),
            Ec2Error::InvalidFilter {
                name: "colour".into()
            }
        );
        assert_eq!(
            ec2.create_tags(&["subnet-0".into()], &[]),
            Err(Ec2Error::SubnetNotFound {
                id: "subnet-0".into()
            })
        );
        assert!(glob_match("a?c*", "abcdef") && !glob_match("a?c", "abcd"));
        let _ = ids.hex(1);
    }
}
