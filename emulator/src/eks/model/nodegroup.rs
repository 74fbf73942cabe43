//! Managed nodegroups: the rules `CreateNodegroup`, `UpdateNodegroupConfig` and `DeleteNodegroup`
//! enforce, the updates a config change creates (`DescribeUpdate`/`ListUpdates`), and their
//! lifecycles on the virtual clock. Pure: no HTTP, no locks; roles and subnets are read through
//! [`Directory`].
//!
//! Checks on create run in this order: the request's own shape, the cluster (exists, `ACTIVE`), the
//! name (taken, or a retry), the node role, the subnets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::fargate::role_name;
use super::{
    injected_failure, validate_name, validate_role_arn, validate_tags, Cluster, ClusterStatus,
    Directory, HealthIssue,
};
use crate::clock::Timestamp;
use crate::eks::error::EksError;
use crate::eks::versions;
use crate::faults::{Faults, Phase};
use crate::ids::IdGen;
use crate::lifecycle::{self, Advanced, Next, Scheduled, Transition};
use crate::state::Env;

/// The AMI release date every emulated nodegroup reports (`<kubernetes patch>-<date>`).
pub const AMI_RELEASE_DATE: &str = "20251120";

/// `Nodegroup.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NodegroupStatus {
    /// Entered on `CreateNodegroup`; left for `ACTIVE` after the create duration.
    Creating,
    /// Serving; left for `UPDATING` on `UpdateNodegroupConfig` or `DELETING` on `DeleteNodegroup`.
    Active,
    /// A config update in progress; back to `ACTIVE` after the update duration.
    Updating,
    /// Entered on `DeleteNodegroup`; the nodegroup vanishes after the delete duration.
    Deleting,
    /// A create that failed (fault injection only); left only by deletion.
    CreateFailed,
    /// A delete that failed (fault injection only).
    DeleteFailed,
    /// Running with health issues (fault injection only).
    Degraded,
}

impl NodegroupStatus {
    /// As EKS spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Creating => "CREATING",
            Self::Active => "ACTIVE",
            Self::Updating => "UPDATING",
            Self::Deleting => "DELETING",
            Self::CreateFailed => "CREATE_FAILED",
            Self::DeleteFailed => "DELETE_FAILED",
            Self::Degraded => "DEGRADED",
        }
    }
}

/// `scalingConfig`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScalingConfig {
    /// `minSize` (≥ 0).
    pub min_size: u32,
    /// `maxSize` (≥ 1).
    pub max_size: u32,
    /// `desiredSize`: how many nodes the nodegroup runs.
    pub desired_size: u32,
}

impl Default for ScalingConfig {
    /// What EKS gives a nodegroup created without `scalingConfig`: 2 nodes, between 2 and 2 (the
    /// console's defaults; moto uses the same).
    fn default() -> Self {
        Self {
            min_size: 2,
            max_size: 2,
            desired_size: 2,
        }
    }
}

/// A `scalingConfig` as sent: any member may be missing, and numbers may be out of range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScalingRequest {
    /// `minSize`.
    pub min_size: Option<i64>,
    /// `maxSize`.
    pub max_size: Option<i64>,
    /// `desiredSize`.
    pub desired_size: Option<i64>,
}

impl ScalingRequest {
    fn is_empty(self) -> bool {
        self.min_size.is_none() && self.max_size.is_none() && self.desired_size.is_none()
    }
}

/// A taint's effect, as EKS spells it; [`TaintEffect::kubernetes`] gives the node's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaintEffect {
    /// `NO_SCHEDULE` / `NoSchedule`.
    NoSchedule,
    /// `NO_EXECUTE` / `NoExecute`.
    NoExecute,
    /// `PREFER_NO_SCHEDULE` / `PreferNoSchedule`.
    PreferNoSchedule,
}

impl TaintEffect {
    /// From the EKS spelling.
    #[must_use]
    pub fn parse(effect: &str) -> Option<Self> {
        match effect {
            "NO_SCHEDULE" => Some(Self::NoSchedule),
            "NO_EXECUTE" => Some(Self::NoExecute),
            "PREFER_NO_SCHEDULE" => Some(Self::PreferNoSchedule),
            _ => None,
        }
    }

    /// As EKS spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoSchedule => "NO_SCHEDULE",
            Self::NoExecute => "NO_EXECUTE",
            Self::PreferNoSchedule => "PREFER_NO_SCHEDULE",
        }
    }

    /// As Kubernetes spells it on the node (`NoSchedule`).
    #[must_use]
    pub fn kubernetes(self) -> &'static str {
        match self {
            Self::NoSchedule => "NoSchedule",
            Self::NoExecute => "NoExecute",
            Self::PreferNoSchedule => "PreferNoSchedule",
        }
    }
}

/// A Kubernetes taint EKS puts on the nodegroup's nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taint {
    /// The taint key.
    pub key: String,
    /// The taint value, if any.
    pub value: Option<String>,
    /// What it does to pods that do not tolerate it.
    pub effect: TaintEffect,
}

/// A taint as sent (`effect` not yet checked).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaintRequest {
    /// `key`.
    pub key: Option<String>,
    /// `value`.
    pub value: Option<String>,
    /// `effect`.
    pub effect: Option<String>,
}

/// `remoteAccess`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteAccess {
    /// `ec2SshKey`.
    pub ec2_ssh_key: Option<String>,
    /// `sourceSecurityGroups`.
    pub source_security_groups: Vec<String>,
}

/// `launchTemplate`, kept as given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchTemplate {
    /// `name`.
    pub name: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// `id`.
    pub id: Option<String>,
}

/// `updateConfig`: how many nodes an update may take down at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UpdateConfig {
    /// `maxUnavailable` (the default, 1).
    MaxUnavailable(u32),
    /// `maxUnavailablePercentage`.
    MaxUnavailablePercentage(u32),
}

impl Default for UpdateConfig {
    fn default() -> Self {
        Self::MaxUnavailable(1)
    }
}

/// An EKS managed nodegroup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nodegroup {
    /// `nodegroupName`, unique in its cluster.
    pub name: String,
    /// `arn:aws:eks:<region>:<account>:nodegroup/<cluster>/<name>/<id>`.
    pub arn: String,
    /// The cluster it belongs to.
    pub cluster_name: String,
    /// Kubernetes minor version of its nodes.
    pub version: String,
    /// The AMI release (`1.32.9-20251120`).
    pub release_version: String,
    /// When `CreateNodegroup` was accepted.
    pub created_at: Timestamp,
    /// When it last changed.
    pub modified_at: Timestamp,
    /// Current status.
    pub status: NodegroupStatus,
    /// `ON_DEMAND`, `SPOT` or `CAPACITY_BLOCK`.
    pub capacity_type: String,
    /// How many nodes.
    pub scaling: ScalingConfig,
    /// EC2 instance types (`t3.medium` by default).
    pub instance_types: Vec<String>,
    /// Subnets its nodes get addresses in.
    pub subnets: Vec<String>,
    /// SSH access, if asked for.
    pub remote_access: Option<RemoteAccess>,
    /// `AL2023_x86_64_STANDARD`, `AL2_x86_64`, ...
    pub ami_type: String,
    /// The nodes' IAM role.
    pub node_role: String,
    /// Kubernetes labels EKS puts on its nodes.
    pub labels: BTreeMap<String, String>,
    /// Kubernetes taints EKS puts on its nodes.
    pub taints: Vec<Taint>,
    /// Root volume size in GiB (20 by default).
    pub disk_size: u32,
    /// How updates roll.
    pub update_config: UpdateConfig,
    /// A launch template, if given.
    pub launch_template: Option<LaunchTemplate>,
    /// The Auto Scaling group EKS made for it (`eks-<name>-<id>`).
    pub auto_scaling_group: String,
    /// The security group EKS made for SSH access, when `remoteAccess` was given.
    pub remote_access_security_group: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// The idempotency token of the create.
    pub client_request_token: Option<String>,
    /// The next status change, if one is under way.
    pub scheduled: Option<Scheduled<NodegroupStatus>>,
    /// Its updates by id (`UpdateNodegroupConfig`).
    pub updates: BTreeMap<String, Update>,
    /// The issue an injected fault reports once the scheduled change leaves the nodegroup
    /// `CREATE_FAILED` or `DELETE_FAILED`.
    #[serde(default)]
    pub health_issue: Option<HealthIssue>,
}

impl Nodegroup {
    /// How many nodes it runs.
    #[must_use]
    pub fn desired_size(&self) -> u32 {
        self.scaling.desired_size
    }
}

/// What `CreateNodegroup` asks for, decoded from the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewNodegroup {
    /// `nodegroupName`.
    pub name: String,
    /// `nodeRole`.
    pub node_role: String,
    /// `subnets`.
    pub subnets: Vec<String>,
    /// `scalingConfig`: all or none of its members.
    pub scaling: ScalingRequest,
    /// `diskSize`.
    pub disk_size: Option<i64>,
    /// `instanceTypes`.
    pub instance_types: Option<Vec<String>>,
    /// `amiType`.
    pub ami_type: Option<String>,
    /// `capacityType`.
    pub capacity_type: Option<String>,
    /// `remoteAccess`.
    pub remote_access: Option<RemoteAccess>,
    /// `labels`.
    pub labels: BTreeMap<String, String>,
    /// `taints`.
    pub taints: Vec<TaintRequest>,
    /// `updateConfig`.
    pub update_config: Option<UpdateConfig>,
    /// `launchTemplate`.
    pub launch_template: Option<LaunchTemplate>,
    /// `version`.
    pub version: Option<String>,
    /// `releaseVersion`.
    pub release_version: Option<String>,
    /// `clientRequestToken`.
    pub client_request_token: Option<String>,
    /// `tags`.
    pub tags: BTreeMap<String, String>,
}

/// The checked parts of a [`NewNodegroup`].
pub(super) struct Checked {
    scaling: ScalingConfig,
    taints: Vec<Taint>,
    disk_size: u32,
}

impl NewNodegroup {
    /// Whether this request is a retry of the one that made `existing`.
    fn is_retry_of(&self, existing: &Nodegroup) -> bool {
        self.client_request_token.is_some()
            && self.client_request_token == existing.client_request_token
            && existing.status != NodegroupStatus::Deleting
            && self.node_role == existing.node_role
            && self.subnets == existing.subnets
    }

    /// The checks that need only the request.
    pub(super) fn check(&self, cluster: &str) -> Result<Checked, EksError> {
        validate_name(&self.name, "nodegroupName")?;
        validate_role_arn(&self.node_role)?;
        if self.subnets.is_empty() {
            return Err(EksError::MissingParameter {
                parameter: "subnets",
            });
        }
        validate_tags(&self.tags)?;
        let invalid = |detail: String| EksError::InvalidNodegroupConfig {
            cluster: cluster.to_owned(),
            nodegroup: self.name.clone(),
            detail,
        };
        let scaling = if self.scaling.is_empty() {
            ScalingConfig::default()
        } else {
            let (Some(min), Some(max), Some(desired)) = (
                self.scaling.min_size,
                self.scaling.max_size,
                self.scaling.desired_size,
            ) else {
                // "When creating a node group, you must specify all or none of the properties."
                // (API reference; the error text is chosen here.)
                return Err(invalid(
                    "scalingConfig must specify all or none of minSize, maxSize and desiredSize"
                        .into(),
                ));
            };
            check_sizes(min, max, desired, SizeWording::Create).map_err(invalid)?
        };
        let disk_size = match self.disk_size {
            None => 20,
            Some(size) => u32::try_from(size)
                .ok()
                .filter(|s| *s >= 1)
                .ok_or_else(|| invalid("diskSize is not valid".into()))?,
        };
        if self.launch_template.is_some() && self.disk_size.is_some() {
            return Err(invalid(
                "Disk size must be specified within the launch template.".into(),
            ));
        }
        if self.launch_template.is_some() && self.remote_access.is_some() {
            return Err(invalid(
                "Remote access configuration cannot be specified with a launch template.".into(),
            ));
        }
        let taints = check_taints(&self.taints).map_err(invalid)?;
        Ok(Checked {
            scaling,
            taints,
            disk_size,
        })
    }
}

/// Which of EKS's two wordings a size error uses: `CreateNodegroup` names the members,
/// `UpdateNodegroupConfig` speaks of capacities and gives the numbers.
#[derive(Clone, Copy)]
enum SizeWording {
    Create,
    Update,
}

/// Checks `min ≤ desired ≤ max`, `min ≥ 0`, `max ≥ 1`.
fn check_sizes(
    min: i64,
    max: i64,
    desired: i64,
    wording: SizeWording,
) -> Result<ScalingConfig, String> {
    let as_u32 = |n: i64, name: &str, floor: i64| {
        u32::try_from(n)
            .ok()
            .filter(|_| n >= floor)
            .ok_or_else(|| format!("{name} is not valid"))
    };
    let min_size = as_u32(min, "minSize", 0)?;
    let max_size = as_u32(max, "maxSize", 1)?;
    let desired_size = as_u32(desired, "desiredSize", 0)?;
    if min_size > desired_size {
        return Err(match wording {
            SizeWording::Create => "minSize can't be greater than desiredSize".into(),
            SizeWording::Update => {
                format!(
                    "Minimum capacity {min_size} can't be greater than desired size {desired_size}"
                )
            }
        });
    }
    if desired_size > max_size {
        return Err(match wording {
            SizeWording::Create => "desiredSize can't be greater than maxSize".into(),
            SizeWording::Update => {
                format!("Desired capacity {desired_size} can't be greater than max size {max_size}")
            }
        });
    }
    Ok(ScalingConfig {
        min_size,
        max_size,
        desired_size,
    })
}

fn check_taints(taints: &[TaintRequest]) -> Result<Vec<Taint>, String> {
    taints
        .iter()
        .map(|t| {
            let key = t
                .key
                .clone()
                .filter(|k| !k.is_empty())
                .ok_or_else(|| "Taint key must be specified".to_owned())?;
            let effect = t
                .effect
                .as_deref()
                .and_then(TaintEffect::parse)
                .ok_or_else(|| {
                    format!(
                        "Taint effect {} is not valid; valid values are NO_SCHEDULE, NO_EXECUTE and PREFER_NO_SCHEDULE",
                        t.effect.as_deref().unwrap_or("(missing)")
                    )
                })?;
            Ok(Taint {
                key,
                value: t.value.clone(),
                effect,
            })
        })
        .collect()
}

/// What `UpdateNodegroupConfig` asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodegroupConfigChange {
    /// `scalingConfig`: any of its members.
    pub scaling: ScalingRequest,
    /// `labels.addOrUpdateLabels`.
    pub add_labels: BTreeMap<String, String>,
    /// `labels.removeLabels`.
    pub remove_labels: Vec<String>,
    /// `taints.addOrUpdateTaints`.
    pub add_taints: Vec<TaintRequest>,
    /// `taints.removeTaints`.
    pub remove_taints: Vec<TaintRequest>,
    /// `updateConfig`.
    pub update_config: Option<UpdateConfig>,
    /// `clientRequestToken`.
    pub client_request_token: Option<String>,
}

impl NodegroupConfigChange {
    fn is_empty(&self) -> bool {
        self.scaling.is_empty()
            && self.add_labels.is_empty()
            && self.remove_labels.is_empty()
            && self.add_taints.is_empty()
            && self.remove_taints.is_empty()
            && self.update_config.is_none()
    }
}

/// `Update.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UpdateStatus {
    /// Entered when the update is accepted; left for `Successful` after the update duration.
    InProgress,
    /// Finished (fault injection only).
    Failed,
    /// Abandoned (fault injection only).
    Cancelled,
    /// Finished.
    Successful,
}

impl UpdateStatus {
    /// As EKS spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "InProgress",
            Self::Failed => "Failed",
            Self::Cancelled => "Cancelled",
            Self::Successful => "Successful",
        }
    }
}

/// An update of a nodegroup (`DescribeUpdate`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Update {
    /// A v4-shaped UUID.
    pub id: String,
    /// Progress.
    pub status: UpdateStatus,
    /// `ConfigUpdate` for `UpdateNodegroupConfig`.
    pub kind: String,
    /// `(type, value)` pairs: `MinSize`, `MaxSize`, `DesiredSize`, `LabelsToAdd`, ...
    pub params: Vec<(String, String)>,
    /// When it was accepted.
    pub created_at: Timestamp,
    /// When it finishes.
    pub scheduled: Option<Scheduled<UpdateStatus>>,
}

impl Cluster {
    /// The cluster's nodegroups in name order.
    pub fn nodegroups(&self) -> impl Iterator<Item = &Nodegroup> {
        self.nodegroups.values()
    }

    /// `DescribeNodegroup`.
    ///
    /// # Errors
    ///
    /// [`EksError::NodegroupNotFound`].
    pub fn nodegroup(&self, name: &str) -> Result<&Nodegroup, EksError> {
        self.nodegroups
            .get(name)
            .ok_or_else(|| self.nodegroup_not_found(name))
    }

    fn nodegroup_not_found(&self, name: &str) -> EksError {
        EksError::NodegroupNotFound {
            cluster: self.name.clone(),
            nodegroup: name.to_owned(),
        }
    }

    /// `CreateNodegroup`: checks the request, then records a `CREATING` nodegroup that becomes
    /// `ACTIVE` after the create duration — or `CREATE_FAILED` with a health issue (naming its
    /// Auto Scaling group, as EKS's nodegroup issues do) when a `nodegroup` fault names it. A retry
    /// with the same token and parameters returns the existing nodegroup.
    ///
    /// # Errors
    ///
    /// The first rule broken, as EKS reports it.
    pub fn create_nodegroup(
        &mut self,
        env: &Env<'_>,
        ids: &mut IdGen,
        directory: &dyn Directory,
        faults: &mut Faults,
        new: NewNodegroup,
    ) -> Result<&Nodegroup, EksError> {
        let checked = new.check(&self.name)?;
        if self.status != ClusterStatus::Active {
            return Err(EksError::ClusterNotActive {
                cluster: self.name.clone(),
            });
        }
        if let Some(existing) = self.nodegroups.get(&new.name) {
            return if new.is_retry_of(existing) {
                Ok(&self.nodegroups[&new.name])
            } else {
                Err(EksError::NodegroupExists {
                    cluster: self.name.clone(),
                    nodegroup: new.name,
                })
            };
        }
        if directory.role(&new.node_role).is_none() {
            return Err(EksError::RoleNotFound {
                cluster: self.name.clone(),
                role: role_name(&new.node_role).to_owned(),
            });
        }
        self.subnets_in_vpc(directory, ids, &new.subnets)?;
        let version = match new.version {
            Some(v) if versions::find(&v).is_some() || v == self.version => v,
            Some(_) => return Err(EksError::UnsupportedVersion),
            None => self.version.clone(),
        };
        let release_version = new.release_version.unwrap_or_else(|| {
            let patch = versions::find(&version)
                .map_or_else(|| format!("{version}.0"), |v| v.patch.to_owned());
            format!("{patch}-{AMI_RELEASE_DATE}")
        });
        let ami_type = new
            .ami_type
            .unwrap_or_else(|| default_ami_type(&version).to_owned());
        let id = ids.eks_uuid();
        let remote_access_security_group = new.remote_access.as_ref().map(|_| ids.ec2_id("sg"));
        let auto_scaling_group = format!("eks-{}-{id}", new.name);
        let health_issue = injected_failure(
            faults,
            "nodegroup",
            &new.name,
            Phase::Create,
            &auto_scaling_group,
        );
        let end = if health_issue.is_some() {
            NodegroupStatus::CreateFailed
        } else {
            NodegroupStatus::Active
        };
        let nodegroup = Nodegroup {
            arn: format!(
                "arn:aws:eks:{}:{}:nodegroup/{}/{}/{id}",
                env.region, env.account, self.name, new.name
            ),
            auto_scaling_group,
            cluster_name: self.name.clone(),
            version,
            release_version,
            created_at: env.now,
            modified_at: env.now,
            status: NodegroupStatus::Creating,
            capacity_type: new.capacity_type.unwrap_or_else(|| "ON_DEMAND".into()),
            scaling: checked.scaling,
            instance_types: new
                .instance_types
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| vec!["t3.medium".into()]),
            subnets: new.subnets,
            remote_access: new.remote_access,
            ami_type,
            node_role: new.node_role,
            labels: new.labels,
            taints: checked.taints,
            disk_size: checked.disk_size,
            update_config: new.update_config.unwrap_or_default(),
            launch_template: new.launch_template,
            remote_access_security_group,
            tags: new.tags,
            client_request_token: new.client_request_token,
            scheduled: Some(Scheduled::after(
                env.now,
                env.timing,
                Transition::NodegroupCreate,
                Next::Become(end),
            )),
            updates: BTreeMap::new(),
            health_issue,
            name: new.name.clone(),
        };
        Ok(self.nodegroups.entry(new.name).or_insert(nodegroup))
    }

    /// `DeleteNodegroup`: the nodegroup goes `DELETING` (cancelling any create or update under way)
    /// and vanishes after the delete duration — or ends `DELETE_FAILED` with a health issue, still
    /// listed, when a `DELETE_FAILED` fault names it. Deleting one already `DELETING` answers with
    /// it unchanged.
    ///
    /// # Errors
    ///
    /// [`EksError::NodegroupNotFound`].
    pub fn delete_nodegroup(
        &mut self,
        env: &Env<'_>,
        faults: &mut Faults,
        name: &str,
    ) -> Result<&Nodegroup, EksError> {
        let not_found = self.nodegroup_not_found(name);
        let nodegroup = self.nodegroups.get_mut(name).ok_or(not_found)?;
        if nodegroup.status != NodegroupStatus::Deleting {
            nodegroup.health_issue = injected_failure(
                faults,
                "nodegroup",
                name,
                Phase::Delete,
                &nodegroup.auto_scaling_group,
            );
            let next = if nodegroup.health_issue.is_some() {
                Next::Become(NodegroupStatus::DeleteFailed)
            } else {
                Next::Vanish
            };
            nodegroup.status = NodegroupStatus::Deleting;
            nodegroup.modified_at = env.now;
            nodegroup.scheduled = Some(Scheduled::after(
                env.now,
                env.timing,
                Transition::NodegroupDelete,
                next,
            ));
        }
        Ok(nodegroup)
    }

    /// `UpdateNodegroupConfig`: applies the change to the nodegroup's configuration at once, puts
    /// the nodegroup `UPDATING` and records an `InProgress` update; both finish after the update
    /// duration.
    ///
    /// # Errors
    ///
    /// [`EksError::NodegroupNotFound`], [`EksError::InvalidNodegroupConfig`],
    /// [`EksError::NodegroupNotActive`].
    pub fn update_nodegroup_config(
        &mut self,
        env: &Env<'_>,
        ids: &mut IdGen,
        name: &str,
        change: &NodegroupConfigChange,
    ) -> Result<&Update, EksError> {
        let cluster = self.name.clone();
        let not_found = self.nodegroup_not_found(name);
        let nodegroup = self.nodegroups.get_mut(name).ok_or(not_found)?;
        let invalid = |detail: String| EksError::InvalidNodegroupConfig {
            cluster: cluster.clone(),
            nodegroup: name.to_owned(),
            detail,
        };
        if change.is_empty() {
            // Text chosen here.
            return Err(invalid(
                "No changes were requested for the nodegroup".into(),
            ));
        }
        let current = nodegroup.scaling;
        let scaling = check_sizes(
            change.scaling.min_size.unwrap_or(current.min_size.into()),
            change.scaling.max_size.unwrap_or(current.max_size.into()),
            change
                .scaling
                .desired_size
                .unwrap_or(current.desired_size.into()),
            SizeWording::Update,
        )
        .map_err(invalid)?;
        let add_taints = check_taints(&change.add_taints).map_err(invalid)?;
        if nodegroup.status != NodegroupStatus::Active {
            return Err(EksError::NodegroupNotActive {
                cluster,
                nodegroup: name.to_owned(),
                status: nodegroup.status.as_str(),
            });
        }
        let mut params = Vec::new();
        for (kind, value) in [
            ("MinSize", change.scaling.min_size),
            ("MaxSize", change.scaling.max_size),
            ("DesiredSize", change.scaling.desired_size),
        ] {
            if let Some(value) = value {
                params.push((kind.to_owned(), value.to_string()));
            }
        }
        nodegroup.scaling = scaling;
        if !change.add_labels.is_empty() {
            params.push(("LabelsToAdd".into(), json_text(&change.add_labels)));
            nodegroup.labels.extend(change.add_labels.clone());
        }
        if !change.remove_labels.is_empty() {
            params.push(("LabelsToRemove".into(), json_text(&change.remove_labels)));
            nodegroup
                .labels
                .retain(|k, _| !change.remove_labels.contains(k));
        }
        if !add_taints.is_empty() {
            params.push(("TaintsToAdd".into(), taints_text(&add_taints)));
            for taint in add_taints {
                nodegroup.taints.retain(|t| t.key != taint.key);
                nodegroup.taints.push(taint);
            }
        }
        if !change.remove_taints.is_empty() {
            let keys: Vec<&str> = change
                .remove_taints
                .iter()
                .filter_map(|t| t.key.as_deref())
                .collect();
            params.push(("TaintsToRemove".into(), json_text(&keys)));
            nodegroup.taints.retain(|t| !keys.contains(&t.key.as_str()));
        }
        if let Some(config) = change.update_config {
            let (kind, value) = match config {
                UpdateConfig::MaxUnavailable(n) => ("MaxUnavailable", n),
                UpdateConfig::MaxUnavailablePercentage(n) => ("MaxUnavailablePercentage", n),
            };
            params.push((kind.into(), value.to_string()));
            nodegroup.update_config = config;
        }
        nodegroup.status = NodegroupStatus::Updating;
        nodegroup.modified_at = env.now;
        nodegroup.scheduled = Some(Scheduled::after(
            env.now,
            env.timing,
            Transition::NodegroupUpdate,
            Next::Become(NodegroupStatus::Active),
        ));
        let update = Update {
            id: ids.uuid_v4(),
            status: UpdateStatus::InProgress,
            kind: "ConfigUpdate".into(),
            params,
            created_at: env.now,
            scheduled: Some(Scheduled::after(
                env.now,
                env.timing,
                Transition::NodegroupUpdate,
                Next::Become(UpdateStatus::Successful),
            )),
        };
        let id = update.id.clone();
        Ok(nodegroup.updates.entry(id).or_insert(update))
    }

    /// `DescribeUpdate`: an update of the nodegroup `nodegroup`, or of the cluster itself when
    /// `None` (the cluster has none yet).
    ///
    /// # Errors
    ///
    /// [`EksError::NodegroupNotFound`], [`EksError::UpdateNotFound`].
    pub fn update(&self, nodegroup: Option<&str>, id: &str) -> Result<&Update, EksError> {
        let not_found = || EksError::UpdateNotFound {
            cluster: self.name.clone(),
            update: id.to_owned(),
        };
        match nodegroup {
            Some(name) => self.nodegroup(name)?.updates.get(id).ok_or_else(not_found),
            None => Err(not_found()),
        }
    }

    /// `ListUpdates`: the ids of the nodegroup's updates (or the cluster's), ascending.
    ///
    /// # Errors
    ///
    /// [`EksError::NodegroupNotFound`].
    pub fn update_ids(&self, nodegroup: Option<&str>) -> Result<Vec<String>, EksError> {
        match nodegroup {
            Some(name) => Ok(self.nodegroup(name)?.updates.keys().cloned().collect()),
            None => Ok(Vec::new()),
        }
    }

    /// Applies the nodegroups' (and their updates') transitions due at `now`; finished deletions
    /// disappear.
    pub(super) fn advance_nodegroups(&mut self, now: Timestamp) {
        self.nodegroups.retain(|_, nodegroup| {
            for update in nodegroup.updates.values_mut() {
                lifecycle::advance(&mut update.status, &mut update.scheduled, now);
            }
            lifecycle::advance(&mut nodegroup.status, &mut nodegroup.scheduled, now)
                != Advanced::Vanished
        });
    }
}

/// The AMI type EKS picks when none is given: Amazon Linux 2023 from Kubernetes 1.30, Amazon Linux 2
/// before.
fn default_ami_type(version: &str) -> &'static str {
    let minor = version
        .split('.')
        .nth(1)
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(0);
    if minor >= 30 {
        "AL2023_x86_64_STANDARD"
    } else {
        "AL2_x86_64"
    }
}

fn json_text(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Taints as the update's `TaintsToAdd` parameter spells them (the EKS JSON shape).
fn taints_text(taints: &[Taint]) -> String {
    #[derive(Serialize)]
    struct Wire<'a> {
        key: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<&'a str>,
        effect: &'static str,
    }
    let wire: Vec<Wire<'_>> = taints
        .iter()
        .map(|t| Wire {
            key: &t.key,
            value: t.value.as_deref(),
            effect: t.effect.as_str(),
        })
        .collect();
    json_text(&wire)
}

#[cfg(test)]
mod tests {
    use super::super::fake::{
        mask_request_id, Fixture, CLUSTER, MISSING_ROLE, NODE_ROLE, OTHER_VPC, PRIVATE_A,
        PRIVATE_B, PUBLIC_A,
    };
    use super::*;

    fn nodegroup(name: &str) -> NewNodegroup {
        NewNodegroup {
            name: name.into(),
            node_role: NODE_ROLE.into(),
            subnets: vec![PRIVATE_A.into(), PUBLIC_A.into()],
            ..NewNodegroup::default()
        }
    }

    fn sizes(min: i64, max: i64, desired: i64) -> ScalingRequest {
        ScalingRequest {
            min_size: Some(min),
            max_size: Some(max),
            desired_size: Some(desired),
        }
    }

    fn create(f: &mut Fixture, new: NewNodegroup) -> Result<Nodegroup, EksError> {
        let env = f.env();
        f.eks
            .create_nodegroup(&env, &mut f.ids, &f.dir, &mut f.faults, CLUSTER, new)
            .cloned()
    }

    fn update(
        f: &mut Fixture,
        name: &str,
        change: &NodegroupConfigChange,
    ) -> Result<Update, EksError> {
        let env = f.env();
        f.eks
            .cluster_mut(CLUSTER)?
            .update_nodegroup_config(&env, &mut f.ids, name, change)
            .cloned()
    }

    fn status(f: &Fixture, name: &str) -> Option<NodegroupStatus> {
        f.eks.clusters[CLUSTER]
            .nodegroups
            .get(name)
            .map(|n| n.status)
    }

    fn with_active_nodegroup(f: &mut Fixture) {
        create(f, nodegroup("ng-a")).unwrap();
        f.pass(180);
    }

    fn nothing(_: &mut Fixture) {}

    #[test]
    fn create_nodegroup_enforces_every_rule() {
        let with = |f: fn(&mut NewNodegroup)| {
            let mut new = nodegroup("ng-new");
            f(&mut new);
            new
        };
        type Row = (
            &'static str,
            fn(&mut Fixture),
            NewNodegroup,
            &'static str,
            &'static str,
        );
        let rows: Vec<Row> = vec![
            (
                "a name with a space",
                nothing,
                nodegroup("ng new"),
                "InvalidParameterException",
                "The nodegroupName parameter contains invalid characters. It should conform to the regular expression \"^[0-9A-Za-z][A-Za-z0-9-_]*\"In other words, it should start with a number or letter, and can contain numbers, letters, dashes, and underscores.",
            ),
            (
                "no subnets",
                nothing,
                with(|n| n.subnets.clear()),
                "InvalidParameterException",
                "subnets is a required parameter.",
            ),
            (
                "a node role ARN that does not parse",
                nothing,
                with(|n| n.node_role = "node".into()),
                "InvalidParameterException",
                "Invalid Role Arn: 'node'",
            ),
            (
                "part of a scaling config",
                nothing,
                with(|n| n.scaling.desired_size = Some(3)),
                "InvalidParameterException",
                "scalingConfig must specify all or none of minSize, maxSize and desiredSize",
            ),
            (
                "minSize over desiredSize",
                nothing,
                with(|n| n.scaling = sizes(3, 5, 2)),
                "InvalidParameterException",
                "minSize can't be greater than desiredSize",
            ),
            (
                "desiredSize over maxSize",
                nothing,
                with(|n| n.scaling = sizes(1, 2, 3)),
                "InvalidParameterException",
                "desiredSize can't be greater than maxSize",
            ),
            (
                "a negative desiredSize",
                nothing,
                with(|n| n.scaling = sizes(0, 2, -1)),
                "InvalidParameterException",
                "desiredSize is not valid",
            ),
            (
                "a maxSize of zero",
                nothing,
                with(|n| n.scaling = sizes(0, 0, 0)),
                "InvalidParameterException",
                "maxSize is not valid",
            ),
            (
                "a taint with an unknown effect",
                nothing,
                with(|n| {
                    n.taints = vec![TaintRequest {
                        key: Some("k".into()),
                        value: None,
                        effect: Some("NoSchedule".into()),
                    }]
                }),
                "InvalidParameterException",
                "Taint effect NoSchedule is not valid; valid values are NO_SCHEDULE, NO_EXECUTE and PREFER_NO_SCHEDULE",
            ),
            (
                "a cluster that is not ACTIVE",
                |f| {
                    let env = f.env();
                    f.eks.delete_cluster(&env, &mut f.faults, CLUSTER).unwrap();
                },
                nodegroup("ng-new"),
                "InvalidRequestException",
                "Cluster 'c1' is not in ACTIVE status",
            ),
            (
                "a name already taken",
                with_active_nodegroup,
                nodegroup("ng-a"),
                "ResourceInUseException",
                "NodeGroup already exists with name ng-a and cluster name c1",
            ),
            (
                "a node role that does not exist",
                nothing,
                with(|n| n.node_role = MISSING_ROLE.into()),
                "InvalidParameterException",
                "The role with name missing cannot be found.",
            ),
            (
                "a subnet that does not exist",
                nothing,
                with(|n| n.subnets = vec!["subnet-nope".into()]),
                "InvalidParameterException",
                "The subnet ID 'subnet-nope' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidSubnetID.NotFound; Request ID: <request-id>; Proxy: null)",
            ),
        ];
        for (why, setup, new, code, message) in rows {
            let mut f = Fixture::active_cluster();
            setup(&mut f);
            let before = f.eks.clusters[CLUSTER].nodegroups.len();
            let err = create(&mut f, new).expect_err(why);
            assert_eq!(
                (err.code(), mask_request_id(&err.to_string()).as_str()),
                (code, message),
                "{why}"
            );
            assert_eq!(f.eks.clusters[CLUSTER].nodegroups.len(), before, "{why}");
        }
        let mut f = Fixture::active_cluster();
        let vpc = f.eks.clusters[CLUSTER].vpc.vpc_id.clone();
        let err = create(&mut f, with(|n| n.subnets = vec![OTHER_VPC.into()])).unwrap_err();
        assert_eq!(
            (err.code(), err.to_string()),
            (
                "InvalidParameterException",
                format!("Specified subnets must belong to cluster's vpc {vpc}")
            ),
            "a subnet in another VPC"
        );
    }

    #[test]
    fn a_nodegroup_gets_eks_defaults() {
        let mut f = Fixture::active_cluster();
        let ng = create(&mut f, nodegroup("ng-a")).unwrap();
        assert_eq!(ng.status, NodegroupStatus::Creating);
        assert_eq!(
            ng.scaling,
            ScalingConfig {
                min_size: 2,
                max_size: 2,
                desired_size: 2
            }
        );
        assert_eq!(ng.disk_size, 20);
        assert_eq!(ng.instance_types, ["t3.medium"]);
        assert_eq!(ng.ami_type, "AL2023_x86_64_STANDARD");
        assert_eq!(ng.capacity_type, "ON_DEMAND");
        assert_eq!(ng.version, "1.32");
        assert_eq!(ng.release_version, "1.32.9-20251120");
        assert_eq!(ng.update_config, UpdateConfig::MaxUnavailable(1));
        let prefix = "arn:aws:eks:us-east-1:123456789012:nodegroup/c1/ng-a/";
        assert!(ng.arn.starts_with(prefix), "{}", ng.arn);
        let id = &ng.arn[prefix.len()..];
        assert_eq!(ng.auto_scaling_group, format!("eks-ng-a-{id}"));
    }

    #[test]
    fn injected_faults_fail_a_nodegroup_create_and_delete_with_a_health_issue() {
        let mut f = Fixture::active_cluster();
        f.inject(
            serde_json::json!({"service":"eks","resource":"nodegroup","name":"ng-a",
            "fail":"CREATE_FAILED","healthIssue":{"code":"AsgInstanceLaunchFailures",
            "message":"no capacity"}}),
        );
        f.inject(
            serde_json::json!({"service":"eks","resource":"nodegroup","name":"ng-a",
            "fail":"DELETE_FAILED","healthIssue":{"code":"InternalFailure","message":"stuck"},
            "count":1}),
        );
        let asg = create(&mut f, nodegroup("ng-a"))
            .unwrap()
            .auto_scaling_group;
        f.pass(180);
        let failed = f.eks.clusters[CLUSTER].nodegroups["ng-a"].clone();
        assert_eq!(failed.status, NodegroupStatus::CreateFailed);
        assert_eq!(
            failed.health_issue,
            Some(HealthIssue {
                code: "AsgInstanceLaunchFailures".into(),
                message: "no capacity".into(),
                resource_ids: vec![asg],
            })
        );
        create(&mut f, nodegroup("ng-b")).unwrap();
        f.pass(180);
        assert_eq!(
            status(&f, "ng-b"),
            Some(NodegroupStatus::Active),
            "other names go on"
        );
        let env = f.env();
        let cluster = f.eks.cluster_mut(CLUSTER).unwrap();
        cluster
            .delete_nodegroup(&env, &mut f.faults, "ng-a")
            .unwrap();
        f.pass(240);
        assert_eq!(status(&f, "ng-a"), Some(NodegroupStatus::DeleteFailed));
        let issue = f.eks.clusters[CLUSTER].nodegroups["ng-a"]
            .health_issue
            .clone();
        assert_eq!(issue.map(|i| i.message), Some("stuck".to_owned()));
        let env = f.env();
        let cluster = f.eks.cluster_mut(CLUSTER).unwrap();
        cluster
            .delete_nodegroup(&env, &mut f.faults, "ng-a")
            .unwrap();
        f.pass(240);
        assert_eq!(status(&f, "ng-a"), None, "the delete rule was used up");
    }

    #[test]
    fn a_nodegroup_is_creating_then_active_then_deleting_then_gone() {
        let mut f = Fixture::active_cluster();
        create(&mut f, nodegroup("ng-a")).unwrap();
        f.pass(179);
        assert_eq!(status(&f, "ng-a"), Some(NodegroupStatus::Creating));
        f.pass(1);
        assert_eq!(status(&f, "ng-a"), Some(NodegroupStatus::Active));
        let env = f.env();
        let cluster = f.eks.cluster_mut(CLUSTER).unwrap();
        assert_eq!(
            cluster
                .delete_nodegroup(&env, &mut f.faults, "ng-a")
                .unwrap()
                .status,
            NodegroupStatus::Deleting
        );
        assert_eq!(
            cluster
                .delete_nodegroup(&env, &mut f.faults, "ng-a")
                .unwrap()
                .status,
            NodegroupStatus::Deleting,
            "deleting again answers with it unchanged"
        );
        f.pass(239);
        assert_eq!(status(&f, "ng-a"), Some(NodegroupStatus::Deleting));
        f.pass(1);
        assert_eq!(status(&f, "ng-a"), None);
        assert_eq!(
            f.eks.clusters[CLUSTER]
                .nodegroup("ng-a")
                .unwrap_err()
                .to_string(),
            "No node group found for name: ng-a."
        );
    }

    #[test]
    fn a_cluster_with_a_nodegroup_cannot_be_deleted() {
        let mut f = Fixture::active_cluster();
        create(&mut f, nodegroup("ng-a")).unwrap();
        let env = f.env();
        let err = f
            .eks
            .delete_cluster(&env, &mut f.faults, CLUSTER)
            .unwrap_err();
        assert_eq!(
            (err.code(), err.to_string().as_str()),
            ("ResourceInUseException", "Cluster has nodegroups attached")
        );
    }

    #[test]
    fn a_scaling_update_runs_for_a_minute_and_is_listed() {
        let mut f = Fixture::active_cluster();
        with_active_nodegroup(&mut f);
        let change = NodegroupConfigChange {
            scaling: ScalingRequest {
                desired_size: Some(1),
                min_size: Some(1),
                max_size: None,
            },
            ..NodegroupConfigChange::default()
        };
        let update = update(&mut f, "ng-a", &change).unwrap();
        assert_eq!(update.status, UpdateStatus::InProgress);
        assert_eq!(update.kind, "ConfigUpdate");
        assert_eq!(
            update.params,
            [
                ("MinSize".to_owned(), "1".to_owned()),
                ("DesiredSize".to_owned(), "1".to_owned())
            ]
        );
        let cluster = &f.eks.clusters[CLUSTER];
        assert_eq!(cluster.nodegroups["ng-a"].desired_size(), 1);
        assert_eq!(status(&f, "ng-a"), Some(NodegroupStatus::Updating));
        assert_eq!(
            cluster.update_ids(Some("ng-a")).unwrap(),
            std::slice::from_ref(&update.id)
        );
        assert_eq!(cluster.update_ids(None).unwrap(), Vec::<String>::new());
        f.pass(60);
        assert_eq!(status(&f, "ng-a"), Some(NodegroupStatus::Active));
        let cluster = &f.eks.clusters[CLUSTER];
        assert_eq!(
            cluster.update(Some("ng-a"), &update.id).unwrap().status,
            UpdateStatus::Successful
        );
        assert_eq!(
            cluster.update(None, &update.id).unwrap_err().to_string(),
            format!("No update found for ID: {}.", update.id),
            "a nodegroup's update is not the cluster's"
        );
    }

    #[test]
    fn update_nodegroup_config_enforces_its_rules() {
        let scaling = |s: ScalingRequest| NodegroupConfigChange {
            scaling: s,
            ..NodegroupConfigChange::default()
        };
        let desired = |n| {
            scaling(ScalingRequest {
                desired_size: Some(n),
                ..ScalingRequest::default()
            })
        };
        type Row = (
            &'static str,
            fn(&mut Fixture),
            &'static str,
            NodegroupConfigChange,
            &'static str,
            &'static str,
        );
        let rows: Vec<Row> = vec![
            (
                "a nodegroup that does not exist",
                nothing,
                "ng-x",
                desired(1),
                "ResourceNotFoundException",
                "No node group found for name: ng-x.",
            ),
            (
                "nothing to change",
                with_active_nodegroup,
                "ng-a",
                NodegroupConfigChange::default(),
                "InvalidParameterException",
                "No changes were requested for the nodegroup",
            ),
            (
                "a minimum over the desired size",
                with_active_nodegroup,
                "ng-a",
                scaling(ScalingRequest {
                    min_size: Some(3),
                    max_size: Some(5),
                    desired_size: None,
                }),
                "InvalidParameterException",
                "Minimum capacity 3 can't be greater than desired size 2",
            ),
            (
                "a desired size over the maximum",
                with_active_nodegroup,
                "ng-a",
                desired(3),
                "InvalidParameterException",
                "Desired capacity 3 can't be greater than max size 2",
            ),
            (
                "a nodegroup still CREATING",
                |f| {
                    create(f, nodegroup("ng-a")).unwrap();
                },
                "ng-a",
                scaling(ScalingRequest {
                    max_size: Some(3),
                    ..ScalingRequest::default()
                }),
                "ResourceInUseException",
                "Nodegroup ng-a cannot be updated because it is currently in status CREATING",
            ),
        ];
        for (why, setup, name, change, code, message) in rows {
            let mut f = Fixture::active_cluster();
            setup(&mut f);
            let err = update(&mut f, name, &change).expect_err(why);
            assert_eq!(
                (err.code(), err.to_string().as_str()),
                (code, message),
                "{why}"
            );
        }
    }

    #[test]
    fn labels_and_taints_change_through_an_update() {
        let mut f = Fixture::active_cluster();
        let mut new = nodegroup("ng-a");
        new.labels = BTreeMap::from([("a".to_owned(), "1".to_owned())]);
        create(&mut f, new).unwrap();
        f.pass(180);
        let change = NodegroupConfigChange {
            add_labels: BTreeMap::from([("b".to_owned(), "2".to_owned())]),
            remove_labels: vec!["a".into()],
            add_taints: vec![TaintRequest {
                key: Some("dedicated".into()),
                value: Some("gpu".into()),
                effect: Some("NO_SCHEDULE".into()),
            }],
            ..NodegroupConfigChange::default()
        };
        let update = update(&mut f, "ng-a", &change).unwrap();
        assert_eq!(
            update.params,
            [
                ("LabelsToAdd".to_owned(), r#"{"b":"2"}"#.to_owned()),
                ("LabelsToRemove".to_owned(), r#"["a"]"#.to_owned()),
                (
                    "TaintsToAdd".to_owned(),
                    r#"[{"key":"dedicated","value":"gpu","effect":"NO_SCHEDULE"}]"#.to_owned()
                ),
            ]
        );
        let ng = &f.eks.clusters[CLUSTER].nodegroups["ng-a"];
        assert_eq!(
            ng.labels,
            BTreeMap::from([("b".to_owned(), "2".to_owned())])
        );
        assert_eq!(ng.taints[0].effect.kubernetes(), "NoSchedule");
    }

    #[test]
    fn nodegroups_read_in_name_order() {
        let mut f = Fixture::active_cluster();
        for name in ["ng-b", "ng-a"] {
            let mut new = nodegroup(name);
            new.subnets = vec![PRIVATE_B.into()];
            create(&mut f, new).unwrap();
        }
        let names: Vec<&str> = f.eks.clusters[CLUSTER]
            .nodegroups()
            .map(|n| n.name.as_str())
            .collect();
        assert_eq!(names, ["ng-a", "ng-b"]);
    }
}
