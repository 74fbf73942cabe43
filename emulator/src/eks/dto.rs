//! EKS wire shapes (restJson1, camelCase as the EKS model spells them) and their conversions from
//! the models. Timestamps are epoch seconds with milliseconds; absent members are left out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use fargate_selector::Selector;

use super::model::{
    Cluster, ClusterStatus, FargateProfile, LaunchTemplate, NewCluster, NewFargateProfile,
    NewNodegroup, Nodegroup, NodegroupConfigChange, NodegroupStatus, RemoteAccess, ScalingRequest,
    TaintRequest, Update, UpdateConfig,
};
use super::versions::KubernetesVersion;

/// Every control-plane log type, in the order EKS lists them.
pub const LOG_TYPES: [&str; 5] = [
    "api",
    "audit",
    "authenticator",
    "controllerManager",
    "scheduler",
];

/// `CreateCluster` input.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateClusterRequest {
    pub name: Option<String>,
    pub version: Option<String>,
    pub role_arn: Option<String>,
    pub resources_vpc_config: Option<VpcConfigRequest>,
    pub kubernetes_network_config: Option<KubernetesNetworkConfigRequest>,
    pub logging: Option<Logging>,
    pub client_request_token: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub access_config: Option<AccessConfigRequest>,
    pub upgrade_policy: Option<UpgradePolicy>,
}

/// `resourcesVpcConfig` as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VpcConfigRequest {
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    pub endpoint_public_access: Option<bool>,
    pub endpoint_private_access: Option<bool>,
    pub public_access_cidrs: Option<Vec<String>>,
}

/// `kubernetesNetworkConfig` as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubernetesNetworkConfigRequest {
    pub service_ipv4_cidr: Option<String>,
    pub ip_family: Option<String>,
}

/// `accessConfig` as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessConfigRequest {
    pub bootstrap_cluster_creator_admin_permissions: Option<bool>,
    pub authentication_mode: Option<String>,
}

/// `upgradePolicy`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradePolicy {
    pub support_type: Option<String>,
}

/// `logging`: `{"clusterLogging": [{"types": [...], "enabled": bool}]}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Logging {
    #[serde(default)]
    pub cluster_logging: Vec<LogSetup>,
}

/// One `clusterLogging` entry.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LogSetup {
    #[serde(default)]
    pub types: Vec<String>,
    #[serde(default)]
    pub enabled: bool,
}

impl Logging {
    /// The log types this setting enables.
    #[must_use]
    pub fn enabled_types(&self) -> Vec<String> {
        let mut enabled: Vec<String> = self
            .cluster_logging
            .iter()
            .filter(|s| s.enabled)
            .flat_map(|s| s.types.clone())
            .collect();
        enabled.sort_by_key(|t| LOG_TYPES.iter().position(|k| k == t));
        enabled.dedup();
        enabled
    }

    /// The setting as EKS reports it: the enabled types, then the disabled ones.
    #[must_use]
    pub fn reported(enabled: &[String]) -> Self {
        let disabled: Vec<String> = LOG_TYPES
            .iter()
            .filter(|t| !enabled.iter().any(|e| e == *t))
            .map(|t| (*t).to_owned())
            .collect();
        let mut cluster_logging = Vec::new();
        if !enabled.is_empty() {
            cluster_logging.push(LogSetup {
                types: enabled.to_vec(),
                enabled: true,
            });
        }
        if !disabled.is_empty() {
            cluster_logging.push(LogSetup {
                types: disabled,
                enabled: false,
            });
        }
        Self { cluster_logging }
    }
}

impl CreateClusterRequest {
    /// The model's input. Required members left out come back as the name of the first one missing.
    pub fn into_new_cluster(self) -> Result<NewCluster, &'static str> {
        let name = self.name.ok_or("name")?;
        let role_arn = self.role_arn.ok_or("roleArn")?;
        let vpc = self.resources_vpc_config.ok_or("resourcesVpcConfig")?;
        let network = self.kubernetes_network_config.unwrap_or_default();
        let access = self.access_config.unwrap_or_default();
        Ok(NewCluster {
            name,
            version: self.version,
            role_arn,
            subnet_ids: vpc.subnet_ids,
            security_group_ids: vpc.security_group_ids,
            endpoint_public_access: vpc.endpoint_public_access,
            endpoint_private_access: vpc.endpoint_private_access,
            public_access_cidrs: vpc.public_access_cidrs,
            service_ipv4_cidr: network.service_ipv4_cidr,
            ip_family: network.ip_family,
            enabled_log_types: self.logging.unwrap_or_default().enabled_types(),
            authentication_mode: access.authentication_mode,
            bootstrap_cluster_creator_admin_permissions: access
                .bootstrap_cluster_creator_admin_permissions,
            support_type: self.upgrade_policy.and_then(|p| p.support_type),
            client_request_token: self.client_request_token,
            tags: self.tags.unwrap_or_default(),
        })
    }
}

/// `{"cluster": Cluster}`, the output of Create/Describe/DeleteCluster.
#[derive(Debug, Serialize)]
pub struct ClusterResponse {
    pub cluster: ClusterDto,
}

/// The `Cluster` shape.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterDto {
    pub name: String,
    pub arn: String,
    pub created_at: f64,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    pub role_arn: String,
    pub resources_vpc_config: VpcConfigResponse,
    pub kubernetes_network_config: KubernetesNetworkConfigResponse,
    pub logging: Logging,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    pub status: &'static str,
    pub certificate_authority: CertificateAuthorityDto,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_request_token: Option<String>,
    pub platform_version: String,
    pub tags: BTreeMap<String, String>,
    pub health: Health,
    pub access_config: AccessConfigResponse,
    pub upgrade_policy: UpgradePolicy,
}

/// `resourcesVpcConfig` as reported.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VpcConfigResponse {
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub cluster_security_group_id: String,
    pub vpc_id: String,
    pub endpoint_public_access: bool,
    pub endpoint_private_access: bool,
    pub public_access_cidrs: Vec<String>,
}

/// `kubernetesNetworkConfig` as reported.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KubernetesNetworkConfigResponse {
    pub service_ipv4_cidr: String,
    pub ip_family: String,
}

/// `identity`.
#[derive(Debug, Serialize)]
pub struct Identity {
    pub oidc: Oidc,
}

/// `identity.oidc`.
#[derive(Debug, Serialize)]
pub struct Oidc {
    pub issuer: String,
}

/// `certificateAuthority`: `{}` until the cluster is ACTIVE.
#[derive(Debug, Serialize)]
pub struct CertificateAuthorityDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

/// `health`.
#[derive(Debug, Serialize, Default)]
pub struct Health {
    pub issues: Vec<HealthIssue>,
}

impl Health {
    /// The health of a resource: its issue while it is in a failed state, else none.
    #[must_use]
    pub fn reported(failed: bool, issue: Option<&super::model::HealthIssue>) -> Self {
        Self {
            issues: issue
                .filter(|_| failed)
                .map(|i| HealthIssue {
                    code: i.code.clone(),
                    message: i.message.clone(),
                    resource_ids: i.resource_ids.clone(),
                })
                .into_iter()
                .collect(),
        }
    }
}

/// `health.issues[]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct HealthIssue {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_ids: Vec<String>,
}

/// `accessConfig` as reported.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessConfigResponse {
    pub authentication_mode: String,
}

impl ClusterDto {
    /// The shape of `cluster`. `endpoint` and `ca_data` are what the cluster serves once ACTIVE; they
    /// and the OIDC issuer are left out while it is being created, as real EKS does.
    #[must_use]
    pub fn new(cluster: &Cluster, region: &str, endpoint: String, ca_data: &str) -> Self {
        let serving = !matches!(
            cluster.status,
            ClusterStatus::Creating | ClusterStatus::Failed
        );
        Self {
            name: cluster.name.clone(),
            arn: cluster.arn.clone(),
            created_at: cluster.created_at.epoch_seconds(),
            version: cluster.version.clone(),
            endpoint: serving.then_some(endpoint),
            role_arn: cluster.role_arn.clone(),
            resources_vpc_config: VpcConfigResponse {
                subnet_ids: cluster.vpc.subnet_ids.clone(),
                security_group_ids: cluster.vpc.security_group_ids.clone(),
                cluster_security_group_id: cluster.vpc.cluster_security_group_id.clone(),
                vpc_id: cluster.vpc.vpc_id.clone(),
                endpoint_public_access: cluster.vpc.endpoint_public_access,
                endpoint_private_access: cluster.vpc.endpoint_private_access,
                public_access_cidrs: cluster.vpc.public_access_cidrs.clone(),
            },
            kubernetes_network_config: KubernetesNetworkConfigResponse {
                service_ipv4_cidr: cluster.service_ipv4_cidr.clone(),
                ip_family: cluster.ip_family.clone(),
            },
            logging: Logging::reported(&cluster.enabled_log_types),
            identity: serving.then(|| Identity {
                oidc: Oidc {
                    issuer: format!(
                        "https://oidc.eks.{region}.amazonaws.com/id/{}",
                        cluster.endpoint_id
                    ),
                },
            }),
            status: cluster.status.as_str(),
            certificate_authority: CertificateAuthorityDto {
                data: serving.then(|| ca_data.to_owned()),
            },
            client_request_token: cluster.client_request_token.clone(),
            platform_version: cluster.platform_version.clone(),
            tags: cluster.tags.clone(),
            health: Health::reported(
                cluster.status == ClusterStatus::Failed,
                cluster.health_issue.as_ref(),
            ),
            access_config: AccessConfigResponse {
                authentication_mode: cluster.authentication_mode.clone(),
            },
            upgrade_policy: UpgradePolicy {
                support_type: Some(cluster.support_type.clone()),
            },
        }
    }
}

/// `ListClusters` output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListClustersResponse {
    pub clusters: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `DescribeClusterVersions` output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeClusterVersionsResponse {
    pub cluster_versions: Vec<ClusterVersionDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// One `ClusterVersionInformation`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterVersionDto {
    pub cluster_version: &'static str,
    pub cluster_type: &'static str,
    pub default_platform_version: &'static str,
    pub default_version: bool,
    pub release_date: i64,
    pub end_of_standard_support_date: i64,
    pub end_of_extended_support_date: i64,
    pub status: &'static str,
    pub version_status: &'static str,
    pub kubernetes_patch_version: &'static str,
}

impl ClusterVersionDto {
    /// The shape of one offered version.
    #[must_use]
    pub fn new(v: &KubernetesVersion, is_default: bool) -> Self {
        Self {
            cluster_version: v.version,
            cluster_type: "eks",
            default_platform_version: v.platform_version,
            default_version: is_default,
            release_date: v.release_date,
            end_of_standard_support_date: v.end_of_standard_support,
            end_of_extended_support_date: v.end_of_extended_support,
            status: v.status,
            version_status: v.status,
            kubernetes_patch_version: v.patch,
        }
    }
}

/// `TagResource` input.
#[derive(Debug, Deserialize)]
pub struct TagResourceRequest {
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// `ListTagsForResource` output.
#[derive(Debug, Serialize)]
pub struct TagsResponse {
    pub tags: BTreeMap<String, String>,
}

/// The empty object Tag/UntagResource answer with.
#[derive(Debug, Serialize)]
pub struct Empty {}

// ---- Fargate profiles ----

/// `CreateFargateProfile` input (the cluster name is in the path).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateFargateProfileRequest {
    pub fargate_profile_name: Option<String>,
    pub pod_execution_role_arn: Option<String>,
    pub subnets: Option<Vec<String>>,
    pub selectors: Option<Vec<Selector>>,
    pub client_request_token: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
}

impl CreateFargateProfileRequest {
    /// The model's input. Required members left out come back as the name of the first one missing.
    pub fn into_new_profile(self) -> Result<NewFargateProfile, &'static str> {
        Ok(NewFargateProfile {
            name: self.fargate_profile_name.ok_or("fargateProfileName")?,
            pod_execution_role_arn: self.pod_execution_role_arn.ok_or("podExecutionRoleArn")?,
            subnets: self.subnets.unwrap_or_default(),
            selectors: self.selectors.unwrap_or_default(),
            client_request_token: self.client_request_token,
            tags: self.tags.unwrap_or_default(),
        })
    }
}

/// `{"fargateProfile": FargateProfile}`, the output of Create/Describe/DeleteFargateProfile.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FargateProfileResponse {
    pub fargate_profile: FargateProfileDto,
}

/// The `FargateProfile` shape. `tags` is always present; a selector without labels has no `labels`
/// key; `health` is left out, as in the real captures (reference §1.3), except on a failed profile,
/// which reports its issue there.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FargateProfileDto {
    pub fargate_profile_name: String,
    pub fargate_profile_arn: String,
    pub cluster_name: String,
    pub created_at: f64,
    pub pod_execution_role_arn: String,
    pub subnets: Vec<String>,
    pub selectors: Vec<Selector>,
    pub status: &'static str,
    pub tags: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<Health>,
}

impl From<&FargateProfile> for FargateProfileDto {
    fn from(p: &FargateProfile) -> Self {
        Self {
            fargate_profile_name: p.name.clone(),
            fargate_profile_arn: p.arn.clone(),
            cluster_name: p.cluster_name.clone(),
            created_at: p.created_at.epoch_seconds(),
            pod_execution_role_arn: p.pod_execution_role_arn.clone(),
            subnets: p.subnets.clone(),
            selectors: p.selectors.clone(),
            status: p.status.as_str(),
            tags: p.tags.clone(),
            health: matches!(
                p.status,
                fargate_selector::ProfileStatus::CreateFailed
                    | fargate_selector::ProfileStatus::DeleteFailed
            )
            .then(|| Health::reported(true, p.health_issue.as_ref())),
        }
    }
}

/// `ListFargateProfiles` output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListFargateProfilesResponse {
    pub fargate_profile_names: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

// ---- nodegroups ----

/// `scalingConfig` as sent and as reported.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScalingConfigDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_size: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_size: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired_size: Option<i64>,
}

impl ScalingConfigDto {
    fn request(self) -> ScalingRequest {
        ScalingRequest {
            min_size: self.min_size,
            max_size: self.max_size,
            desired_size: self.desired_size,
        }
    }
}

/// A taint as sent and as reported.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct TaintDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
}

impl TaintDto {
    fn request(self) -> TaintRequest {
        TaintRequest {
            key: self.key,
            value: self.value,
            effect: self.effect,
        }
    }
}

/// `remoteAccess` as sent and as reported.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteAccessDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ec2_ssh_key: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_security_groups: Vec<String>,
}

/// `launchTemplate` as sent and as reported.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct LaunchTemplateDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// `updateConfig` as sent and as reported.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateConfigDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_unavailable_percentage: Option<u32>,
}

impl UpdateConfigDto {
    fn config(&self) -> Option<UpdateConfig> {
        match (self.max_unavailable, self.max_unavailable_percentage) {
            (Some(n), _) => Some(UpdateConfig::MaxUnavailable(n)),
            (None, Some(p)) => Some(UpdateConfig::MaxUnavailablePercentage(p)),
            (None, None) => None,
        }
    }
}

/// `CreateNodegroup` input (the cluster name is in the path).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateNodegroupRequest {
    pub nodegroup_name: Option<String>,
    pub scaling_config: Option<ScalingConfigDto>,
    pub disk_size: Option<i64>,
    pub subnets: Option<Vec<String>>,
    pub instance_types: Option<Vec<String>>,
    pub ami_type: Option<String>,
    pub remote_access: Option<RemoteAccessDto>,
    pub node_role: Option<String>,
    pub labels: Option<BTreeMap<String, String>>,
    pub taints: Option<Vec<TaintDto>>,
    pub tags: Option<BTreeMap<String, String>>,
    pub client_request_token: Option<String>,
    pub launch_template: Option<LaunchTemplateDto>,
    pub update_config: Option<UpdateConfigDto>,
    pub capacity_type: Option<String>,
    pub version: Option<String>,
    pub release_version: Option<String>,
}

impl CreateNodegroupRequest {
    /// The model's input. Required members left out come back as the name of the first one missing.
    pub fn into_new_nodegroup(self) -> Result<NewNodegroup, &'static str> {
        Ok(NewNodegroup {
            name: self.nodegroup_name.ok_or("nodegroupName")?,
            subnets: self.subnets.ok_or("subnets")?,
            node_role: self.node_role.ok_or("nodeRole")?,
            scaling: self
                .scaling_config
                .map(ScalingConfigDto::request)
                .unwrap_or_default(),
            disk_size: self.disk_size,
            instance_types: self.instance_types,
            ami_type: self.ami_type,
            capacity_type: self.capacity_type,
            remote_access: self.remote_access.map(|r| RemoteAccess {
                ec2_ssh_key: r.ec2_ssh_key,
                source_security_groups: r.source_security_groups,
            }),
            labels: self.labels.unwrap_or_default(),
            taints: self
                .taints
                .unwrap_or_default()
                .into_iter()
                .map(TaintDto::request)
                .collect(),
            update_config: self
                .update_config
                .as_ref()
                .and_then(UpdateConfigDto::config),
            launch_template: self.launch_template.map(|t| LaunchTemplate {
                name: t.name,
                version: t.version,
                id: t.id,
            }),
            version: self.version,
            release_version: self.release_version,
            client_request_token: self.client_request_token,
            tags: self.tags.unwrap_or_default(),
        })
    }
}

/// `{"nodegroup": Nodegroup}`, the output of Create/Describe/DeleteNodegroup.
#[derive(Debug, Serialize)]
pub struct NodegroupResponse {
    pub nodegroup: NodegroupDto,
}

/// The `Nodegroup` shape. `labels`/`taints` are left out when empty and `resources` while the
/// nodegroup is being created, as in the real captures.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodegroupDto {
    pub nodegroup_name: String,
    pub nodegroup_arn: String,
    pub cluster_name: String,
    pub version: String,
    pub release_version: String,
    pub created_at: f64,
    pub modified_at: f64,
    pub status: &'static str,
    pub capacity_type: String,
    pub scaling_config: ScalingConfigDto,
    pub instance_types: Vec<String>,
    pub subnets: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_access: Option<RemoteAccessDto>,
    pub ami_type: String,
    pub node_role: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<TaintDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<NodegroupResources>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_size: Option<u32>,
    pub health: Health,
    pub update_config: UpdateConfigDto,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launch_template: Option<LaunchTemplateDto>,
    pub tags: BTreeMap<String, String>,
}

/// `resources`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodegroupResources {
    pub auto_scaling_groups: Vec<AutoScalingGroup>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_access_security_group: Option<String>,
}

/// `resources.autoScalingGroups[]`.
#[derive(Debug, Serialize)]
pub struct AutoScalingGroup {
    pub name: String,
}

impl From<&Nodegroup> for NodegroupDto {
    fn from(n: &Nodegroup) -> Self {
        let (max_unavailable, max_unavailable_percentage) = match n.update_config {
            UpdateConfig::MaxUnavailable(v) => (Some(v), None),
            UpdateConfig::MaxUnavailablePercentage(p) => (None, Some(p)),
        };
        Self {
            nodegroup_name: n.name.clone(),
            nodegroup_arn: n.arn.clone(),
            cluster_name: n.cluster_name.clone(),
            version: n.version.clone(),
            release_version: n.release_version.clone(),
            created_at: n.created_at.epoch_seconds(),
            modified_at: n.modified_at.epoch_seconds(),
            status: n.status.as_str(),
            capacity_type: n.capacity_type.clone(),
            scaling_config: ScalingConfigDto {
                min_size: Some(n.scaling.min_size.into()),
                max_size: Some(n.scaling.max_size.into()),
                desired_size: Some(n.scaling.desired_size.into()),
            },
            instance_types: n.instance_types.clone(),
            subnets: n.subnets.clone(),
            remote_access: n.remote_access.as_ref().map(|r| RemoteAccessDto {
                ec2_ssh_key: r.ec2_ssh_key.clone(),
                source_security_groups: r.source_security_groups.clone(),
            }),
            ami_type: n.ami_type.clone(),
            node_role: n.node_role.clone(),
            labels: n.labels.clone(),
            taints: n
                .taints
                .iter()
                .map(|t| TaintDto {
                    key: Some(t.key.clone()),
                    value: t.value.clone(),
                    effect: Some(t.effect.as_str().to_owned()),
                })
                .collect(),
            resources: (n.status != NodegroupStatus::Creating).then(|| NodegroupResources {
                auto_scaling_groups: vec![AutoScalingGroup {
                    name: n.auto_scaling_group.clone(),
                }],
                remote_access_security_group: n.remote_access_security_group.clone(),
            }),
            // With a launch template the disk size is the template's business.
            disk_size: n.launch_template.is_none().then_some(n.disk_size),
            health: Health::reported(
                matches!(
                    n.status,
                    NodegroupStatus::CreateFailed | NodegroupStatus::DeleteFailed
                ),
                n.health_issue.as_ref(),
            ),
            update_config: UpdateConfigDto {
                max_unavailable,
                max_unavailable_percentage,
            },
            launch_template: n.launch_template.as_ref().map(|t| LaunchTemplateDto {
                name: t.name.clone(),
                version: t.version.clone(),
                id: t.id.clone(),
            }),
            tags: n.tags.clone(),
        }
    }
}

/// `ListNodegroups` output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListNodegroupsResponse {
    pub nodegroups: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `labels` of `UpdateNodegroupConfig`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateLabelsDto {
    #[serde(default)]
    pub add_or_update_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub remove_labels: Vec<String>,
}

/// `taints` of `UpdateNodegroupConfig`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTaintsDto {
    #[serde(default)]
    pub add_or_update_taints: Vec<TaintDto>,
    #[serde(default)]
    pub remove_taints: Vec<TaintDto>,
}

/// `UpdateNodegroupConfig` input.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateNodegroupConfigRequest {
    pub labels: Option<UpdateLabelsDto>,
    pub taints: Option<UpdateTaintsDto>,
    pub scaling_config: Option<ScalingConfigDto>,
    pub update_config: Option<UpdateConfigDto>,
    pub client_request_token: Option<String>,
}

impl UpdateNodegroupConfigRequest {
    /// The model's input.
    #[must_use]
    pub fn into_change(self) -> NodegroupConfigChange {
        let labels = self.labels.unwrap_or_default();
        let taints = self.taints.unwrap_or_default();
        NodegroupConfigChange {
            scaling: self
                .scaling_config
                .map(ScalingConfigDto::request)
                .unwrap_or_default(),
            add_labels: labels.add_or_update_labels,
            remove_labels: labels.remove_labels,
            add_taints: taints
                .add_or_update_taints
                .into_iter()
                .map(TaintDto::request)
                .collect(),
            remove_taints: taints
                .remove_taints
                .into_iter()
                .map(TaintDto::request)
                .collect(),
            update_config: self
                .update_config
                .as_ref()
                .and_then(UpdateConfigDto::config),
            client_request_token: self.client_request_token,
        }
    }
}

/// `{"update": Update}`, the output of UpdateNodegroupConfig and DescribeUpdate.
#[derive(Debug, Serialize)]
pub struct UpdateResponse {
    pub update: UpdateDto,
}

/// The `Update` shape.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateDto {
    pub id: String,
    pub status: &'static str,
    #[serde(rename = "type")]
    pub kind: String,
    pub params: Vec<UpdateParam>,
    pub created_at: f64,
    pub errors: Vec<UpdateError>,
}

/// `params[]`.
#[derive(Debug, Serialize)]
pub struct UpdateParam {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

/// `errors[]` (never filled: emulated updates do not fail).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateError {
    pub error_code: String,
    pub error_message: String,
    pub resource_ids: Vec<String>,
}

impl From<&Update> for UpdateDto {
    fn from(u: &Update) -> Self {
        Self {
            id: u.id.clone(),
            status: u.status.as_str(),
            kind: u.kind.clone(),
            params: u
                .params
                .iter()
                .map(|(kind, value)| UpdateParam {
                    kind: kind.clone(),
                    value: value.clone(),
                })
                .collect(),
            created_at: u.created_at.epoch_seconds(),
            errors: Vec::new(),
        }
    }
}

/// `ListUpdates` output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListUpdatesResponse {
    pub update_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}
