//! `ClusterConfig` (`eksctl.io/v1alpha5`): the schema, strict decoding with eksctl's messages,
//! defaults and validation. Pure: reading the file (or stdin for `-f -`) is the caller's job, and
//! nothing here talks to AWS.
//!
//! Decoding is eksctl's `ParseConfig`: YAML (or JSON, which is YAML) is turned into JSON, decoded
//! strictly (any unknown field anywhere is an error), then `apiVersion` and `kind` are checked.
//! Messages are Go's: `error unmarshaling JSON: while decoding JSON: json: unknown field "zone"`
//! and `json: cannot unmarshal number into Go struct field ClusterMeta.metadata.version of type
//! string`. For an unknown field below the top level the path of the object holding it follows
//! in parentheses (`… unknown field "zone" (in nodeGroups[0])`), which eksctl leaves out.
//!
//! Substructures eksctl has but `ekscli` does not act on (`cloudWatch`, `addons`, nodegroup
//! `iam`/`ssh`, …) are accepted as free-form values: a typo inside them is not caught.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The only `apiVersion` eksctl registers for `ClusterConfig`.
pub const API_VERSION: &str = "eksctl.io/v1alpha5";
/// The only kind.
pub const KIND: &str = "ClusterConfig";
/// Profile names may not start with this (`ReservedProfileNamePrefix`).
pub const RESERVED_PROFILE_PREFIX: &str = "eks-";
/// The Kubernetes version `create cluster` asks for when none is given.
pub const DEFAULT_VERSION: &str = "1.32";
/// The region used when neither a flag, the config file, the environment nor a profile gives one.
pub const DEFAULT_REGION: &str = "us-west-2";
/// The VPC CIDR of a dedicated VPC.
pub const DEFAULT_VPC_CIDR: &str = "192.168.0.0/16";
/// The instance type of a nodegroup that names none.
pub const DEFAULT_INSTANCE_TYPE: &str = "m5.large";
/// The size of a nodegroup that names none (`--nodes`).
pub const DEFAULT_NODE_COUNT: i32 = 2;
/// The root volume size of a nodegroup that names none.
pub const DEFAULT_VOLUME_SIZE: i32 = 80;

type Map = BTreeMap<String, String>;

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    rename = "ClusterConfig"
)]
pub struct ClusterConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<ClusterMeta>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_network_config: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_mode_config: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam: Option<ClusterIam>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_providers: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_config: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc: Option<ClusterVpc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addons: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addons_config: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_cluster: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_groups: Option<Vec<NodeGroup>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_node_groups: Option<Vec<NodeGroup>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fargate_profiles: Option<Vec<FargateProfile>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zones: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_zones: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_watch: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets_encryption: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_ops: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub karpenter: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outpost: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zonal_shift_config: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_network_config: Option<Value>,
}

/// `metadata`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, rename = "ClusterMeta")]
pub struct ClusterMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_update_version: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Map>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Map>,
    #[serde(default, rename = "accountID", skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

/// `iam`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "ClusterIAM")]
pub struct ClusterIam {
    #[serde(
        default,
        rename = "serviceRoleARN",
        skip_serializing_if = "Option::is_none"
    )]
    pub service_role_arn: Option<String>,
    #[serde(
        default,
        rename = "serviceRolePermissionsBoundary",
        skip_serializing_if = "Option::is_none"
    )]
    pub service_role_permissions_boundary: Option<String>,
    #[serde(
        default,
        rename = "fargatePodExecutionRoleARN",
        skip_serializing_if = "Option::is_none"
    )]
    pub fargate_pod_execution_role_arn: Option<String>,
    #[serde(
        default,
        rename = "fargatePodExecutionRolePermissionsBoundary",
        skip_serializing_if = "Option::is_none"
    )]
    pub fargate_pod_execution_role_permissions_boundary: Option<String>,
    #[serde(default, rename = "withOIDC", skip_serializing_if = "Option::is_none")]
    pub with_oidc: Option<bool>,
    #[serde(
        default,
        rename = "serviceAccounts",
        skip_serializing_if = "Option::is_none"
    )]
    pub service_accounts: Option<Value>,
    #[serde(
        default,
        rename = "podIdentityAssociations",
        skip_serializing_if = "Option::is_none"
    )]
    pub pod_identity_associations: Option<Value>,
    #[serde(
        default,
        rename = "vpcResourceControllerPolicy",
        skip_serializing_if = "Option::is_none"
    )]
    pub vpc_resource_controller_policy: Option<bool>,
}

/// `vpc`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, rename = "ClusterVPC")]
pub struct ClusterVpc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_pool: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnets: Option<ClusterSubnets>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_cidrs: Option<Vec<String>>,
    #[serde(
        default,
        rename = "extraIPv6CIDRs",
        skip_serializing_if = "Option::is_none"
    )]
    pub extra_ipv6_cidrs: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_node_security_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manage_shared_node_security_group_rules: Option<bool>,
    #[serde(
        default,
        rename = "autoAllocateIPv6",
        skip_serializing_if = "Option::is_none"
    )]
    pub auto_allocate_ipv6: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nat: Option<ClusterNat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_endpoints: Option<ClusterEndpoints>,
    #[serde(
        default,
        rename = "publicAccessCIDRs",
        skip_serializing_if = "Option::is_none"
    )]
    pub public_access_cidrs: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname_type: Option<String>,
}

/// `vpc.subnets`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "ClusterSubnets")]
pub struct ClusterSubnets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<BTreeMap<String, AzSubnetSpec>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public: Option<BTreeMap<String, AzSubnetSpec>>,
}

/// One entry of `vpc.subnets.private|public`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "AZSubnetSpec")]
pub struct AzSubnetSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub az: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
}

/// `vpc.nat`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "ClusterNAT")]
pub struct ClusterNat {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
}

/// `vpc.clusterEndpoints`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    rename = "ClusterEndpoints"
)]
pub struct ClusterEndpoints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_access: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_access: Option<bool>,
}

/// One of `nodeGroups[]` or `managedNodeGroups[]` (eksctl's `NodeGroupBase` plus the fields of
/// either kind; which kind it is comes from the list it sits in).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, rename = "NodeGroup")]
pub struct NodeGroup {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ami_family: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ami: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_types: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zones: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnets: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_capacity: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_size: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_size: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_encrypted: Option<bool>,
    #[serde(
        default,
        rename = "volumeKmsKeyID",
        skip_serializing_if = "Option::is_none"
    )]
    pub volume_kms_key_id: Option<String>,
    #[serde(
        default,
        rename = "volumeIOPS",
        skip_serializing_if = "Option::is_none"
    )]
    pub volume_iops: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_throughput: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pods_per_node: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Map>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taints: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Map>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_networking: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_groups: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_bootstrap_commands: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_bootstrap_command: Option<String>,
    #[serde(
        default,
        rename = "disableIMDSv1",
        skip_serializing_if = "Option::is_none"
    )]
    pub disable_imdsv1: Option<bool>,
    #[serde(
        default,
        rename = "disablePodIMDS",
        skip_serializing_if = "Option::is_none"
    )]
    pub disable_pod_imds: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub efa_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_selector: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bottlerocket: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_detailed_monitoring: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_reservation: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagate_asg_tags: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_config: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubelet_extra_config: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances_distribution: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asg_metrics_collection: Option<Value>,
    #[serde(
        default,
        rename = "targetGroupARNs",
        skip_serializing_if = "Option::is_none"
    )]
    pub target_group_arns: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classic_load_balancer_names: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ebs_optimized: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_credits: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_runtime: Option<String>,
    #[serde(
        rename = "clusterDNS",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub cluster_dns: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spot: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_template: Option<Value>,
}

/// One of `fargateProfiles[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "FargateProfile")]
pub struct FargateProfile {
    #[serde(default)]
    pub name: String,
    #[serde(
        default,
        rename = "podExecutionRoleARN",
        skip_serializing_if = "Option::is_none"
    )]
    pub pod_execution_role_arn: Option<String>,
    #[serde(default)]
    pub selectors: Vec<FargateProfileSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnets: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Map>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// One of `fargateProfiles[].selectors[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "FargateProfileSelector")]
pub struct FargateProfileSelector {
    #[serde(default)]
    pub namespace: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Map>,
}

/// The fields whose values are string maps: a key below one is data, not a field.
const MAP_FIELDS: &[&str] = &["tags", "labels", "annotations", "private", "public"];

/// Parses a config file's bytes, as eksctl's `ParseConfig` does. The message is the part after
/// `loading config file "F": `.
///
/// # Errors
/// Go's JSON decoding messages for unknown fields and mistyped values, YAML syntax errors, and the
/// scheme's for a wrong `apiVersion` or `kind`.
pub fn parse(bytes: &[u8]) -> Result<ClusterConfig, String> {
    let text = String::from_utf8_lossy(bytes);
    let json: Value = if text.trim().is_empty() {
        Value::Null
    } else {
        yaml_serde::from_str(&text)
            .map_err(|e| format!("error converting YAML to JSON: yaml: {e}"))?
    };
    check_struct_shapes(&json)?;
    let config: ClusterConfig = match serde_path_to_error::deserialize(&json) {
        Ok(config) => config,
        Err(err) => return Err(go_decode_message(&err)),
    };
    let kind = config.kind.clone().unwrap_or_default();
    let version = config.api_version.clone().unwrap_or_default();
    if kind.is_empty() {
        return Err(format!("Object 'Kind' is missing in '{json}'"));
    }
    if version.is_empty() {
        return Err(format!("Object 'apiVersion' is missing in '{json}'"));
    }
    if kind != KIND || version != API_VERSION {
        return Err(format!(
            "no kind {kind:?} is registered for version {version:?} in scheme \"pkg/runtime/scheme.go:100\""
        ));
    }
    Ok(config)
}

/// Where the schema has a struct, Go accepts only an object (serde would also take an array).
/// Reports the first value of another kind with Go's message.
fn check_struct_shapes(json: &Value) -> Result<(), String> {
    fn kind(v: &Value) -> Option<&'static str> {
        match v {
            Value::Object(_) | Value::Null => None,
            Value::Array(_) => Some("array"),
            Value::String(_) => Some("string"),
            Value::Number(_) => Some("number"),
            Value::Bool(_) => Some("bool"),
        }
    }
    fn check(v: Option<&Value>, holder: &str, path: &str, go_type: &str) -> Result<(), String> {
        match v.and_then(kind) {
            Some(k) => Err(format!(
                "json: cannot unmarshal {k} into Go struct field {holder}.{path} of type v1alpha5.{go_type}"
            )),
            None => Ok(()),
        }
    }
    let items = |v: Option<&Value>| -> Vec<Value> {
        v.and_then(Value::as_array).cloned().unwrap_or_default()
    };
    check(
        json.get("metadata"),
        "ClusterConfig",
        "metadata",
        "ClusterMeta",
    )?;
    check(json.get("iam"), "ClusterConfig", "iam", "ClusterIAM")?;
    check(json.get("vpc"), "ClusterConfig", "vpc", "ClusterVPC")?;
    if let Some(vpc) = json.get("vpc") {
        check(
            vpc.get("subnets"),
            "ClusterVPC",
            "vpc.subnets",
            "ClusterSubnets",
        )?;
        check(vpc.get("nat"), "ClusterVPC", "vpc.nat", "ClusterNAT")?;
        check(
            vpc.get("clusterEndpoints"),
            "ClusterVPC",
            "vpc.clusterEndpoints",
            "ClusterEndpoints",
        )?;
    }
    for (list, go_type) in [
        ("nodeGroups", "NodeGroup"),
        ("managedNodeGroups", "ManagedNodeGroup"),
    ] {
        for item in items(json.get(list)) {
            check(Some(&item), "ClusterConfig", list, go_type)?;
        }
    }
    for profile in items(json.get("fargateProfiles")) {
        check(
            Some(&profile),
            "ClusterConfig",
            "fargateProfiles",
            "FargateProfile",
        )?;
        for selector in items(profile.get("selectors")) {
            check(
                Some(&selector),
                "FargateProfile",
                "fargateProfiles.selectors",
                "FargateProfileSelector",
            )?;
        }
    }
    Ok(())
}

/// Turns a serde error with its path into the message Go's `encoding/json` gives.
fn go_decode_message(err: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let inner = err.inner().to_string();
    let mut fields: Vec<String> = Vec::new();
    let mut display_path = String::new();
    for segment in err.path().iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => {
                display_path.push_str(&format!("[{index}]"));
            }
            serde_path_to_error::Segment::Map { key } => {
                let parent_is_map = fields
                    .last()
                    .is_some_and(|f| MAP_FIELDS.contains(&f.as_str()))
                    && !display_path.ends_with(']');
                if !display_path.is_empty() {
                    display_path.push('.');
                }
                display_path.push_str(key);
                if !parent_is_map {
                    fields.push(key.clone());
                }
            }
            _ => {}
        }
    }
    if let Some(rest) = inner.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or_default();
        // The path ends at the unknown field itself; what holds it is everything before.
        let holder = display_path
            .strip_suffix(name)
            .unwrap_or(&display_path)
            .trim_end_matches('.');
        let mut msg =
            format!("error unmarshaling JSON: while decoding JSON: json: unknown field {name:?}");
        if !holder.is_empty() {
            msg.push_str(&format!(" (in {holder})"));
        }
        return msg;
    }
    if let Some(rest) = inner.strip_prefix("invalid type: ") {
        let (got, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let go_value = if got.starts_with("integer") || got.starts_with("floating point") {
            "number"
        } else if got.starts_with("string") {
            "string"
        } else if got.starts_with("boolean") {
            "bool"
        } else if got.starts_with("sequence") {
            "array"
        } else if got.starts_with("map") {
            "object"
        } else {
            got
        };
        let last = fields.last().cloned().unwrap_or_default();
        let go_type = go_type_name(expected, &last);
        let holder = if fields.len() >= 2 {
            go_struct_name(&fields[fields.len() - 2])
        } else {
            "ClusterConfig".to_owned()
        };
        return format!(
            "json: cannot unmarshal {go_value} into Go struct field {holder}.{} of type {go_type}",
            fields.join(".")
        );
    }
    format!("error unmarshaling JSON: while decoding JSON: json: {inner}")
}

/// The Go struct that a field (named by its JSON key) of the given parent holds.
fn go_struct_name(parent_field: &str) -> String {
    match parent_field {
        "metadata" => "ClusterMeta",
        "iam" => "ClusterIAM",
        "vpc" => "ClusterVPC",
        "subnets" => "ClusterSubnets",
        "private" | "public" => "AZSubnetSpec",
        "nat" => "ClusterNAT",
        "clusterEndpoints" => "ClusterEndpoints",
        "nodeGroups" => "NodeGroup",
        "managedNodeGroups" => "ManagedNodeGroup",
        "fargateProfiles" => "FargateProfile",
        "selectors" => "FargateProfileSelector",
        other => other,
    }
    .to_owned()
}

/// Go's name for the type serde expected.
fn go_type_name(expected: &str, field: &str) -> String {
    if let Some(name) = expected.strip_prefix("struct ") {
        return format!("v1alpha5.{name}");
    }
    match expected {
        "a string" => "string".into(),
        "a boolean" => "bool".into(),
        "i32" | "u32" | "i64" | "u64" | "an integer" => "int".into(),
        "a map" => "map[string]string".into(),
        "a sequence" => match field {
            "nodeGroups" => "[]*v1alpha5.NodeGroup".into(),
            "managedNodeGroups" => "[]*v1alpha5.ManagedNodeGroup".into(),
            "fargateProfiles" => "[]*v1alpha5.FargateProfile".into(),
            "selectors" => "[]v1alpha5.FargateProfileSelector".into(),
            _ => "[]string".into(),
        },
        other => other.into(),
    }
}

impl ClusterConfig {
    /// `metadata.name`, or empty.
    #[must_use]
    pub fn name(&self) -> &str {
        self.metadata
            .as_ref()
            .and_then(|m| m.name.as_deref())
            .unwrap_or_default()
    }

    /// `metadata.region`, or empty.
    #[must_use]
    pub fn region(&self) -> &str {
        self.metadata
            .as_ref()
            .and_then(|m| m.region.as_deref())
            .unwrap_or_default()
    }

    /// The profiles, or none.
    #[must_use]
    pub fn profiles(&self) -> &[FargateProfile] {
        self.fargate_profiles.as_deref().unwrap_or_default()
    }

    /// `iam.fargatePodExecutionRoleARN` when set and not empty.
    #[must_use]
    pub fn fargate_role_arn(&self) -> Option<&str> {
        self.iam
            .as_ref()
            .and_then(|i| i.fargate_pod_execution_role_arn.as_deref())
            .filter(|s| !s.is_empty())
    }

    /// `nodeGroups[]`.
    #[must_use]
    pub fn node_groups(&self) -> &[NodeGroup] {
        self.node_groups.as_deref().unwrap_or_default()
    }

    /// `managedNodeGroups[]`.
    #[must_use]
    pub fn managed_node_groups(&self) -> &[NodeGroup] {
        self.managed_node_groups.as_deref().unwrap_or_default()
    }

    /// eksctl's `LogString`: `creating EKS cluster "C" in "R" region with Fargate profile and
    /// un-managed nodes` (the modes in that order, joined with `and`).
    #[must_use]
    pub fn log_string(&self) -> String {
        let mut modes = Vec::new();
        if !self.profiles().is_empty() {
            modes.push("Fargate profile");
        }
        if !self.managed_node_groups().is_empty() {
            modes.push("managed nodes");
        }
        if !self.node_groups().is_empty() {
            modes.push("un-managed nodes");
        }
        let mut s = format!(
            "EKS cluster {:?} in {:?} region",
            self.name(),
            self.region()
        );
        if !modes.is_empty() {
            s.push_str(" with ");
            s.push_str(&modes.join(" and "));
        }
        s
    }
}

/// `FargateProfile.Validate()`: eksctl's checks, in its order.
///
/// # Errors
/// `invalid Fargate profile: empty name`, `invalid Fargate profile "N": name should NOT start
/// with "eks-"`, `… no profile selector`, `… invalid profile selector at index #I: empty
/// namespace`.
pub fn validate_profile(profile: &FargateProfile) -> Result<(), String> {
    if profile.name.is_empty() {
        return Err("invalid Fargate profile: empty name".into());
    }
    let name = &profile.name;
    if name.starts_with(RESERVED_PROFILE_PREFIX) {
        return Err(format!(
            "invalid Fargate profile {name:?}: name should NOT start with {RESERVED_PROFILE_PREFIX:?}"
        ));
    }
    if profile.selectors.is_empty() {
        return Err(format!(
            "invalid Fargate profile {name:?}: no profile selector"
        ));
    }
    for (i, selector) in profile.selectors.iter().enumerate() {
        if selector.namespace.is_empty() {
            return Err(format!(
                "invalid Fargate profile {name:?}: invalid profile selector at index #{i}: empty namespace"
            ));
        }
    }
    Ok(())
}

/// `CreateOptions.Validate()` for `create fargateprofile` without a config file.
///
/// # Errors
/// `invalid Fargate profile: name should NOT start with "eks-"` (no name in it) and
/// `invalid Fargate profile: empty selector namespace`.
pub fn validate_create_options(name: &str, namespace: &str) -> Result<(), String> {
    if name.starts_with(RESERVED_PROFILE_PREFIX) {
        return Err(format!(
            "invalid Fargate profile: name should NOT start with {RESERVED_PROFILE_PREFIX:?}"
        ));
    }
    if namespace.is_empty() {
        return Err("invalid Fargate profile: empty selector namespace".into());
    }
    Ok(())
}

/// `fp-default`: the profile `create cluster --fargate` makes (`SetDefaultFargateProfile`).
#[must_use]
pub fn default_fargate_profile() -> FargateProfile {
    FargateProfile {
        name: "fp-default".into(),
        selectors: vec![
            FargateProfileSelector {
                namespace: "default".into(),
                labels: None,
            },
            FargateProfileSelector {
                namespace: "kube-system".into(),
                labels: None,
            },
        ],
        ..FargateProfile::default()
    }
}

/// Whether a nodegroup name matches `[a-zA-Z][-a-zA-Z0-9]*` in full.
#[must_use]
pub fn is_valid_nodegroup_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c == '-' || c.is_ascii_alphanumeric())
}

/// `create cluster`'s checks of a complete config, in eksctl's order.
///
/// # Errors
/// eksctl's messages: nodegroup names, `vpc.subnets` together with `availabilityZones`, and the
/// NAT gateway setting.
pub fn validate_cluster(config: &ClusterConfig) -> Result<(), String> {
    if config.name().is_empty() {
        return Err("metadata.name must be set".into());
    }
    if let Some(vpc) = &config.vpc {
        let has_subnets = vpc.subnets.as_ref().is_some_and(|s| {
            s.private.as_ref().is_some_and(|m| !m.is_empty())
                || s.public.as_ref().is_some_and(|m| !m.is_empty())
        });
        if has_subnets
            && config
                .availability_zones
                .as_ref()
                .is_some_and(|z| !z.is_empty())
        {
            return Err("vpc.subnets and availabilityZones cannot be set at the same time".into());
        }
        if let Some(gateway) = vpc.nat.as_ref().and_then(|n| n.gateway.as_deref()) {
            if !["HighlyAvailable", "Single", "Disable"].contains(&gateway) {
                return Err(format!(
                    "invalid NAT gateway mode {gateway:?}, valid modes are HighlyAvailable, Single or Disable"
                ));
            }
        }
    }
    if let Some(zones) = &config.availability_zones {
        if !zones.is_empty() && zones.len() < 2 {
            return Err(format!(
                "only {} zones specified {zones:?}, 2 are required (can be non-unique)",
                zones.len()
            ));
        }
    }
    for ng in config
        .node_groups()
        .iter()
        .chain(config.managed_node_groups())
    {
        let name = ng.name.as_deref().unwrap_or_default();
        if !is_valid_nodegroup_name(name) {
            return Err(format!(
                "validation for {name} failed, name must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*"
            ));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for ng in config
        .node_groups()
        .iter()
        .chain(config.managed_node_groups())
    {
        let name = ng.name.as_deref().unwrap_or_default();
        if !seen.insert(name) {
            return Err(format!("found duplicate nodegroup name {name:?}"));
        }
    }
    Ok(())
}

/// The node label naming the cluster.
pub const CLUSTER_NAME_LABEL: &str = "alpha.eksctl.io/cluster-name";
/// The node label naming the nodegroup, which `create cluster` waits for nodes by.
pub const NODEGROUP_NAME_LABEL: &str = "alpha.eksctl.io/nodegroup-name";

/// Fills what `create cluster` leaves unset: version, VPC CIDR and NAT, endpoint access, the
/// nodegroups' size and instance type, and their node labels. Returns the log lines eksctl prints
/// about values it chose (`--nodes-min=2 was set automatically for nodegroup ng-1`).
pub fn set_cluster_defaults(config: &mut ClusterConfig) -> Vec<String> {
    let mut notes = Vec::new();
    config.api_version = Some(API_VERSION.into());
    config.kind = Some(KIND.into());
    let meta = config.metadata.get_or_insert_with(ClusterMeta::default);
    if meta.version.as_deref().is_none_or(str::is_empty) || meta.version.as_deref() == Some("auto")
    {
        meta.version = Some(DEFAULT_VERSION.into());
    }
    let vpc = config.vpc.get_or_insert_with(ClusterVpc::default);
    if vpc.cidr.is_none() && vpc.id.is_none() {
        vpc.cidr = Some(DEFAULT_VPC_CIDR.into());
    }
    let nat = vpc.nat.get_or_insert_with(ClusterNat::default);
    if nat.gateway.is_none() {
        nat.gateway = Some("Single".into());
    }
    let endpoints = vpc
        .cluster_endpoints
        .get_or_insert_with(ClusterEndpoints::default);
    endpoints.public_access.get_or_insert(true);
    endpoints.private_access.get_or_insert(false);
    let iam = config.iam.get_or_insert_with(ClusterIam::default);
    iam.with_oidc.get_or_insert(false);
    let cluster_name = meta.name.clone().unwrap_or_default();
    for ng in config
        .node_groups
        .iter_mut()
        .flatten()
        .chain(config.managed_node_groups.iter_mut().flatten())
    {
        let name = ng.name.clone().unwrap_or_default();
        // eksctl's `setDefaultNodeLabels`: what `create cluster` later selects the nodes by.
        let labels = ng.labels.get_or_insert_with(Map::new);
        labels.insert(CLUSTER_NAME_LABEL.into(), cluster_name.clone());
        labels.insert(NODEGROUP_NAME_LABEL.into(), name.clone());
        if ng.instance_type.is_none() && ng.instance_types.is_none() {
            ng.instance_type = Some(DEFAULT_INSTANCE_TYPE.into());
        }
        let desired = *ng.desired_capacity.get_or_insert(DEFAULT_NODE_COUNT);
        if ng.min_size.is_none() {
            ng.min_size = Some(desired);
            notes.push(format!(
                "--nodes-min={desired} was set automatically for nodegroup {name}"
            ));
        }
        if ng.max_size.is_none() {
            ng.max_size = Some(desired);
            notes.push(format!(
                "--nodes-max={desired} was set automatically for nodegroup {name}"
            ));
        }
        ng.volume_size.get_or_insert(DEFAULT_VOLUME_SIZE);
        ng.volume_type.get_or_insert_with(|| "gp3".into());
        ng.ami_family
            .get_or_insert_with(|| "AmazonLinux2023".into());
        ng.private_networking.get_or_insert(false);
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The config file on the seed page.
    pub const SEED_CONFIG: &str =
        "# An example of ClusterConfig with a normal nodegroup and a Fargate profile.
---
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig

metadata:
  name: fargate-cluster
  region: ap-northeast-1

nodeGroups:
  - name: ng-1
    instanceType: m5.large
    desiredCapacity: 1

fargateProfiles:
  - name: fp-default
    selectors:
      # All workloads in the \"default\" Kubernetes namespace will be
      # scheduled onto Fargate:
      - namespace: default
      # All workloads in the \"kube-system\" Kubernetes namespace will be
      # scheduled onto Fargate:
      - namespace: kube-system
  - name: fp-dev
    selectors:
      # All workloads in the \"dev\" Kubernetes namespace matching the following
      # label selectors will be scheduled onto Fargate:
      - namespace: dev
        labels:
          env: dev
          checks: passed
";

    #[test]
    fn the_seed_page_config_parses() {
        let config = parse(SEED_CONFIG.as_bytes()).unwrap();
        assert_eq!(config.name(), "fargate-cluster");
        assert_eq!(config.region(), "ap-northeast-1");
        assert_eq!(config.node_groups()[0].name.as_deref(), Some("ng-1"));
        assert_eq!(config.node_groups()[0].desired_capacity, Some(1));
        let profiles = config.profiles();
        assert_eq!(profiles.len(), 2);
        assert_eq!(profiles[0].selectors.len(), 2);
        assert_eq!(
            profiles[1].selectors[0].labels.as_ref().unwrap()["checks"],
            "passed"
        );
        assert_eq!(
            config.log_string(),
            "EKS cluster \"fargate-cluster\" in \"ap-northeast-1\" region with Fargate profile and un-managed nodes"
        );
        for p in profiles {
            validate_profile(p).unwrap();
        }
    }

    #[test]
    fn json_config_parses_too() {
        let json = r#"{"apiVersion":"eksctl.io/v1alpha5","kind":"ClusterConfig","metadata":{"name":"c","region":"r"}}"#;
        assert_eq!(parse(json.as_bytes()).unwrap().name(), "c");
    }

    #[test]
    fn decoding_errors_use_go_wording() {
        let header = "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\n";
        let cases = [
            (
                "metadata:\n  name: c\nzone: x\n",
                r#"error unmarshaling JSON: while decoding JSON: json: unknown field "zone""#,
            ),
            (
                "metadata:\n  name: c\n  zone: x\n",
                r#"error unmarshaling JSON: while decoding JSON: json: unknown field "zone" (in metadata)"#,
            ),
            (
                "nodeGroups:\n- name: ng-1\n  zone: x\n",
                r#"error unmarshaling JSON: while decoding JSON: json: unknown field "zone" (in nodeGroups[0])"#,
            ),
            (
                "metadata:\n  name: c\n  version: 1.30\n",
                "json: cannot unmarshal number into Go struct field ClusterMeta.metadata.version of type string",
            ),
            (
                "nodeGroups:\n- name: ng-1\n  desiredCapacity: lots\n",
                "json: cannot unmarshal string into Go struct field NodeGroup.nodeGroups.desiredCapacity of type int",
            ),
            (
                "metadata:\n  name: c\n  tags:\n    a: 1\n",
                "json: cannot unmarshal number into Go struct field ClusterMeta.metadata.tags of type string",
            ),
            (
                "fargateProfiles:\n- name: p\n  selectors: default\n",
                "json: cannot unmarshal string into Go struct field FargateProfile.fargateProfiles.selectors of type []v1alpha5.FargateProfileSelector",
            ),
            (
                "metadata: [a]\n",
                "json: cannot unmarshal array into Go struct field ClusterConfig.metadata of type v1alpha5.ClusterMeta",
            ),
        ];
        for (body, expected) in cases {
            let got = parse(format!("{header}{body}").as_bytes()).unwrap_err();
            assert_eq!(got, expected, "for {body:?}");
        }
    }

    #[test]
    fn scheme_errors() {
        assert_eq!(
            parse(b"apiVersion: eksctl.io/v1alpha3\nkind: ClusterConfig\n").unwrap_err(),
            "no kind \"ClusterConfig\" is registered for version \"eksctl.io/v1alpha3\" in scheme \"pkg/runtime/scheme.go:100\""
        );
        assert!(parse(b"apiVersion: eksctl.io/v1alpha5\n")
            .unwrap_err()
            .starts_with("Object 'Kind' is missing in '"));
    }

    fn profile(name: &str, namespaces: &[&str]) -> FargateProfile {
        FargateProfile {
            name: name.into(),
            selectors: namespaces
                .iter()
                .map(|n| FargateProfileSelector {
                    namespace: (*n).into(),
                    labels: None,
                })
                .collect(),
            ..FargateProfile::default()
        }
    }

    #[test]
    fn profile_validation_messages_in_order() {
        let cases = [
            (profile("", &[]), "invalid Fargate profile: empty name"),
            (
                profile("eks-foo", &[]),
                "invalid Fargate profile \"eks-foo\": name should NOT start with \"eks-\"",
            ),
            (
                profile("fp", &[]),
                "invalid Fargate profile \"fp\": no profile selector",
            ),
            (
                profile("fp", &["default", ""]),
                "invalid Fargate profile \"fp\": invalid profile selector at index #1: empty namespace",
            ),
        ];
        for (p, expected) in cases {
            assert_eq!(validate_profile(&p).unwrap_err(), expected);
        }
        validate_profile(&profile("fp", &["default"])).unwrap();
        // No charset, length or label rules.
        validate_profile(&profile(&"x".repeat(25), &[&"y".repeat(25)])).unwrap();
    }

    #[test]
    fn create_options_validation() {
        assert_eq!(
            validate_create_options("eks-foo", "default").unwrap_err(),
            "invalid Fargate profile: name should NOT start with \"eks-\""
        );
        assert_eq!(
            validate_create_options("fp", "").unwrap_err(),
            "invalid Fargate profile: empty selector namespace"
        );
        // The prefix is checked first.
        assert_eq!(
            validate_create_options("eks-foo", "").unwrap_err(),
            "invalid Fargate profile: name should NOT start with \"eks-\""
        );
        validate_create_options("", "default").unwrap();
    }

    #[test]
    fn cluster_validation_messages() {
        let mut config = parse(SEED_CONFIG.as_bytes()).unwrap();
        validate_cluster(&config).unwrap();
        config.node_groups.as_mut().unwrap()[0].name = Some("1ng".into());
        assert_eq!(
            validate_cluster(&config).unwrap_err(),
            "validation for 1ng failed, name must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*"
        );
        let mut config = parse(SEED_CONFIG.as_bytes()).unwrap();
        config.availability_zones = Some(vec!["a".into(), "b".into()]);
        config.vpc = Some(ClusterVpc {
            subnets: Some(ClusterSubnets {
                private: Some(BTreeMap::from([("a".into(), AzSubnetSpec::default())])),
                public: None,
            }),
            ..ClusterVpc::default()
        });
        assert_eq!(
            validate_cluster(&config).unwrap_err(),
            "vpc.subnets and availabilityZones cannot be set at the same time"
        );
    }

    #[test]
    fn defaults_fill_nodegroups_and_say_so() {
        let mut config = parse(SEED_CONFIG.as_bytes()).unwrap();
        let notes = set_cluster_defaults(&mut config);
        assert_eq!(
            notes,
            [
                "--nodes-min=1 was set automatically for nodegroup ng-1",
                "--nodes-max=1 was set automatically for nodegroup ng-1"
            ]
        );
        let ng = &config.node_groups()[0];
        assert_eq!(ng.volume_size, Some(80));
        assert_eq!(
            config.metadata.unwrap().version.as_deref(),
            Some(DEFAULT_VERSION)
        );
        let vpc = config.vpc.unwrap();
        assert_eq!(vpc.cidr.as_deref(), Some("192.168.0.0/16"));
        assert_eq!(vpc.nat.unwrap().gateway.as_deref(), Some("Single"));
    }

    #[test]
    fn nodegroup_names() {
        assert!(is_valid_nodegroup_name("ng-1"));
        assert!(is_valid_nodegroup_name("N"));
        assert!(!is_valid_nodegroup_name("ng_1"));
        assert!(!is_valid_nodegroup_name("-ng"));
        assert!(!is_valid_nodegroup_name(""));
    }
}
