//! Add-ons and access entries: minimal records a cluster keeps, with the rules EKS applies when
//! they are made (the cluster is `ACTIVE`, names are unique, access entries need the API
//! authentication mode and an existing principal). CloudFormation's `AWS::EKS::Addon` and
//! `AWS::EKS::AccessEntry` make them; no EKS API operation serves them yet. An add-on is `ACTIVE`
//! as soon as it is recorded (nothing runs it), and both go with their cluster.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{validate_role_arn, validate_tags, Cluster, ClusterStatus, Directory};
use crate::clock::Timestamp;
use crate::eks::error::EksError;
use crate::ids::IdGen;
use crate::state::Env;

/// An add-on of a cluster (`vpc-cni`, `coredns`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addon {
    /// `addonName`, unique in its cluster.
    pub name: String,
    /// `arn:aws:eks:<region>:<account>:addon/<cluster>/<name>/<id>`.
    pub arn: String,
    /// The cluster it belongs to.
    pub cluster_name: String,
    /// `addonVersion` as given (EKS would pick the default one for the cluster's version).
    pub version: Option<String>,
    /// `serviceAccountRoleArn`.
    pub service_account_role_arn: Option<String>,
    /// `configurationValues` (JSON or YAML text).
    pub configuration_values: Option<String>,
    /// When it was made.
    pub created_at: Timestamp,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

/// What creating an add-on asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewAddon {
    /// `addonName`.
    pub name: String,
    /// `addonVersion`.
    pub version: Option<String>,
    /// `serviceAccountRoleArn`.
    pub service_account_role_arn: Option<String>,
    /// `configurationValues`.
    pub configuration_values: Option<String>,
    /// `tags`.
    pub tags: BTreeMap<String, String>,
}

/// One access policy associated with an access entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessPolicy {
    /// `policyArn` (`arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`, …).
    pub policy_arn: String,
    /// `accessScope.type`: `cluster` or `namespace`.
    pub scope: String,
    /// `accessScope.namespaces`.
    pub namespaces: Vec<String>,
}

/// The types of access entries EKS knows.
pub const ACCESS_ENTRY_TYPES: &[&str] = &[
    "STANDARD",
    "EC2_LINUX",
    "EC2_WINDOWS",
    "FARGATE_LINUX",
    "HYBRID_LINUX",
];

/// An access entry: which Kubernetes identity an IAM principal gets in a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEntry {
    /// The IAM principal (`principalArn`), unique in its cluster.
    pub principal_arn: String,
    /// `arn:aws:eks:<region>:<account>:access-entry/<cluster>/<principal kind>/<account>/<name>/<id>`.
    pub arn: String,
    /// The cluster it belongs to.
    pub cluster_name: String,
    /// `type` (one of [`ACCESS_ENTRY_TYPES`]).
    pub kind: String,
    /// The Kubernetes user name.
    pub username: String,
    /// The Kubernetes groups.
    pub kubernetes_groups: Vec<String>,
    /// The access policies associated with it.
    pub access_policies: Vec<AccessPolicy>,
    /// When it was made.
    pub created_at: Timestamp,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

/// What creating an access entry asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewAccessEntry {
    /// `principalArn`.
    pub principal_arn: String,
    /// `type`; `STANDARD` when absent.
    pub kind: Option<String>,
    /// `username`; EKS derives one when absent.
    pub username: Option<String>,
    /// `kubernetesGroups`.
    pub kubernetes_groups: Vec<String>,
    /// The access policies to associate.
    pub access_policies: Vec<AccessPolicy>,
    /// `tags`.
    pub tags: BTreeMap<String, String>,
}

impl Cluster {
    /// The cluster's add-ons in name order.
    pub fn addons(&self) -> impl Iterator<Item = &Addon> {
        self.addons.values()
    }

    /// One add-on.
    ///
    /// # Errors
    ///
    /// [`EksError::AddonNotFound`].
    pub fn addon(&self, name: &str) -> Result<&Addon, EksError> {
        self.addons
            .get(name)
            .ok_or_else(|| EksError::AddonNotFound {
                cluster: self.name.clone(),
                addon: name.to_owned(),
            })
    }

    /// Records an add-on of an `ACTIVE` cluster.
    ///
    /// # Errors
    ///
    /// [`EksError::MissingParameter`], [`EksError::InvalidRoleArn`], [`EksError::InvalidTags`],
    /// [`EksError::ClusterNotActive`], [`EksError::AddonExists`].
    pub fn create_addon(
        &mut self,
        env: &Env<'_>,
        ids: &mut IdGen,
        new: NewAddon,
    ) -> Result<&Addon, EksError> {
        if new.name.is_empty() {
            return Err(EksError::MissingParameter {
                parameter: "addonName",
            });
        }
        if let Some(role) = &new.service_account_role_arn {
            validate_role_arn(role)?;
        }
        validate_tags(&new.tags)?;
        self.check_active()?;
        if self.addons.contains_key(&new.name) {
            return Err(EksError::AddonExists {
                cluster: self.name.clone(),
                addon: new.name,
            });
        }
        let addon = Addon {
            arn: format!(
                "arn:aws:eks:{}:{}:addon/{}/{}/{}",
                env.region,
                env.account,
                self.name,
                new.name,
                ids.eks_uuid()
            ),
            cluster_name: self.name.clone(),
            version: new.version,
            service_account_role_arn: new.service_account_role_arn,
            configuration_values: new.configuration_values,
            created_at: env.now,
            tags: new.tags,
            name: new.name.clone(),
        };
        Ok(self.addons.entry(new.name).or_insert(addon))
    }

    /// Removes an add-on.
    ///
    /// # Errors
    ///
    /// [`EksError::AddonNotFound`].
    pub fn delete_addon(&mut self, name: &str) -> Result<Addon, EksError> {
        self.addon(name)?;
        self.addons.remove(name).ok_or_else(|| unreachable!())
    }

    /// The cluster's access entries by principal ARN.
    pub fn access_entries(&self) -> impl Iterator<Item = &AccessEntry> {
        self.access_entries.values()
    }

    /// One access entry.
    ///
    /// # Errors
    ///
    /// [`EksError::AccessEntryNotFound`].
    pub fn access_entry(&self, principal_arn: &str) -> Result<&AccessEntry, EksError> {
        self.access_entries
            .get(principal_arn)
            .ok_or_else(|| EksError::AccessEntryNotFound {
                cluster: self.name.clone(),
            })
    }

    /// Records an access entry of an `ACTIVE` cluster whose authentication mode includes the EKS
    /// API; a role principal must exist. EKS derives the user name when none is given: the role's
    /// assumed-role ARN with a session placeholder for `STANDARD`, the node's name for the EC2
    /// types (which also get the group `system:nodes`).
    ///
    /// # Errors
    ///
    /// [`EksError::InvalidPrincipal`], [`EksError::InvalidAccessEntryType`],
    /// [`EksError::InvalidTags`], [`EksError::ClusterNotActive`],
    /// [`EksError::AccessEntriesNotEnabled`], [`EksError::AccessEntryExists`].
    pub fn create_access_entry(
        &mut self,
        env: &Env<'_>,
        ids: &mut IdGen,
        directory: &dyn Directory,
        new: NewAccessEntry,
    ) -> Result<&AccessEntry, EksError> {
        let kind = new.kind.clone().unwrap_or_else(|| "STANDARD".into());
        if !ACCESS_ENTRY_TYPES.contains(&kind.as_str()) {
            return Err(EksError::InvalidAccessEntryType { kind });
        }
        let (principal_kind, principal_name) =
            principal_parts(&new.principal_arn).ok_or_else(|| EksError::InvalidPrincipal {
                cluster: self.name.clone(),
            })?;
        validate_tags(&new.tags)?;
        self.check_active()?;
        if self.authentication_mode == "CONFIG_MAP" {
            return Err(EksError::AccessEntriesNotEnabled {
                cluster: self.name.clone(),
            });
        }
        if self.access_entries.contains_key(&new.principal_arn) {
            return Err(EksError::AccessEntryExists {
                cluster: self.name.clone(),
            });
        }
        if principal_kind == "role" && directory.role(&new.principal_arn).is_none() {
            return Err(EksError::InvalidPrincipal {
                cluster: self.name.clone(),
            });
        }
        let ec2 = kind.starts_with("EC2_") || kind == "HYBRID_LINUX";
        let username = new.username.unwrap_or_else(|| {
            if ec2 {
                "system:node:{{EC2PrivateDNSName}}".into()
            } else if principal_kind == "role" {
                format!(
                    "arn:aws:sts::{}:assumed-role/{}/{{{{SessionName}}}}",
                    env.account,
                    principal_name.rsplit('/').next().unwrap_or(principal_name)
                )
            } else {
                new.principal_arn.clone()
            }
        });
        let mut kubernetes_groups = new.kubernetes_groups;
        if ec2 && kubernetes_groups.is_empty() {
            kubernetes_groups.push("system:nodes".into());
        }
        let entry = AccessEntry {
            arn: format!(
                "arn:aws:eks:{}:{}:access-entry/{}/{principal_kind}/{}/{}/{}",
                env.region,
                env.account,
                self.name,
                env.account,
                principal_name.rsplit('/').next().unwrap_or(principal_name),
                ids.eks_uuid()
            ),
            cluster_name: self.name.clone(),
            kind,
            username,
            kubernetes_groups,
            access_policies: new.access_policies,
            created_at: env.now,
            tags: new.tags,
            principal_arn: new.principal_arn.clone(),
        };
        Ok(self
            .access_entries
            .entry(new.principal_arn)
            .or_insert(entry))
    }

    /// Removes an access entry.
    ///
    /// # Errors
    ///
    /// [`EksError::AccessEntryNotFound`].
    pub fn delete_access_entry(&mut self, principal_arn: &str) -> Result<AccessEntry, EksError> {
        self.access_entry(principal_arn)?;
        self.access_entries
            .remove(principal_arn)
            .ok_or_else(|| unreachable!())
    }

    fn check_active(&self) -> Result<(), EksError> {
        if self.status == ClusterStatus::Active {
            Ok(())
        } else {
            Err(EksError::ClusterNotActive {
                cluster: self.name.clone(),
            })
        }
    }
}

/// `("role" | "user", "<path/>name")` of an IAM role or user ARN.
fn principal_parts(arn: &str) -> Option<(&'static str, &str)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "iam" {
        return None;
    }
    if let Some(name) = parts[5].strip_prefix("role/") {
        Some(("role", name))
    } else {
        parts[5].strip_prefix("user/").map(|name| ("user", name))
    }
    .filter(|(_, name)| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::super::fake::{Fixture, CLUSTER, NODE_ROLE};
    use super::*;

    #[test]
    fn an_addon_is_recorded_once_on_an_active_cluster() {
        let mut f = Fixture::active_cluster();
        let env = f.env();
        let cluster = f.eks.clusters.get_mut(CLUSTER).unwrap();
        let new = NewAddon {
            name: "vpc-cni".into(),
            version: Some("v1.19.0-eksbuild.1".into()),
            ..NewAddon::default()
        };
        let addon = cluster.create_addon(&env, &mut f.ids, new.clone()).unwrap();
        assert!(addon.arn.starts_with(&format!(
            "arn:aws:eks:us-east-1:123456789012:addon/{CLUSTER}/vpc-cni/"
        )));
        assert_eq!(
            cluster.create_addon(&env, &mut f.ids, new).unwrap_err(),
            EksError::AddonExists {
                cluster: CLUSTER.into(),
                addon: "vpc-cni".into()
            }
        );
        assert_eq!(cluster.addons().count(), 1);
        cluster.delete_addon("vpc-cni").unwrap();
        assert_eq!(
            cluster.delete_addon("vpc-cni").unwrap_err().to_string(),
            format!("No addon: vpc-cni found in cluster: {CLUSTER}")
        );
    }

    #[test]
    fn access_entries_need_the_api_mode_and_a_real_principal() {
        let mut f = Fixture::active_cluster();
        let env = f.env();
        let cluster = f.eks.clusters.get_mut(CLUSTER).unwrap();
        cluster.authentication_mode = "API_AND_CONFIG_MAP".into();
        let node = NewAccessEntry {
            principal_arn: NODE_ROLE.into(),
            kind: Some("EC2_LINUX".into()),
            ..NewAccessEntry::default()
        };
        let entry = cluster
            .create_access_entry(&env, &mut f.ids, &f.dir, node.clone())
            .unwrap();
        assert_eq!(entry.username, "system:node:{{EC2PrivateDNSName}}");
        assert_eq!(entry.kubernetes_groups, ["system:nodes"]);
        assert!(entry.arn.contains(":access-entry/"));
        assert_eq!(
            cluster
                .create_access_entry(&env, &mut f.ids, &f.dir, node)
                .unwrap_err()
                .code(),
            "ResourceInUseException"
        );
        let nobody = NewAccessEntry {
            principal_arn: "arn:aws:iam::123456789012:role/nobody".into(),
            ..NewAccessEntry::default()
        };
        assert_eq!(
            cluster
                .create_access_entry(&env, &mut f.ids, &f.dir, nobody)
                .unwrap_err()
                .code(),
            "InvalidParameterException"
        );
        cluster.authentication_mode = "CONFIG_MAP".into();
        let other = NewAccessEntry {
            principal_arn: "arn:aws:iam::123456789012:user/alice".into(),
            ..NewAccessEntry::default()
        };
        assert_eq!(
            cluster
                .create_access_entry(&env, &mut f.ids, &f.dir, other)
                .unwrap_err()
                .code(),
            "InvalidRequestException"
        );
        cluster.delete_access_entry(NODE_ROLE).unwrap();
        assert!(cluster.access_entries().next().is_none());
    }
}
