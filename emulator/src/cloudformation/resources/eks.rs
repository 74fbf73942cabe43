//! `AWS::EKS::*` providers, through the EKS model (for clusters, the one create path
//! `directory::create_cluster` the EKS API uses too; for profiles and nodegroups, the same model
//! calls and IAM/EC2 [`Lookup`] as the EKS handlers). CloudFormation waits for `ACTIVE` on create
//! and for the resource to be gone on delete.
//!
//! `Ref`: a cluster's name; `<cluster>|<profile>` for a Fargate profile (the registry's primary
//! identifier, reference §5.6); `<cluster>/<nodegroup>` for a nodegroup; `<cluster>|<addon>` and
//! `<cluster>|<principal ARN>` for add-ons and access entries.

use std::collections::BTreeMap;

use fargate_selector::{ProfileStatus, Selector};
use serde_json::{json, Value};

use super::{
    bool_of, changed_properties, handler_failure, key_values, refuse_changes, scalar_string,
    strings, unsupported_property, Progress, Provider, Request, Services,
};
use crate::directory::Lookup;
use crate::eks::error::EksError;
use crate::eks::model::{
    AccessPolicy, ClusterStatus, LaunchTemplate, NewAccessEntry, NewAddon, NewCluster,
    NewFargateProfile, NewNodegroup, NodegroupConfigChange, NodegroupStatus, RemoteAccess,
    ScalingRequest, TaintRequest, UpdateConfig,
};
use crate::ids::IdGen;

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
pub struct Cluster;

impl Provider for Cluster {
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
        match crate::directory::create_cluster(
            &env, svc.ids, svc.iam, svc.eks, svc.ec2, svc.faults, new,
        ) {
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

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
        let env = svc.env;
        match svc.eks.delete_cluster(&env, svc.faults, physical_id) {
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

/// `<cluster><sep><name>` split at the first `sep`.
fn split_id(physical_id: &str, sep: char) -> (&str, &str) {
    physical_id.split_once(sep).unwrap_or((physical_id, ""))
}

/// The stack's tags, CloudFormation's and a `Tags` list of `Key`/`Value`s (profiles, add-ons,
/// access entries) or a map (nodegroups), as EKS tags.
fn eks_tags(req: &Request<'_>) -> BTreeMap<String, String> {
    let mut tags = req.stack_tags();
    match req.properties.get("Tags") {
        Some(Value::Object(map)) => tags.extend(
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), scalar_string(v)?))),
        ),
        other => tags.extend(key_values(other)),
    }
    tags
}

/// A JSON object of strings (`Labels`), as a map.
fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), scalar_string(v)?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Replaces the tags of the EKS resource `arn`.
fn retag(svc: &mut Services<'_>, arn: &str, tags: BTreeMap<String, String>) -> Result<(), String> {
    match svc.eks.tags_mut(arn) {
        Ok(current) => {
            *current = tags;
            Ok(())
        }
        Err(e) => Err(eks_failure(svc.ids, &e)),
    }
}

/// `AWS::EKS::FargateProfile` through `EksRegion::create_fargate_profile` (every EKS rule applies:
/// the pod execution role, private subnets, one profile `CREATING` or `DELETING` at a time).
/// `Ref` is `<cluster>|<profile>`.
pub struct FargateProfile;

impl FargateProfile {
    fn selectors(value: Option<&Value>) -> Vec<Selector> {
        value
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .map(|s| Selector {
                        namespace: s
                            .get("Namespace")
                            .and_then(scalar_string)
                            .unwrap_or_default(),
                        labels: key_values(s.get("Labels")),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The profile and its cluster, if both exist.
    fn find<'s>(
        svc: &'s Services<'_>,
        physical_id: &str,
    ) -> Option<&'s crate::eks::model::FargateProfile> {
        let (cluster, name) = split_id(physical_id, '|');
        svc.eks.cluster(cluster).ok()?.fargate_profile(name).ok()
    }

    /// Starts deleting the profile when EKS lets it: `Ok(true)` once started (or gone),
    /// `Ok(false)` while it must wait (the profile is `CREATING`, or another is `DELETING`).
    fn try_delete(svc: &mut Services<'_>, physical_id: &str) -> Result<bool, String> {
        let (cluster, name) = split_id(physical_id, '|');
        let env = svc.env;
        let result = svc
            .eks
            .cluster_mut(cluster)
            .and_then(|c| c.delete_fargate_profile(&env, svc.faults, name).map(|_| ()));
        match result {
            Ok(())
            | Err(EksError::ClusterNotFound { .. } | EksError::FargateProfileNotFound { .. }) => {
                Ok(true)
            }
            Err(EksError::FargateProfileNotActive { .. }) => {
                // Already deleting (started) or still creating (wait).
                Ok(
                    Self::find(svc, physical_id)
                        .is_none_or(|p| p.status == ProfileStatus::Deleting),
                )
            }
            Err(EksError::FargateProfileDeleteBlocked { .. }) => Ok(false),
            Err(e) => Err(eks_failure(svc.ids, &e)),
        }
    }
}

impl Provider for FargateProfile {
    fn type_name(&self) -> &'static str {
        "AWS::EKS::FargateProfile"
    }

    fn attributes(&self) -> &'static [&'static str] {
        &["Arn"]
    }

    fn create_only(&self) -> &'static [&'static str] {
        &[
            "ClusterName",
            "FargateProfileName",
            "PodExecutionRoleArn",
            "Subnets",
            "Selectors",
        ]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        req.require(&["ClusterName", "PodExecutionRoleArn", "Selectors"])?;
        let cluster = req.string("ClusterName").unwrap_or_default();
        let name = match req.string("FargateProfileName") {
            Some(name) => name,
            None => req.generated_name(svc.ids, 100),
        };
        let new = NewFargateProfile {
            name: name.clone(),
            pod_execution_role_arn: req.string("PodExecutionRoleArn").unwrap_or_default(),
            subnets: strings(req.properties.get("Subnets")),
            selectors: Self::selectors(req.properties.get("Selectors")),
            client_request_token: None,
            tags: eks_tags(req),
        };
        svc.ensure_ec2();
        let env = svc.env;
        let directory = Lookup {
            iam: &*svc.iam,
            ec2: &*svc.ec2,
        };
        let created = svc
            .eks
            .create_fargate_profile(&env, svc.ids, &directory, svc.faults, &cluster, new)
            .map(|_| ());
        created.map_err(|e| eks_failure(svc.ids, &e))?;
        Ok(format!("{cluster}|{name}"))
    }

    fn check_create(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        let Some(profile) = Self::find(svc, physical_id) else {
            return Progress::Failed(format!(
                "Fargate profile {physical_id} was deleted outside of CloudFormation"
            ));
        };
        match (profile.status, &profile.scheduled) {
            (ProfileStatus::Active, _) => {
                Progress::Done(BTreeMap::from([("Arn".to_owned(), json!(profile.arn))]))
            }
            (ProfileStatus::Creating, Some(step)) => Progress::Wait(step.at),
            (status, _) => Progress::Failed(format!(
                "Resource handler returned message: \"Fargate profile {} is in {} state\" (HandlerErrorCode: NotStabilized)",
                profile.name,
                status.as_str()
            )),
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
        refuse_changes(self.type_name(), &changed, &["Tags"])?;
        let arn = Self::find(svc, physical_id)
            .map(|p| p.arn.clone())
            .unwrap_or_default();
        retag(svc, &arn, eks_tags(req))
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
        // What cannot start now starts when `check_delete` finds EKS ready for it.
        Self::try_delete(svc, physical_id).map(|_| ())
    }

    fn check_delete(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        let Some(profile) = Self::find(svc, physical_id) else {
            return Progress::Done(BTreeMap::new());
        };
        if let (ProfileStatus::Deleting | ProfileStatus::Creating, Some(step)) =
            (profile.status, &profile.scheduled)
        {
            return Progress::Wait(step.at);
        }
        match Self::try_delete(svc, physical_id) {
            Ok(true) => self.check_delete(svc, physical_id),
            Ok(false) => {
                // Another profile of the cluster is being deleted: look again when it is gone.
                let (cluster, _) = split_id(physical_id, '|');
                let next = svc.eks.cluster(cluster).ok().and_then(|c| {
                    c.fargate_profiles()
                        .filter_map(|p| p.scheduled.as_ref().map(|s| s.at))
                        .min()
                });
                match next {
                    Some(at) => Progress::Wait(at),
                    None => Progress::Failed(format!(
                        "Fargate profile {physical_id} could not be deleted"
                    )),
                }
            }
            Err(reason) => Progress::Failed(reason),
        }
    }
}

/// `AWS::EKS::Nodegroup` through `EksRegion::create_nodegroup` and
/// `Cluster::update_nodegroup_config`; `Labels` and `Tags` are maps here. `Ref` is
/// `<cluster>/<nodegroup>`.
pub struct Nodegroup;

impl Nodegroup {
    fn find<'s>(
        svc: &'s Services<'_>,
        physical_id: &str,
    ) -> Option<&'s crate::eks::model::Nodegroup> {
        let (cluster, name) = split_id(physical_id, '/');
        svc.eks.cluster(cluster).ok()?.nodegroup(name).ok()
    }

    fn scaling(p: &Value) -> ScalingRequest {
        let size = |name: &str| {
            p.pointer(&format!("/ScalingConfig/{name}"))
                .and_then(scalar_string)
                .and_then(|s| s.parse().ok())
        };
        ScalingRequest {
            min_size: size("MinSize"),
            max_size: size("MaxSize"),
            desired_size: size("DesiredSize"),
        }
    }

    fn taints(p: &Value) -> Vec<TaintRequest> {
        p.get("Taints")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .map(|t| TaintRequest {
                        key: t.get("Key").and_then(scalar_string),
                        value: t.get("Value").and_then(scalar_string),
                        effect: t.get("Effect").and_then(scalar_string),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn update_config(p: &Value) -> Option<UpdateConfig> {
        let config = p.get("UpdateConfig")?;
        let number = |name: &str| {
            config
                .get(name)
                .and_then(scalar_string)
                .and_then(|s| s.parse().ok())
        };
        number("MaxUnavailable")
            .map(UpdateConfig::MaxUnavailable)
            .or_else(|| {
                number("MaxUnavailablePercentage").map(UpdateConfig::MaxUnavailablePercentage)
            })
    }

    fn attributes_of(nodegroup: &crate::eks::model::Nodegroup) -> BTreeMap<String, Value> {
        BTreeMap::from([
            ("Arn".to_owned(), json!(nodegroup.arn)),
            ("ClusterName".to_owned(), json!(nodegroup.cluster_name)),
            ("NodegroupName".to_owned(), json!(nodegroup.name)),
            (
                "Id".to_owned(),
                json!(format!("{}/{}", nodegroup.cluster_name, nodegroup.name)),
            ),
        ])
    }

    /// Done once `ACTIVE`; waits while `wait_in` is the status.
    fn settled(svc: &Services<'_>, physical_id: &str, wait_in: NodegroupStatus) -> Progress {
        let Some(nodegroup) = Self::find(svc, physical_id) else {
            return Progress::Failed(format!(
                "Nodegroup {physical_id} was deleted outside of CloudFormation"
            ));
        };
        match (nodegroup.status, &nodegroup.scheduled) {
            (NodegroupStatus::Active, _) => Progress::Done(Self::attributes_of(nodegroup)),
            (status, Some(step)) if status == wait_in => Progress::Wait(step.at),
            (status, _) => Progress::Failed(format!(
                "Resource handler returned message: \"Nodegroup {} is in {} state\" (HandlerErrorCode: NotStabilized)",
                nodegroup.name,
                status.as_str()
            )),
        }
    }
}

impl Provider for Nodegroup {
    fn type_name(&self) -> &'static str {
        "AWS::EKS::Nodegroup"
    }

    fn attributes(&self) -> &'static [&'static str] {
        &["Arn", "ClusterName", "NodegroupName", "Id"]
    }

    fn create_only(&self) -> &'static [&'static str] {
        &[
            "ClusterName",
            "NodegroupName",
            "NodeRole",
            "Subnets",
            "AmiType",
            "CapacityType",
            "DiskSize",
            "InstanceTypes",
            "RemoteAccess",
        ]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        unsupported_property(req, self.type_name(), &["NodeRepairConfig"])?;
        req.require(&["ClusterName", "NodeRole", "Subnets"])?;
        let p = req.properties;
        let cluster = req.string("ClusterName").unwrap_or_default();
        let name = match req.string("NodegroupName") {
            Some(name) => name,
            None => req.generated_name(svc.ids, 63),
        };
        let new = NewNodegroup {
            name: name.clone(),
            node_role: req.string("NodeRole").unwrap_or_default(),
            subnets: strings(p.get("Subnets")),
            scaling: Self::scaling(p),
            disk_size: req.string("DiskSize").and_then(|s| s.parse().ok()),
            instance_types: p.get("InstanceTypes").map(|v| strings(Some(v))),
            ami_type: req.string("AmiType"),
            capacity_type: req.string("CapacityType"),
            remote_access: p.get("RemoteAccess").map(|r| RemoteAccess {
                ec2_ssh_key: r.get("Ec2SshKey").and_then(scalar_string),
                source_security_groups: strings(r.get("SourceSecurityGroups")),
            }),
            labels: string_map(p.get("Labels")),
            taints: Self::taints(p),
            update_config: Self::update_config(p),
            launch_template: p.get("LaunchTemplate").map(|t| LaunchTemplate {
                name: t.get("Name").and_then(scalar_string),
                version: t.get("Version").and_then(scalar_string),
                id: t.get("Id").and_then(scalar_string),
            }),
            version: req.string("Version"),
            release_version: req.string("ReleaseVersion"),
            client_request_token: None,
            tags: eks_tags(req),
        };
        svc.ensure_ec2();
        let env = svc.env;
        let directory = Lookup {
            iam: &*svc.iam,
            ec2: &*svc.ec2,
        };
        let created = svc
            .eks
            .create_nodegroup(&env, svc.ids, &directory, svc.faults, &cluster, new)
            .map(|_| ());
        created.map_err(|e| eks_failure(svc.ids, &e))?;
        Ok(format!("{cluster}/{name}"))
    }

    fn check_create(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        Self::settled(svc, physical_id, NodegroupStatus::Creating)
    }

    fn update(
        &self,
        svc: &mut Services<'_>,
        req: &Request<'_>,
        physical_id: &str,
        old: &Value,
    ) -> Result<(), String> {
        let changed = changed_properties(old, req.properties);
        refuse_changes(
            self.type_name(),
            &changed,
            &[
                "ScalingConfig",
                "Labels",
                "Taints",
                "UpdateConfig",
                "Tags",
                "ForceUpdateEnabled",
            ],
        )?;
        let p = req.properties;
        let (old_labels, new_labels) = (string_map(old.get("Labels")), string_map(p.get("Labels")));
        let (old_taints, new_taints) = (Self::taints(old), Self::taints(p));
        let change = NodegroupConfigChange {
            scaling: if changed.iter().any(|c| c == "ScalingConfig") {
                Self::scaling(p)
            } else {
                ScalingRequest::default()
            },
            add_labels: new_labels
                .iter()
                .filter(|(k, v)| old_labels.get(*k) != Some(*v))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            remove_labels: old_labels
                .keys()
                .filter(|k| !new_labels.contains_key(*k))
                .cloned()
                .collect(),
            add_taints: new_taints
                .iter()
                .filter(|t| !old_taints.contains(t))
                .cloned()
                .collect(),
            remove_taints: old_taints
                .iter()
                .filter(|t| {
                    !new_taints
                        .iter()
                        .any(|n| n.key == t.key && n.effect == t.effect)
                })
                .cloned()
                .collect(),
            update_config: if changed.iter().any(|c| c == "UpdateConfig") {
                Self::update_config(p)
            } else {
                None
            },
            client_request_token: None,
        };
        let unchanged = change == NodegroupConfigChange::default();
        if !unchanged {
            let (cluster, name) = split_id(physical_id, '/');
            let env = svc.env;
            let updated = svc.eks.cluster_mut(cluster).and_then(|c| {
                c.update_nodegroup_config(&env, svc.ids, name, &change)
                    .map(|_| ())
            });
            updated.map_err(|e| eks_failure(svc.ids, &e))?;
        }
        let arn = Self::find(svc, physical_id)
            .map(|n| n.arn.clone())
            .unwrap_or_default();
        retag(svc, &arn, eks_tags(req))
    }

    fn check_update(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        Self::settled(svc, physical_id, NodegroupStatus::Updating)
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
        let (cluster, name) = split_id(physical_id, '/');
        let env = svc.env;
        let result = svc
            .eks
            .cluster_mut(cluster)
            .and_then(|c| c.delete_nodegroup(&env, svc.faults, name).map(|_| ()));
        match result {
            Ok(()) | Err(EksError::ClusterNotFound { .. } | EksError::NodegroupNotFound { .. }) => {
                Ok(())
            }
            Err(e) => Err(eks_failure(svc.ids, &e)),
        }
    }

    fn check_delete(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        match Self::find(svc, physical_id) {
            None => Progress::Done(BTreeMap::new()),
            Some(nodegroup) => match &nodegroup.scheduled {
                Some(step) => Progress::Wait(step.at),
                None => Progress::Failed(format!(
                    "Nodegroup {physical_id} is {} and not being deleted",
                    nodegroup.status.as_str()
                )),
            },
        }
    }
}

/// `AWS::EKS::Addon`: a minimal record on its cluster (`Cluster::create_addon`); `ACTIVE` at once.
/// `Ref` is `<cluster>|<addon>`.
pub struct Addon;

impl Provider for Addon {
    fn type_name(&self) -> &'static str {
        "AWS::EKS::Addon"
    }

    fn attributes(&self) -> &'static [&'static str] {
        &["Arn"]
    }

    fn create_only(&self) -> &'static [&'static str] {
        &["ClusterName", "AddonName"]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        unsupported_property(req, self.type_name(), &["PodIdentityAssociations"])?;
        req.require(&["ClusterName", "AddonName"])?;
        let cluster = req.string("ClusterName").unwrap_or_default();
        let name = req.string("AddonName").unwrap_or_default();
        let new = NewAddon {
            name: name.clone(),
            version: req.string("AddonVersion"),
            service_account_role_arn: req.string("ServiceAccountRoleArn"),
            configuration_values: req.string("ConfigurationValues"),
            tags: eks_tags(req),
        };
        let env = svc.env;
        let created = svc
            .eks
            .cluster_mut(&cluster)
            .and_then(|c| c.create_addon(&env, svc.ids, new).map(|_| ()));
        created.map_err(|e| eks_failure(svc.ids, &e))?;
        Ok(format!("{cluster}|{name}"))
    }

    fn check_create(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        let (cluster, name) = split_id(physical_id, '|');
        match svc.eks.cluster(cluster).and_then(|c| c.addon(name)) {
            Ok(addon) => Progress::Done(BTreeMap::from([("Arn".to_owned(), json!(addon.arn))])),
            Err(e) => Progress::Failed(eks_failure(svc.ids, &e)),
        }
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
        let (cluster, name) = split_id(physical_id, '|');
        if let Ok(c) = svc.eks.cluster_mut(cluster) {
            let _ = c.delete_addon(name);
        }
        Ok(())
    }
}

/// `AWS::EKS::AccessEntry`: a minimal record on its cluster (`Cluster::create_access_entry`).
/// `Ref` is `<cluster>|<principal ARN>`.
pub struct AccessEntry;

impl Provider for AccessEntry {
    fn type_name(&self) -> &'static str {
        "AWS::EKS::AccessEntry"
    }

    fn attributes(&self) -> &'static [&'static str] {
        &["AccessEntryArn"]
    }

    fn create_only(&self) -> &'static [&'static str] {
        &["ClusterName", "PrincipalArn", "Type"]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        req.require(&["ClusterName", "PrincipalArn"])?;
        let p = req.properties;
        let cluster = req.string("ClusterName").unwrap_or_default();
        let principal = req.string("PrincipalArn").unwrap_or_default();
        let access_policies = p
            .get("AccessPolicies")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .map(|a| AccessPolicy {
                        policy_arn: a
                            .get("PolicyArn")
                            .and_then(scalar_string)
                            .unwrap_or_default(),
                        scope: a
                            .pointer("/AccessScope/Type")
                            .and_then(scalar_string)
                            .unwrap_or_default(),
                        namespaces: strings(a.pointer("/AccessScope/Namespaces")),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let new = NewAccessEntry {
            principal_arn: principal.clone(),
            kind: req.string("Type"),
            username: req.string("Username"),
            kubernetes_groups: strings(p.get("KubernetesGroups")),
            access_policies,
            tags: eks_tags(req),
        };
        svc.ensure_ec2();
        let env = svc.env;
        let directory = Lookup {
            iam: &*svc.iam,
            ec2: &*svc.ec2,
        };
        let created = svc.eks.cluster_mut(&cluster).and_then(|c| {
            c.create_access_entry(&env, svc.ids, &directory, new)
                .map(|_| ())
        });
        created.map_err(|e| eks_failure(svc.ids, &e))?;
        Ok(format!("{cluster}|{principal}"))
    }

    fn check_create(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        let (cluster, principal) = split_id(physical_id, '|');
        match svc
            .eks
            .cluster(cluster)
            .and_then(|c| c.access_entry(principal))
        {
            Ok(entry) => Progress::Done(BTreeMap::from([(
                "AccessEntryArn".to_owned(),
                json!(entry.arn),
            )])),
            Err(e) => Progress::Failed(eks_failure(svc.ids, &e)),
        }
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
        let (cluster, principal) = split_id(physical_id, '|');
        if let Ok(c) = svc.eks.cluster_mut(cluster) {
            let _ = c.delete_access_entry(principal);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{request, World};
    use super::*;
    use crate::clock::Timestamp;

    #[test]
    fn a_cluster_is_created_through_the_eks_model_and_done_once_active() {
        let mut w = World::new();
        let subnets = w.default_subnets();
        let props = json!({
            "Name": "demo",
            "RoleArn": "arn:aws:iam::123456789012:role/eks",
            "ResourcesVpcConfig": {"SubnetIds": subnets, "EndpointPrivateAccess": "true"},
            "Tags": [{"Key": "team", "Value": "a"}]
        });
        let tags = [("alpha.eksctl.io/cluster-name".to_owned(), "demo".to_owned())];
        let req = request("ControlPlane", &props, &tags);
        assert_eq!(Cluster.create(&mut w.svc(), &req), Ok("demo".into()));
        let cluster = w.eks.cluster("demo").unwrap();
        assert!(cluster.vpc.endpoint_private_access);
        assert_eq!(cluster.tags["team"], "a");
        assert_eq!(cluster.tags["alpha.eksctl.io/cluster-name"], "demo");
        assert_eq!(
            cluster.tags["aws:cloudformation:logical-id"],
            "ControlPlane"
        );
        let Progress::Wait(at) = Cluster.check_create(&mut w.svc(), "demo") else {
            panic!("a new cluster is CREATING");
        };
        assert_eq!(at, Timestamp(600_000));
        w.advance_to(at);
        let Progress::Done(attrs) = Cluster.check_create(&mut w.svc(), "demo") else {
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
        let group = attrs["ClusterSecurityGroupId"].as_str().unwrap().to_owned();
        assert!(w.ec2.security_groups.contains_key(&group));
        Cluster.delete(&mut w.svc(), "demo", &props).unwrap();
        assert!(matches!(
            Cluster.check_delete(&mut w.svc(), "demo"),
            Progress::Wait(_)
        ));
        w.advance_to(Timestamp(600_000 + 300_000));
        assert_eq!(
            Cluster.check_delete(&mut w.svc(), "demo"),
            Progress::Done(BTreeMap::new())
        );
        // The security group EKS made goes with the cluster.
        assert!(!w.ec2.security_groups.contains_key(&group));
        assert_eq!(Cluster.delete(&mut w.svc(), "demo", &props), Ok(()));
    }

    #[test]
    fn eks_errors_become_handler_messages_and_missing_properties_schema_messages() {
        let mut w = World::new();
        let old = json!({
            "Version": "1.10",
            "RoleArn": "arn:aws:iam::123456789012:role/eks",
            "ResourcesVpcConfig": {"SubnetIds": w.default_subnets()}
        });
        let reason = w.refuse(&Cluster, "ControlPlane", &old);
        assert!(
            reason.starts_with("Resource handler returned message: \"unsupported Kubernetes version (Service: Eks, Status Code: 400, Request ID: "),
            "{reason}"
        );
        assert!(
            reason.ends_with(", HandlerErrorCode: InvalidRequest)"),
            "{reason}"
        );
        assert_eq!(
            w.refuse(&Cluster, "ControlPlane", &json!({})),
            "Properties validation failed for resource ControlPlane with message: [#: required key [RoleArn] not found, #: required key [ResourcesVpcConfig] not found]"
        );
        let untrusted = json!({
            "RoleArn": "arn:aws:iam::123456789012:role/nobody",
            "ResourcesVpcConfig": {"SubnetIds": w.default_subnets()}
        });
        let reason = w.refuse(&Cluster, "ControlPlane", &untrusted);
        assert!(
            reason.contains("(Service: Eks, Status Code: 400"),
            "{reason}"
        );
        assert!(w.eks.clusters.is_empty());
    }

    /// An ACTIVE cluster `demo` on two public default subnets and two private ones, and the roles
    /// `pods` (trusting Fargate pods) and `nodes` (trusting EC2). Returns the private subnets.
    fn active_cluster(w: &mut World) -> Vec<String> {
        let env = w.env();
        let vpc = w.ec2.default_vpc().unwrap().id.clone();
        let table = w
            .ec2
            .create_route_table(&mut w.ids, &vpc, Vec::new())
            .unwrap()
            .id
            .clone();
        let mut private = Vec::new();
        for (cidr, zone) in [
            ("172.31.128.0/20", "us-west-2a"),
            ("172.31.144.0/20", "us-west-2b"),
        ] {
            let id = w
                .ec2
                .create_subnet(&mut w.ids, &vpc, cidr, Some(zone), None, Vec::new())
                .unwrap()
                .id
                .clone();
            w.ec2
                .associate_route_table(&mut w.ids, &table, &id)
                .unwrap();
            private.push(id);
        }
        for (name, service) in [
            ("pods", "eks-fargate-pods.amazonaws.com"),
            ("nodes", "ec2.amazonaws.com"),
        ] {
            w.iam
                .create_role(
                    &env,
                    &mut w.ids,
                    crate::iam::model::NewRole {
                        name: name.into(),
                        assume_role_policy: format!(r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}"#),
                        ..Default::default()
                    },
                )
                .unwrap();
        }
        let mut subnets = w.default_subnets();
        subnets.extend(private.iter().cloned());
        w.make(
            &Cluster,
            "ControlPlane",
            &json!({
                "Name": "demo",
                "RoleArn": "arn:aws:iam::123456789012:role/eks",
                "ResourcesVpcConfig": {"SubnetIds": subnets},
                "AccessConfig": {"AuthenticationMode": "API_AND_CONFIG_MAP"}
            }),
        );
        private
    }

    fn profile(name: &str) -> Value {
        json!({
            "ClusterName": "demo",
            "FargateProfileName": name,
            "PodExecutionRoleArn": "arn:aws:iam::123456789012:role/pods",
            "Selectors": [{"Namespace": "default", "Labels": [{"Key": "app", "Value": "web"}]}],
            "Tags": [{"Key": "team", "Value": "a"}]
        })
    }

    #[test]
    fn fargate_profiles_wait_for_active_one_at_a_time_and_go_one_at_a_time() {
        let mut w = World::new();
        let private = active_cluster(&mut w);
        let start = w.now;
        let (fp1, attrs) = w.make(&FargateProfile, "FargateProfile1", &profile("fp1"));
        assert_eq!(fp1, "demo|fp1");
        assert_eq!(
            w.now,
            start.after(std::time::Duration::from_secs(180)),
            "it waited for ACTIVE"
        );
        let made = w
            .eks
            .cluster("demo")
            .unwrap()
            .fargate_profile("fp1")
            .unwrap();
        assert_eq!(attrs["Arn"], made.arn.as_str());
        let mut subnets = made.subnets.clone();
        subnets.sort();
        assert_eq!(
            subnets,
            {
                let mut p = private.clone();
                p.sort();
                p
            },
            "the cluster's private subnets"
        );
        assert_eq!(made.selectors[0].labels["app"], "web");
        assert_eq!(made.tags["team"], "a");

        // While one is CREATING, EKS refuses another, and the stack's resource fails with it.
        let fp2 = FargateProfile
            .create(
                &mut w.svc(),
                &request("FargateProfile2", &profile("fp2"), &[]),
            )
            .unwrap();
        let reason = w.refuse(&FargateProfile, "FargateProfile3", &profile("fp3"));
        assert!(
            reason.contains("Cannot create Fargate Profile fp3 because cluster demo currently has Fargate profile fp2 in status CREATING (Service: Eks, Status Code: 409"),
            "{reason}"
        );
        assert!(
            reason.ends_with("HandlerErrorCode: AlreadyExists)"),
            "{reason}"
        );
        let public = json!({"ClusterName": "demo", "PodExecutionRoleArn": "arn:aws:iam::123456789012:role/pods",
                            "Subnets": [w.default_subnets()[0]], "Selectors": [{"Namespace": "x"}]});
        w.advance_to(w.now.after(std::time::Duration::from_secs(180)));
        let reason = w.refuse(&FargateProfile, "Public", &public);
        assert!(
            reason.contains("provided in Fargate Profile is not a private subnet"),
            "{reason}"
        );

        // Deleting both: the second waits for the first to be gone, then goes.
        FargateProfile
            .delete(&mut w.svc(), &fp1, &json!({}))
            .unwrap();
        FargateProfile
            .delete(&mut w.svc(), &fp2, &json!({}))
            .unwrap();
        let cluster = w.eks.cluster("demo").unwrap();
        assert_eq!(
            cluster.fargate_profile("fp2").unwrap().status,
            ProfileStatus::Active
        );
        let deleting_from = w.now;
        w.unmake(&FargateProfile, &fp2, &json!({}));
        assert_eq!(
            w.now,
            deleting_from.after(std::time::Duration::from_secs(240))
        );
        assert!(w
            .eks
            .cluster("demo")
            .unwrap()
            .fargate_profiles()
            .next()
            .is_none());
        w.unmake(&FargateProfile, &fp1, &json!({}));
    }

    #[test]
    fn a_nodegroup_waits_for_active_scales_by_update_and_goes() {
        let mut w = World::new();
        let private = active_cluster(&mut w);
        let v1 = json!({
            "ClusterName": "demo", "NodegroupName": "ng-1",
            "NodeRole": "arn:aws:iam::123456789012:role/nodes",
            "Subnets": private,
            "ScalingConfig": {"DesiredSize": 2, "MaxSize": 2, "MinSize": 2},
            "InstanceTypes": ["m5.large"],
            "Labels": {"alpha.eksctl.io/nodegroup-name": "ng-1"},
            "Tags": {"alpha.eksctl.io/nodegroup-type": "managed"}
        });
        let (id, attrs) = w.make(&Nodegroup, "ManagedNodeGroup", &v1);
        assert_eq!(id, "demo/ng-1");
        assert_eq!(attrs["ClusterName"], "demo");
        assert_eq!(attrs["NodegroupName"], "ng-1");
        assert_eq!(attrs["Id"], "demo/ng-1");
        let ng = w.eks.cluster("demo").unwrap().nodegroup("ng-1").unwrap();
        assert_eq!(attrs["Arn"], ng.arn.as_str());
        assert_eq!(ng.status, NodegroupStatus::Active);
        assert_eq!(ng.instance_types, ["m5.large"]);
        assert_eq!(ng.tags["alpha.eksctl.io/nodegroup-type"], "managed");
        assert_eq!(ng.tags["aws:cloudformation:logical-id"], "ManagedNodeGroup");

        let mut v2 = v1.clone();
        v2["ScalingConfig"] = json!({"DesiredSize": 3, "MaxSize": 4, "MinSize": 1});
        v2["Labels"] = json!({"role": "web"});
        let before = w.now;
        w.change(&Nodegroup, "ManagedNodeGroup", &id, &v1, &v2)
            .unwrap();
        assert!(w.now > before, "the update waited for ACTIVE");
        let ng = w.eks.cluster("demo").unwrap().nodegroup("ng-1").unwrap();
        assert_eq!(ng.desired_size(), 3);
        assert_eq!(
            ng.labels,
            BTreeMap::from([("role".to_owned(), "web".to_owned())])
        );
        let mut v3 = v2.clone();
        v3["AmiType"] = json!("AL2_x86_64");
        v3["Version"] = json!("1.31");
        assert_eq!(
            w.change(&Nodegroup, "ManagedNodeGroup", &id, &v2, &v3).unwrap_err(),
            "Updating AmiType, Version of AWS::EKS::Nodegroup is not supported by this emulator yet"
        );
        let reason = w.refuse(&Nodegroup, "Again", &v1);
        assert!(
            reason.contains("NodeGroup already exists with name ng-1 and cluster name demo"),
            "{reason}"
        );
        // The cluster cannot go while the nodegroup is there.
        let reason = Cluster
            .delete(&mut w.svc(), "demo", &json!({}))
            .unwrap_err();
        assert!(
            reason.contains("Cluster has nodegroups attached"),
            "{reason}"
        );
        w.unmake(&Nodegroup, &id, &v2);
        assert!(w.eks.cluster("demo").unwrap().nodegroups().next().is_none());
    }

    #[test]
    fn addons_and_access_entries_are_recorded_on_their_cluster() {
        let mut w = World::new();
        active_cluster(&mut w);
        let addon = json!({"ClusterName": "demo", "AddonName": "vpc-cni", "AddonVersion": "v1.19.0-eksbuild.1"});
        let (id, attrs) = w.make(&Addon, "VpcCni", &addon);
        assert_eq!(id, "demo|vpc-cni");
        assert!(attrs["Arn"]
            .as_str()
            .unwrap()
            .contains(":addon/demo/vpc-cni/"));
        let reason = w.refuse(&Addon, "Again", &addon);
        assert!(reason.contains("Addon already exists."), "{reason}");
        let entry = json!({"ClusterName": "demo", "PrincipalArn": "arn:aws:iam::123456789012:role/nodes", "Type": "EC2_LINUX"});
        let (entry_id, attrs) = w.make(&AccessEntry, "AccessEntry", &entry);
        assert_eq!(entry_id, "demo|arn:aws:iam::123456789012:role/nodes");
        assert!(attrs["AccessEntryArn"]
            .as_str()
            .unwrap()
            .contains(":access-entry/demo/role/123456789012/nodes/"));
        let recorded = w
            .eks
            .cluster("demo")
            .unwrap()
            .access_entry("arn:aws:iam::123456789012:role/nodes")
            .unwrap();
        assert_eq!(recorded.kubernetes_groups, ["system:nodes"]);
        let reason = w.refuse(
            &AccessEntry,
            "Ghost",
            &json!({"ClusterName": "demo", "PrincipalArn": "arn:aws:iam::123456789012:role/ghost"}),
        );
        assert!(
            reason.contains("The specified principalArn is invalid"),
            "{reason}"
        );
        w.unmake(&AccessEntry, &entry_id, &entry);
        w.unmake(&Addon, &id, &addon);
        let cluster = w.eks.cluster("demo").unwrap();
        assert!(cluster.addons().next().is_none() && cluster.access_entries().next().is_none());
    }
}
