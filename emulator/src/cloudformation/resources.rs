//! Resource providers: one small [`Provider`] per resource type, creating, updating and deleting
//! through the SAME model functions the direct APIs use (LocalStack's idea), so a stack gets the
//! same validation and the same resources as `aws eks create-cluster` would. A provider also says
//! what `Fn::GetAtt` offers and which properties force a replacement.
//!
//! `Ref` of every resource is its physical id: each provider picks the physical id CloudFormation
//! reports for its type (a cluster's name, a VPC's id, an Elastic IP's address, `IGW|vpc-…` for a
//! gateway attachment, …), following reference/aws-eks.md §5.6 and the CloudFormation resource
//! reference.
//!
//! The providers live by service: `resources/ec2.rs`, `resources/iam.rs`, `resources/eks.rs`,
//! `resources/autoscaling.rs`. A type without provider fails its resource with a reason saying so,
//! and so does a property a provider does not model — never silently.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use serde_json::Value;

use crate::autoscaling::model::AutoScalingRegion;
use crate::clock::Timestamp;
use crate::ec2::error::Ec2Error;
use crate::ec2::model::Ec2Region;
use crate::eks::model::EksRegion;
use crate::faults::Faults;
use crate::iam::error::IamError;
use crate::iam::model::IamAccount;
use crate::ids::IdGen;
use crate::state::Env;

use super::template::Template;

mod autoscaling;
mod ec2;
mod eks;
mod iam;

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
    /// The region's Auto Scaling.
    pub autoscaling: &'a mut AutoScalingRegion,
    /// The injected faults: the EKS models ask them for the resources a stack provisions too.
    pub faults: &'a mut Faults,
}

impl Services<'_> {
    /// Applies every transition of the provisioned services due at `at` (before a stack looks at
    /// them at that instant).
    pub fn advance(&mut self, at: Timestamp) {
        self.env.now = at;
        crate::state::advance_services(self.eks, self.ec2, at);
    }

    /// Makes the region's default VPC on first use, as every EC2 call finds it (the EC2 handlers
    /// do the same before each request).
    pub fn ensure_ec2(&mut self) {
        self.ec2.ensure_default_vpc(self.ids, self.env.region);
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

    /// Starts deleting. `properties` are those it was made (or last updated) with, as
    /// CloudFormation hands a delete handler the resource model. A resource that is already gone
    /// counts as deleted.
    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        properties: &Value,
    ) -> Result<(), String>;

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

/// Every provider.
static PROVIDERS: &[&dyn Provider] = &[
    &eks::Cluster,
    &eks::FargateProfile,
    &eks::Nodegroup,
    &eks::Addon,
    &eks::AccessEntry,
    &autoscaling::AutoScalingGroup,
    &WaitConditionHandle,
    &ec2::Vpc,
    &ec2::Subnet,
    &ec2::InternetGateway,
    &ec2::VpcGatewayAttachment,
    &ec2::Eip,
    &ec2::NatGateway,
    &ec2::RouteTable,
    &ec2::Route,
    &ec2::SubnetRouteTableAssociation,
    &ec2::SecurityGroup,
    &ec2::SecurityGroupRule { egress: false },
    &ec2::SecurityGroupRule { egress: true },
    &ec2::LaunchTemplate,
    &iam::Role,
    &iam::Policy,
    &iam::InstanceProfile,
];

/// The provider of a type, if this emulator has one.
#[must_use]
pub fn provider(type_name: &str) -> Option<&'static dyn Provider> {
    PROVIDERS
        .iter()
        .copied()
        .find(|p| p.type_name() == type_name)
}

/// Why a resource of a type without provider fails.
#[must_use]
pub fn unsupported_reason(type_name: &str) -> String {
    format!("Resource type {type_name} is not supported by this emulator")
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

/// The `HandlerErrorCode` CloudFormation reports for a service error code.
fn handler_code(code: &str) -> &'static str {
    if code.ends_with("NotFound") || code.ends_with("NotFoundException") || code == "NoSuchEntity" {
        "NotFound"
    } else if code.ends_with("Duplicate")
        || code.ends_with("AlreadyExistsException")
        || code.starts_with("Resource.AlreadyAssociated")
        || code == "RouteAlreadyExists"
        || code == "EntityAlreadyExists"
    {
        "AlreadyExists"
    } else if code == "DependencyViolation" || code == "DeleteConflict" {
        "ResourceConflict"
    } else if code.contains("Limit") {
        "ServiceLimitExceeded"
    } else {
        "InvalidRequest"
    }
}

/// An EC2 refusal as CloudFormation words it.
fn ec2_failure(ids: &mut IdGen, err: &Ec2Error) -> String {
    handler_failure(
        ids,
        "Ec2",
        err.status().as_u16(),
        &err.to_string(),
        handler_code(err.code()),
    )
}

/// An IAM refusal as CloudFormation words it.
fn iam_failure(ids: &mut IdGen, err: &IamError) -> String {
    handler_failure(
        ids,
        "Iam",
        err.status().as_u16(),
        &err.to_string(),
        handler_code(err.code()),
    )
}

/// A policy document property: JSON text as given, or an object serialised.
fn document(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A property this emulator does not model, given anyway: refused, never ignored.
fn unsupported_property(req: &Request<'_>, type_name: &str, names: &[&str]) -> Result<(), String> {
    match names
        .iter()
        .find(|n| req.properties.get(**n).is_some_and(|v| !v.is_null()))
    {
        Some(name) => Err(format!(
            "Property {name} of {type_name} is not supported by this emulator yet"
        )),
        None => Ok(()),
    }
}

/// `Err` naming the changed properties an update cannot apply.
fn refuse_changes(type_name: &str, changed: &[String], allowed: &[&str]) -> Result<(), String> {
    let refused: Vec<&str> = changed
        .iter()
        .map(String::as_str)
        .filter(|c| !allowed.contains(c))
        .collect();
    if refused.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "Updating {} of {type_name} is not supported by this emulator yet",
            refused.join(", ")
        ))
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

    fn delete(
        &self,
        _svc: &mut Services<'_>,
        _physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! What the providers' tests share: one region's services on a clock, with the prerequisites
    //! of a cluster (the role `eks` trusting EKS, the default VPC).

    use super::*;
    use crate::lifecycle::Timing;

    /// The services of account 123456789012 in us-west-2, owned by the test.
    pub struct World {
        pub ids: IdGen,
        pub iam: IamAccount,
        pub eks: EksRegion,
        pub ec2: Ec2Region,
        pub autoscaling: AutoScalingRegion,
        pub faults: Faults,
        pub now: Timestamp,
    }

    impl World {
        /// A fresh world with the default VPC and the role `eks`.
        pub fn new() -> Self {
            let mut w = Self {
                ids: IdGen::new(0),
                iam: IamAccount::default(),
                eks: EksRegion::default(),
                ec2: Ec2Region::default(),
                autoscaling: AutoScalingRegion::default(),
                faults: Faults::new(0),
                now: Timestamp(0),
            };
            let env = w.env();
            w.iam
                .create_role(
                    &env,
                    &mut w.ids,
                    crate::iam::model::NewRole {
                        name: "eks".into(),
                        assume_role_policy: r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.into(),
                        ..Default::default()
                    },
                )
                .unwrap();
            w.ec2.ensure_default_vpc(&mut w.ids, "us-west-2");
            w
        }

        /// Two default subnets in two zones.
        pub fn default_subnets(&self) -> Vec<String> {
            self.ec2
                .subnets
                .values()
                .filter(|s| s.default_for_az)
                .take(2)
                .map(|s| s.id.clone())
                .collect()
        }

        /// The world's now, account and region.
        pub fn env(&self) -> Env<'static> {
            Env {
                now: self.now,
                timing: Timing::Realistic,
                account: "123456789012",
                region: "us-west-2",
            }
        }

        /// The services, borrowed, at the world's now.
        pub fn svc(&mut self) -> Services<'_> {
            Services {
                env: self.env(),
                site: Site {
                    kube: SocketAddr::from(([127, 0, 0, 1], 4567)),
                    ca_data: "Q0E=",
                },
                ids: &mut self.ids,
                iam: &mut self.iam,
                eks: &mut self.eks,
                ec2: &mut self.ec2,
                autoscaling: &mut self.autoscaling,
                faults: &mut self.faults,
            }
        }

        /// Moves the clock to `at` and applies what is due, as a stack step does.
        pub fn advance_to(&mut self, at: Timestamp) {
            self.now = at;
            self.svc().advance(at);
        }

        /// Creates through `p` and polls until done; returns the physical id and the attributes.
        pub fn make(
            &mut self,
            p: &dyn Provider,
            logical_id: &str,
            props: &Value,
        ) -> (String, BTreeMap<String, Value>) {
            let physical = p
                .create(&mut self.svc(), &request(logical_id, props, &[]))
                .unwrap_or_else(|e| panic!("{logical_id}: {e}"));
            loop {
                match p.check_create(&mut self.svc(), &physical) {
                    Progress::Done(attrs) => return (physical, attrs),
                    Progress::Wait(at) => self.advance_to(at),
                    Progress::Failed(reason) => panic!("{logical_id}: {reason}"),
                }
            }
        }

        /// Creates through `p`, expecting a refusal; returns the reason.
        pub fn refuse(&mut self, p: &dyn Provider, logical_id: &str, props: &Value) -> String {
            p.create(&mut self.svc(), &request(logical_id, props, &[]))
                .expect_err("the create is refused")
        }

        /// Deletes through `p` and polls until gone.
        pub fn unmake(&mut self, p: &dyn Provider, physical: &str, props: &Value) {
            p.delete(&mut self.svc(), physical, props)
                .unwrap_or_else(|e| panic!("{physical}: {e}"));
            loop {
                match p.check_delete(&mut self.svc(), physical) {
                    Progress::Done(_) => return,
                    Progress::Wait(at) => self.advance_to(at),
                    Progress::Failed(reason) => panic!("{physical}: {reason}"),
                }
            }
        }

        /// Updates through `p` from `old` to `new` and polls until done.
        pub fn change(
            &mut self,
            p: &dyn Provider,
            logical_id: &str,
            physical: &str,
            old: &Value,
            new: &Value,
        ) -> Result<BTreeMap<String, Value>, String> {
            p.update(
                &mut self.svc(),
                &request(logical_id, new, &[]),
                physical,
                old,
            )?;
            loop {
                match p.check_update(&mut self.svc(), physical) {
                    Progress::Done(attrs) => return Ok(attrs),
                    Progress::Wait(at) => self.advance_to(at),
                    Progress::Failed(reason) => return Err(reason),
                }
            }
        }
    }

    /// A request of the stack `eksctl-demo-cluster`.
    pub fn request<'a>(
        logical_id: &'a str,
        props: &'a Value,
        tags: &'a [(String, String)],
    ) -> Request<'a> {
        Request {
            stack_name: "eksctl-demo-cluster",
            stack_id: "arn:aws:cloudformation:us-west-2:123456789012:stack/eksctl-demo-cluster/1",
            logical_id,
            properties: props,
            tags,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn generated_names_fit_and_carry_stack_and_logical_id() {
        let mut ids = IdGen::new(0);
        let props = json!({});
        let req = testing::request("ControlPlane", &props, &[]);
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
    fn registry_knows_every_type_of_the_issue_and_names_the_others() {
        for kind in [
            "AWS::EKS::Cluster",
            "AWS::EKS::FargateProfile",
            "AWS::EKS::Nodegroup",
            "AWS::EKS::Addon",
            "AWS::EKS::AccessEntry",
            "AWS::AutoScaling::AutoScalingGroup",
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
        ] {
            assert_eq!(provider(kind).map(|p| p.type_name()), Some(kind));
        }
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

    #[test]
    fn service_errors_map_to_handler_error_codes() {
        assert_eq!(handler_code("InvalidVpcID.NotFound"), "NotFound");
        assert_eq!(handler_code("NoSuchEntity"), "NotFound");
        assert_eq!(handler_code("InvalidGroup.Duplicate"), "AlreadyExists");
        assert_eq!(handler_code("EntityAlreadyExists"), "AlreadyExists");
        assert_eq!(handler_code("DependencyViolation"), "ResourceConflict");
        assert_eq!(handler_code("LimitExceeded"), "ServiceLimitExceeded");
        assert_eq!(handler_code("InvalidSubnet.Range"), "InvalidRequest");
    }
}
