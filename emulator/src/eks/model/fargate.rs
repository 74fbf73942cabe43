//! Fargate profiles: the rules `CreateFargateProfile` and `DeleteFargateProfile` enforce (names,
//! selectors, quotas, the pod execution role, private subnets, the platform version, one change at
//! a time per cluster), and the profile's lifecycle on the virtual clock. Pure: no HTTP, no locks;
//! IAM roles and EC2 subnets are read through [`Directory`].
//!
//! The order of the checks on create is: the request's own shape (name, selectors, tags, role ARN
//! form), then the cluster (exists, `ACTIVE`, platform supports Fargate), then conflicts with other
//! profiles (name taken, another change in progress, the quota), then the role, then the subnets.
//! Real EKS does not document its order; this one reports the cheapest, most local problem first.

use std::collections::BTreeMap;

use fargate_selector::{validate_selectors, ProfileStatus, Selector, SelectorError};
use serde::{Deserialize, Serialize};

use super::{
    injected_failure, validate_name, validate_role_arn, validate_tags, Cluster, ClusterStatus,
    Directory, HealthIssue,
};
use crate::clock::Timestamp;
use crate::eks::error::EksError;
use crate::faults::{Faults, Phase};
use crate::ids::IdGen;
use crate::lifecycle::{self, Advanced, Next, Scheduled, Transition};
use crate::state::Env;

/// Quota "Fargate profiles per cluster" (adjustable on real AWS; fixed here).
pub const MAX_FARGATE_PROFILES_PER_CLUSTER: usize = 10;

/// The service principal a pod execution role must trust.
pub const FARGATE_PODS_PRINCIPAL: &str = "eks-fargate-pods.amazonaws.com";

/// The name prefix EKS keeps for itself.
pub const RESERVED_PROFILE_PREFIX: &str = "eks-";

/// A Fargate profile of a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FargateProfile {
    /// `fargateProfileName`, unique in its cluster.
    pub name: String,
    /// `arn:aws:eks:<region>:<account>:fargateprofile/<cluster>/<name>/<id>`.
    pub arn: String,
    /// The cluster it belongs to.
    pub cluster_name: String,
    /// When `CreateFargateProfile` was accepted.
    pub created_at: Timestamp,
    /// The role Fargate's kubelet runs as.
    pub pod_execution_role_arn: String,
    /// The private subnets its pods get addresses in (the cluster's private subnets when none were
    /// given).
    pub subnets: Vec<String>,
    /// A pod matches the profile when it matches any of these.
    pub selectors: Vec<Selector>,
    /// `CREATING` → `ACTIVE` → `DELETING` → gone.
    pub status: ProfileStatus,
    /// Tags: the only thing about a profile that can change.
    pub tags: BTreeMap<String, String>,
    /// The idempotency token of the create.
    pub client_request_token: Option<String>,
    /// The next status change, if one is under way.
    pub scheduled: Option<Scheduled<ProfileStatus>>,
    /// The issue an injected fault reports once the scheduled change leaves the profile
    /// `CREATE_FAILED` or `DELETE_FAILED`.
    #[serde(default)]
    pub health_issue: Option<HealthIssue>,
}

impl FargateProfile {
    /// The profile as the Fargate scheduler sees it (name, status, selectors), for
    /// [`fargate_selector::choose_profile`] and [`fargate_selector::explain`].
    #[must_use]
    pub fn selector_profile(&self) -> fargate_selector::Profile {
        fargate_selector::Profile {
            name: self.name.clone(),
            status: self.status,
            selectors: self.selectors.clone(),
        }
    }
}

/// What `CreateFargateProfile` asks for, decoded from the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewFargateProfile {
    /// `fargateProfileName`.
    pub name: String,
    /// `podExecutionRoleArn`.
    pub pod_execution_role_arn: String,
    /// `subnets`; empty means "the cluster's private subnets".
    pub subnets: Vec<String>,
    /// `selectors`.
    pub selectors: Vec<Selector>,
    /// `clientRequestToken`.
    pub client_request_token: Option<String>,
    /// `tags`.
    pub tags: BTreeMap<String, String>,
}

impl NewFargateProfile {
    /// The checks that need nothing but the request: the name, the selectors, the tags and the
    /// form of the role ARN.
    ///
    /// # Errors
    ///
    /// The first rule broken.
    pub fn validate(&self) -> Result<(), EksError> {
        let profile = || self.name.clone();
        if self.name.starts_with(RESERVED_PROFILE_PREFIX) {
            return Err(EksError::FargateProfileReservedPrefix { profile: profile() });
        }
        validate_name(&self.name, "Fargate profile name")?;
        validate_selectors(&self.selectors).map_err(|err| match err {
            SelectorError::NoSelectors => EksError::NoSelectors { profile: profile() },
            SelectorError::TooManySelectors { .. } => {
                EksError::TooManySelectors { profile: profile() }
            }
            SelectorError::MissingNamespace { .. } => {
                EksError::SelectorWithoutNamespace { profile: profile() }
            }
            SelectorError::TooManyLabels { .. } => EksError::TooManyLabels { profile: profile() },
        })?;
        validate_tags(&self.tags)?;
        validate_role_arn(&self.pod_execution_role_arn)
    }

    /// Whether this request is a retry of the one that made `existing`: the same token and the
    /// same parameters. A profile being deleted is not retried into existence.
    fn is_retry_of(&self, existing: &FargateProfile) -> bool {
        self.client_request_token.is_some()
            && self.client_request_token == existing.client_request_token
            && existing.status != ProfileStatus::Deleting
            && self.pod_execution_role_arn == existing.pod_execution_role_arn
            && self.selectors == existing.selectors
            && (self.subnets.is_empty() || self.subnets == existing.subnets)
    }
}

/// Whether a cluster on Kubernetes `version` and platform `platform_version` can run Fargate pods:
/// Kubernetes 1.15 or later always; 1.14 from platform `eks.5`; earlier never (eksctl's rule,
/// reference §4).
#[must_use]
pub fn platform_supports_fargate(version: &str, platform_version: &str) -> bool {
    let mut parts = version.split('.').map(str::parse::<u32>);
    let (Some(Ok(major)), Some(Ok(minor))) = (parts.next(), parts.next()) else {
        return false;
    };
    match (major, minor) {
        (1, 15..) | (2.., _) => true,
        (1, 14) => platform_version
            .strip_prefix("eks.")
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| n >= 5),
        _ => false,
    }
}

impl Cluster {
    /// The cluster's Fargate profiles in name order (byte-wise: the order in which EKS prefers
    /// profiles when several match a pod).
    pub fn fargate_profiles(&self) -> impl Iterator<Item = &FargateProfile> {
        self.fargate_profiles.values()
    }

    /// `DescribeFargateProfile`.
    ///
    /// # Errors
    ///
    /// [`EksError::FargateProfileNotFound`].
    pub fn fargate_profile(&self, name: &str) -> Result<&FargateProfile, EksError> {
        self.fargate_profiles
            .get(name)
            .ok_or_else(|| EksError::FargateProfileNotFound {
                cluster: self.name.clone(),
                profile: name.to_owned(),
            })
    }

    /// `CreateFargateProfile`: checks every rule (see the module header for their order), then
    /// records a `CREATING` profile that becomes `ACTIVE` after the create duration — or
    /// `CREATE_FAILED` with a health issue when a `fargate-profile` fault names it. A retry with
    /// the same token and parameters returns the existing profile.
    ///
    /// What real EKS does with a `CREATE_FAILED` profile is not documented (reference §2). Chosen
    /// here, as a user would expect: it no longer counts as a change in progress (so it frees the
    /// cluster for the next create or delete), it stays listed and describable with its issue,
    /// takes no pods, and can be deleted like an `ACTIVE` one.
    ///
    /// # Errors
    ///
    /// The first rule broken, as EKS reports it.
    pub fn create_fargate_profile(
        &mut self,
        env: &Env<'_>,
        ids: &mut IdGen,
        directory: &dyn Directory,
        faults: &mut Faults,
        new: NewFargateProfile,
    ) -> Result<&FargateProfile, EksError> {
        new.validate()?;
        self.check_accepts_fargate_profiles()?;
        if let Some(existing) = self.fargate_profiles.get(&new.name) {
            return if new.is_retry_of(existing) {
                Ok(&self.fargate_profiles[&new.name])
            } else {
                Err(EksError::FargateProfileExists {
                    cluster: self.name.clone(),
                    profile: new.name,
                })
            };
        }
        if let Some(busy) = self
            .fargate_profiles
            .values()
            .find(|p| matches!(p.status, ProfileStatus::Creating | ProfileStatus::Deleting))
        {
            return Err(EksError::FargateProfileCreateBlocked {
                cluster: self.name.clone(),
                profile: new.name,
                other: busy.name.clone(),
                status: busy.status.as_str(),
            });
        }
        if self.fargate_profiles.len() >= MAX_FARGATE_PROFILES_PER_CLUSTER {
            return Err(EksError::TooManyFargateProfiles {
                cluster: self.name.clone(),
                profile: new.name,
                limit: MAX_FARGATE_PROFILES_PER_CLUSTER,
            });
        }
        self.check_pod_execution_role(directory, &new)?;
        let subnets = self.fargate_subnets(directory, ids, &new)?;
        let arn = format!(
            "arn:aws:eks:{}:{}:fargateprofile/{}/{}/{}",
            env.region,
            env.account,
            self.name,
            new.name,
            ids.eks_uuid()
        );
        let health_issue =
            injected_failure(faults, "fargate-profile", &new.name, Phase::Create, &arn);
        let end = if health_issue.is_some() {
            ProfileStatus::CreateFailed
        } else {
            ProfileStatus::Active
        };
        let profile = FargateProfile {
            arn,
            cluster_name: self.name.clone(),
            created_at: env.now,
            pod_execution_role_arn: new.pod_execution_role_arn,
            subnets,
            selectors: new.selectors,
            status: ProfileStatus::Creating,
            tags: new.tags,
            client_request_token: new.client_request_token,
            scheduled: Some(Scheduled::after(
                env.now,
                env.timing,
                Transition::FargateProfileCreate,
                Next::Become(end),
            )),
            health_issue,
            name: new.name.clone(),
        };
        Ok(self.fargate_profiles.entry(new.name).or_insert(profile))
    }

    /// `DeleteFargateProfile`: the profile goes `DELETING` and vanishes after the delete duration.
    /// Only an `ACTIVE` (or failed) profile can be deleted, and only while no other profile of the
    /// cluster is `DELETING`. When a `DELETE_FAILED` fault names it, the deletion ends
    /// `DELETE_FAILED` with the fault's health issue instead: the profile stays listed (and can be
    /// deleted again), as `FargateProfileDeleted`'s failure state implies.
    ///
    /// # Errors
    ///
    /// [`EksError::FargateProfileNotFound`], [`EksError::FargateProfileNotActive`],
    /// [`EksError::FargateProfileDeleteBlocked`].
    pub fn delete_fargate_profile(
        &mut self,
        env: &Env<'_>,
        faults: &mut Faults,
        name: &str,
    ) -> Result<&FargateProfile, EksError> {
        let status = self.fargate_profile(name)?.status;
        if matches!(status, ProfileStatus::Creating | ProfileStatus::Deleting) {
            return Err(EksError::FargateProfileNotActive {
                cluster: self.name.clone(),
                profile: name.to_owned(),
            });
        }
        if let Some(other) = self
            .fargate_profiles
            .values()
            .find(|p| p.status == ProfileStatus::Deleting)
        {
            return Err(EksError::FargateProfileDeleteBlocked {
                cluster: self.name.clone(),
                profile: name.to_owned(),
                other: other.name.clone(),
            });
        }
        let profile = self.fargate_profiles.get_mut(name).ok_or_else(|| {
            EksError::FargateProfileNotFound {
                cluster: self.name.clone(),
                profile: name.to_owned(),
            }
        })?;
        profile.health_issue =
            injected_failure(faults, "fargate-profile", name, Phase::Delete, &profile.arn);
        let next = if profile.health_issue.is_some() {
            Next::Become(ProfileStatus::DeleteFailed)
        } else {
            Next::Vanish
        };
        profile.status = ProfileStatus::Deleting;
        profile.scheduled = Some(Scheduled::after(
            env.now,
            env.timing,
            Transition::FargateProfileDelete,
            next,
        ));
        Ok(profile)
    }

    /// Applies the profiles' transitions due at `now`; finished deletions disappear.
    pub(super) fn advance_fargate_profiles(&mut self, now: Timestamp) {
        self.fargate_profiles.retain(|_, profile| {
            lifecycle::advance(&mut profile.status, &mut profile.scheduled, now)
                != Advanced::Vanished
        });
    }

    /// The cluster must be `ACTIVE` and on a platform that runs Fargate.
    fn check_accepts_fargate_profiles(&self) -> Result<(), EksError> {
        if self.status != ClusterStatus::Active {
            return Err(EksError::ClusterNotActive {
                cluster: self.name.clone(),
            });
        }
        if !platform_supports_fargate(&self.version, &self.platform_version) {
            return Err(EksError::FargateUnsupportedPlatform {
                cluster: self.name.clone(),
                version: self.version.clone(),
                platform_version: self.platform_version.clone(),
            });
        }
        Ok(())
    }

    /// The pod execution role must exist and trust `eks-fargate-pods.amazonaws.com`.
    fn check_pod_execution_role(
        &self,
        directory: &dyn Directory,
        new: &NewFargateProfile,
    ) -> Result<(), EksError> {
        let role =
            directory
                .role(&new.pod_execution_role_arn)
                .ok_or_else(|| EksError::RoleNotFound {
                    cluster: self.name.clone(),
                    role: role_name(&new.pod_execution_role_arn).to_owned(),
                })?;
        if role
            .trusted_services
            .iter()
            .any(|service| service == FARGATE_PODS_PRINCIPAL)
        {
            Ok(())
        } else {
            Err(EksError::PodExecutionRoleNotTrusted {
                cluster: self.name.clone(),
                profile: new.name.clone(),
            })
        }
    }

    /// The subnets the profile will use: the ones given, each of which must exist, be in the
    /// cluster's VPC and be private; or, when none are given, the cluster's private subnets.
    fn fargate_subnets(
        &self,
        directory: &dyn Directory,
        ids: &mut IdGen,
        new: &NewFargateProfile,
    ) -> Result<Vec<String>, EksError> {
        if new.subnets.is_empty() {
            let private: Vec<String> = self
                .private_subnets(directory)
                .into_iter()
                .map(|s| s.subnet_id)
                .collect();
            return if private.is_empty() {
                Err(EksError::NoPrivateSubnets {
                    cluster: self.name.clone(),
                    profile: new.name.clone(),
                })
            } else {
                Ok(private)
            };
        }
        for subnet in self.subnets_in_vpc(directory, ids, &new.subnets)? {
            if !subnet.private {
                return Err(EksError::SubnetNotPrivate {
                    cluster: self.name.clone(),
                    subnet: subnet.subnet_id,
                });
            }
        }
        Ok(new.subnets.clone())
    }
}

/// The name part of a role ARN (`arn:aws:iam::1:role/path/name` → `name`).
pub(super) fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use fargate_selector::{ProfileStatus, Selector};
    use proptest::prelude::*;

    use super::super::fake::{
        mask_request_id, Fixture, CLUSTER, MISSING_ROLE, NODE_ROLE, OTHER_VPC, POD_ROLE, PRIVATE_A,
        PRIVATE_B, PUBLIC_A,
    };
    use super::*;

    fn selector(namespace: &str, labels: usize) -> Selector {
        Selector {
            namespace: namespace.into(),
            labels: (0..labels).map(|i| (format!("k{i}"), "v".into())).collect(),
        }
    }

    fn profile(name: &str) -> NewFargateProfile {
        NewFargateProfile {
            name: name.into(),
            pod_execution_role_arn: POD_ROLE.into(),
            selectors: vec![selector("default", 0)],
            ..NewFargateProfile::default()
        }
    }

    fn create(f: &mut Fixture, cluster: &str, new: NewFargateProfile) -> Result<String, EksError> {
        let env = f.env();
        f.eks
            .create_fargate_profile(&env, &mut f.ids, &f.dir, &mut f.faults, cluster, new)
            .map(|p| p.name.clone())
    }

    fn delete(f: &mut Fixture, name: &str) -> Result<ProfileStatus, EksError> {
        let env = f.env();
        f.eks
            .cluster_mut(CLUSTER)?
            .delete_fargate_profile(&env, &mut f.faults, name)
            .map(|p| p.status)
    }

    fn status(f: &Fixture, name: &str) -> Option<ProfileStatus> {
        f.eks.clusters[CLUSTER]
            .fargate_profiles
            .get(name)
            .map(|p| p.status)
    }

    /// `fp-a` created and `ACTIVE`.
    fn with_active_profile(f: &mut Fixture) {
        create(f, CLUSTER, profile("fp-a")).unwrap();
        f.pass(180);
    }

    /// `fp-a` created, still `CREATING`.
    fn with_creating_profile(f: &mut Fixture) {
        create(f, CLUSTER, profile("fp-a")).unwrap();
    }

    /// `fp-a` being deleted.
    fn with_deleting_profile(f: &mut Fixture) {
        with_active_profile(f);
        delete(f, "fp-a").unwrap();
    }

    fn with_ten_profiles(f: &mut Fixture) {
        for i in 0..10 {
            create(f, CLUSTER, profile(&format!("fp-{i}"))).unwrap();
            f.pass(180);
        }
    }

    fn with_public_subnets_only(f: &mut Fixture) {
        f.dir.all_public();
    }

    fn with_old_platform(f: &mut Fixture) {
        f.eks
            .set_platform_version(CLUSTER, "eks.4".into(), Some("1.14".into()))
            .unwrap();
    }

    fn with_creating_cluster_c2(f: &mut Fixture) {
        f.add_creating_cluster("c2");
    }

    fn nothing(_: &mut Fixture) {}

    #[test]
    fn create_fargate_profile_enforces_every_rule() {
        let with = |f: fn(&mut NewFargateProfile)| {
            let mut new = profile("fp-new");
            f(&mut new);
            new
        };
        type Row = (
            &'static str,
            &'static str,
            fn(&mut Fixture),
            NewFargateProfile,
            &'static str,
            String,
        );
        let rows: Vec<Row> = vec![
            (
                "a name with the reserved prefix",
                CLUSTER,
                nothing,
                profile("eks-fp"),
                "InvalidParameterException",
                "The fargate profile name starts with the reserved prefix: 'eks-'.".into(),
            ),
            (
                "a name over 100 characters",
                CLUSTER,
                nothing,
                profile(&"f".repeat(101)),
                "InvalidParameterException",
                "The Fargate profile name parameter should not be greater than 100 characters."
                    .into(),
            ),
            (
                "a name with a dot",
                CLUSTER,
                nothing,
                profile("fp.dev"),
                "InvalidParameterException",
                "The Fargate profile name parameter contains invalid characters. It should conform to the regular expression \"^[0-9A-Za-z][A-Za-z0-9-_]*\"In other words, it should start with a number or letter, and can contain numbers, letters, dashes, and underscores.".into(),
            ),
            (
                "no selectors",
                CLUSTER,
                nothing,
                with(|n| n.selectors.clear()),
                "InvalidParameterException",
                "Fargate Profile requires at least one selector.".into(),
            ),
            (
                "six selectors",
                CLUSTER,
                nothing,
                with(|n| n.selectors = vec![selector("default", 0); 6]),
                "InvalidParameterException",
                "Request contains more than 5 Selectors".into(),
            ),
            (
                "a selector without a namespace",
                CLUSTER,
                nothing,
                with(|n| n.selectors = vec![selector("", 1)]),
                "InvalidParameterException",
                "Fargate Profile must have at least one selector with at least one namespace value."
                    .into(),
            ),
            (
                "a selector with six labels",
                CLUSTER,
                nothing,
                with(|n| n.selectors = vec![selector("default", 6)]),
                "InvalidParameterException",
                "Request contains Selector with more than 5 Label pairs".into(),
            ),
            (
                "a role ARN that does not parse",
                CLUSTER,
                nothing,
                with(|n| n.pod_execution_role_arn = "pod-execution".into()),
                "InvalidParameterException",
                "Invalid Role Arn: 'pod-execution'".into(),
            ),
            (
                "a cluster that does not exist",
                "nope",
                nothing,
                profile("fp-new"),
                "ResourceNotFoundException",
                "No cluster found for name: nope.".into(),
            ),
            (
                "a cluster that is not ACTIVE",
                "c2",
                with_creating_cluster_c2,
                profile("fp-new"),
                "InvalidRequestException",
                "Cluster 'c2' is not in ACTIVE status".into(),
            ),
            (
                "a 1.14 cluster on eks.4",
                CLUSTER,
                with_old_platform,
                profile("fp-new"),
                "InvalidRequestException",
                "Cluster 'c1' runs Kubernetes 1.14 on platform version eks.4, which does not support Fargate. Fargate requires platform version eks.5 or later on Kubernetes 1.14, or Kubernetes 1.15 or later.".into(),
            ),
            (
                "a name already taken",
                CLUSTER,
                with_active_profile,
                profile("fp-a"),
                "ResourceInUseException",
                "A Fargate Profile already exists with this name in this cluster.".into(),
            ),
            (
                "a name taken, with a different token",
                CLUSTER,
                |f| {
                    let mut first = profile("fp-a");
                    first.client_request_token = Some("token-1".into());
                    create(f, CLUSTER, first).unwrap();
                    f.pass(180);
                },
                with(|n| {
                    n.name = "fp-a".into();
                    n.client_request_token = Some("token-2".into());
                }),
                "ResourceInUseException",
                "A Fargate Profile already exists with this name in this cluster.".into(),
            ),
            (
                "another profile CREATING",
                CLUSTER,
                with_creating_profile,
                profile("fp-new"),
                "ResourceInUseException",
                "Cannot create Fargate Profile fp-new because cluster c1 currently has Fargate profile fp-a in status CREATING".into(),
            ),
            (
                "another profile DELETING",
                CLUSTER,
                with_deleting_profile,
                profile("fp-new"),
                "ResourceInUseException",
                "Cannot create Fargate Profile fp-new because cluster c1 currently has Fargate profile fp-a in status DELETING".into(),
            ),
            (
                "an eleventh profile",
                CLUSTER,
                with_ten_profiles,
                profile("fp-new"),
                "ResourceLimitExceededException",
                "Cannot create Fargate Profile fp-new because cluster c1 already has 10 Fargate profiles, the maximum allowed".into(),
            ),
            (
                "a role that does not exist",
                CLUSTER,
                nothing,
                with(|n| n.pod_execution_role_arn = MISSING_ROLE.into()),
                "InvalidParameterException",
                "The role with name missing cannot be found.".into(),
            ),
            (
                "a role that does not trust eks-fargate-pods",
                CLUSTER,
                nothing,
                with(|n| n.pod_execution_role_arn = NODE_ROLE.into()),
                "InvalidParameterException",
                "Misconfigured PodExecutionRole Trust Policy; Please add the eks-fargate-pods.amazonaws.com Service Principal".into(),
            ),
            (
                "a subnet that does not exist",
                CLUSTER,
                nothing,
                with(|n| n.subnets = vec![PRIVATE_A.into(), "subnet-nope".into()]),
                "InvalidParameterException",
                "The subnet ID 'subnet-nope' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidSubnetID.NotFound; Request ID: <request-id>; Proxy: null)".into(),
            ),
            (
                "a subnet in another VPC",
                CLUSTER,
                nothing,
                with(|n| n.subnets = vec![OTHER_VPC.into()]),
                "InvalidParameterException",
                String::new(), // filled in below: it names the cluster's generated VPC id
            ),
            (
                "a public subnet",
                CLUSTER,
                nothing,
                with(|n| n.subnets = vec![PRIVATE_A.into(), PUBLIC_A.into()]),
                "InvalidParameterException",
                "Subnet subnet-public-a provided in Fargate Profile is not a private subnet".into(),
            ),
            (
                "no subnets, and the cluster's are all public",
                CLUSTER,
                with_public_subnets_only,
                profile("fp-new"),
                "InvalidParameterException",
                "No subnets were given, and the subnets provided during cluster creation are all public".into(),
            ),
        ];
        for (why, cluster, setup, new, code, message) in rows {
            let mut f = Fixture::active_cluster();
            setup(&mut f);
            let before: usize = f
                .eks
                .clusters
                .values()
                .map(|c| c.fargate_profiles.len())
                .sum();
            let err = create(&mut f, cluster, new).expect_err(why);
            let message = if message.is_empty() {
                format!(
                    "Specified subnets must belong to cluster's vpc {}",
                    f.eks.clusters[CLUSTER].vpc.vpc_id
                )
            } else {
                message
            };
            assert_eq!(
                (err.code(), mask_request_id(&err.to_string())),
                (code, message),
                "{why}"
            );
            let after: usize = f
                .eks
                .clusters
                .values()
                .map(|c| c.fargate_profiles.len())
                .sum();
            assert_eq!(before, after, "{why}: nothing is recorded");
        }
    }

    #[test]
    fn a_profile_is_creating_then_active_then_deleting_then_gone() {
        let mut f = Fixture::active_cluster();
        create(&mut f, CLUSTER, profile("fp-a")).unwrap();
        assert_eq!(status(&f, "fp-a"), Some(ProfileStatus::Creating));
        f.pass(179);
        assert_eq!(status(&f, "fp-a"), Some(ProfileStatus::Creating));
        f.pass(1);
        assert_eq!(status(&f, "fp-a"), Some(ProfileStatus::Active));
        assert_eq!(delete(&mut f, "fp-a"), Ok(ProfileStatus::Deleting));
        f.pass(119);
        assert_eq!(status(&f, "fp-a"), Some(ProfileStatus::Deleting));
        f.pass(1);
        assert_eq!(status(&f, "fp-a"), None);
    }

    #[test]
    fn delete_fargate_profile_enforces_its_rules() {
        type Row = (
            &'static str,
            fn(&mut Fixture),
            &'static str,
            &'static str,
            &'static str,
        );
        let rows: [Row; 4] = [
            (
                "a profile that does not exist",
                nothing,
                "fp-a",
                "ResourceNotFoundException",
                "No Fargate Profile found with name: fp-a.",
            ),
            (
                "a profile already DELETING",
                with_deleting_profile,
                "fp-a",
                "InvalidRequestException",
                "Fargate Profile is currently not in Active State.",
            ),
            (
                "a profile still CREATING",
                with_creating_profile,
                "fp-a",
                "InvalidRequestException",
                "Fargate Profile is currently not in Active State.",
            ),
            (
                "while another profile is DELETING",
                |f| {
                    with_active_profile(f);
                    create(f, CLUSTER, profile("fp-b")).unwrap();
                    f.pass(180);
                    delete(f, "fp-a").unwrap();
                },
                "fp-b",
                "ResourceInUseException",
                "Cannot Delete Fargate Profile fp-b because cluster c1 currently has Fargate profile fp-a in status DELETING",
            ),
        ];
        for (why, setup, name, code, message) in rows {
            let mut f = Fixture::active_cluster();
            setup(&mut f);
            let err = delete(&mut f, name).expect_err(why);
            assert_eq!(
                (err.code(), err.to_string().as_str()),
                (code, message),
                "{why}"
            );
        }
    }

    #[test]
    fn without_subnets_a_profile_gets_the_clusters_private_subnets() {
        let mut f = Fixture::active_cluster();
        create(&mut f, CLUSTER, profile("fp-a")).unwrap();
        assert_eq!(
            f.eks.clusters[CLUSTER].fargate_profiles["fp-a"].subnets,
            [PRIVATE_A, PRIVATE_B]
        );
    }

    #[test]
    fn a_retry_with_the_same_token_returns_the_profile_without_a_duplicate() {
        let mut f = Fixture::active_cluster();
        let mut new = profile("fp-a");
        new.client_request_token = Some("token-1".into());
        create(&mut f, CLUSTER, new.clone()).unwrap();
        let first = f.eks.clusters[CLUSTER].fargate_profiles["fp-a"].clone();
        f.pass(10);
        assert_eq!(create(&mut f, CLUSTER, new.clone()), Ok("fp-a".into()));
        assert_eq!(f.eks.clusters[CLUSTER].fargate_profiles["fp-a"], first);
        assert_eq!(f.eks.clusters[CLUSTER].fargate_profiles.len(), 1);
        // Another profile would be blocked by fp-a CREATING; the retry is not another profile.
        let mut changed = new;
        changed.selectors = vec![selector("dev", 0)];
        assert_eq!(
            create(&mut f, CLUSTER, changed).unwrap_err().code(),
            "ResourceInUseException",
            "the same token with other parameters is not a retry"
        );
    }

    #[test]
    fn profile_arns_name_region_account_cluster_and_profile() {
        let mut f = Fixture::active_cluster();
        create(&mut f, CLUSTER, profile("fp-a")).unwrap();
        let arn = &f.eks.clusters[CLUSTER].fargate_profiles["fp-a"].arn;
        let prefix = "arn:aws:eks:us-east-1:123456789012:fargateprofile/c1/fp-a/";
        assert!(arn.starts_with(prefix), "{arn}");
        let id: Vec<usize> = arn[prefix.len()..].split('-').map(str::len).collect();
        assert_eq!(id, [8, 4, 4, 4, 12], "{arn}");
    }

    #[test]
    fn only_tags_of_a_profile_change_through_its_arn() {
        let mut f = Fixture::active_cluster();
        create(&mut f, CLUSTER, profile("fp-a")).unwrap();
        let arn = f.eks.clusters[CLUSTER].fargate_profiles["fp-a"].arn.clone();
        f.eks
            .tags_mut(&arn)
            .unwrap()
            .insert("team".into(), "a".into());
        assert_eq!(
            f.eks.clusters[CLUSTER].fargate_profiles["fp-a"].tags,
            BTreeMap::from([("team".to_owned(), "a".to_owned())])
        );
        let wrong_id = format!("{}0", &arn[..arn.len() - 1]);
        assert_eq!(
            f.eks.tags_mut(&wrong_id).unwrap_err().code(),
            "NotFoundException"
        );
    }

    #[test]
    fn a_cluster_with_active_or_creating_profiles_cannot_be_deleted() {
        type Row = (&'static str, fn(&mut Fixture), Result<(), &'static str>);
        let rows: [Row; 4] = [
            (
                "an ACTIVE profile",
                with_active_profile,
                Err("Cluster has Fargate Profiles in ACTIVE/CREATING state"),
            ),
            (
                "a CREATING profile",
                with_creating_profile,
                Err("Cluster has Fargate Profiles in ACTIVE/CREATING state"),
            ),
            ("only a DELETING profile", with_deleting_profile, Ok(())),
            ("no profiles", nothing, Ok(())),
        ];
        for (why, setup, expected) in rows {
            let mut f = Fixture::active_cluster();
            setup(&mut f);
            let env = f.env();
            let result = f
                .eks
                .delete_cluster(&env, &mut f.faults, CLUSTER)
                .map(|_| ())
                .map_err(|e| {
                    assert_eq!(e.code(), "ResourceInUseException", "{why}");
                    e.to_string()
                });
            assert_eq!(result, expected.map_err(str::to_owned), "{why}");
        }
    }

    #[test]
    fn fargate_needs_kubernetes_1_15_or_1_14_on_eks_5() {
        let rows = [
            ("1.15", "eks.1", true, "1.15 on any platform"),
            ("1.32", "eks.30", true, "a current cluster"),
            ("1.14", "eks.5", true, "1.14 from eks.5"),
            ("1.14", "eks.12", true, "eks.12 is after eks.5, not before"),
            ("1.14", "eks.4", false, "1.14 before eks.5"),
            ("1.14", "eks.x", false, "a platform that does not parse"),
            ("1.13", "eks.9", false, "before 1.14, never"),
            ("2.0", "eks.1", true, "a later major version"),
            ("latest", "eks.9", false, "a version that does not parse"),
        ];
        for (version, platform, expected, why) in rows {
            assert_eq!(
                platform_supports_fargate(version, platform),
                expected,
                "{why}"
            );
        }
    }

    #[test]
    fn profiles_read_in_name_order_as_the_scheduler_sees_them() {
        let mut f = Fixture::active_cluster();
        for name in ["fp-b", "fp-a"] {
            create(&mut f, CLUSTER, profile(name)).unwrap();
            f.pass(180);
        }
        let cluster = f.eks.cluster(CLUSTER).unwrap();
        let seen: Vec<fargate_selector::Profile> = cluster
            .fargate_profiles()
            .map(FargateProfile::selector_profile)
            .collect();
        assert_eq!(
            seen.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["fp-a", "fp-b"]
        );
        assert!(seen.iter().all(|p| p.status == ProfileStatus::Active));
        assert_eq!(seen[0].selectors, [selector("default", 0)]);
    }

    /// One step of a client's life with one cluster.
    #[derive(Debug, Clone)]
    enum Op {
        /// `CreateFargateProfile` of profile `n` with token `t` (a retry when both repeat).
        Create(usize, usize),
        /// `DeleteFargateProfile` of profile `n`.
        Delete(usize),
        /// The clock moves on this many seconds.
        Wait(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..4usize, 0..2usize).prop_map(|(n, t)| Op::Create(n, t)),
            (0..4usize).prop_map(Op::Delete),
            (0..300u64).prop_map(Op::Wait),
        ]
    }

    #[test]
    fn an_injected_fault_fails_the_create_frees_the_cluster_and_the_profile_can_be_deleted() {
        let mut f = Fixture::active_cluster();
        f.inject(
            serde_json::json!({"service":"eks","resource":"fargate-profile","name":"fp-x",
            "fail":"CREATE_FAILED","healthIssue":{"code":"AccessDenied","message":"no access"},
            "count":1}),
        );
        create(&mut f, CLUSTER, profile("fp-x")).unwrap();
        assert_eq!(status(&f, "fp-x"), Some(ProfileStatus::Creating));
        assert_eq!(
            create(&mut f, CLUSTER, profile("fp-y")).unwrap_err().code(),
            "ResourceInUseException",
            "still one change at a time while it is creating"
        );
        f.pass(180);
        let failed = &f.eks.clusters[CLUSTER].fargate_profiles["fp-x"];
        assert_eq!(failed.status, ProfileStatus::CreateFailed);
        assert_eq!(
            failed.health_issue,
            Some(HealthIssue {
                code: "AccessDenied".into(),
                message: "no access".into(),
                resource_ids: vec![failed.arn.clone()],
            })
        );
        create(&mut f, CLUSTER, profile("fp-y")).expect("a failed profile frees the cluster");
        f.pass(180);
        assert_eq!(
            status(&f, "fp-y"),
            Some(ProfileStatus::Active),
            "count 1: used up"
        );
        assert_eq!(delete(&mut f, "fp-x"), Ok(ProfileStatus::Deleting));
        f.pass(120);
        assert_eq!(status(&f, "fp-x"), None);
    }

    #[test]
    fn an_injected_delete_fault_leaves_the_profile_listed_delete_failed() {
        let mut f = Fixture::active_cluster();
        with_active_profile(&mut f);
        f.inject(
            serde_json::json!({"service":"eks","resource":"fargate-profile",
            "fail":"DELETE_FAILED","healthIssue":{"code":"InternalFailure","message":"stuck",
            "resourceIds":["eni-1"]},"count":1}),
        );
        assert!(delete(&mut f, "fp-missing").is_err());
        assert_eq!(
            f.faults.rules()[0].fired,
            0,
            "a refused request uses up nothing"
        );
        assert_eq!(delete(&mut f, "fp-a"), Ok(ProfileStatus::Deleting));
        f.pass(120);
        let failed = &f.eks.clusters[CLUSTER].fargate_profiles["fp-a"];
        assert_eq!(failed.status, ProfileStatus::DeleteFailed);
        assert_eq!(
            failed.health_issue.as_ref().map(|i| i.resource_ids.clone()),
            Some(vec!["eni-1".to_owned()])
        );
        assert_eq!(
            delete(&mut f, "fp-a"),
            Ok(ProfileStatus::Deleting),
            "a retry"
        );
        f.pass(120);
        assert_eq!(status(&f, "fp-a"), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Any interleaving of creates, deletes and waits on one cluster never leaves two profiles
        /// CREATING or two DELETING, and every acknowledged profile ends ACTIVE, or gone when its
        /// delete was acknowledged.
        #[test]
        fn profiles_change_one_at_a_time_and_settle(ops in proptest::collection::vec(op(), 1..40)) {
            let mut f = Fixture::active_cluster();
            let mut expected: BTreeMap<String, bool> = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Create(n, t) => {
                        let mut new = profile(&format!("fp-{n}"));
                        new.client_request_token = Some(format!("token-{t}"));
                        if create(&mut f, CLUSTER, new).is_ok() {
                            expected.insert(format!("fp-{n}"), true);
                        }
                    }
                    Op::Delete(n) => {
                        if delete(&mut f, &format!("fp-{n}")).is_ok() {
                            expected.insert(format!("fp-{n}"), false);
                        }
                    }
                    Op::Wait(seconds) => f.pass(seconds),
                }
                let profiles = &f.eks.clusters[CLUSTER].fargate_profiles;
                let count = |s: ProfileStatus| profiles.values().filter(|p| p.status == s).count();
                prop_assert!(count(ProfileStatus::Creating) <= 1, "{profiles:?}");
                prop_assert!(count(ProfileStatus::Deleting) <= 1, "{profiles:?}");
            }
            f.pass(24 * 3600);
            for (name, present) in &expected {
                let settled = status(&f, name);
                if *present {
                    prop_assert_eq!(settled, Some(ProfileStatus::Active), "{}", name);
                } else {
                    prop_assert_eq!(settled, None, "{}", name);
                }
            }
            for name in f.eks.clusters[CLUSTER].fargate_profiles.keys() {
                prop_assert!(expected.contains_key(name), "{} was never acknowledged", name);
            }
        }
    }
}
