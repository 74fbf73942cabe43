//! EKS wire shapes (restJson1, camelCase as the EKS model spells them) and their conversions from
//! the models. Timestamps are epoch seconds with milliseconds; absent members are left out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::{Cluster, ClusterStatus, NewCluster};
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
            health: Health::default(),
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
