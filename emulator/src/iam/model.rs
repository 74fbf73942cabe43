//! IAM state of one account (roles with their inline and attached policies and tags, instance
//! profiles) and the AWS managed policies every account can attach. IAM is global: one store per
//! account, whatever region a request was signed for. Nothing of HTTP or XML here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::{IamError, NAME_PATTERN};
use super::policy::{PolicyDocument, PolicyKind};
use crate::clock::Timestamp;
use crate::ids::IdGen;
use crate::state::Env;

/// The IAM store of one account.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct IamAccount {
    /// Roles by lowercased name: IAM names are unique regardless of case.
    pub roles: BTreeMap<String, Role>,
    /// Instance profiles by lowercased name.
    pub instance_profiles: BTreeMap<String, InstanceProfile>,
}

/// A tag on an IAM resource, in the order it was first set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    /// `Key`.
    pub key: String,
    /// `Value`.
    pub value: String,
}

/// An IAM role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// `RoleName` as created.
    pub name: String,
    /// `Path` (`/` unless given).
    pub path: String,
    /// `RoleId` (`AROA…`).
    pub id: String,
    /// `arn:aws:iam::<account>:role<path><name>`.
    pub arn: String,
    /// `CreateDate`.
    pub created_at: Timestamp,
    /// The trust policy exactly as given (IAM returns it URL-encoded).
    pub assume_role_policy: String,
    /// `Description`.
    pub description: Option<String>,
    /// `MaxSessionDuration` in seconds (3600 unless given).
    pub max_session_duration: u32,
    /// Tags.
    pub tags: Vec<Tag>,
    /// ARNs of the managed policies attached, in attachment order.
    pub attached_policies: Vec<String>,
    /// Inline policies by name, each as given.
    pub inline_policies: BTreeMap<String, String>,
}

impl Role {
    /// The service principals the trust policy lets assume this role.
    #[must_use]
    pub fn trusted_services(&self) -> Vec<String> {
        PolicyDocument::parse(&self.assume_role_policy, PolicyKind::Trust)
            .map(|doc| doc.services_allowed_to_assume())
            .unwrap_or_default()
    }
}

/// An instance profile: a container for (at most) one role, for EC2 instances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceProfile {
    /// `InstanceProfileName` as created.
    pub name: String,
    /// `Path`.
    pub path: String,
    /// `InstanceProfileId` (`AIPA…`).
    pub id: String,
    /// `arn:aws:iam::<account>:instance-profile<path><name>`.
    pub arn: String,
    /// `CreateDate`.
    pub created_at: Timestamp,
    /// Lowercased names of the roles it holds (zero or one).
    pub roles: Vec<String>,
    /// Tags.
    pub tags: Vec<Tag>,
}

/// What `CreateRole` asks for, already decoded from the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewRole {
    /// `RoleName`.
    pub name: String,
    /// `Path`.
    pub path: Option<String>,
    /// `AssumeRolePolicyDocument`.
    pub assume_role_policy: String,
    /// `Description`.
    pub description: Option<String>,
    /// `MaxSessionDuration`.
    pub max_session_duration: Option<u32>,
    /// `Tags`.
    pub tags: Vec<Tag>,
}

/// An AWS managed policy (`arn:aws:iam::aws:policy/<path><name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagedPolicy {
    /// `PolicyName`.
    pub name: &'static str,
    /// `Path` (`/`, or `/service-role/`, …).
    pub path: &'static str,
    /// `Description`.
    pub description: &'static str,
}

/// The AWS managed policies EKS, Fargate and nodegroup setups attach (what eksctl, the EKS user
/// guide and the EKS CloudFormation samples use), plus the usual broad ones.
pub const MANAGED_POLICIES: &[ManagedPolicy] = &[
    ManagedPolicy { name: "AmazonEKSClusterPolicy", path: "/", description: "This policy provides Kubernetes the permissions it requires to manage resources on your behalf. Kubernetes requires Ec2:CreateTags permissions to place identifying information on EC2 resources including but not limited to Instances, Security Groups, and Elastic Network Interfaces." },
    ManagedPolicy { name: "AmazonEKSServicePolicy", path: "/", description: "This policy allows Amazon Elastic Container Service for Kubernetes to create and manage the necessary resources to operate EKS Clusters." },
    ManagedPolicy { name: "AmazonEKSVPCResourceController", path: "/", description: "Policy used by VPC Resource Controller to manage ENI and IPs for worker nodes." },
    ManagedPolicy { name: "AmazonEKSFargatePodExecutionRolePolicy", path: "/", description: "Provides access to other AWS service resources that are required to run Amazon EKS pods on AWS Fargate." },
    ManagedPolicy { name: "AmazonEKSWorkerNodePolicy", path: "/", description: "This policy allows Amazon EKS worker nodes to connect to Amazon EKS Clusters." },
    ManagedPolicy { name: "AmazonEKSWorkerNodeMinimalPolicy", path: "/", description: "This policy allows Amazon EKS worker nodes to connect to Amazon EKS Clusters." },
    ManagedPolicy { name: "AmazonEKS_CNI_Policy", path: "/", description: "This policy provides the Amazon VPC CNI Plugin (amazon-vpc-cni-k8s) the permissions it requires to modify the IP address configuration on your EKS worker nodes." },
    ManagedPolicy { name: "AmazonEKSComputePolicy", path: "/", description: "Provides the permissions Amazon EKS Auto Mode needs to manage compute." },
    ManagedPolicy { name: "AmazonEKSBlockStoragePolicy", path: "/", description: "Provides the permissions Amazon EKS Auto Mode needs to manage block storage." },
    ManagedPolicy { name: "AmazonEKSLoadBalancingPolicy", path: "/", description: "Provides the permissions Amazon EKS Auto Mode needs to manage load balancers." },
    ManagedPolicy { name: "AmazonEKSNetworkingPolicy", path: "/", description: "Provides the permissions Amazon EKS Auto Mode needs to manage networking." },
    ManagedPolicy { name: "AmazonEBSCSIDriverPolicy", path: "/service-role/", description: "IAM Policy that allows the CSI driver service account to make calls to related services such as EC2 on your behalf." },
    ManagedPolicy { name: "AmazonEC2ContainerRegistryReadOnly", path: "/", description: "Provides read-only access to Amazon EC2 Container Registry repositories." },
    ManagedPolicy { name: "AmazonEC2ContainerRegistryPullOnly", path: "/", description: "Provides permissions to pull images from Amazon ECR repositories." },
    ManagedPolicy { name: "AmazonSSMManagedInstanceCore", path: "/", description: "The policy for Amazon EC2 Role to enable AWS Systems Manager service core functionality." },
    ManagedPolicy { name: "CloudWatchAgentServerPolicy", path: "/", description: "Permissions required to use AmazonCloudWatchAgent on servers" },
    ManagedPolicy { name: "ElasticLoadBalancingFullAccess", path: "/", description: "Provides full access to Amazon ElasticLoadBalancing, and limited access to other services necessary to provide ElasticLoadBalancing features." },
    ManagedPolicy { name: "AmazonS3ReadOnlyAccess", path: "/", description: "Provides read only access to all buckets via the AWS Management Console." },
    ManagedPolicy { name: "AmazonVPCFullAccess", path: "/", description: "Provides full access to Amazon VPC via the AWS Management Console." },
    ManagedPolicy { name: "ReadOnlyAccess", path: "/", description: "Provides read-only access to AWS services and resources." },
    ManagedPolicy { name: "AdministratorAccess", path: "/", description: "Provides full access to AWS services and resources." },
];

/// When AWS published the managed policies, as `CreateDate` shows it (a fixed instant so that
/// responses do not depend on when the emulator started).
pub const MANAGED_POLICY_CREATED: Timestamp = Timestamp(1_527_807_879_988); // 2018-05-31T23:04:39.988Z

impl ManagedPolicy {
    /// `arn:aws:iam::aws:policy<path><name>`.
    #[must_use]
    pub fn arn(&self) -> String {
        format!("arn:aws:iam::aws:policy{}{}", self.path, self.name)
    }

    /// `ANPA` and 17 characters, derived from the name: the same in every account and run, as the
    /// ids of real managed policies are.
    #[must_use]
    pub fn policy_id(&self) -> String {
        const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let digest = Sha256::digest(self.name.as_bytes());
        let tail: String = digest
            .iter()
            .take(17)
            .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
            .collect();
        format!("ANPA{tail}")
    }
}

/// The managed policy an ARN names.
#[must_use]
pub fn managed_policy(arn: &str) -> Option<&'static ManagedPolicy> {
    MANAGED_POLICIES.iter().find(|p| p.arn() == arn)
}

/// Whether `arn` has the form of a policy ARN (`arn:aws:iam::<account or aws>:policy/...`).
fn is_policy_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && (parts[4] == "aws"
            || (parts[4].len() == 12 && parts[4].chars().all(|c| c.is_ascii_digit())))
        && parts[5]
            .strip_prefix("policy/")
            .is_some_and(|rest| !rest.is_empty())
}

/// Checks a name member: `1..=max` characters of [`NAME_PATTERN`].
pub fn validate_name(member: &'static str, value: &str, max: usize) -> Result<(), IamError> {
    if value.is_empty() {
        return Err(IamError::invalid(
            member,
            value,
            "have length greater than or equal to 1",
        ));
    }
    if value.chars().count() > max {
        return Err(IamError::invalid(
            member,
            value,
            format!("have length less than or equal to {max}"),
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    if !value.chars().all(allowed) {
        return Err(IamError::invalid(
            member,
            value,
            format!("satisfy regular expression pattern: {NAME_PATTERN}"),
        ));
    }
    Ok(())
}

fn validate_path(path: &str) -> Result<(), IamError> {
    let well_formed = path.starts_with('/')
        && path.ends_with('/')
        && path.len() <= 512
        && path.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c));
    if well_formed {
        Ok(())
    } else {
        Err(IamError::InvalidPath)
    }
}

/// Checks tags as IAM bounds them: no key twice (regardless of case), keys 1–128 and values up to
/// 256 characters.
pub fn validate_tags(tags: &[Tag]) -> Result<(), IamError> {
    for (i, tag) in tags.iter().enumerate() {
        if tags[..i]
            .iter()
            .any(|t| t.key.eq_ignore_ascii_case(&tag.key))
        {
            return Err(IamError::DuplicateTagKeys);
        }
        if tag.key.is_empty() || tag.key.chars().count() > 128 {
            return Err(IamError::invalid(
                "tags.X.member.key",
                &tag.key,
                "have length less than or equal to 128",
            ));
        }
        if tag.value.chars().count() > 256 {
            return Err(IamError::invalid(
                "tags.X.member.value",
                &tag.value,
                "have length less than or equal to 256",
            ));
        }
    }
    if tags.len() > 50 {
        return Err(IamError::TooManyTags);
    }
    Ok(())
}

/// Sets `new` tags over `tags`: a key already there (regardless of case) takes the new value.
fn merge_tags(tags: &mut Vec<Tag>, new: Vec<Tag>) {
    for tag in new {
        match tags
            .iter_mut()
            .find(|t| t.key.eq_ignore_ascii_case(&tag.key))
        {
            Some(existing) => existing.value = tag.value,
            None => tags.push(tag),
        }
    }
}

impl IamAccount {
    /// `CreateRole`.
    pub fn create_role(
        &mut self,
        env: &Env<'_>,
        ids: &mut IdGen,
        new: NewRole,
    ) -> Result<&Role, IamError> {
        validate_name("roleName", &new.name, 64)?;
        let path = new.path.unwrap_or_else(|| "/".into());
        validate_path(&path)?;
        PolicyDocument::parse(&new.assume_role_policy, PolicyKind::Trust)?;
        if let Some(description) = &new.description {
            if description.chars().count() > 1000 {
                return Err(IamError::invalid(
                    "description",
                    description,
                    "have length less than or equal to 1000",
                ));
            }
        }
        let max_session_duration = new.max_session_duration.unwrap_or(3600);
        if !(3600..=43200).contains(&max_session_duration) {
            let constraint = if max_session_duration < 3600 {
                "have value greater than or equal to 3600"
            } else {
                "have value less than or equal to 43200"
            };
            return Err(IamError::invalid(
                "maxSessionDuration",
                &max_session_duration.to_string(),
                constraint,
            ));
        }
        validate_tags(&new.tags)?;
        let key = new.name.to_ascii_lowercase();
        if self.roles.contains_key(&key) {
            return Err(IamError::RoleExists { role: new.name });
        }
        let role = Role {
            arn: format!("arn:aws:iam::{}:role{path}{}", env.account, new.name),
            id: ids.iam_unique_id("AROA"),
            name: new.name,
            path,
            created_at: env.now,
            assume_role_policy: new.assume_role_policy,
            description: new.description,
            max_session_duration,
            tags: new.tags,
            attached_policies: Vec::new(),
            inline_policies: BTreeMap::new(),
        };
        Ok(self.roles.entry(key).or_insert(role))
    }

    /// `GetRole`.
    pub fn role(&self, name: &str) -> Result<&Role, IamError> {
        self.roles
            .get(&name.to_ascii_lowercase())
            .ok_or_else(|| IamError::NoSuchRole {
                role: name.to_owned(),
            })
    }

    fn role_mut(&mut self, name: &str) -> Result<&mut Role, IamError> {
        self.roles
            .get_mut(&name.to_ascii_lowercase())
            .ok_or_else(|| IamError::NoSuchRole {
                role: name.to_owned(),
            })
    }

    /// The role an ARN names in this account, if any (the ARN's path and name must match).
    #[must_use]
    pub fn role_by_arn(&self, arn: &str) -> Option<&Role> {
        let name = arn.rsplit('/').next()?;
        self.roles
            .get(&name.to_ascii_lowercase())
            .filter(|role| role.arn.eq_ignore_ascii_case(arn))
    }

    /// `ListRoles`: every role whose path starts with `path_prefix`, by name.
    #[must_use]
    pub fn roles(&self, path_prefix: &str) -> Vec<&Role> {
        self.roles
            .values()
            .filter(|role| role.path.starts_with(path_prefix))
            .collect()
    }

    /// `DeleteRole`: refused while the role is in an instance profile or has policies.
    pub fn delete_role(&mut self, name: &str) -> Result<(), IamError> {
        let key = name.to_ascii_lowercase();
        let role = self.role(name)?;
        if self
            .instance_profiles
            .values()
            .any(|p| p.roles.contains(&key))
        {
            return Err(IamError::RemoveFromInstanceProfileFirst);
        }
        if !role.attached_policies.is_empty() {
            return Err(IamError::DetachPoliciesFirst);
        }
        if !role.inline_policies.is_empty() {
            return Err(IamError::DeletePoliciesFirst);
        }
        self.roles.remove(&key);
        Ok(())
    }

    /// `UpdateAssumeRolePolicy`.
    pub fn update_assume_role_policy(
        &mut self,
        name: &str,
        document: String,
    ) -> Result<(), IamError> {
        let role = self.role_mut(name)?;
        PolicyDocument::parse(&document, PolicyKind::Trust)?;
        role.assume_role_policy = document;
        Ok(())
    }

    /// `AttachRolePolicy`: attaching a policy already attached changes nothing.
    pub fn attach_role_policy(&mut self, name: &str, policy_arn: &str) -> Result<(), IamError> {
        if !is_policy_arn(policy_arn) {
            return Err(IamError::InvalidArn {
                arn: policy_arn.to_owned(),
            });
        }
        let role = self.role_mut(name)?;
        if managed_policy(policy_arn).is_none() {
            return Err(IamError::PolicyNotAttachable {
                arn: policy_arn.to_owned(),
            });
        }
        if !role.attached_policies.iter().any(|a| a == policy_arn) {
            role.attached_policies.push(policy_arn.to_owned());
        }
        Ok(())
    }

    /// `DetachRolePolicy`.
    pub fn detach_role_policy(&mut self, name: &str, policy_arn: &str) -> Result<(), IamError> {
        if !is_policy_arn(policy_arn) {
            return Err(IamError::InvalidArn {
                arn: policy_arn.to_owned(),
            });
        }
        let role = self.role_mut(name)?;
        let before = role.attached_policies.len();
        role.attached_policies.retain(|a| a != policy_arn);
        if role.attached_policies.len() == before {
            return Err(IamError::PolicyNotFound {
                arn: policy_arn.to_owned(),
            });
        }
        Ok(())
    }

    /// `ListAttachedRolePolicies`: (name, ARN) of each attached policy whose path starts with
    /// `path_prefix`.
    pub fn attached_role_policies(
        &self,
        name: &str,
        path_prefix: &str,
    ) -> Result<Vec<(&'static str, String)>, IamError> {
        let role = self.role(name)?;
        Ok(role
            .attached_policies
            .iter()
            .filter_map(|arn| managed_policy(arn))
            .filter(|policy| policy.path.starts_with(path_prefix))
            .map(|policy| (policy.name, policy.arn()))
            .collect())
    }

    /// `GetPolicy` for a managed policy: the policy and how many roles of this account attach it.
    pub fn policy(&self, policy_arn: &str) -> Result<(&'static ManagedPolicy, usize), IamError> {
        if !is_policy_arn(policy_arn) {
            return Err(IamError::InvalidArn {
                arn: policy_arn.to_owned(),
            });
        }
        let policy = managed_policy(policy_arn).ok_or_else(|| IamError::PolicyNotFound {
            arn: policy_arn.to_owned(),
        })?;
        let attachments = self
            .roles
            .values()
            .filter(|role| role.attached_policies.iter().any(|a| a == policy_arn))
            .count();
        Ok((policy, attachments))
    }

    /// `PutRolePolicy`: creates or replaces an inline policy.
    pub fn put_role_policy(
        &mut self,
        name: &str,
        policy_name: &str,
        document: String,
    ) -> Result<(), IamError> {
        validate_name("policyName", policy_name, 128)?;
        let role = self.role_mut(name)?;
        PolicyDocument::parse(&document, PolicyKind::Permissions)?;
        role.inline_policies
            .insert(policy_name.to_owned(), document);
        Ok(())
    }

    /// `GetRolePolicy`: the inline policy's document as given.
    pub fn role_policy(&self, name: &str, policy_name: &str) -> Result<(&Role, &str), IamError> {
        let role = self.role(name)?;
        let document =
            role.inline_policies
                .get(policy_name)
                .ok_or_else(|| IamError::NoSuchRolePolicy {
                    policy: policy_name.to_owned(),
                })?;
        Ok((role, document))
    }

    /// `DeleteRolePolicy`.
    pub fn delete_role_policy(&mut self, name: &str, policy_name: &str) -> Result<(), IamError> {
        let role = self.role_mut(name)?;
        role.inline_policies
            .remove(policy_name)
            .map(|_| ())
            .ok_or_else(|| IamError::NoSuchRolePolicy {
                policy: policy_name.to_owned(),
            })
    }

    /// `TagRole`: adds tags, replacing the values of keys already set.
    pub fn tag_role(&mut self, name: &str, tags: Vec<Tag>) -> Result<(), IamError> {
        validate_tags(&tags)?;
        let role = self.role_mut(name)?;
        let mut merged = role.tags.clone();
        merge_tags(&mut merged, tags);
        if merged.len() > 50 {
            return Err(IamError::TooManyTags);
        }
        role.tags = merged;
        Ok(())
    }

    /// `UntagRole`: removes the keys given (regardless of case); absent keys are ignored.
    pub fn untag_role(&mut self, name: &str, keys: &[String]) -> Result<(), IamError> {
        let role = self.role_mut(name)?;
        role.tags
            .retain(|t| !keys.iter().any(|k| k.eq_ignore_ascii_case(&t.key)));
        Ok(())
    }

    /// `CreateInstanceProfile`.
    pub fn create_instance_profile(
        &mut self,
        env: &Env<'_>,
        ids: &mut IdGen,
        name: &str,
        path: Option<String>,
        tags: Vec<Tag>,
    ) -> Result<&InstanceProfile, IamError> {
        validate_name("instanceProfileName", name, 128)?;
        let path = path.unwrap_or_else(|| "/".into());
        validate_path(&path)?;
        validate_tags(&tags)?;
        let key = name.to_ascii_lowercase();
        if self.instance_profiles.contains_key(&key) {
            return Err(IamError::InstanceProfileExists {
                profile: name.to_owned(),
            });
        }
        let profile = InstanceProfile {
            arn: format!("arn:aws:iam::{}:instance-profile{path}{name}", env.account),
            id: ids.iam_unique_id("AIPA"),
            name: name.to_owned(),
            path,
            created_at: env.now,
            roles: Vec::new(),
            tags,
        };
        Ok(self.instance_profiles.entry(key).or_insert(profile))
    }

    /// `GetInstanceProfile`.
    pub fn instance_profile(&self, name: &str) -> Result<&InstanceProfile, IamError> {
        self.instance_profiles
            .get(&name.to_ascii_lowercase())
            .ok_or_else(|| IamError::NoSuchInstanceProfile {
                profile: name.to_owned(),
            })
    }

    fn instance_profile_mut(&mut self, name: &str) -> Result<&mut InstanceProfile, IamError> {
        self.instance_profiles
            .get_mut(&name.to_ascii_lowercase())
            .ok_or_else(|| IamError::NoSuchInstanceProfile {
                profile: name.to_owned(),
            })
    }

    /// The roles an instance profile holds.
    #[must_use]
    pub fn roles_of(&self, profile: &InstanceProfile) -> Vec<&Role> {
        profile
            .roles
            .iter()
            .filter_map(|key| self.roles.get(key))
            .collect()
    }

    /// `ListInstanceProfilesForRole`.
    pub fn instance_profiles_for_role(
        &self,
        name: &str,
    ) -> Result<Vec<&InstanceProfile>, IamError> {
        let key = name.to_ascii_lowercase();
        self.role(name)?;
        Ok(self
            .instance_profiles
            .values()
            .filter(|p| p.roles.contains(&key))
            .collect())
    }

    /// `DeleteInstanceProfile`: refused while it holds a role.
    pub fn delete_instance_profile(&mut self, name: &str) -> Result<(), IamError> {
        if !self.instance_profile(name)?.roles.is_empty() {
            return Err(IamError::RemoveFromInstanceProfileFirst);
        }
        self.instance_profiles.remove(&name.to_ascii_lowercase());
        Ok(())
    }

    /// `AddRoleToInstanceProfile`: a profile holds one role at most.
    pub fn add_role_to_instance_profile(
        &mut self,
        profile: &str,
        role: &str,
    ) -> Result<(), IamError> {
        self.instance_profile(profile)?;
        let key = self.role(role)?.name.to_ascii_lowercase();
        let profile = self.instance_profile_mut(profile)?;
        if !profile.roles.is_empty() {
            return Err(IamError::InstanceProfileFull);
        }
        profile.roles.push(key);
        Ok(())
    }

    /// `RemoveRoleFromInstanceProfile`. A role that exists but is not in the profile is reported as
    /// not found (wording chosen here: IAM's text for that case was not found).
    pub fn remove_role_from_instance_profile(
        &mut self,
        profile: &str,
        role: &str,
    ) -> Result<(), IamError> {
        self.instance_profile(profile)?;
        self.role(role)?;
        let key = role.to_ascii_lowercase();
        let profile = self.instance_profile_mut(profile)?;
        let before = profile.roles.len();
        profile.roles.retain(|r| *r != key);
        if profile.roles.len() == before {
            return Err(IamError::NoSuchRole {
                role: role.to_owned(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::Timing;

    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    const CLUSTER_POLICY: &str = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy";

    fn env() -> Env<'static> {
        Env {
            now: Timestamp(1_767_225_600_000),
            timing: Timing::Instant,
            account: "123456789012",
            region: "us-east-1",
        }
    }

    fn new_role(name: &str) -> NewRole {
        NewRole {
            name: name.into(),
            assume_role_policy: TRUST.into(),
            ..NewRole::default()
        }
    }

    #[test]
    fn a_role_gets_an_arn_with_its_path_and_an_aroa_id() {
        let mut iam = IamAccount::default();
        let mut ids = IdGen::new(0);
        let role = iam
            .create_role(
                &env(),
                &mut ids,
                NewRole {
                    path: Some("/eks/".into()),
                    ..new_role("cluster")
                },
            )
            .unwrap();
        assert_eq!(role.arn, "arn:aws:iam::123456789012:role/eks/cluster");
        assert!(role.id.starts_with("AROA") && role.id.len() == 21);
        assert_eq!(role.max_session_duration, 3600);
        assert_eq!(role.trusted_services(), ["eks.amazonaws.com"]);
        assert!(iam
            .role_by_arn("arn:aws:iam::123456789012:role/eks/cluster")
            .is_some());
        assert!(iam
            .role_by_arn("arn:aws:iam::123456789012:role/cluster")
            .is_none());
        assert!(iam
            .role_by_arn("arn:aws:iam::210987654321:role/eks/cluster")
            .is_none());
    }

    #[test]
    fn role_names_are_unique_regardless_of_case() {
        let mut iam = IamAccount::default();
        let mut ids = IdGen::new(0);
        iam.create_role(&env(), &mut ids, new_role("Cluster"))
            .unwrap();
        assert_eq!(
            iam.create_role(&env(), &mut ids, new_role("cluster"))
                .unwrap_err(),
            IamError::RoleExists {
                role: "cluster".into()
            }
        );
        assert_eq!(iam.role("CLUSTER").unwrap().name, "Cluster");
    }

    #[test]
    fn a_role_is_deleted_only_once_nothing_holds_on_to_it() {
        let mut iam = IamAccount::default();
        let mut ids = IdGen::new(0);
        iam.create_role(&env(), &mut ids, new_role("r")).unwrap();
        iam.create_instance_profile(&env(), &mut ids, "p", None, Vec::new())
            .unwrap();
        iam.add_role_to_instance_profile("p", "r").unwrap();
        iam.attach_role_policy("r", CLUSTER_POLICY).unwrap();
        iam.put_role_policy(
            "r",
            "inline",
            r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#.into(),
        )
        .unwrap();
        assert_eq!(
            iam.delete_role("r"),
            Err(IamError::RemoveFromInstanceProfileFirst)
        );
        assert_eq!(
            iam.delete_instance_profile("p"),
            Err(IamError::RemoveFromInstanceProfileFirst)
        );
        iam.remove_role_from_instance_profile("p", "r").unwrap();
        assert_eq!(iam.delete_role("r"), Err(IamError::DetachPoliciesFirst));
        iam.detach_role_policy("r", CLUSTER_POLICY).unwrap();
        assert_eq!(iam.delete_role("r"), Err(IamError::DeletePoliciesFirst));
        iam.delete_role_policy("r", "inline").unwrap();
        iam.delete_role("r").unwrap();
        iam.delete_instance_profile("p").unwrap();
        assert!(iam.roles.is_empty() && iam.instance_profiles.is_empty());
    }

    #[test]
    fn only_managed_policies_that_exist_attach() {
        let mut iam = IamAccount::default();
        let mut ids = IdGen::new(0);
        iam.create_role(&env(), &mut ids, new_role("r")).unwrap();
        let unknown = "arn:aws:iam::aws:policy/NoSuchPolicy";
        assert_eq!(
            iam.attach_role_policy("r", unknown),
            Err(IamError::PolicyNotAttachable {
                arn: unknown.into()
            })
        );
        assert_eq!(
            iam.attach_role_policy("r", "not-an-arn"),
            Err(IamError::InvalidArn {
                arn: "not-an-arn".into()
            })
        );
        iam.attach_role_policy("r", CLUSTER_POLICY).unwrap();
        iam.attach_role_policy("r", CLUSTER_POLICY).unwrap();
        assert_eq!(
            iam.attached_role_policies("r", "/").unwrap(),
            [("AmazonEKSClusterPolicy", CLUSTER_POLICY.to_owned())]
        );
        assert_eq!(iam.policy(CLUSTER_POLICY).unwrap().1, 1);
        assert_eq!(
            managed_policy("arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy")
                .map(|p| p.name),
            Some("AmazonEBSCSIDriverPolicy")
        );
    }

    #[test]
    fn tags_merge_by_key_regardless_of_case() {
        let mut iam = IamAccount::default();
        let mut ids = IdGen::new(0);
        iam.create_role(&env(), &mut ids, new_role("r")).unwrap();
        let tag = |k: &str, v: &str| Tag {
            key: k.into(),
            value: v.into(),
        };
        iam.tag_role("r", vec![tag("team", "a"), tag("env", "dev")])
            .unwrap();
        iam.tag_role("r", vec![tag("Team", "b")]).unwrap();
        assert_eq!(
            iam.role("r").unwrap().tags,
            [tag("team", "b"), tag("env", "dev")]
        );
        assert_eq!(
            iam.tag_role("r", vec![tag("x", "1"), tag("X", "2")]),
            Err(IamError::DuplicateTagKeys)
        );
        iam.untag_role("r", &["ENV".into()]).unwrap();
        assert_eq!(iam.role("r").unwrap().tags, [tag("team", "b")]);
    }

    #[test]
    fn managed_policy_ids_are_stable_and_shaped_like_aws_ones() {
        let id = MANAGED_POLICIES[0].policy_id();
        assert_eq!(id, MANAGED_POLICIES[0].policy_id());
        assert!(id.starts_with("ANPA") && id.len() == 21, "{id}");
    }
}
