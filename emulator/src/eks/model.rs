//! EKS resources as plain state machines on the virtual clock: clusters here, their Fargate
//! profiles in [`fargate`] and their managed nodegroups (and nodegroup updates) in [`nodegroup`];
//! the rules real EKS enforces on them, and nothing of HTTP.
//!
//! # Reading profiles and nodegroups (for the Kubernetes side)
//!
//! A cluster owns its profiles and nodegroups: [`EksRegion::cluster`] gives the [`Cluster`], then
//! - [`Cluster::fargate_profiles`] iterates its [`FargateProfile`]s in name order (the order EKS
//!   prefers them in), each with `name`, `status` ([`fargate_selector::ProfileStatus`]), `selectors`
//!   ([`fargate_selector::Selector`]) and `subnets`; [`FargateProfile::selector_profile`] gives the
//!   [`fargate_selector::Profile`] that `choose_profile`/`explain` take;
//! - [`Cluster::nodegroups`] iterates its [`Nodegroup`]s in name order, each with `name`, `status`,
//!   [`Nodegroup::desired_size`], `subnets`, `labels` and `taints` ([`Taint`], whose
//!   [`TaintEffect::kubernetes`] is the node's spelling).
//!
//! Only `ACTIVE` profiles take pods; a nodegroup's nodes exist while it is `ACTIVE` or `UPDATING`.
//! Both disappear from the maps when their deletion finishes.
//!
//! A cluster also keeps minimal records of its add-ons and access entries ([`addon`]), which
//! CloudFormation makes.

mod addon;
#[cfg(test)]
pub(crate) mod fake;
mod fargate;
mod nodegroup;

pub use addon::{AccessEntry, AccessPolicy, Addon, NewAccessEntry, NewAddon, ACCESS_ENTRY_TYPES};
pub use fargate::{
    platform_supports_fargate, FargateProfile, NewFargateProfile, FARGATE_PODS_PRINCIPAL,
    MAX_FARGATE_PROFILES_PER_CLUSTER, RESERVED_PROFILE_PREFIX,
};
pub use nodegroup::{
    LaunchTemplate, NewNodegroup, Nodegroup, NodegroupConfigChange, NodegroupStatus, RemoteAccess,
    ScalingConfig, ScalingRequest, Taint, TaintEffect, TaintRequest, Update, UpdateConfig,
    UpdateStatus,
};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::EksError;
use super::versions;
use crate::clock::Timestamp;
use crate::faults::{Faults, Phase};
use crate::ids::IdGen;
use crate::lifecycle::{self, Advanced, Next, Scheduled, Transition};
use crate::state::Env;
use crate::wire::Service;

/// The EKS state of one region of one account.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct EksRegion {
    /// Clusters by name.
    pub clusters: BTreeMap<String, Cluster>,
}

/// A cluster's status (`Cluster.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClusterStatus {
    /// Entered on `CreateCluster`; left for `ACTIVE` after the create duration.
    Creating,
    /// Serving; left for `DELETING` on `DeleteCluster`.
    Active,
    /// Entered on `DeleteCluster`; the cluster vanishes after the delete duration.
    Deleting,
    /// A create that failed (fault injection only); left only by deletion.
    Failed,
    /// A version or config update in progress; back to `ACTIVE` when done.
    Updating,
}

impl ClusterStatus {
    /// As EKS spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Creating => "CREATING",
            Self::Active => "ACTIVE",
            Self::Deleting => "DELETING",
            Self::Failed => "FAILED",
            Self::Updating => "UPDATING",
        }
    }
}

/// A health issue EKS reports on a failed cluster, profile or nodegroup (`health.issues[]`). The
/// emulator only fails resources when a fault injected through `/_emulator/faults` says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthIssue {
    /// `code` (`InternalFailure`, `AccessDenied`, `ClusterUnreachable`…).
    pub code: String,
    /// `message`.
    pub message: String,
    /// `resourceIds`: what the issue is about.
    pub resource_ids: Vec<String>,
}

/// Asks the injected faults whether the EKS resource `name` of `kind` (`cluster`,
/// `fargate-profile`, `nodegroup`) must fail at `phase`. Models call it once a create or delete has
/// passed every check, right before they record it, so that a refused request never uses up a
/// rule and nothing is half-written. The issue names `resource_id` unless the rule names its own
/// resources.
pub(crate) fn injected_failure(
    faults: &mut Faults,
    kind: &str,
    name: &str,
    phase: Phase,
    resource_id: &str,
) -> Option<HealthIssue> {
    let issue = faults
        .resource_failure(Service::Eks, kind, name, phase)?
        .health_issue;
    let resource_ids = if issue.resource_ids.is_empty() {
        vec![resource_id.to_owned()]
    } else {
        issue.resource_ids
    };
    Some(HealthIssue {
        code: issue.code,
        message: issue.message,
        resource_ids,
    })
}

/// The VPC settings of a cluster (`resourcesVpcConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterVpc {
    /// Subnets as given.
    pub subnet_ids: Vec<String>,
    /// Extra security groups as given.
    pub security_group_ids: Vec<String>,
    /// The security group EKS creates for the cluster in its VPC. The EC2 model makes it right
    /// after [`EksRegion::create_cluster`] records the cluster, under the same lock; empty until then.
    pub cluster_security_group_id: String,
    /// The VPC of the subnets.
    pub vpc_id: String,
    /// Whether the API endpoint is public.
    pub endpoint_public_access: bool,
    /// Whether the API endpoint is reachable from the VPC.
    pub endpoint_private_access: bool,
    /// CIDRs allowed to reach the public endpoint.
    pub public_access_cidrs: Vec<String>,
}

/// An EKS cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// Its name, unique in the region.
    pub name: String,
    /// `arn:aws:eks:<region>:<account>:cluster/<name>`.
    pub arn: String,
    /// When `CreateCluster` was accepted.
    pub created_at: Timestamp,
    /// Kubernetes minor version (`1.32`).
    pub version: String,
    /// EKS platform version (`eks.30`).
    pub platform_version: String,
    /// The cluster service role.
    pub role_arn: String,
    /// Networking.
    pub vpc: ClusterVpc,
    /// `kubernetesNetworkConfig.serviceIpv4Cidr`.
    pub service_ipv4_cidr: String,
    /// `kubernetesNetworkConfig.ipFamily`.
    pub ip_family: String,
    /// Control-plane log types that are enabled.
    pub enabled_log_types: Vec<String>,
    /// `accessConfig.authenticationMode`.
    pub authentication_mode: String,
    /// `accessConfig.bootstrapClusterCreatorAdminPermissions`.
    pub bootstrap_cluster_creator_admin_permissions: bool,
    /// `upgradePolicy.supportType`.
    pub support_type: String,
    /// The 32 uppercase hex digits shared by the endpoint host and the OIDC issuer on real EKS.
    pub endpoint_id: String,
    /// The idempotency token of the create.
    pub client_request_token: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Current status.
    pub status: ClusterStatus,
    /// The next status change, if one is under way.
    pub scheduled: Option<Scheduled<ClusterStatus>>,
    /// The issue an injected fault reports once the scheduled change leaves the cluster `FAILED`.
    #[serde(default)]
    pub health_issue: Option<HealthIssue>,
    /// Fargate profiles by name (read them with [`Cluster::fargate_profiles`]).
    #[serde(default)]
    pub fargate_profiles: BTreeMap<String, FargateProfile>,
    /// Managed nodegroups by name (read them with [`Cluster::nodegroups`]).
    #[serde(default)]
    pub nodegroups: BTreeMap<String, Nodegroup>,
    /// Add-ons by name.
    #[serde(default)]
    pub addons: BTreeMap<String, Addon>,
    /// Access entries by principal ARN.
    #[serde(default)]
    pub access_entries: BTreeMap<String, AccessEntry>,
}

impl Cluster {
    /// The cluster's subnets that `directory` knows to be private: the subnets a Fargate profile
    /// gets when it names none.
    #[must_use]
    pub fn private_subnets(&self, directory: &dyn Directory) -> Vec<SubnetFacts> {
        self.vpc
            .subnet_ids
            .iter()
            .filter_map(|id| directory.subnet(id))
            .filter(|s| s.private)
            .collect()
    }

    /// The facts about `subnet_ids`, each of which must exist and be in the cluster's VPC (`ids`
    /// draws the request id EC2's not-found error carries).
    ///
    /// # Errors
    ///
    /// [`EksError::SubnetNotFound`], [`EksError::SubnetOutsideClusterVpc`].
    pub fn subnets_in_vpc(
        &self,
        directory: &dyn Directory,
        ids: &mut IdGen,
        subnet_ids: &[String],
    ) -> Result<Vec<SubnetFacts>, EksError> {
        subnet_ids
            .iter()
            .map(|id| {
                let subnet = directory
                    .subnet(id)
                    .ok_or_else(|| EksError::SubnetNotFound {
                        cluster: self.name.clone(),
                        subnet: id.clone(),
                        request_id: ids.request_id(),
                    })?;
                if subnet.vpc_id == self.vpc.vpc_id {
                    Ok(subnet)
                } else {
                    Err(EksError::SubnetOutsideClusterVpc {
                        cluster: self.name.clone(),
                        vpc: self.vpc.vpc_id.clone(),
                    })
                }
            })
            .collect()
    }
}

/// What `CreateCluster` asks for, already decoded from the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewCluster {
    /// `name`.
    pub name: String,
    /// `version`, defaulting to [`versions::DEFAULT_VERSION`].
    pub version: Option<String>,
    /// `roleArn`.
    pub role_arn: String,
    /// `resourcesVpcConfig.subnetIds`.
    pub subnet_ids: Vec<String>,
    /// `resourcesVpcConfig.securityGroupIds`.
    pub security_group_ids: Vec<String>,
    /// `resourcesVpcConfig.endpointPublicAccess` (default true).
    pub endpoint_public_access: Option<bool>,
    /// `resourcesVpcConfig.endpointPrivateAccess` (default false).
    pub endpoint_private_access: Option<bool>,
    /// `resourcesVpcConfig.publicAccessCidrs` (default `0.0.0.0/0`).
    pub public_access_cidrs: Option<Vec<String>>,
    /// `kubernetesNetworkConfig.serviceIpv4Cidr` (default `10.100.0.0/16`).
    pub service_ipv4_cidr: Option<String>,
    /// `kubernetesNetworkConfig.ipFamily` (default `ipv4`).
    pub ip_family: Option<String>,
    /// Enabled log types.
    pub enabled_log_types: Vec<String>,
    /// `accessConfig.authenticationMode` (default `CONFIG_MAP` through the API).
    pub authentication_mode: Option<String>,
    /// `accessConfig.bootstrapClusterCreatorAdminPermissions` (default true).
    pub bootstrap_cluster_creator_admin_permissions: Option<bool>,
    /// `upgradePolicy.supportType` (default `EXTENDED`).
    pub support_type: Option<String>,
    /// `clientRequestToken`.
    pub client_request_token: Option<String>,
    /// `tags`.
    pub tags: BTreeMap<String, String>,
}

impl NewCluster {
    /// Whether a retry with this token and these parameters is the same request as `existing`.
    fn is_retry_of(&self, existing: &Cluster) -> bool {
        self.client_request_token.is_some()
            && self.client_request_token == existing.client_request_token
            && self.role_arn == existing.role_arn
            && self.subnet_ids == existing.vpc.subnet_ids
    }
}

/// What EKS checks about the IAM roles and EC2 subnets a request names. The IAM/EC2 issue implements
/// it over the IAM store of the account and the EC2 store of the region; models take `&dyn Directory`
/// so that their rules stay testable with a fake.
pub trait Directory {
    /// The role an ARN names, if it exists.
    fn role(&self, arn: &str) -> Option<RoleFacts>;
    /// The subnet with this id in the request's region, if it exists.
    fn subnet(&self, subnet_id: &str) -> Option<SubnetFacts>;
    /// The subnets of a VPC, in id order.
    fn subnets_of_vpc(&self, vpc_id: &str) -> Vec<SubnetFacts>;
}

/// What EKS needs to know about a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleFacts {
    /// The role's ARN.
    pub arn: String,
    /// The service principals its trust policy allows to `sts:AssumeRole`
    /// (`eks.amazonaws.com`, `eks-fargate-pods.amazonaws.com`, `ec2.amazonaws.com`, ...).
    pub trusted_services: Vec<String>,
}

/// What EKS needs to know about a subnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubnetFacts {
    /// `subnet-…`.
    pub subnet_id: String,
    /// `vpc-…`.
    pub vpc_id: String,
    /// `ap-northeast-1a`.
    pub availability_zone: String,
    /// The subnet's IPv4 CIDR (`192.168.96.0/19`), from which pod and node IPs are drawn.
    pub cidr_block: String,
    /// No route to an internet gateway in its route table: the rule EKS uses for Fargate.
    pub private: bool,
}

/// Checks an EKS resource name: 1–100 characters matching [`super::error::NAME_PATTERN`].
/// `parameter` is the name of the member as the error message spells it.
pub fn validate_name(name: &str, parameter: &'static str) -> Result<(), EksError> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(EksError::InvalidName { parameter });
    }
    if name.len() > 100 {
        return Err(EksError::NameTooLong { parameter });
    }
    Ok(())
}

/// Checks an IAM role ARN's form: `arn:<partition>:iam::<12 digits>:role/<path/>name`.
pub fn validate_role_arn(arn: &str) -> Result<(), EksError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let well_formed = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5]
            .strip_prefix("role/")
            .is_some_and(|name| !name.is_empty() && !name.ends_with('/'));
    if well_formed {
        Ok(())
    } else {
        Err(EksError::InvalidRoleArn {
            arn: arn.to_owned(),
        })
    }
}

/// The role EKS assumes to run a cluster must trust this service principal.
pub const EKS_SERVICE_PRINCIPAL: &str = "eks.amazonaws.com";

/// Checks what a new cluster refers to, in the order EKS reports problems: the role (it must exist
/// and trust EKS), then each subnet (it must exist), then that they share one VPC and span at least
/// two Availability Zones. Returns that VPC.
fn check_cluster_references(
    ids: &mut IdGen,
    directory: &dyn Directory,
    new: &NewCluster,
) -> Result<String, EksError> {
    let cluster = || new.name.clone();
    let trusted = directory.role(&new.role_arn).is_some_and(|role| {
        role.trusted_services
            .iter()
            .any(|s| s == EKS_SERVICE_PRINCIPAL)
    });
    if !trusted {
        return Err(EksError::RoleNotAssumable {
            cluster: cluster(),
            arn: new.role_arn.clone(),
        });
    }
    let mut subnets = Vec::with_capacity(new.subnet_ids.len());
    for id in &new.subnet_ids {
        let subnet = directory
            .subnet(id)
            .ok_or_else(|| EksError::SubnetNotFound {
                cluster: cluster(),
                subnet: id.clone(),
                request_id: ids.request_id(),
            })?;
        subnets.push(subnet);
    }
    let Some(first) = subnets.first() else {
        return Err(EksError::SubnetsInOneAz { cluster: cluster() });
    };
    if subnets.iter().any(|s| s.vpc_id != first.vpc_id) {
        return Err(EksError::SubnetsInSeveralVpcs { cluster: cluster() });
    }
    if subnets
        .iter()
        .all(|s| s.availability_zone == first.availability_zone)
    {
        return Err(EksError::SubnetsInOneAz { cluster: cluster() });
    }
    Ok(first.vpc_id.clone())
}

/// Checks tags as EKS bounds them: at most 50, keys 1–128 and values up to 256 characters, and no
/// key in the reserved `aws:` namespace.
pub fn validate_tags(tags: &BTreeMap<String, String>) -> Result<(), EksError> {
    if tags.len() > 50 {
        return Err(EksError::InvalidTags {
            detail: "Tags must contain at most 50 entries.".into(),
        });
    }
    for (key, value) in tags {
        if key.is_empty() || key.chars().count() > 128 {
            return Err(EksError::InvalidTags {
                detail: format!("Tag key {key:?} must be 1 to 128 characters long."),
            });
        }
        if value.chars().count() > 256 {
            return Err(EksError::InvalidTags {
                detail: format!("The value of tag {key:?} must be at most 256 characters long."),
            });
        }
    }
    Ok(())
}

impl EksRegion {
    /// `CreateCluster`: checks the request — including, through `directory`, that the role exists
    /// and trusts EKS and that the subnets exist, share one VPC and span two AZs — then records a
    /// `CREATING` cluster in the subnets' VPC that becomes `ACTIVE` after the create duration. A
    /// retry with the same token and parameters returns the cluster. Nothing is recorded on error.
    /// A `CREATE_FAILED` cluster fault makes it end `FAILED` instead (EKS has no `CREATE_FAILED`
    /// for clusters), with the fault's health issue.
    pub fn create_cluster(
        &mut self,
        env: &Env<'_>,
        ids: &mut IdGen,
        directory: &dyn Directory,
        faults: &mut Faults,
        new: NewCluster,
    ) -> Result<&Cluster, EksError> {
        validate_name(&new.name, "name")?;
        let version = new
            .version
            .clone()
            .unwrap_or_else(|| versions::DEFAULT_VERSION.to_owned());
        let offered = versions::find(&version).ok_or(EksError::UnsupportedVersion)?;
        validate_role_arn(&new.role_arn)?;
        validate_tags(&new.tags)?;
        if let Some(existing) = self.clusters.get(&new.name) {
            return if new.is_retry_of(existing) {
                Ok(&self.clusters[&new.name])
            } else {
                Err(EksError::ClusterExists { cluster: new.name })
            };
        }
        let vpc_id = check_cluster_references(ids, directory, &new)?;
        let arn = format!(
            "arn:aws:eks:{}:{}:cluster/{}",
            env.region, env.account, new.name
        );
        let health_issue = injected_failure(faults, "cluster", &new.name, Phase::Create, &arn);
        let end = if health_issue.is_some() {
            ClusterStatus::Failed
        } else {
            ClusterStatus::Active
        };
        let cluster = Cluster {
            arn,
            created_at: env.now,
            version,
            platform_version: offered.platform_version.to_owned(),
            role_arn: new.role_arn,
            vpc: ClusterVpc {
                subnet_ids: new.subnet_ids,
                security_group_ids: new.security_group_ids,
                cluster_security_group_id: String::new(),
                vpc_id,
                endpoint_public_access: new.endpoint_public_access.unwrap_or(true),
                endpoint_private_access: new.endpoint_private_access.unwrap_or(false),
                public_access_cidrs: new
                    .public_access_cidrs
                    .unwrap_or_else(|| vec!["0.0.0.0/0".into()]),
            },
            service_ipv4_cidr: new
                .service_ipv4_cidr
                .unwrap_or_else(|| "10.100.0.0/16".into()),
            ip_family: new.ip_family.unwrap_or_else(|| "ipv4".into()),
            enabled_log_types: new.enabled_log_types,
            authentication_mode: new
                .authentication_mode
                .unwrap_or_else(|| "CONFIG_MAP".into()),
            bootstrap_cluster_creator_admin_permissions: new
                .bootstrap_cluster_creator_admin_permissions
                .unwrap_or(true),
            support_type: new.support_type.unwrap_or_else(|| "EXTENDED".into()),
            endpoint_id: ids.endpoint_id(),
            client_request_token: new.client_request_token,
            tags: new.tags,
            status: ClusterStatus::Creating,
            scheduled: Some(Scheduled::after(
                env.now,
                env.timing,
                Transition::ClusterCreate,
                Next::Become(end),
            )),
            health_issue,
            name: new.name.clone(),
            fargate_profiles: BTreeMap::new(),
            nodegroups: BTreeMap::new(),
            addons: BTreeMap::new(),
            access_entries: BTreeMap::new(),
        };
        Ok(self.clusters.entry(new.name).or_insert(cluster))
    }

    /// `DescribeCluster`.
    pub fn cluster(&self, name: &str) -> Result<&Cluster, EksError> {
        self.clusters
            .get(name)
            .ok_or_else(|| EksError::ClusterNotFound {
                cluster: name.to_owned(),
            })
    }

    /// `ListClusters`: every name, ascending.
    #[must_use]
    pub fn cluster_names(&self) -> Vec<String> {
        self.clusters.keys().cloned().collect()
    }

    /// The cluster `name`, to change it.
    ///
    /// # Errors
    ///
    /// [`EksError::ClusterNotFound`].
    pub fn cluster_mut(&mut self, name: &str) -> Result<&mut Cluster, EksError> {
        self.clusters
            .get_mut(name)
            .ok_or_else(|| EksError::ClusterNotFound {
                cluster: name.to_owned(),
            })
    }

    /// `DeleteCluster`: the cluster goes `DELETING` and vanishes after the delete duration. Deleting a
    /// cluster already `DELETING` answers with it unchanged, as EKS does. A cluster with nodegroups,
    /// or with Fargate profiles that are `ACTIVE` or `CREATING`, cannot be deleted. A
    /// `DELETE_FAILED` cluster fault makes the deletion end `FAILED` with the fault's health issue:
    /// EKS's cluster statuses have no `DELETE_FAILED`, and `FAILED` is what its waiters treat as a
    /// dead end (chosen here; the cluster stays listed and can be deleted again).
    pub fn delete_cluster(
        &mut self,
        env: &Env<'_>,
        faults: &mut Faults,
        name: &str,
    ) -> Result<&Cluster, EksError> {
        let cluster = self.cluster_mut(name)?;
        if !cluster.nodegroups.is_empty() {
            return Err(EksError::ClusterHasNodegroups {
                cluster: name.to_owned(),
            });
        }
        if cluster.fargate_profiles.values().any(|p| {
            matches!(
                p.status,
                fargate_selector::ProfileStatus::Active | fargate_selector::ProfileStatus::Creating
            )
        }) {
            return Err(EksError::ClusterHasFargateProfiles {
                cluster: name.to_owned(),
            });
        }
        if cluster.status != ClusterStatus::Deleting {
            cluster.health_issue =
                injected_failure(faults, "cluster", name, Phase::Delete, &cluster.arn);
            let next = if cluster.health_issue.is_some() {
                Next::Become(ClusterStatus::Failed)
            } else {
                Next::Vanish
            };
            cluster.status = ClusterStatus::Deleting;
            cluster.scheduled = Some(Scheduled::after(
                env.now,
                env.timing,
                Transition::ClusterDelete,
                next,
            ));
        }
        Ok(cluster)
    }

    /// The tags of the resource `arn` names, for the `/tags` operations.
    pub fn tags_mut(&mut self, arn: &str) -> Result<&mut BTreeMap<String, String>, EksError> {
        let resource = parse_eks_arn(arn)?;
        match resource {
            EksArn::Cluster { name } => self
                .clusters
                .get_mut(name)
                .filter(|c| c.arn == arn)
                .map(|c| &mut c.tags)
                .ok_or_else(|| EksError::TagResourceNotFound {
                    arn: arn.to_owned(),
                }),
            EksArn::FargateProfile { cluster, name } => self
                .clusters
                .get_mut(cluster)
                .and_then(|c| c.fargate_profiles.get_mut(name))
                .filter(|p| p.arn == arn)
                .map(|p| &mut p.tags)
                .ok_or_else(|| EksError::TagResourceNotFound {
                    arn: arn.to_owned(),
                }),
            EksArn::Nodegroup { cluster, name } => self
                .clusters
                .get_mut(cluster)
                .and_then(|c| c.nodegroups.get_mut(name))
                .filter(|n| n.arn == arn)
                .map(|n| &mut n.tags)
                .ok_or_else(|| EksError::TagResourceNotFound {
                    arn: arn.to_owned(),
                }),
            EksArn::Other => Err(EksError::TagResourceNotFound {
                arn: arn.to_owned(),
            }),
        }
    }

    /// Puts cluster `name` on Kubernetes `version` (when given) and `platform_version`, as clusters
    /// made before Fargate were (admin API only; real EKS moves platforms by itself).
    ///
    /// # Errors
    ///
    /// [`EksError::ClusterNotFound`].
    pub fn set_platform_version(
        &mut self,
        name: &str,
        platform_version: String,
        version: Option<String>,
    ) -> Result<&Cluster, EksError> {
        let cluster = self.cluster_mut(name)?;
        cluster.platform_version = platform_version;
        if let Some(version) = version {
            cluster.version = version;
        }
        Ok(cluster)
    }

    /// `CreateFargateProfile` on cluster `cluster`: the request's own shape is checked before the
    /// cluster is looked up.
    ///
    /// # Errors
    ///
    /// See [`Cluster::create_fargate_profile`].
    pub fn create_fargate_profile(
        &mut self,
        env: &Env<'_>,
        ids: &mut IdGen,
        directory: &dyn Directory,
        faults: &mut Faults,
        cluster: &str,
        new: NewFargateProfile,
    ) -> Result<&FargateProfile, EksError> {
        validate_name(cluster, "clusterName")?;
        new.validate()?;
        self.cluster_mut(cluster)?
            .create_fargate_profile(env, ids, directory, faults, new)
    }

    /// `CreateNodegroup` on cluster `cluster`: the request's own shape is checked before the
    /// cluster is looked up.
    ///
    /// # Errors
    ///
    /// See [`Cluster::create_nodegroup`].
    pub fn create_nodegroup(
        &mut self,
        env: &Env<'_>,
        ids: &mut IdGen,
        directory: &dyn Directory,
        faults: &mut Faults,
        cluster: &str,
        new: NewNodegroup,
    ) -> Result<&Nodegroup, EksError> {
        validate_name(cluster, "clusterName")?;
        new.check(cluster)?;
        self.cluster_mut(cluster)?
            .create_nodegroup(env, ids, directory, faults, new)
    }

    /// Applies every transition due at `now`: each cluster's own, then its profiles' and
    /// nodegroups'. Clusters whose deletion finished disappear with everything they hold.
    pub fn advance(&mut self, now: Timestamp) {
        self.clusters.retain(|_, cluster| {
            if lifecycle::advance(&mut cluster.status, &mut cluster.scheduled, now)
                == Advanced::Vanished
            {
                return false;
            }
            cluster.advance_fargate_profiles(now);
            cluster.advance_nodegroups(now);
            true
        });
    }
}

/// What an EKS ARN names.
enum EksArn<'a> {
    Cluster { name: &'a str },
    FargateProfile { cluster: &'a str, name: &'a str },
    Nodegroup { cluster: &'a str, name: &'a str },
    Other,
}

fn parse_eks_arn(arn: &str) -> Result<EksArn<'_>, EksError> {
    let invalid = || EksError::InvalidArn {
        arn: arn.to_owned(),
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "eks" {
        return Err(invalid());
    }
    let child = |rest: &'_ str| -> Option<(usize, usize)> {
        // `<cluster>/<name>/<id>`: the positions of the two slashes.
        let first = rest.find('/')?;
        let second = first + 1 + rest[first + 1..].find('/')?;
        Some((first, second))
    };
    match parts[5].split_once('/') {
        Some(("cluster", name)) if !name.is_empty() => Ok(EksArn::Cluster { name }),
        Some((kind @ ("fargateprofile" | "nodegroup"), rest)) => {
            let (first, second) = child(rest).ok_or_else(invalid)?;
            let (cluster, name) = (&rest[..first], &rest[first + 1..second]);
            if kind == "fargateprofile" {
                Ok(EksArn::FargateProfile { cluster, name })
            } else {
                Ok(EksArn::Nodegroup { cluster, name })
            }
        }
        Some((_, rest)) if !rest.is_empty() => Ok(EksArn::Other),
        _ => Err(invalid()),
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
            region: "us-east-1",
        }
    }

    /// One role trusting EKS and four subnets: two in `vpc-1` (AZs a and b), one in `vpc-2`, and a
    /// second one in AZ a of `vpc-1`.
    struct FakeDirectory;

    impl Directory for FakeDirectory {
        fn role(&self, arn: &str) -> Option<RoleFacts> {
            let trusted_services = match arn {
                "arn:aws:iam::123456789012:role/eks" => vec![EKS_SERVICE_PRINCIPAL.to_owned()],
                "arn:aws:iam::123456789012:role/pods" => {
                    vec!["eks-fargate-pods.amazonaws.com".to_owned()]
                }
                _ => return None,
            };
            Some(RoleFacts {
                arn: arn.to_owned(),
                trusted_services,
            })
        }

        fn subnet(&self, subnet_id: &str) -> Option<SubnetFacts> {
            let (vpc, zone) = match subnet_id {
                "subnet-1" => ("vpc-1", "us-east-1a"),
                "subnet-2" => ("vpc-1", "us-east-1b"),
                "subnet-3" => ("vpc-2", "us-east-1c"),
                "subnet-4" => ("vpc-1", "us-east-1a"),
                _ => return None,
            };
            Some(SubnetFacts {
                subnet_id: subnet_id.to_owned(),
                vpc_id: vpc.to_owned(),
                availability_zone: zone.to_owned(),
                cidr_block: "10.0.0.0/24".to_owned(),
                private: true,
            })
        }

        fn subnets_of_vpc(&self, vpc_id: &str) -> Vec<SubnetFacts> {
            ["subnet-1", "subnet-2", "subnet-3", "subnet-4"]
                .into_iter()
                .filter_map(|id| self.subnet(id))
                .filter(|s| s.vpc_id == vpc_id)
                .collect()
        }
    }

    fn new_cluster(name: &str) -> NewCluster {
        NewCluster {
            name: name.into(),
            role_arn: "arn:aws:iam::123456789012:role/eks".into(),
            subnet_ids: vec!["subnet-1".into(), "subnet-2".into()],
            ..NewCluster::default()
        }
    }

    #[test]
    fn a_cluster_is_creating_for_ten_minutes_then_active_then_gone_after_deleting() {
        let mut eks = EksRegion::default();
        let mut ids = IdGen::new(0);
        let t0 = Timestamp(1_000_000);
        eks.create_cluster(
            &env(t0),
            &mut ids,
            &FakeDirectory,
            &mut Faults::default(),
            new_cluster("c1"),
        )
        .unwrap();
        eks.advance(t0.after(Duration::from_secs(599)));
        assert_eq!(eks.cluster("c1").unwrap().status, ClusterStatus::Creating);
        eks.advance(t0.after(Duration::from_secs(600)));
        assert_eq!(eks.cluster("c1").unwrap().status, ClusterStatus::Active);
        let t1 = t0.after(Duration::from_secs(700));
        assert_eq!(
            eks.delete_cluster(&env(t1), &mut Faults::default(), "c1")
                .unwrap()
                .status,
            ClusterStatus::Deleting
        );
        eks.advance(t1.after(Duration::from_secs(299)));
        assert_eq!(eks.cluster("c1").unwrap().status, ClusterStatus::Deleting);
        eks.advance(t1.after(Duration::from_secs(300)));
        assert_eq!(
            eks.cluster("c1"),
            Err(EksError::ClusterNotFound {
                cluster: "c1".into()
            })
        );
    }

    #[test]
    fn injected_faults_leave_a_cluster_failed_with_its_health_issue() {
        let mut eks = EksRegion::default();
        let mut ids = IdGen::new(0);
        let mut faults = Faults::new(0);
        for fail in ["CREATE_FAILED", "DELETE_FAILED"] {
            let spec = serde_json::from_value(serde_json::json!({"service":"eks",
                "resource":"cluster","name":"c1","fail":fail,"count":1,
                "healthIssue":{"code":"InternalFailure","message":fail}}))
            .unwrap();
            faults.add(spec).unwrap();
        }
        let t0 = Timestamp(1_000_000);
        eks.create_cluster(
            &env(t0),
            &mut ids,
            &FakeDirectory,
            &mut faults,
            new_cluster("c1"),
        )
        .unwrap();
        eks.create_cluster(
            &env(t0),
            &mut ids,
            &FakeDirectory,
            &mut faults,
            new_cluster("c2"),
        )
        .unwrap();
        eks.advance(t0.after(Duration::from_secs(600)));
        let c1 = eks.cluster("c1").unwrap();
        assert_eq!(c1.status, ClusterStatus::Failed);
        assert_eq!(
            c1.health_issue,
            Some(HealthIssue {
                code: "InternalFailure".into(),
                message: "CREATE_FAILED".into(),
                resource_ids: vec![c1.arn.clone()],
            })
        );
        assert_eq!(eks.cluster("c2").unwrap().status, ClusterStatus::Active);
        let t1 = t0.after(Duration::from_secs(700));
        eks.delete_cluster(&env(t1), &mut faults, "c1").unwrap();
        eks.advance(t1.after(Duration::from_secs(300)));
        let c1 = eks.cluster("c1").unwrap();
        assert_eq!(c1.status, ClusterStatus::Failed, "a failed delete keeps it");
        assert_eq!(
            c1.health_issue.as_ref().map(|i| i.message.as_str()),
            Some("DELETE_FAILED")
        );
        eks.delete_cluster(&env(t1), &mut faults, "c1").unwrap();
        eks.advance(t1.after(Duration::from_secs(300)));
        assert!(
            eks.cluster("c1").is_err(),
            "both rules used up: the retry deletes it"
        );
    }

    #[test]
    fn names_follow_the_eks_pattern() {
        let cases = [
            ("a", true, "one character"),
            ("0-cluster_1", true, "digits, dash and underscore"),
            ("-x", false, "starts with a dash"),
            ("_x", false, "starts with an underscore"),
            ("a.b", false, "dot"),
            ("a b", false, "space"),
            ("", false, "empty"),
        ];
        for (name, ok, why) in cases {
            assert_eq!(validate_name(name, "name").is_ok(), ok, "{why}: {name:?}");
        }
        assert_eq!(validate_name(&"a".repeat(100), "name"), Ok(()));
        assert_eq!(
            validate_name(&"a".repeat(101), "name"),
            Err(EksError::NameTooLong { parameter: "name" })
        );
    }

    #[test]
    fn role_arns_must_parse() {
        for ok in [
            "arn:aws:iam::123456789012:role/r",
            "arn:aws:iam::123456789012:role/path/r",
            "arn:aws-cn:iam::123456789012:role/r",
        ] {
            assert_eq!(validate_role_arn(ok), Ok(()), "{ok}");
        }
        for bad in [
            "role/r",
            "arn:aws:iam::1234:role/r",
            "arn:aws:iam::123456789012:user/u",
            "arn:aws:s3::123456789012:role/r",
            "arn:aws:iam::123456789012:role/",
        ] {
            assert!(validate_role_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_taken_name_conflicts_unless_it_is_a_retry_with_the_same_token() {
        let mut eks = EksRegion::default();
        let mut ids = IdGen::new(0);
        let t = Timestamp(0);
        let with_token = NewCluster {
            client_request_token: Some("tok".into()),
            ..new_cluster("c1")
        };
        eks.create_cluster(
            &env(t),
            &mut ids,
            &FakeDirectory,
            &mut Faults::default(),
            with_token.clone(),
        )
        .unwrap();
        assert!(eks
            .create_cluster(
                &env(t),
                &mut ids,
                &FakeDirectory,
                &mut Faults::default(),
                with_token
            )
            .is_ok());
        assert_eq!(
            eks.create_cluster(
                &env(t),
                &mut ids,
                &FakeDirectory,
                &mut Faults::default(),
                new_cluster("c1")
            )
            .unwrap_err(),
            EksError::ClusterExists {
                cluster: "c1".into()
            }
        );
        assert_eq!(eks.clusters.len(), 1);
    }

    #[test]
    fn a_cluster_lives_in_the_vpc_of_its_subnets() {
        let mut eks = EksRegion::default();
        let mut ids = IdGen::new(0);
        let cluster = eks
            .create_cluster(
                &env(Timestamp(0)),
                &mut ids,
                &FakeDirectory,
                &mut Faults::default(),
                new_cluster("c1"),
            )
            .unwrap();
        assert_eq!(cluster.vpc.vpc_id, "vpc-1");
    }

    #[test]
    fn roles_and_subnets_must_exist_share_a_vpc_and_span_two_zones() {
        let mut ids = IdGen::new(0);
        let cluster = || "c1".to_owned();
        let with = |role: &str, subnets: &[&str]| NewCluster {
            role_arn: role.into(),
            subnet_ids: subnets.iter().map(|s| (*s).to_owned()).collect(),
            ..new_cluster("c1")
        };
        let eks_role = "arn:aws:iam::123456789012:role/eks";
        for role in [
            "arn:aws:iam::123456789012:role/missing",
            "arn:aws:iam::123456789012:role/pods",
        ] {
            let mut eks = EksRegion::default();
            assert_eq!(
                eks.create_cluster(
                    &env(Timestamp(0)),
                    &mut ids,
                    &FakeDirectory,
                    &mut Faults::default(),
                    with(role, &["subnet-1", "subnet-2"])
                )
                .unwrap_err(),
                EksError::RoleNotAssumable {
                    cluster: cluster(),
                    arn: role.into()
                },
                "{role}"
            );
        }
        type IsExpected = fn(&EksError) -> bool;
        let cases: [(&[&str], IsExpected); 4] = [
            (
                &["subnet-1", "subnet-9"],
                |e| matches!(e, EksError::SubnetNotFound { subnet, .. } if subnet == "subnet-9"),
            ),
            (&["subnet-1", "subnet-4"], |e| {
                matches!(e, EksError::SubnetsInOneAz { .. })
            }),
            (&[], |e| matches!(e, EksError::SubnetsInOneAz { .. })),
            (&["subnet-1", "subnet-3"], |e| {
                matches!(e, EksError::SubnetsInSeveralVpcs { .. })
            }),
        ];
        for (subnets, expected) in cases {
            let mut eks = EksRegion::default();
            let err = eks
                .create_cluster(
                    &env(Timestamp(0)),
                    &mut ids,
                    &FakeDirectory,
                    &mut Faults::default(),
                    with(eks_role, subnets),
                )
                .unwrap_err();
            assert!(expected(&err), "{subnets:?}: {err:?}");
            assert!(eks.clusters.is_empty());
        }
        let message = EksError::SubnetNotFound {
            cluster: cluster(),
            subnet: "subnet-9".into(),
            request_id: "r".into(),
        };
        assert_eq!(
            message.to_string(),
            "The subnet ID 'subnet-9' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidSubnetID.NotFound; Request ID: r; Proxy: null)"
        );
    }

    #[test]
    fn unsupported_versions_are_refused_before_anything_is_recorded() {
        let mut eks = EksRegion::default();
        let mut ids = IdGen::new(0);
        let old = NewCluster {
            version: Some("1.14".into()),
            ..new_cluster("c1")
        };
        assert_eq!(
            eks.create_cluster(
                &env(Timestamp(0)),
                &mut ids,
                &FakeDirectory,
                &mut Faults::default(),
                old
            )
            .unwrap_err(),
            EksError::UnsupportedVersion
        );
        assert!(eks.clusters.is_empty());
    }
}
