//! `AWS::EKS::*` providers, through the EKS model (and, for clusters, the one create path
//! `directory::create_cluster` the EKS API uses too).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{
    bool_of, changed_properties, handler_failure, key_values, scalar_string, strings, Progress,
    Provider, Request, Services,
};
use crate::eks::error::EksError;
use crate::eks::model::{ClusterStatus, NewCluster};
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

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
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
}
