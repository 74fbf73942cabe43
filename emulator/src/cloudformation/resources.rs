//! Resource providers: one small [`Provider`] per resource type, creating, updating and deleting
//! through the SAME model functions the direct APIs use (LocalStack's idea), so a stack gets the
//! same validation and the same resources as `aws eks create-cluster` would. A provider also says
//! what `Fn::GetAtt` offers and which properties force a replacement.
//!
//! `Ref` of every resource is its physical id: each provider picks the physical id CloudFormation
//! reports for its type (a cluster's name, a handle's URL, …).
//!
//! Types the issue lists whose models are not in this tree yet ([`PENDING`]) and every other type
//! fail their resource with a reason saying so — never silently.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use serde_json::{json, Value};

use crate::clock::Timestamp;
use crate::ec2::model::Ec2Region;
use crate::eks::error::EksError;
use crate::eks::model::{ClusterStatus, EksRegion, NewCluster};
use crate::iam::model::IamAccount;
use crate::ids::IdGen;
use crate::state::Env;

use super::template::Template;

/// What the emulator itself (not its state) tells providers: where clusters' Kubernetes API is
/// served and the CA that signs it.
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    /// The Kubernetes listener.
    pub kube: SocketAddr,
    /// `certificateAuthority.data` of every cluster (base64 PEM).
    pub ca_data: &'a str,
}

impl Site<'_> {
    /// A cluster's API endpoint (`DescribeCluster.endpoint`).
    #[must_use]
    pub fn kube_endpoint(&self, region: &str, cluster: &str) -> String {
        format!("https://{}/k8s/{region}/{cluster}", self.kube)
    }
}

/// The services a provider may call during one step of a stack, borrowed apart.
pub struct Services<'a> {
    /// Now, timing, account and region.
    pub env: Env<'a>,
    /// What the emulator tells about itself.
    pub site: Site<'a>,
    /// The id generator.
    pub ids: &'a mut IdGen,
    /// The account's IAM.
    pub iam: &'a mut IamAccount,
    /// The region's EKS.
    pub eks: &'a mut EksRegion,
    /// The region's EC2.
    pub ec2: &'a mut Ec2Region,
}

impl Services<'_> {
    /// Applies every transition of the provisioned services due at `at` (before a stack looks at
    /// them at that instant).
    pub fn advance(&mut self, at: Timestamp) {
        self.env.now = at;
        crate::state::advance_services(self.eks, self.ec2, at);
    }
}

/// What a provider gets to create or update one resource.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The stack's name.
    pub stack_name: &'a str,
    /// The stack's id.
    pub stack_id: &'a str,
    /// The resource's logical id.
    pub logical_id: &'a str,
    /// The properties, intrinsics resolved.
    pub properties: &'a Value,
    /// The stack's tags, which CloudFormation propagates to what it creates.
    pub tags: &'a [(String, String)],
}

impl Request<'_> {
    /// A generated physical name: `<stack>-<LogicalId>-<13 uppercase letters and digits>`, cut to
    /// `max` characters the way CloudFormation shortens the stack and logical parts.
    pub fn generated_name(&self, ids: &mut IdGen, max: usize) -> String {
        let suffix = ids.cfn_suffix(13);
        let room = max.saturating_sub(suffix.len() + 2);
        let stack_room = room.saturating_sub(self.logical_id.len().min(room / 2));
        let stack: String = self.stack_name.chars().take(stack_room).collect();
        let logical: String = self
            .logical_id
            .chars()
            .take(room.saturating_sub(stack.len()))
            .collect();
        format!("{stack}-{logical}-{suffix}")
    }

    /// The tags CloudFormation puts on what it creates: the stack's and its own three.
    #[must_use]
    pub fn stack_tags(&self) -> BTreeMap<String, String> {
        let mut tags: BTreeMap<String, String> = self.tags.iter().cloned().collect();
        tags.insert(
            "aws:cloudformation:stack-name".into(),
            self.stack_name.into(),
        );
        tags.insert("aws:cloudformation:stack-id".into(), self.stack_id.into());
        tags.insert(
            "aws:cloudformation:logical-id".into(),
            self.logical_id.into(),
        );
        tags
    }

    /// A string property.
    #[must_use]
    pub fn string(&self, name: &str) -> Option<String> {
        self.properties.get(name).and_then(scalar_string)
    }

    /// The names of required properties that are missing, as CloudFormation's schema check words
    /// it.
    pub fn require(&self, names: &[&str]) -> Result<(), String> {
        let missing: Vec<String> = names
            .iter()
            .filter(|n| self.properties.get(**n).is_none_or(Value::is_null))
            .map(|n| format!("#: required key [{n}] not found"))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "Properties validation failed for resource {} with message: [{}]",
                self.logical_id,
                missing.join(", ")
            ))
        }
    }
}

fn scalar_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn bool_of(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => Some(s.eq_ignore_ascii_case("true")),
        _ => None,
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(scalar_string).collect(),
        Some(other) => scalar_string(other).into_iter().collect(),
        None => Vec::new(),
    }
}

/// `[{"Key": k, "Value": v}, …]` as a map.
fn key_values(value: Option<&Value>) -> BTreeMap<String, String> {
    let Some(Value::Array(items)) = value else {
        return BTreeMap::new();
    };
    items
        .iter()
        .filter_map(|item| {
            Some((
                scalar_string(item.get("Key")?)?,
                item.get("Value")
                    .and_then(scalar_string)
                    .unwrap_or_default(),
            ))
        })
        .collect()
}

/// Where a resource stands after a create, update or delete was started.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// Finished; for creates and updates, the values `Fn::GetAtt` gives from now on.
    Done(BTreeMap<String, Value>),
    /// Not yet: look again at this instant.
    Wait(Timestamp),
    /// Failed, with CloudFormation's reason text.
    Failed(String),
}

/// One resource type.
pub trait Provider: Sync {
    /// `AWS::Service::Type`.
    fn type_name(&self) -> &'static str;

    /// What `Fn::GetAtt` accepts.
    fn attributes(&self) -> &'static [&'static str] {
        &[]
    }

    /// Top-level properties whose change replaces the resource (create-only in the registry
    /// schema).
    fn create_only(&self) -> &'static [&'static str] {
        &[]
    }

    /// Starts creating; returns the physical id (which is also its `Ref`).
    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String>;

    /// Whether a started create has finished.
    fn check_create(&self, _svc: &mut Services<'_>, _physical_id: &str) -> Progress {
        Progress::Done(BTreeMap::new())
    }

    /// Updates in place (properties outside [`Provider::create_only`] changed from `old`).
    fn update(
        &self,
        _svc: &mut Services<'_>,
        req: &Request<'_>,
        _physical_id: &str,
        old: &Value,
    ) -> Result<(), String> {
        let changed = changed_properties(old, req.properties);
        if changed.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "Updating {} of {} is not supported by this emulator yet",
                changed.join(", "),
                self.type_name()
            ))
        }
    }

    /// Whether a started update has finished.
    fn check_update(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        self.check_create(svc, physical_id)
    }

    /// Starts deleting. A resource that is already gone counts as deleted.
    fn delete(&self, svc: &mut Services<'_>, physical_id: &str) -> Result<(), String>;

    /// Whether a started delete has finished.
    fn check_delete(&self, _svc: &mut Services<'_>, _physical_id: &str) -> Progress {
        Progress::Done(BTreeMap::new())
    }
}

/// The top-level property names whose values differ between two property objects.
#[must_use]
pub fn changed_properties(old: &Value, new: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let old = old.as_object().unwrap_or(&empty);
    let new = new.as_object().unwrap_or(&empty);
    let names: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    names
        .into_iter()
        .filter(|n| old.get(*n) != new.get(*n))
        .cloned()
        .collect()
}

/// The types the issue lists whose models arrive with other issues: a stack using one fails that
/// resource with [`unsupported_reason`].
pub const PENDING: &[&str] = &[
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::EIP",
    "AWS::EC2::NatGateway",
    "AWS::EC2::RouteTable",
    "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::LaunchTemplate",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::InstanceProfile",
    "AWS::EKS::FargateProfile",
    "AWS::EKS::Nodegroup",
    "AWS::EKS::Addon",
    "AWS::EKS::AccessEntry",
    "AWS::AutoScaling::AutoScalingGroup",
];

static EKS_CLUSTER: EksCluster = EksCluster;
static WAIT_CONDITION_HANDLE: WaitConditionHandle = WaitConditionHandle;

/// The provider of a type, if this emulator has one.
#[must_use]
pub fn provider(type_name: &str) -> Option<&'static dyn Provider> {
    let all: [&'static dyn Provider; 2] = [&EKS_CLUSTER, &WAIT_CONDITION_HANDLE];
    all.into_iter().find(|p| p.type_name() == type_name)
}

/// Why a resource of a type without provider fails.
#[must_use]
pub fn unsupported_reason(type_name: &str) -> String {
    if PENDING.contains(&type_name) {
        format!("Resource type {type_name} is not supported by this emulator yet")
    } else {
        format!("Resource type {type_name} is not supported by this emulator")
    }
}

/// The IAM types that need `CAPABILITY_IAM`, and the property that gives each a custom name (which
/// needs `CAPABILITY_NAMED_IAM`).
const IAM_TYPES: &[(&str, Option<&str>)] = &[
    ("AWS::IAM::Role", Some("RoleName")),
    ("AWS::IAM::InstanceProfile", Some("InstanceProfileName")),
    ("AWS::IAM::User", Some("UserName")),
    ("AWS::IAM::Group", Some("GroupName")),
    ("AWS::IAM::ManagedPolicy", Some("ManagedPolicyName")),
    ("AWS::IAM::Policy", None),
    ("AWS::IAM::AccessKey", None),
    ("AWS::IAM::UserToGroupAddition", None),
];

/// The capability a template's IAM resources require, and the types that require it (for
/// `ValidateTemplate`'s `CapabilitiesReason`).
#[must_use]
pub fn required_capability(template: &Template) -> Option<(&'static str, Vec<String>)> {
    let mut named = false;
    let mut types = BTreeSet::new();
    for res in template.resources.values() {
        if let Some((kind, name_property)) = IAM_TYPES.iter().find(|(t, _)| *t == res.kind) {
            types.insert((*kind).to_owned());
            if name_property.is_some_and(|p| res.properties.get(p).is_some()) {
                named = true;
            }
        }
    }
    if types.is_empty() {
        None
    } else if named {
        Some(("CAPABILITY_NAMED_IAM", types.into_iter().collect()))
    } else {
        Some(("CAPABILITY_IAM", types.into_iter().collect()))
    }
}

/// CloudFormation's reason for a resource whose service call failed (reference §5.4):
/// `Resource handler returned message: "<msg> (Service: Eks, Status Code: 400, Request ID: …)"
/// (RequestToken: …, HandlerErrorCode: InvalidRequest)`.
pub fn handler_failure(
    ids: &mut IdGen,
    service: &str,
    status: u16,
    message: &str,
    handler_code: &str,
) -> String {
    let request_id = ids.uuid_v4();
    let token = ids.uuid_v4();
    format!(
        "Resource handler returned message: \"{message} (Service: {service}, Status Code: {status}, Request ID: {request_id})\" (RequestToken: {token}, HandlerErrorCode: {handler_code})"
    )
}

fn eks_failure(ids: &mut IdGen, err: &EksError) -> String {
    let handler_code = match err.code() {
        "ResourceInUseException" => "AlreadyExists",
        "ResourceNotFoundException" | "NotFoundException" => "NotFound",
        "InvalidParameterException" | "BadRequestException" => "InvalidRequest",
        _ => "GeneralServiceException",
    };
    handler_failure(
        ids,
        "Eks",
        err.status().as_u16(),
        &err.to_string(),
        handler_code,
    )
}

/// `AWS::EKS::Cluster` through `EksRegion::create_cluster`/`delete_cluster`; CloudFormation waits
/// for `ACTIVE` (and for the cluster to be gone on delete). `Ref` is the cluster name.
pub struct EksCluster;

impl Provider for EksCluster {
    fn type_name(&self) -> &'static str {
        "AWS::EKS::Cluster"
    }

    fn attributes(&self) -> &'static [&'static str] {
        &[
            "Arn",
            "CertificateAuthorityData",
            "ClusterSecurityGroupId",
            "EncryptionConfigKeyArn",
            "Endpoint",
            "Id",
            "OpenIdConnectIssuerUrl",
            "KubernetesNetworkConfig.ServiceIpv6Cidr",
        ]
    }

    fn create_only(&self) -> &'static [&'static str] {
        &[
            "Name",
            "RoleArn",
            "EncryptionConfig",
            "KubernetesNetworkConfig",
            "OutpostConfig",
            "BootstrapSelfManagedAddons",
        ]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        req.require(&["RoleArn", "ResourcesVpcConfig"])?;
        let p = req.properties;
        let vpc = &p["ResourcesVpcConfig"];
        if vpc.get("SubnetIds").is_none() {
            return Err(format!(
                "Properties validation failed for resource {} with message: [#/ResourcesVpcConfig: required key [SubnetIds] not found]",
                req.logical_id
            ));
        }
        let name = match req.string("Name") {
            Some(name) => name,
            None => req.generated_name(svc.ids, 100),
        };
        let network = p.get("KubernetesNetworkConfig");
        let access = p.get("AccessConfig");
        let mut tags = req.stack_tags();
        tags.extend(key_values(p.get("Tags")));
        let enabled_log_types = p
            .pointer("/Logging/ClusterLogging/EnabledTypes")
            .and_then(Value::as_array)
            .map(|types| {
                types
                    .iter()
                    .filter_map(|t| t.get("Type").and_then(scalar_string))
                    .collect()
            })
            .unwrap_or_default();
        let new = NewCluster {
            name: name.clone(),
            version: req.string("Version"),
            role_arn: req.string("RoleArn").unwrap_or_default(),
            subnet_ids: strings(vpc.get("SubnetIds")),
            security_group_ids: strings(vpc.get("SecurityGroupIds")),
            endpoint_public_access: bool_of(vpc.get("EndpointPublicAccess")),
            endpoint_private_access: bool_of(vpc.get("EndpointPrivateAccess")),
            public_access_cidrs: vpc.get("PublicAccessCidrs").map(|v| strings(Some(v))),
            service_ipv4_cidr: network
                .and_then(|n| n.get("ServiceIpv4Cidr"))
                .and_then(scalar_string),
            ip_family: network
                .and_then(|n| n.get("IpFamily"))
                .and_then(scalar_string),
            enabled_log_types,
            authentication_mode: access
                .and_then(|a| a.get("AuthenticationMode"))
                .and_then(scalar_string),
            bootstrap_cluster_creator_admin_permissions: bool_of(
                access.and_then(|a| a.get("BootstrapClusterCreatorAdminPermissions")),
            ),
            support_type: p
                .pointer("/UpgradePolicy/SupportType")
                .and_then(scalar_string),
            client_request_token: None,
            tags,
        };
        let env = svc.env;
        match crate::directory::create_cluster(&env, svc.ids, svc.iam, svc.eks, svc.ec2, new) {
            Ok(_) => Ok(name),
            Err(err) => Err(eks_failure(svc.ids, &err)),
        }
    }

    fn check_create(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        let Ok(cluster) = svc.eks.cluster(physical_id) else {
            return Progress::Failed(format!(
                "Cluster {physical_id} was deleted outside of CloudFormation while being created"
            ));
        };
        match cluster.status {
            ClusterStatus::Active | ClusterStatus::Updating => {
                let region = svc.env.region;
                // The issuer is the one `DescribeCluster` reports (eks/dto.rs).
                let issuer = format!(
                    "https://oidc.eks.{region}.amazonaws.com/id/{}",
                    cluster.endpoint_id
                );
                Progress::Done(BTreeMap::from([
                    ("Arn".into(), json!(cluster.arn)),
                    (
                        "Endpoint".into(),
                        json!(svc.site.kube_endpoint(region, &cluster.name)),
                    ),
                    ("CertificateAuthorityData".into(), json!(svc.site.ca_data)),
                    (
                        "ClusterSecurityGroupId".into(),
                        json!(cluster.vpc.cluster_security_group_id),
                    ),
                    ("OpenIdConnectIssuerUrl".into(), json!(issuer)),
                ]))
            }
            ClusterStatus::Creating => match &cluster.scheduled {
                Some(step) => Progress::Wait(step.at),
                None => Progress::Failed(format!("Cluster {physical_id} never became ACTIVE")),
            },
            ClusterStatus::Failed | ClusterStatus::Deleting => {
                let status = cluster.status.as_str();
                Progress::Failed(format!(
                    "Resource handler returned message: \"Cluster {physical_id} is in {status} state\" (HandlerErrorCode: NotStabilized)"
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
        let unsupported: Vec<String> = changed.iter().filter(|c| *c != "Tags").cloned().collect();
        if !unsupported.is_empty() {
            return Err(format!(
                "Updating {} of AWS::EKS::Cluster is not supported by this emulator yet",
                unsupported.join(", ")
            ));
        }
        let arn = svc
            .eks
            .cluster(physical_id)
            .map(|c| c.arn.clone())
            .map_err(|e| eks_failure(svc.ids, &e))?;
        let mut tags = req.stack_tags();
        tags.extend(key_values(req.properties.get("Tags")));
        match svc.eks.tags_mut(&arn) {
            Ok(current) => {
                *current = tags;
                Ok(())
            }
            Err(e) => Err(eks_failure(svc.ids, &e)),
        }
    }

    fn delete(&self, svc: &mut Services<'_>, physical_id: &str) -> Result<(), String> {
        let env = svc.env;
        match svc.eks.delete_cluster(&env, physical_id) {
            Ok(_) | Err(EksError::ClusterNotFound { .. }) => Ok(()),
            Err(err) => Err(eks_failure(svc.ids, &err)),
        }
    }

    fn check_delete(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        match svc.eks.cluster(physical_id) {
            Err(_) => Progress::Done(BTreeMap::new()),
            Ok(cluster) => match &cluster.scheduled {
                Some(step) => Progress::Wait(step.at),
                None => Progress::Failed(format!(
                    "Cluster {physical_id} is {} and not being deleted",
                    cluster.status.as_str()
                )),
            },
        }
    }
}

/// `AWS::CloudFormation::WaitConditionHandle`: no service behind it; its physical id (and `Ref`)
/// is the presigned URL a wait condition signals.
pub struct WaitConditionHandle;

impl Provider for WaitConditionHandle {
    fn type_name(&self) -> &'static str {
        "AWS::CloudFormation::WaitConditionHandle"
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        let key: String = percent_encoding::utf8_percent_encode(
            &format!("{}/{}", req.stack_id, req.logical_id),
            percent_encoding::NON_ALPHANUMERIC,
        )
        .collect();
        Ok(format!(
            "https://cloudformation-waitcondition-{}.s3.amazonaws.com/{key}",
            svc.env.region
        ))
    }

    fn delete(&self, _svc: &mut Services<'_>, _physical_id: &str) -> Result<(), String> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::Timing;

    fn services<'a>(
        ids: &'a mut IdGen,
        iam: &'a mut IamAccount,
        eks: &'a mut EksRegion,
        ec2: &'a mut Ec2Region,
    ) -> Services<'a> {
        Services {
            env: Env {
                now: Timestamp(0),
                timing: Timing::Realistic,
                account: "123456789012",
                region: "us-west-2",
            },
            site: Site {
                kube: SocketAddr::from(([127, 0, 0, 1], 4567)),
                ca_data: "Q0E=",
            },
            ids,
            iam,
            eks,
            ec2,
        }
    }

    /// The role `eks` trusting EKS and the region's default VPC; returns two default subnets.
    fn prerequisites(ids: &mut IdGen, iam: &mut IamAccount, ec2: &mut Ec2Region) -> Vec<String> {
        let env = Env {
            now: Timestamp(0),
            timing: Timing::Realistic,
            account: "123456789012",
            region: "us-west-2",
        };
        iam.create_role(
            &env,
            ids,
            crate::iam::model::NewRole {
                name: "eks".into(),
                assume_role_policy: r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.into(),
                ..Default::default()
            },
        )
        .unwrap();
        ec2.ensure_default_vpc(ids, "us-west-2");
        ec2.subnets.keys().take(2).cloned().collect()
    }

    fn request<'a>(props: &'a Value, tags: &'a [(String, String)]) -> Request<'a> {
        Request {
            stack_name: "eksctl-demo-cluster",
            stack_id: "arn:aws:cloudformation:us-west-2:123456789012:stack/eksctl-demo-cluster/1",
            logical_id: "ControlPlane",
            properties: props,
            tags,
        }
    }

    #[test]
    fn a_cluster_is_created_through_the_eks_model_and_done_once_active() {
        let (mut ids, mut iam, mut eks, mut ec2) = (
            IdGen::new(0),
            IamAccount::default(),
            EksRegion::default(),
            Ec2Region::default(),
        );
        let subnets = prerequisites(&mut ids, &mut iam, &mut ec2);
        let mut svc = services(&mut ids, &mut iam, &mut eks, &mut ec2);
        let props = json!({
            "Name": "demo",
            "RoleArn": "arn:aws:iam::123456789012:role/eks",
            "ResourcesVpcConfig": {"SubnetIds": subnets, "EndpointPrivateAccess": "true"},
            "Tags": [{"Key": "team", "Value": "a"}]
        });
        let tags = [("alpha.eksctl.io/cluster-name".to_owned(), "demo".to_owned())];
        let req = request(&props, &tags);
        assert_eq!(EKS_CLUSTER.create(&mut svc, &req), Ok("demo".into()));
        let cluster = svc.eks.cluster("demo").unwrap();
        assert!(cluster.vpc.endpoint_private_access);
        assert_eq!(cluster.tags["team"], "a");
        assert_eq!(cluster.tags["alpha.eksctl.io/cluster-name"], "demo");
        assert_eq!(
            cluster.tags["aws:cloudformation:logical-id"],
            "ControlPlane"
        );
        let Progress::Wait(at) = EKS_CLUSTER.check_create(&mut svc, "demo") else {
            panic!("a new cluster is CREATING");
        };
        assert_eq!(at, Timestamp(600_000));
        svc.advance(at);
        let Progress::Done(attrs) = EKS_CLUSTER.check_create(&mut svc, "demo") else {
            panic!("an ACTIVE cluster is done");
        };
        assert_eq!(
            attrs["Arn"],
            "arn:aws:eks:us-west-2:123456789012:cluster/demo"
        );
        assert_eq!(
            attrs["Endpoint"],
            "https://127.0.0.1:4567/k8s/us-west-2/demo"
        );
        assert_eq!(attrs["CertificateAuthorityData"], "Q0E=");
        assert!(attrs["OpenIdConnectIssuerUrl"]
            .as_str()
            .unwrap()
            .starts_with("https://oidc.eks.us-west-2.amazonaws.com/id/"));
        assert!(attrs["ClusterSecurityGroupId"]
            .as_str()
            .unwrap()
            .starts_with("sg-"));
        EKS_CLUSTER.delete(&mut svc, "demo").unwrap();
        assert!(matches!(
            EKS_CLUSTER.check_delete(&mut svc, "demo"),
            Progress::Wait(_)
        ));
        svc.advance(Timestamp(600_000 + 300_000));
        assert_eq!(
            EKS_CLUSTER.check_delete(&mut svc, "demo"),
            Progress::Done(BTreeMap::new())
        );
        assert_eq!(EKS_CLUSTER.delete(&mut svc, "demo"), Ok(()));
    }

    #[test]
    fn eks_errors_become_handler_messages_and_missing_properties_schema_messages() {
        let (mut ids, mut iam, mut eks, mut ec2) = (
            IdGen::new(0),
            IamAccount::default(),
            EksRegion::default(),
            Ec2Region::default(),
        );
        let mut svc = services(&mut ids, &mut iam, &mut eks, &mut ec2);
        let old = json!({
            "Version": "1.10",
            "RoleArn": "arn:aws:iam::123456789012:role/eks",
            "ResourcesVpcConfig": {"SubnetIds": ["subnet-1"]}
        });
        let reason = EKS_CLUSTER
            .create(&mut svc, &request(&old, &[]))
            .unwrap_err();
        assert!(
            reason.starts_with("Resource handler returned message: \"unsupported Kubernetes version (Service: Eks, Status Code: 400, Request ID: "),
            "{reason}"
        );
        assert!(
            reason.ends_with(", HandlerErrorCode: InvalidRequest)"),
            "{reason}"
        );
        let empty = json!({});
        assert_eq!(
            EKS_CLUSTER.create(&mut svc, &request(&empty, &[])).unwrap_err(),
            "Properties validation failed for resource ControlPlane with message: [#: required key [RoleArn] not found, #: required key [ResourcesVpcConfig] not found]"
        );
        assert!(svc.eks.clusters.is_empty());
    }

    #[test]
    fn generated_names_fit_and_carry_stack_and_logical_id() {
        let mut ids = IdGen::new(0);
        let props = json!({});
        let req = request(&props, &[]);
        let name = req.generated_name(&mut ids, 100);
        assert!(
            name.starts_with("eksctl-demo-cluster-ControlPlane-"),
            "{name}"
        );
        assert_eq!(name.len(), "eksctl-demo-cluster-ControlPlane-".len() + 13);
        let short = req.generated_name(&mut ids, 30);
        assert!(short.len() <= 30, "{short}");
    }

    #[test]
    fn registry_knows_providers_and_names_what_is_pending() {
        assert!(provider("AWS::EKS::Cluster").is_some());
        assert!(provider("AWS::EC2::VPC").is_none());
        assert_eq!(
            unsupported_reason("AWS::EC2::VPC"),
            "Resource type AWS::EC2::VPC is not supported by this emulator yet"
        );
        assert_eq!(
            unsupported_reason("AWS::S3::Bucket"),
            "Resource type AWS::S3::Bucket is not supported by this emulator"
        );
    }

    #[test]
    fn iam_resources_need_capabilities_and_named_ones_the_named_capability() {
        let t = |resources: Value| Template::from_value(json!({"Resources": resources})).unwrap();
        assert_eq!(
            required_capability(&t(json!({"A": {"Type": "AWS::EKS::Cluster"}}))),
            None
        );
        assert_eq!(
            required_capability(&t(json!({"R": {"Type": "AWS::IAM::Role"}}))),
            Some(("CAPABILITY_IAM", vec!["AWS::IAM::Role".to_owned()]))
        );
        assert_eq!(
            required_capability(&t(json!({
                "R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "x"}},
                "P": {"Type": "AWS::IAM::Policy"}
            }))),
            Some((
                "CAPABILITY_NAMED_IAM",
                vec!["AWS::IAM::Policy".to_owned(), "AWS::IAM::Role".to_owned()]
            ))
        );
    }
}
