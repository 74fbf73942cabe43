//! The CloudFormation templates eksctl deploys (reference/eksctl.md §3 and §5), as JSON values:
//! the cluster stack (a dedicated VPC over the zones with public and private subnets, a NAT
//! gateway, security groups, the service role, the `FargatePodExecutionRole` when the config has
//! profiles, the control plane, and the named outputs with their exports), the `-fargate` role
//! stack for clusters ekscli did not make, and the nodegroup stacks. Pure functions of the config.
//!
//! Known gaps, each waiting on something outside this crate: the AMI of an unmanaged nodegroup is
//! an SSM-parameter template parameter (eksctl resolves it before deploying, which needs SSM),
//! and unmanaged nodes get no bootstrap user data (they only matter to the emulator, which runs no
//! instances).

use base64::Engine;
use serde_json::{json, Map, Value};

use crate::config::{ClusterConfig, NodeGroup};

/// Where eksctl's templates say they come from.
const MANAGED_BY: &str = "[created and managed by eksctl]";

/// `ServicePrincipalPartitionMap`.
fn service_principal_map() -> Value {
    let partition = |suffix: &str| {
        json!({
            "EC2": format!("ec2.{suffix}"),
            "EC2Service": "ec2.amazonaws.com",
            "EKS": "eks.amazonaws.com",
            "EKSFargatePods": "eks-fargate-pods.amazonaws.com",
            "IRA": "rolesanywhere.amazonaws.com",
            "SSM": "ssm.amazonaws.com",
        })
    };
    json!({
        "aws": partition("amazonaws.com"),
        "aws-cn": partition("amazonaws.com.cn"),
        "aws-us-gov": partition("amazonaws.com"),
    })
}

fn principal(service: &str) -> Value {
    json!({"Fn::FindInMap": ["ServicePrincipalPartitionMap", {"Ref": "AWS::Partition"}, service]})
}

fn managed_policy(name: &str) -> Value {
    json!({"Fn::Sub": format!("arn:${{AWS::Partition}}:iam::aws:policy/{name}")})
}

fn name_tag(logical_id: &str) -> Value {
    json!({"Key": "Name", "Value": {"Fn::Sub": format!("${{AWS::StackName}}/{logical_id}")}})
}

fn export(name: &str) -> Value {
    json!({"Name": {"Fn::Sub": format!("${{AWS::StackName}}::{name}")}})
}

/// The logical-id suffix of a zone: upper case, letters and digits only (`USWEST2B`).
#[must_use]
pub fn az_suffix(zone: &str) -> String {
    zone.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// One zone's public and private subnet CIDRs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneSubnets {
    /// The zone.
    pub zone: String,
    /// The public subnet.
    pub public: String,
    /// The private subnet.
    pub private: String,
}

/// eksctl's `SetSubnets`: the VPC CIDR is split into the smallest power of two of equal pieces
/// that holds two subnets per zone (8 pieces, /19s of a /16, for 3 or 4 zones); public subnets take
/// the first pieces in zone order, private subnets the next.
///
/// # Errors
/// A CIDR that does not parse, or one too small to split.
pub fn split_subnets(vpc_cidr: &str, zones: &[String]) -> Result<Vec<ZoneSubnets>, String> {
    let (addr, prefix) = vpc_cidr
        .split_once('/')
        .ok_or_else(|| format!("invalid CIDR address: {vpc_cidr}"))?;
    let prefix: u32 = prefix
        .parse()
        .map_err(|_| format!("invalid CIDR address: {vpc_cidr}"))?;
    let octets: Vec<u32> = addr
        .split('.')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|_| format!("invalid CIDR address: {vpc_cidr}"))?;
    if octets.len() != 4 || prefix > 32 || octets.iter().any(|o| *o > 255) {
        return Err(format!("invalid CIDR address: {vpc_cidr}"));
    }
    let base = octets.iter().fold(0u32, |acc, o| (acc << 8) | o);
    let pieces = (zones.len() * 2).next_power_of_two() as u32;
    let extra_bits = pieces.trailing_zeros();
    let sub_prefix = prefix + extra_bits;
    if sub_prefix > 28 {
        return Err(format!(
            "VPC CIDR {vpc_cidr} is too small for {} zones",
            zones.len()
        ));
    }
    let size = 1u32 << (32 - sub_prefix);
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    let network = base & mask;
    let cidr = |i: usize| {
        let a = network + size * i as u32;
        format!(
            "{}.{}.{}.{}/{sub_prefix}",
            a >> 24,
            (a >> 16) & 255,
            (a >> 8) & 255,
            a & 255
        )
    };
    Ok(zones
        .iter()
        .enumerate()
        .map(|(i, zone)| ZoneSubnets {
            zone: zone.clone(),
            public: cidr(i),
            private: cidr(zones.len() + i),
        })
        .collect())
}

/// The `FargatePodExecutionRole` resource, trusting EKS Fargate for this cluster's profiles.
#[must_use]
pub fn fargate_role(region: &str, account: &str, cluster: &str, boundary: Option<&str>) -> Value {
    let mut properties = json!({
        "AssumeRolePolicyDocument": {
            "Statement": [{
                "Action": ["sts:AssumeRole"],
                "Condition": {"ArnLike": {"aws:SourceArn": {
                    "Fn::Sub": format!("arn:${{AWS::Partition}}:eks:{region}:{account}:fargateprofile/{cluster}/*")
                }}},
                "Effect": "Allow",
                "Principal": {"Service": [principal("EKSFargatePods")]},
            }],
            "Version": "2012-10-17",
        },
        "ManagedPolicyArns": [managed_policy("AmazonEKSFargatePodExecutionRolePolicy")],
        "Tags": [name_tag("FargatePodExecutionRole")],
    });
    if let Some(boundary) = boundary {
        properties["PermissionsBoundary"] = json!(boundary);
    }
    json!({"Type": "AWS::IAM::Role", "Properties": properties})
}

/// The `FargatePodExecutionRoleARN` output.
#[must_use]
pub fn fargate_role_output() -> Value {
    json!({
        "Value": {"Fn::GetAtt": ["FargatePodExecutionRole", "Arn"]},
        "Export": export("FargatePodExecutionRoleARN"),
    })
}

/// The `eksctl-<cluster>-fargate` stack (`pkg/cfn/builder/fargate.go`): the role and its output,
/// or only the output when the config names a role.
#[must_use]
pub fn fargate_stack(config: &ClusterConfig, region: &str, account: &str) -> Value {
    let mut template = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "EKS Fargate pod execution IAM role [created by eksctl]",
        "Mappings": {"ServicePrincipalPartitionMap": service_principal_map()},
        "Resources": {},
        "Outputs": {},
    });
    if let Some(arn) = config.fargate_role_arn() {
        // CloudFormation needs at least one resource; eksctl's template has this shape too.
        template["Resources"] =
            json!({"WaitHandle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}});
        template["Outputs"]["FargatePodExecutionRoleARN"] = json!({
            "Value": arn,
            "Export": export("FargatePodExecutionRoleARN"),
        });
    } else {
        let boundary = config
            .iam
            .as_ref()
            .and_then(|i| i.fargate_pod_execution_role_permissions_boundary.as_deref());
        template["Resources"]["FargatePodExecutionRole"] =
            fargate_role(region, account, config.name(), boundary);
        template["Outputs"]["FargatePodExecutionRoleARN"] = fargate_role_output();
    }
    template
}

/// The cluster stack (`eksctl-<cluster>-cluster`) for a config with defaults set, in `zones`.
///
/// # Errors
/// A VPC CIDR that cannot be split over the zones.
pub fn cluster_stack(
    config: &ClusterConfig,
    zones: &[String],
    account: &str,
) -> Result<Value, String> {
    let region = config.region();
    let cluster = config.name();
    let vpc = config.vpc.clone().unwrap_or_default();
    let cidr = vpc
        .cidr
        .clone()
        .unwrap_or_else(|| crate::config::DEFAULT_VPC_CIDR.into());
    let nat_mode = vpc
        .nat
        .as_ref()
        .and_then(|n| n.gateway.clone())
        .unwrap_or_else(|| "Single".into());
    let endpoints = vpc.cluster_endpoints.clone().unwrap_or_default();
    let subnets = split_subnets(&cidr, zones)?;
    let mut r = Map::new();

    r.insert(
        "VPC".into(),
        json!({"Type": "AWS::EC2::VPC", "Properties": {
            "CidrBlock": cidr,
            "EnableDnsHostnames": true,
            "EnableDnsSupport": true,
            "Tags": [name_tag("VPC")],
        }}),
    );
    r.insert(
        "InternetGateway".into(),
        json!({"Type": "AWS::EC2::InternetGateway", "Properties": {"Tags": [name_tag("InternetGateway")]}}),
    );
    r.insert(
        "VPCGatewayAttachment".into(),
        json!({"Type": "AWS::EC2::VPCGatewayAttachment", "Properties": {
            "InternetGatewayId": {"Ref": "InternetGateway"},
            "VpcId": {"Ref": "VPC"},
        }}),
    );
    r.insert(
        "PublicRouteTable".into(),
        json!({"Type": "AWS::EC2::RouteTable", "Properties": {
            "Tags": [name_tag("PublicRouteTable")],
            "VpcId": {"Ref": "VPC"},
        }}),
    );
    r.insert(
        "PublicSubnetRoute".into(),
        json!({"Type": "AWS::EC2::Route", "DependsOn": "VPCGatewayAttachment", "Properties": {
            "DestinationCidrBlock": "0.0.0.0/0",
            "GatewayId": {"Ref": "InternetGateway"},
            "RouteTableId": {"Ref": "PublicRouteTable"},
        }}),
    );
    let mut public_refs = Vec::new();
    let mut private_refs = Vec::new();
    for zs in &subnets {
        let az = az_suffix(&zs.zone);
        for (kind, subnet_cidr, role_tag, refs) in [
            (
                "Public",
                &zs.public,
                "kubernetes.io/role/elb",
                &mut public_refs,
            ),
            (
                "Private",
                &zs.private,
                "kubernetes.io/role/internal-elb",
                &mut private_refs,
            ),
        ] {
            let id = format!("Subnet{kind}{az}");
            let mut properties = json!({
                "AvailabilityZone": zs.zone,
                "CidrBlock": subnet_cidr,
                "Tags": [{"Key": role_tag, "Value": "1"}, name_tag(&id)],
                "VpcId": {"Ref": "VPC"},
            });
            if kind == "Public" {
                properties["MapPublicIpOnLaunch"] = json!(true);
            }
            r.insert(
                id.clone(),
                json!({"Type": "AWS::EC2::Subnet", "Properties": properties}),
            );
            refs.push(json!({"Ref": id}));
            let table = if kind == "Public" {
                json!({"Ref": "PublicRouteTable"})
            } else {
                json!({"Ref": format!("PrivateRouteTable{az}")})
            };
            r.insert(
                format!("RouteTableAssociation{kind}{az}"),
                json!({"Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": {
                    "RouteTableId": table,
                    "SubnetId": {"Ref": id},
                }}),
            );
        }
        r.insert(
            format!("PrivateRouteTable{az}"),
            json!({"Type": "AWS::EC2::RouteTable", "Properties": {
                "Tags": [name_tag(&format!("PrivateRouteTable{az}"))],
                "VpcId": {"Ref": "VPC"},
            }}),
        );
    }
    match nat_mode.as_str() {
        "Disable" => {}
        "HighlyAvailable" => {
            for zs in &subnets {
                let az = az_suffix(&zs.zone);
                r.insert(
                    format!("NATIP{az}"),
                    json!({"Type": "AWS::EC2::EIP", "DependsOn": "VPCGatewayAttachment", "Properties": {
                        "Domain": "vpc",
                        "Tags": [name_tag(&format!("NATIP{az}"))],
                    }}),
                );
                r.insert(
                    format!("NATGateway{az}"),
                    json!({"Type": "AWS::EC2::NatGateway", "Properties": {
                        "AllocationId": {"Fn::GetAtt": [format!("NATIP{az}"), "AllocationId"]},
                        "SubnetId": {"Ref": format!("SubnetPublic{az}")},
                        "Tags": [name_tag(&format!("NATGateway{az}"))],
                    }}),
                );
                r.insert(
                    format!("NATPrivateSubnetRoute{az}"),
                    json!({"Type": "AWS::EC2::Route", "Properties": {
                        "DestinationCidrBlock": "0.0.0.0/0",
                        "NatGatewayId": {"Ref": format!("NATGateway{az}")},
                        "RouteTableId": {"Ref": format!("PrivateRouteTable{az}")},
                    }}),
                );
            }
        }
        _ => {
            let first = az_suffix(&subnets[0].zone);
            r.insert(
                "NATIP".into(),
                json!({"Type": "AWS::EC2::EIP", "DependsOn": "VPCGatewayAttachment", "Properties": {
                    "Domain": "vpc",
                    "Tags": [name_tag("NATIP")],
                }}),
            );
            r.insert(
                "NATGateway".into(),
                json!({"Type": "AWS::EC2::NatGateway", "Properties": {
                    "AllocationId": {"Fn::GetAtt": ["NATIP", "AllocationId"]},
                    "SubnetId": {"Ref": format!("SubnetPublic{first}")},
                    "Tags": [name_tag("NATGateway")],
                }}),
            );
            for zs in &subnets {
                let az = az_suffix(&zs.zone);
                r.insert(
                    format!("NATPrivateSubnetRoute{az}"),
                    json!({"Type": "AWS::EC2::Route", "Properties": {
                        "DestinationCidrBlock": "0.0.0.0/0",
                        "NatGatewayId": {"Ref": "NATGateway"},
                        "RouteTableId": {"Ref": format!("PrivateRouteTable{az}")},
                    }}),
                );
            }
        }
    }
    r.insert(
        "ControlPlaneSecurityGroup".into(),
        json!({"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "Communication between the control plane and worker nodegroups",
            "Tags": [name_tag("ControlPlaneSecurityGroup")],
            "VpcId": {"Ref": "VPC"},
        }}),
    );
    r.insert(
        "ClusterSharedNodeSecurityGroup".into(),
        json!({"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "Communication between all nodes in the cluster",
            "Tags": [name_tag("ClusterSharedNodeSecurityGroup")],
            "VpcId": {"Ref": "VPC"},
        }}),
    );
    r.insert(
        "IngressInterNodeGroupSG".into(),
        json!({"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
            "Description": "Allow nodes to communicate with each other (all ports)",
            "FromPort": 0,
            "GroupId": {"Ref": "ClusterSharedNodeSecurityGroup"},
            "IpProtocol": "-1",
            "SourceSecurityGroupId": {"Ref": "ClusterSharedNodeSecurityGroup"},
            "ToPort": 65535,
        }}),
    );
    if vpc.manage_shared_node_security_group_rules.unwrap_or(true) {
        r.insert(
            "IngressDefaultClusterToNodeSG".into(),
            json!({"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
                "Description": "Allow managed and unmanaged nodes to communicate with each other (all ports)",
                "FromPort": 0,
                "GroupId": {"Ref": "ClusterSharedNodeSecurityGroup"},
                "IpProtocol": "-1",
                "SourceSecurityGroupId": {"Fn::GetAtt": ["ControlPlane", "ClusterSecurityGroupId"]},
                "ToPort": 65535,
            }}),
        );
        r.insert(
            "IngressNodeToDefaultClusterSG".into(),
            json!({"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
                "Description": "Allow unmanaged nodes to communicate with control plane (all ports)",
                "FromPort": 0,
                "GroupId": {"Fn::GetAtt": ["ControlPlane", "ClusterSecurityGroupId"]},
                "IpProtocol": "-1",
                "SourceSecurityGroupId": {"Ref": "ClusterSharedNodeSecurityGroup"},
                "ToPort": 65535,
            }}),
        );
    }
    let service_role_arn = config
        .iam
        .as_ref()
        .and_then(|i| i.service_role_arn.clone())
        .filter(|s| !s.is_empty());
    let role_ref = match &service_role_arn {
        Some(arn) => json!(arn),
        None => {
            r.insert(
                "ServiceRole".into(),
                json!({"Type": "AWS::IAM::Role", "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Statement": [{
                            "Action": ["sts:AssumeRole", "sts:TagSession"],
                            "Effect": "Allow",
                            "Principal": {"Service": [principal("EKS")]},
                        }],
                        "Version": "2012-10-17",
                    },
                    "ManagedPolicyArns": [
                        managed_policy("AmazonEKSClusterPolicy"),
                        managed_policy("AmazonEKSVPCResourceController"),
                    ],
                    "Tags": [name_tag("ServiceRole")],
                }}),
            );
            json!({"Fn::GetAtt": ["ServiceRole", "Arn"]})
        }
    };
    let mut tags = vec![name_tag("ControlPlane")];
    if let Some(meta_tags) = config.metadata.as_ref().and_then(|m| m.tags.as_ref()) {
        for (k, v) in meta_tags {
            tags.push(json!({"Key": k, "Value": v}));
        }
    }
    let subnet_refs: Vec<Value> = public_refs.iter().chain(&private_refs).cloned().collect();
    r.insert(
        "ControlPlane".into(),
        json!({"Type": "AWS::EKS::Cluster", "Properties": {
            "AccessConfig": {
                "AuthenticationMode": "API_AND_CONFIG_MAP",
                "BootstrapClusterCreatorAdminPermissions": true,
            },
            "BootstrapSelfManagedAddons": false,
            "KubernetesNetworkConfig": {"IpFamily": "ipv4"},
            "Name": cluster,
            "ResourcesVpcConfig": {
                "EndpointPrivateAccess": endpoints.private_access.unwrap_or(false),
                "EndpointPublicAccess": endpoints.public_access.unwrap_or(true),
                "SecurityGroupIds": [{"Ref": "ControlPlaneSecurityGroup"}],
                "SubnetIds": subnet_refs,
            },
            "RoleArn": role_ref,
            "Tags": tags,
            "Version": config.metadata.as_ref().and_then(|m| m.version.clone())
                .unwrap_or_else(|| crate::config::DEFAULT_VERSION.into()),
        }}),
    );
    let needs_fargate_role = !config.profiles().is_empty() && config.fargate_role_arn().is_none();
    if needs_fargate_role {
        let boundary = config
            .iam
            .as_ref()
            .and_then(|i| i.fargate_pod_execution_role_permissions_boundary.as_deref());
        r.insert(
            "FargatePodExecutionRole".into(),
            fargate_role(region, account, cluster, boundary),
        );
    }

    let join = |refs: &[Value]| json!({"Fn::Join": [",", refs]});
    let mut outputs = json!({
        "ARN": {"Value": {"Fn::GetAtt": ["ControlPlane", "Arn"]}, "Export": export("ARN")},
        "CertificateAuthorityData": {"Value": {"Fn::GetAtt": ["ControlPlane", "CertificateAuthorityData"]}},
        "ClusterSecurityGroupId": {
            "Value": {"Fn::GetAtt": ["ControlPlane", "ClusterSecurityGroupId"]},
            "Export": export("ClusterSecurityGroupId"),
        },
        "ClusterStackName": {"Value": {"Ref": "AWS::StackName"}},
        "Endpoint": {"Value": {"Fn::GetAtt": ["ControlPlane", "Endpoint"]}, "Export": export("Endpoint")},
        "FeatureNATMode": {"Value": nat_mode},
        "SecurityGroup": {"Value": {"Ref": "ControlPlaneSecurityGroup"}, "Export": export("SecurityGroup")},
        "SharedNodeSecurityGroup": {
            "Value": {"Ref": "ClusterSharedNodeSecurityGroup"},
            "Export": export("SharedNodeSecurityGroup"),
        },
        "SubnetsPrivate": {"Value": join(&private_refs), "Export": export("SubnetsPrivate")},
        "SubnetsPublic": {"Value": join(&public_refs), "Export": export("SubnetsPublic")},
        "VPC": {"Value": {"Ref": "VPC"}, "Export": export("VPC")},
    });
    outputs["ServiceRoleARN"] = match &service_role_arn {
        Some(arn) => json!({"Value": arn, "Export": export("ServiceRoleARN")}),
        None => {
            json!({"Value": {"Fn::GetAtt": ["ServiceRole", "Arn"]}, "Export": export("ServiceRoleARN")})
        }
    };
    if needs_fargate_role {
        outputs["FargatePodExecutionRoleARN"] = fargate_role_output();
    } else if let Some(arn) = config.fargate_role_arn() {
        outputs["FargatePodExecutionRoleARN"] =
            json!({"Value": arn, "Export": export("FargatePodExecutionRoleARN")});
    }
    Ok(json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!("EKS cluster (dedicated VPC: true, dedicated IAM: {}) {MANAGED_BY}", service_role_arn.is_none()),
        "Mappings": {"ServicePrincipalPartitionMap": service_principal_map()},
        "Resources": Value::Object(r),
        "Outputs": outputs,
    }))
}

/// The SSM parameter naming the EKS-optimised AMI for a nodegroup.
#[must_use]
pub fn ami_parameter(ng: &NodeGroup, version: &str) -> String {
    match ng.ami_family.as_deref().unwrap_or("AmazonLinux2023") {
        "AmazonLinux2" => {
            format!("/aws/service/eks/optimized-ami/{version}/amazon-linux-2/recommended/image_id")
        }
        "Bottlerocket" => {
            format!("/aws/service/bottlerocket/aws-k8s-{version}/x86_64/latest/image_id")
        }
        _ => format!(
            "/aws/service/eks/optimized-ami/{version}/amazon-linux-2023/x86_64/standard/recommended/image_id"
        ),
    }
}

fn import(cluster_stack: &str, output: &str) -> Value {
    json!({"Fn::ImportValue": format!("{cluster_stack}::{output}")})
}

fn node_role() -> Value {
    json!({"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {
            "Statement": [{
                "Action": ["sts:AssumeRole"],
                "Effect": "Allow",
                "Principal": {"Service": [principal("EC2")]},
            }],
            "Version": "2012-10-17",
        },
        "ManagedPolicyArns": [
            managed_policy("AmazonEC2ContainerRegistryReadOnly"),
            managed_policy("AmazonEKSWorkerNodePolicy"),
            managed_policy("AmazonEKS_CNI_Policy"),
            managed_policy("AmazonSSMManagedInstanceCore"),
        ],
        "Path": "/",
        "Tags": [name_tag("NodeInstanceRole")],
    }})
}

fn subnets_value(ng: &NodeGroup, cluster_stack: &str) -> Value {
    let output = if ng.private_networking.unwrap_or(false) {
        "SubnetsPrivate"
    } else {
        "SubnetsPublic"
    };
    json!({"Fn::Split": [",", import(cluster_stack, output)]})
}

fn labels_and_tags(ng: &NodeGroup) -> (Value, Vec<Value>) {
    let labels = ng.labels.clone().unwrap_or_default();
    let tags = ng
        .tags
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    (json!(labels), tags)
}

/// What an unmanaged node needs to join the cluster (from `DescribeCluster`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeBootstrap {
    /// The API server endpoint.
    pub endpoint: String,
    /// `certificateAuthority.data` (base64 PEM).
    pub certificate_authority: String,
    /// The service CIDR (`kubernetesNetworkConfig.serviceIpv4Cidr`).
    pub service_cidr: String,
}

/// The cluster DNS address of a service CIDR: its tenth address (`10.100.0.0/16` → `10.100.0.10`).
fn cluster_dns(service_cidr: &str) -> String {
    let network = service_cidr.split('/').next().unwrap_or_default();
    let octets: Vec<u8> = network.split('.').filter_map(|o| o.parse().ok()).collect();
    match octets.as_slice() {
        [a, b, c, d] => format!("{a}.{b}.{c}.{}", d.saturating_add(10)),
        _ => "10.100.0.10".to_owned(),
    }
}

/// The launch template's UserData as eksctl writes it for self-managed nodes: for AmazonLinux2023 a
/// MIME document holding nodeadm's `NodeConfig`, else the `bootstrap.sh` call; either way the
/// kubelet registers the node with the nodegroup's labels (which `create cluster` waits by).
#[must_use]
pub fn node_user_data(cluster: &str, ng: &NodeGroup, bootstrap: &NodeBootstrap) -> String {
    let labels = ng
        .labels
        .clone()
        .unwrap_or_default()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let text = match ng.ami_family.as_deref().unwrap_or("AmazonLinux2023") {
        "AmazonLinux2023" => format!(
            "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=//\n\n--//\nContent-Type: application/node.eks.aws\n\napiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  cluster:\n    apiServerEndpoint: {endpoint}\n    certificateAuthority: {ca}\n    cidr: {cidr}\n    name: {cluster}\n  kubelet:\n    config:\n      clusterDNS:\n      - {dns}\n    flags:\n    - --node-labels={labels}\n\n--//--\n",
            endpoint = bootstrap.endpoint,
            ca = bootstrap.certificate_authority,
            cidr = bootstrap.service_cidr,
            dns = cluster_dns(&bootstrap.service_cidr),
        ),
        _ => format!(
            "#!/bin/bash\nset -ex\n/etc/eks/bootstrap.sh {cluster} --apiserver-endpoint '{endpoint}' --b64-cluster-ca '{ca}' --dns-cluster-ip {dns} --kubelet-extra-args '--node-labels={labels}'\n",
            endpoint = bootstrap.endpoint,
            ca = bootstrap.certificate_authority,
            dns = cluster_dns(&bootstrap.service_cidr),
        ),
    };
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// An unmanaged nodegroup stack (`eksctl-<cluster>-nodegroup-<ng>`); with `bootstrap`, its
/// launch template carries the nodes' UserData.
#[must_use]
pub fn nodegroup_stack(
    config: &ClusterConfig,
    ng: &NodeGroup,
    bootstrap: Option<&NodeBootstrap>,
) -> Value {
    let cluster = config.name();
    let cluster_stack = format!("eksctl-{cluster}-cluster");
    let name = ng.name.clone().unwrap_or_default();
    let version = config
        .metadata
        .as_ref()
        .and_then(|m| m.version.clone())
        .unwrap_or_else(|| crate::config::DEFAULT_VERSION.into());
    let desired = ng
        .desired_capacity
        .unwrap_or(crate::config::DEFAULT_NODE_COUNT);
    let private = ng.private_networking.unwrap_or(false);
    let family = ng
        .ami_family
        .clone()
        .unwrap_or_else(|| "AmazonLinux2023".into());
    let (_, tags) = labels_and_tags(ng);
    let mut asg_tags = vec![
        json!({"Key": "Name", "PropagateAtLaunch": "true", "Value": format!("{cluster}-{name}-Node")}),
        json!({"Key": format!("kubernetes.io/cluster/{cluster}"), "PropagateAtLaunch": "true", "Value": "owned"}),
    ];
    asg_tags.extend(tags.into_iter().map(|mut t| {
        t["PropagateAtLaunch"] = json!("true");
        t
    }));
    let image = match ng.ami.as_deref().filter(|a| a.starts_with("ami-")) {
        Some(ami) => json!(ami),
        None => json!({"Ref": "AmiId"}),
    };
    let mut template = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!("EKS nodes (AMI family: {family}, SSH access: false, private networking: {private}) {MANAGED_BY}"),
        "Mappings": {"ServicePrincipalPartitionMap": service_principal_map()},
        "Parameters": {"AmiId": {
            "Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
            "Default": ami_parameter(ng, &version),
        }},
        "Resources": {
            "SG": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
                "GroupDescription": format!("Communication between the control plane and worker nodes in group {name}"),
                "Tags": [
                    {"Key": format!("kubernetes.io/cluster/{cluster}"), "Value": "owned"},
                    name_tag("SG"),
                ],
                "VpcId": import(&cluster_stack, "VPC"),
            }},
            "IngressInterClusterCP": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
                "Description": "Allow control plane to receive API requests from worker nodes in group ".to_owned() + &name,
                "FromPort": 443,
                "GroupId": import(&cluster_stack, "SecurityGroup"),
                "IpProtocol": "tcp",
                "SourceSecurityGroupId": {"Ref": "SG"},
                "ToPort": 443,
            }},
            "EgressInterCluster": {"Type": "AWS::EC2::SecurityGroupEgress", "Properties": {
                "Description": "Allow control plane to communicate with worker nodes in group ".to_owned() + &name + " (kubelet and workload TCP ports)",
                "DestinationSecurityGroupId": {"Ref": "SG"},
                "FromPort": 1025,
                "GroupId": import(&cluster_stack, "SecurityGroup"),
                "IpProtocol": "tcp",
                "ToPort": 65535,
            }},
            "EgressInterClusterAPI": {"Type": "AWS::EC2::SecurityGroupEgress", "Properties": {
                "Description": "Allow control plane to communicate with worker nodes in group ".to_owned() + &name + " (workloads using HTTPS port, commonly used with extension API servers)",
                "DestinationSecurityGroupId": {"Ref": "SG"},
                "FromPort": 443,
                "GroupId": import(&cluster_stack, "SecurityGroup"),
                "IpProtocol": "tcp",
                "ToPort": 443,
            }},
            "NodeInstanceRole": node_role(),
            "NodeInstanceProfile": {"Type": "AWS::IAM::InstanceProfile", "Properties": {
                "Path": "/",
                "Roles": [{"Ref": "NodeInstanceRole"}],
            }},
            "NodeGroupLaunchTemplate": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {
                "LaunchTemplateData": {
                    "BlockDeviceMappings": [{
                        "DeviceName": "/dev/xvda",
                        "Ebs": {
                            "Encrypted": ng.volume_encrypted.unwrap_or(false),
                            "VolumeSize": ng.volume_size.unwrap_or(crate::config::DEFAULT_VOLUME_SIZE),
                            "VolumeType": ng.volume_type.clone().unwrap_or_else(|| "gp3".into()),
                        },
                    }],
                    "IamInstanceProfile": {"Arn": {"Fn::GetAtt": ["NodeInstanceProfile", "Arn"]}},
                    "ImageId": image,
                    "InstanceType": ng.instance_type.clone().unwrap_or_else(|| crate::config::DEFAULT_INSTANCE_TYPE.into()),
                    "MetadataOptions": {"HttpPutResponseHopLimit": 2, "HttpTokens": "required"},
                    "NetworkInterfaces": [{
                        "AssociatePublicIpAddress": !private,
                        "DeviceIndex": 0,
                        "Groups": [import(&cluster_stack, "SharedNodeSecurityGroup"), {"Ref": "SG"}],
                        "NetworkCardIndex": 0,
                    }],
                },
                "LaunchTemplateName": {"Fn::Sub": "${AWS::StackName}"},
            }},
            "NodeGroup": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {
                "DesiredCapacity": desired.to_string(),
                "LaunchTemplate": {
                    "LaunchTemplateName": {"Fn::Sub": "${AWS::StackName}"},
                    "Version": {"Fn::GetAtt": ["NodeGroupLaunchTemplate", "LatestVersionNumber"]},
                },
                "MaxSize": ng.max_size.unwrap_or(desired).to_string(),
                "MinSize": ng.min_size.unwrap_or(desired).to_string(),
                "Tags": asg_tags,
                "VPCZoneIdentifier": subnets_value(ng, &cluster_stack),
            }, "UpdatePolicy": {"AutoScalingRollingUpdate": {}}},
        },
        "Outputs": {
            "FeatureLocalSecurityGroup": {"Value": true},
            "FeaturePrivateNetworking": {"Value": private},
            "FeatureSharedSecurityGroup": {"Value": true},
            "InstanceProfileARN": {
                "Value": {"Fn::GetAtt": ["NodeInstanceProfile", "Arn"]},
                "Export": export("InstanceProfileARN"),
            },
            "InstanceRoleARN": {
                "Value": {"Fn::GetAtt": ["NodeInstanceRole", "Arn"]},
                "Export": export("InstanceRoleARN"),
            },
        },
    });
    if let Some(bootstrap) = bootstrap {
        template["Resources"]["NodeGroupLaunchTemplate"]["Properties"]["LaunchTemplateData"]
            ["UserData"] = json!(node_user_data(cluster, ng, bootstrap));
    }
    template
}

/// A managed nodegroup stack (`eksctl-<cluster>-nodegroup-<ng>`).
#[must_use]
pub fn managed_nodegroup_stack(config: &ClusterConfig, ng: &NodeGroup) -> Value {
    let cluster = config.name();
    let cluster_stack = format!("eksctl-{cluster}-cluster");
    let name = ng.name.clone().unwrap_or_default();
    let desired = ng
        .desired_capacity
        .unwrap_or(crate::config::DEFAULT_NODE_COUNT);
    let instance_types = ng.instance_types.clone().unwrap_or_else(|| {
        vec![ng
            .instance_type
            .clone()
            .unwrap_or_else(|| crate::config::DEFAULT_INSTANCE_TYPE.into())]
    });
    let (labels, _) = labels_and_tags(ng);
    let mut tags = ng.tags.clone().unwrap_or_default();
    tags.insert("alpha.eksctl.io/nodegroup-name".into(), name.clone());
    tags.insert("alpha.eksctl.io/nodegroup-type".into(), "managed".into());
    let ami_type = match ng.ami_family.as_deref().unwrap_or("AmazonLinux2023") {
        "AmazonLinux2" => "AL2_x86_64",
        "Bottlerocket" => "BOTTLEROCKET_x86_64",
        _ => "AL2023_x86_64_STANDARD",
    };
    let mut group = json!({
        "AmiType": ami_type,
        "ClusterName": cluster,
        "InstanceTypes": instance_types,
        "Labels": labels,
        "LaunchTemplate": {"Id": {"Ref": "LaunchTemplate"}},
        "NodeRole": {"Fn::GetAtt": ["NodeInstanceRole", "Arn"]},
        "NodegroupName": name,
        "ScalingConfig": {
            "DesiredSize": desired,
            "MaxSize": ng.max_size.unwrap_or(desired),
            "MinSize": ng.min_size.unwrap_or(desired),
        },
        "Subnets": subnets_value(ng, &cluster_stack),
        "Tags": tags,
    });
    if ng.spot.unwrap_or(false) {
        group["CapacityType"] = json!("SPOT");
    }
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "EKS Managed Nodes (SSH access: false) [created by eksctl]",
        "Mappings": {"ServicePrincipalPartitionMap": service_principal_map()},
        "Resources": {
            "LaunchTemplate": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {
                "LaunchTemplateData": {
                    "BlockDeviceMappings": [{
                        "DeviceName": "/dev/xvda",
                        "Ebs": {
                            "Iops": 3000,
                            "Throughput": 125,
                            "VolumeSize": ng.volume_size.unwrap_or(crate::config::DEFAULT_VOLUME_SIZE),
                            "VolumeType": ng.volume_type.clone().unwrap_or_else(|| "gp3".into()),
                        },
                    }],
                    "MetadataOptions": {"HttpPutResponseHopLimit": 2, "HttpTokens": "required"},
                    "SecurityGroupIds": [import(&cluster_stack, "ClusterSecurityGroupId")],
                },
                "LaunchTemplateName": {"Fn::Sub": "${AWS::StackName}"},
            }},
            "ManagedNodeGroup": {"Type": "AWS::EKS::Nodegroup", "Properties": group},
            "NodeInstanceRole": node_role(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    fn zones() -> Vec<String> {
        ["ap-northeast-1a", "ap-northeast-1d", "ap-northeast-1c"]
            .iter()
            .map(|z| (*z).to_owned())
            .collect()
    }

    #[test]
    fn subnets_split_as_on_the_seed_page() {
        let split = split_subnets("192.168.0.0/16", &zones()).unwrap();
        let lines: Vec<String> = split
            .iter()
            .map(|z| {
                format!(
                    "subnets for {} - public:{} private:{}",
                    z.zone, z.public, z.private
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                "subnets for ap-northeast-1a - public:192.168.0.0/19 private:192.168.96.0/19",
                "subnets for ap-northeast-1d - public:192.168.32.0/19 private:192.168.128.0/19",
                "subnets for ap-northeast-1c - public:192.168.64.0/19 private:192.168.160.0/19",
            ]
        );
        let two = split_subnets("10.0.0.0/16", &zones()[..2]).unwrap();
        assert_eq!(two[1].private, "10.0.192.0/18");
    }

    #[test]
    fn az_suffixes() {
        assert_eq!(az_suffix("us-west-2b"), "USWEST2B");
    }

    fn seed_config() -> ClusterConfig {
        let mut c = config::parse(
            b"apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: fargate-cluster\n  region: ap-northeast-1\nnodeGroups:\n- name: ng-1\n  instanceType: m5.large\n  desiredCapacity: 1\nfargateProfiles:\n- name: fp-default\n  selectors:\n  - namespace: default\n",
        )
        .unwrap();
        config::set_cluster_defaults(&mut c);
        c
    }

    #[test]
    fn cluster_stack_has_eksctls_resources_and_outputs() {
        let t = cluster_stack(&seed_config(), &zones(), "123456789012").unwrap();
        let resources = t["Resources"].as_object().unwrap();
        for id in [
            "VPC",
            "InternetGateway",
            "VPCGatewayAttachment",
            "PublicRouteTable",
            "PublicSubnetRoute",
            "SubnetPublicAPNORTHEAST1A",
            "SubnetPrivateAPNORTHEAST1C",
            "RouteTableAssociationPrivateAPNORTHEAST1D",
            "PrivateRouteTableAPNORTHEAST1A",
            "NATIP",
            "NATGateway",
            "NATPrivateSubnetRouteAPNORTHEAST1C",
            "ControlPlaneSecurityGroup",
            "ClusterSharedNodeSecurityGroup",
            "IngressInterNodeGroupSG",
            "ServiceRole",
            "ControlPlane",
            "FargatePodExecutionRole",
        ] {
            assert!(resources.contains_key(id), "{id}");
        }
        assert_eq!(
            t["Resources"]["NATGateway"]["Properties"]["SubnetId"],
            json!({"Ref": "SubnetPublicAPNORTHEAST1A"})
        );
        let outputs = t["Outputs"].as_object().unwrap();
        for id in [
            "VPC",
            "SubnetsPrivate",
            "SubnetsPublic",
            "FeatureNATMode",
            "SecurityGroup",
            "SharedNodeSecurityGroup",
            "ServiceRoleARN",
            "CertificateAuthorityData",
            "Endpoint",
            "ARN",
            "ClusterSecurityGroupId",
            "ClusterStackName",
            "FargatePodExecutionRoleARN",
        ] {
            assert!(outputs.contains_key(id), "{id}");
        }
        assert_eq!(
            t["Outputs"]["VPC"]["Export"]["Name"],
            json!({"Fn::Sub": "${AWS::StackName}::VPC"})
        );
        let trust =
            &t["Resources"]["FargatePodExecutionRole"]["Properties"]["AssumeRolePolicyDocument"];
        assert_eq!(
            trust["Statement"][0]["Condition"]["ArnLike"]["aws:SourceArn"],
            json!({"Fn::Sub": "arn:${AWS::Partition}:eks:ap-northeast-1:123456789012:fargateprofile/fargate-cluster/*"})
        );
    }

    #[test]
    fn no_profiles_no_fargate_role() {
        let mut c = seed_config();
        c.fargate_profiles = None;
        let t = cluster_stack(&c, &zones(), "123456789012").unwrap();
        assert!(t["Resources"].get("FargatePodExecutionRole").is_none());
        assert!(t["Outputs"].get("FargatePodExecutionRoleARN").is_none());
    }

    #[test]
    fn fargate_stack_matches_eksctls() {
        let c = seed_config();
        let t = fargate_stack(&c, "eu-north-1", "111122223333");
        let text = t.to_string();
        assert!(text.contains("AWS::IAM::Role"));
        assert!(text.contains(
            "arn:${AWS::Partition}:eks:eu-north-1:111122223333:fargateprofile/fargate-cluster/*"
        ));
        assert_eq!(
            t["Outputs"]["FargatePodExecutionRoleARN"]["Value"],
            json!({"Fn::GetAtt": ["FargatePodExecutionRole", "Arn"]})
        );
    }

    #[test]
    fn nodegroup_stacks_import_the_cluster_stack() {
        let c = seed_config();
        let ng = &c.node_groups()[0];
        let t = nodegroup_stack(&c, ng, None);
        assert_eq!(
            t["Resources"]["SG"]["Properties"]["VpcId"],
            json!({"Fn::ImportValue": "eksctl-fargate-cluster-cluster::VPC"})
        );
        assert_eq!(
            t["Resources"]["NodeGroup"]["Properties"]["DesiredCapacity"],
            json!("1")
        );
        let m = managed_nodegroup_stack(&c, ng);
        assert_eq!(
            m["Resources"]["ManagedNodeGroup"]["Properties"]["ScalingConfig"]["DesiredSize"],
            json!(1)
        );
    }

    #[test]
    fn self_managed_nodes_join_with_the_nodegroups_labels() {
        let mut c = seed_config();
        crate::config::set_cluster_defaults(&mut c);
        let ng = &c.node_groups()[0];
        let bootstrap = NodeBootstrap {
            endpoint: "https://127.0.0.1:4567/k8s/ap-northeast-1/fargate-cluster".into(),
            certificate_authority: "Q0E=".into(),
            service_cidr: "10.100.0.0/16".into(),
        };
        let t = nodegroup_stack(&c, ng, Some(&bootstrap));
        let data = t["Resources"]["NodeGroupLaunchTemplate"]["Properties"]["LaunchTemplateData"]
            ["UserData"]
            .as_str()
            .unwrap();
        let text = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(data)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            text,
            "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=//\n\n--//\nContent-Type: application/node.eks.aws\n\napiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  cluster:\n    apiServerEndpoint: https://127.0.0.1:4567/k8s/ap-northeast-1/fargate-cluster\n    certificateAuthority: Q0E=\n    cidr: 10.100.0.0/16\n    name: fargate-cluster\n  kubelet:\n    config:\n      clusterDNS:\n      - 10.100.0.10\n    flags:\n    - --node-labels=alpha.eksctl.io/cluster-name=fargate-cluster,alpha.eksctl.io/nodegroup-name=ng-1\n\n--//--\n"
        );
        let m = managed_nodegroup_stack(&c, ng);
        assert_eq!(
            m["Resources"]["ManagedNodeGroup"]["Properties"]["Labels"],
            json!({"alpha.eksctl.io/cluster-name": "fargate-cluster", "alpha.eksctl.io/nodegroup-name": "ng-1"})
        );
        assert_eq!(cluster_dns("172.20.0.0/16"), "172.20.0.10");
    }
}
