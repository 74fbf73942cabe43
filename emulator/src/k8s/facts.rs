//! The one place the Kubernetes side reads other services: [`cluster_facts`] turns the EKS cluster, its
//! Fargate profiles and nodegroups (managed ones, and the Auto Scaling groups of unmanaged ones), and
//! their EC2 subnets into plain [`ClusterFacts`]. Admission, schedulers and controllers see only these facts, so they are
//! tested with hand-built ones and never reach into another service's store.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hash, Hasher};

use fargate_selector::{Profile, ProfileStatus, Selector};
use foldhash::quality::{FixedState, FoldHasher};
use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::eks::model::{ClusterStatus, NodegroupStatus};
use crate::eks::versions;
use crate::state::Region;

/// What the Kubernetes side of a cluster needs to know about the AWS side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterFacts {
    /// The cluster's name.
    pub name: String,
    /// The region (`ap-northeast-1`): node DNS names and topology labels use it.
    pub region: String,
    /// Kubernetes minor version (`1.32`).
    pub version: String,
    /// The patch release the control plane runs (`1.32.9`).
    pub patch: String,
    /// EKS platform version (`eks.30`).
    pub platform_version: String,
    /// The cluster's status.
    pub status: ClusterStatus,
    /// When `CreateCluster` was accepted (the control plane is up a create-duration later).
    pub created_at: Timestamp,
    /// `kubernetesNetworkConfig.serviceIpv4Cidr` (`10.100.0.0/16`).
    pub service_cidr: String,
    /// Seed of the cluster's own id stream (from its ARN and endpoint id, themselves seeded).
    pub id_seed: u64,
    /// Fargate profiles, in name order.
    pub profiles: Vec<ProfileFacts>,
    /// Nodegroups, in name order.
    pub nodegroups: Vec<NodegroupFacts>,
}

/// A subnet pods and nodes draw their IPs from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subnet {
    /// `subnet-…`.
    pub id: String,
    /// Availability zone (`ap-northeast-1a`).
    pub az: String,
    /// IPv4 CIDR (`192.168.96.0/19`).
    pub cidr: String,
}

/// A Fargate profile as the scheduler needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileFacts {
    /// `fargateProfileName`.
    pub name: String,
    /// Its status; only ACTIVE profiles take new pods.
    pub status: ProfileStatus,
    /// Its selectors.
    pub selectors: Vec<Selector>,
    /// Its (private) subnets, where its pods get their IPs.
    pub subnets: Vec<Subnet>,
    /// The pod execution role (mapped in `aws-auth`).
    pub pod_execution_role_arn: String,
}

impl ProfileFacts {
    /// The selector crate's view.
    #[must_use]
    pub fn profile(&self) -> Profile {
        Profile {
            name: self.name.clone(),
            status: self.status,
            selectors: self.selectors.clone(),
        }
    }
}

/// A nodegroup's status as far as nodes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodegroupPhase {
    /// Instances are launching: no nodes yet.
    Creating,
    /// Instances are booting: their nodes register at this instant (unmanaged nodegroups, whose
    /// stack completes before the kubelets join, as eksctl's `has 0 node(s)` line shows).
    Booting(Timestamp),
    /// Nodes are registered (`ACTIVE`, `UPDATING`, `DEGRADED`).
    Serving,
    /// Being deleted, or failed: its nodes go away.
    Gone,
}

/// A taint of a nodegroup's nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taint {
    /// Key.
    pub key: String,
    /// Value (may be empty).
    pub value: String,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
}

/// A nodegroup as the node controller needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodegroupFacts {
    /// Nodegroup name.
    pub name: String,
    /// Whether its nodes exist.
    pub phase: NodegroupPhase,
    /// `scalingConfig.desiredSize`: how many nodes.
    pub desired_size: u32,
    /// The instance type (`m5.large`).
    pub instance_type: String,
    /// Subnets its instances launch in (round-robin).
    pub subnets: Vec<Subnet>,
    /// Kubernetes labels for its nodes.
    pub labels: BTreeMap<String, String>,
    /// Kubernetes taints for its nodes.
    pub taints: Vec<Taint>,
    /// The node instance role (mapped in `aws-auth`).
    pub node_role_arn: String,
}

/// A subnet of the region's EC2, as pods and nodes need it.
#[must_use]
pub fn subnet(region: &Region, id: &str) -> Option<Subnet> {
    region.ec2.subnets.get(id).map(|s| Subnet {
        id: s.id.clone(),
        az: s.availability_zone.clone(),
        cidr: s.cidr.to_string(),
    })
}

/// The facts of cluster `name` in `region` (named `region_name`), if it exists.
///
/// Reads the EKS cluster, its Fargate profiles and nodegroups (`eks/model.rs`, "Reading profiles
/// and nodegroups"), and their subnets from the region's EC2. A subnet EC2 no longer knows is left
/// out (pods and nodes then use the others).
#[must_use]
pub fn cluster_facts(region: &Region, region_name: &str, name: &str) -> Option<ClusterFacts> {
    let cluster = region.eks.clusters.get(name)?;
    let patch = versions::find(&cluster.version)
        .map_or_else(|| format!("{}.0", cluster.version), |v| v.patch.to_owned());
    let mut facts = ClusterFacts {
        name: cluster.name.clone(),
        region: region_name.to_owned(),
        version: cluster.version.clone(),
        patch,
        platform_version: cluster.platform_version.clone(),
        status: cluster.status,
        created_at: cluster.created_at,
        service_cidr: cluster.service_ipv4_cidr.clone(),
        id_seed: fnv1a64(format!("{}/{}", cluster.arn, cluster.endpoint_id).as_bytes()),
        profiles: cluster
            .fargate_profiles()
            .map(|p| ProfileFacts {
                name: p.name.clone(),
                status: p.status,
                selectors: p.selectors.clone(),
                subnets: p
                    .subnets
                    .iter()
                    .filter_map(|id| subnet(region, id))
                    .collect(),
                pod_execution_role_arn: p.pod_execution_role_arn.clone(),
            })
            .collect(),
        nodegroups: cluster
            .nodegroups()
            .map(|ng| NodegroupFacts {
                name: ng.name.clone(),
                phase: match ng.status {
                    NodegroupStatus::Creating => NodegroupPhase::Creating,
                    NodegroupStatus::Active
                    | NodegroupStatus::Updating
                    | NodegroupStatus::Degraded => NodegroupPhase::Serving,
                    NodegroupStatus::Deleting
                    | NodegroupStatus::CreateFailed
                    | NodegroupStatus::DeleteFailed => NodegroupPhase::Gone,
                },
                desired_size: ng.desired_size(),
                instance_type: ng
                    .instance_types
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "t3.medium".to_owned()),
                subnets: ng
                    .subnets
                    .iter()
                    .filter_map(|id| subnet(region, id))
                    .collect(),
                labels: ng.labels.clone(),
                taints: ng
                    .taints
                    .iter()
                    .map(|t| Taint {
                        key: t.key.clone(),
                        value: t.value.clone().unwrap_or_default(),
                        effect: t.effect.kubernetes().to_owned(),
                    })
                    .collect(),
                node_role_arn: ng.node_role.clone(),
            })
            .chain(unmanaged_nodegroups(region, &cluster.name))
            .collect(),
    };
    facts.nodegroups.sort_by(|a, b| a.name.cmp(&b.name));
    Some(facts)
}

/// A hash of everything [`cluster_facts`] reads for cluster `name`, taken in place, without building
/// the facts: when it has not moved, the facts have not changed. It follows `cluster_facts` field by
/// field (keep the two together); where a fact is derived (a nodegroup's phase from its status, a
/// profile's subnets from EC2), it hashes what the fact is derived from. A runtime value, never
/// persisted: the hasher's seed is fixed, its algorithm may change between versions of foldhash.
#[must_use]
pub fn facts_key(region: &Region, region_name: &str, name: &str) -> Option<u64> {
    let cluster = region.eks.clusters.get(name)?;
    let mut h = FixedState::with_seed(0).build_hasher();
    region_name.hash(&mut h);
    cluster.name.hash(&mut h);
    cluster.version.hash(&mut h);
    cluster.platform_version.hash(&mut h);
    cluster.status.hash(&mut h);
    cluster.created_at.hash(&mut h);
    cluster.service_ipv4_cidr.hash(&mut h);
    cluster.arn.hash(&mut h);
    cluster.endpoint_id.hash(&mut h);
    let subnets = |ids: &[String], h: &mut FoldHasher<'static>| {
        ids.len().hash(h);
        for id in ids {
            match region.ec2.subnets.get(id) {
                Some(s) => {
                    s.id.hash(h);
                    s.availability_zone.hash(h);
                    s.cidr.hash(h);
                }
                None => 0u8.hash(h),
            }
        }
    };
    for p in cluster.fargate_profiles() {
        p.name.hash(&mut h);
        p.status.hash(&mut h);
        p.selectors.len().hash(&mut h);
        for s in &p.selectors {
            s.namespace.hash(&mut h);
            s.labels.hash(&mut h);
        }
        subnets(&p.subnets, &mut h);
        p.pod_execution_role_arn.hash(&mut h);
    }
    0xffu8.hash(&mut h);
    for ng in cluster.nodegroups() {
        ng.name.hash(&mut h);
        ng.status.hash(&mut h);
        ng.desired_size().hash(&mut h);
        ng.instance_types.first().hash(&mut h);
        subnets(&ng.subnets, &mut h);
        ng.labels.hash(&mut h);
        ng.taints.len().hash(&mut h);
        for t in &ng.taints {
            t.key.hash(&mut h);
            t.value.hash(&mut h);
            t.effect.kubernetes().hash(&mut h);
        }
        ng.node_role.hash(&mut h);
    }
    0xffu8.hash(&mut h);
    for g in region.autoscaling.groups() {
        if g.cluster_name() != Some(name) {
            continue;
        }
        g.name.hash(&mut h);
        g.tags.len().hash(&mut h);
        for t in &g.tags {
            t.key.hash(&mut h);
            t.value.hash(&mut h);
        }
        g.instances_ready_at.hash(&mut h);
        g.desired_capacity.hash(&mut h);
        g.launch_template_data(&region.ec2)
            .and_then(|d| d.instance_type.as_deref())
            .hash(&mut h);
        subnets(&g.subnets, &mut h);
    }
    Some(h.finish())
}

/// The facts `advance` last built for each cluster of a region, kept so that a request which changed
/// nothing a cluster depends on neither rebuilds them nor fingerprints them again. Runtime only: an
/// empty cache (after a restart or a reset) just means every cluster's facts are built once more.
#[derive(Debug, Default)]
pub struct FactsCache {
    /// By EKS cluster name.
    pub clusters: BTreeMap<String, CachedFacts>,
}

/// One cluster's entry in a [`FactsCache`].
#[derive(Debug)]
pub struct CachedFacts {
    /// [`facts_key`] of what `facts` were built from.
    pub key: u64,
    /// The facts.
    pub facts: ClusterFacts,
    /// The cluster's `facts_fingerprint` right after the controllers last saw `facts` (then equal
    /// to `facts.fingerprint()`); `None` until they have.
    pub fingerprint: Option<u64>,
}

impl FactsCache {
    /// Brings the entries up to date with the region's EKS clusters: drops those of clusters that
    /// are gone, rebuilds the facts of those whose [`facts_key`] moved, and adds the new ones.
    pub fn refresh(&mut self, region: &Region, region_name: &str) {
        self.clusters
            .retain(|name, _| region.eks.clusters.contains_key(name));
        for name in region.eks.clusters.keys() {
            let Some(key) = facts_key(region, region_name, name) else {
                continue;
            };
            match self.clusters.get_mut(name) {
                Some(entry) if entry.key == key => {}
                Some(entry) => {
                    if let Some(facts) = cluster_facts(region, region_name, name) {
                        *entry = CachedFacts {
                            key,
                            facts,
                            fingerprint: None,
                        };
                    }
                }
                None => {
                    if let Some(facts) = cluster_facts(region, region_name, name) {
                        self.clusters.insert(
                            name.clone(),
                            CachedFacts {
                                key,
                                facts,
                                fingerprint: None,
                            },
                        );
                    }
                }
            }
        }
    }
}

/// The unmanaged nodegroups of cluster `name`: the region's Auto Scaling groups whose instances join
/// it (`autoscaling/model.rs`, "Reading groups"), each named by its `alpha.eksctl.io/nodegroup-name`
/// tag (else the group's name), serving once its instances have booted, with eksctl's node labels and the
/// launch template's instance type. EKS maps no role for them in `aws-auth` (eksctl does that).
fn unmanaged_nodegroups<'r>(
    region: &'r Region,
    name: &'r str,
) -> impl Iterator<Item = NodegroupFacts> + 'r {
    region
        .autoscaling
        .groups()
        .filter(move |g| g.cluster_name() == Some(name))
        .map(move |g| {
            let nodegroup = g
                .tags
                .iter()
                .find(|t| t.key == "alpha.eksctl.io/nodegroup-name")
                .map_or_else(|| g.name.clone(), |t| t.value.clone());
            NodegroupFacts {
                labels: BTreeMap::from([
                    ("alpha.eksctl.io/cluster-name".to_owned(), name.to_owned()),
                    (
                        "alpha.eksctl.io/nodegroup-name".to_owned(),
                        nodegroup.clone(),
                    ),
                ]),
                name: nodegroup,
                phase: NodegroupPhase::Booting(g.instances_ready_at),
                desired_size: g.desired_capacity,
                instance_type: g
                    .launch_template_data(&region.ec2)
                    .and_then(|d| d.instance_type.clone())
                    .unwrap_or_else(|| "t3.medium".to_owned()),
                subnets: g
                    .subnets
                    .iter()
                    .filter_map(|id| subnet(region, id))
                    .collect(),
                taints: Vec::new(),
                node_role_arn: String::new(),
            }
        })
}

impl ClusterFacts {
    /// Whether the control plane serves (`ACTIVE` or `UPDATING`).
    #[must_use]
    pub fn serving(&self) -> bool {
        matches!(self.status, ClusterStatus::Active | ClusterStatus::Updating)
    }

    /// The selector crate's view of every profile.
    #[must_use]
    pub fn selector_profiles(&self) -> Vec<Profile> {
        self.profiles.iter().map(ProfileFacts::profile).collect()
    }

    /// The profile named `name`.
    #[must_use]
    pub fn profile(&self, name: &str) -> Option<&ProfileFacts> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// The DNS suffix of instances in this region: `ec2.internal` in us-east-1, else
    /// `<region>.compute.internal`.
    #[must_use]
    pub fn dns_suffix(&self) -> String {
        if self.region == "us-east-1" {
            "ec2.internal".to_owned()
        } else {
            format!("{}.compute.internal", self.region)
        }
    }

    /// The earliest instant in `(after, until]` at which a booting nodegroup's nodes register: a
    /// step on the clock that comes from AWS rather than from the cluster's own queue.
    #[must_use]
    pub fn boot_due(&self, after: Timestamp, until: Timestamp) -> Option<Timestamp> {
        self.nodegroups
            .iter()
            .filter_map(|ng| match ng.phase {
                NodegroupPhase::Booting(at) if after < at && at <= until => Some(at),
                _ => None,
            })
            .min()
    }

    /// A stable fingerprint, to notice when the facts change.
    #[must_use]
    pub fn fingerprint(&self) -> u64 {
        let text = serde_json::to_string(self).unwrap_or_default();
        fnv1a64(text.as_bytes())
    }
}

/// FNV-1a, 64 bits.
#[must_use]
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use fargate_selector::Selector;

    use super::*;
    use crate::eks::model::fake::{Fixture, CLUSTER, POD_ROLE};
    use crate::eks::model::NewFargateProfile;

    const REGION: &str = "us-east-1";

    /// A region holding the fixture's EKS side (and no EC2 subnets: facts then leave them out).
    fn region(f: &Fixture) -> Region {
        let mut region = Region::default();
        region.eks.clusters.clone_from(&f.eks.clusters);
        region
    }

    fn create_profile(f: &mut Fixture, name: &str) {
        let env = f.env();
        let new = NewFargateProfile {
            name: name.into(),
            pod_execution_role_arn: POD_ROLE.into(),
            selectors: vec![Selector {
                namespace: "default".into(),
                labels: BTreeMap::new(),
            }],
            ..NewFargateProfile::default()
        };
        f.eks
            .create_fargate_profile(&env, &mut f.ids, &f.dir, &mut f.faults, CLUSTER, new)
            .expect("a valid profile");
    }

    /// The key of the fixture's cluster, and the cache refreshed from the same region, whose facts
    /// must be the ones built from scratch.
    fn key_and_refresh(f: &Fixture, cache: &mut FactsCache) -> u64 {
        let region = region(f);
        cache.refresh(&region, REGION);
        let fresh = cluster_facts(&region, REGION, CLUSTER).expect("the cluster");
        assert_eq!(cache.clusters[CLUSTER].facts, fresh);
        facts_key(&region, REGION, CLUSTER).expect("the cluster")
    }

    #[test]
    fn the_key_moves_with_every_change_the_facts_see_and_the_cache_follows() {
        let mut f = Fixture::active_cluster();
        let mut cache = FactsCache::default();
        let active = key_and_refresh(&f, &mut cache);
        assert_eq!(key_and_refresh(&f, &mut cache), active, "nothing changed");

        create_profile(&mut f, "fp-a");
        let creating = key_and_refresh(&f, &mut cache);
        assert_ne!(creating, active, "a new profile");
        assert_eq!(cache.clusters[CLUSTER].facts.profiles.len(), 1);

        f.pass(600);
        let profile_active = key_and_refresh(&f, &mut cache);
        assert_ne!(profile_active, creating, "the profile's status");
        assert_eq!(
            cache.clusters[CLUSTER].facts.profiles[0].status,
            ProfileStatus::Active
        );

        f.eks
            .clusters
            .get_mut(CLUSTER)
            .expect("the cluster")
            .tags
            .insert("team".into(), "a".into());
        assert_eq!(
            key_and_refresh(&f, &mut cache),
            profile_active,
            "tags are not facts"
        );

        f.eks.clusters.get_mut(CLUSTER).expect("the cluster").status = ClusterStatus::Updating;
        assert_ne!(key_and_refresh(&f, &mut cache), profile_active);
    }

    #[test]
    fn the_cache_forgets_clusters_that_are_gone() {
        let f = Fixture::active_cluster();
        let mut cache = FactsCache::default();
        key_and_refresh(&f, &mut cache);
        cache.refresh(&Region::default(), REGION);
        assert!(cache.clusters.is_empty());
    }
}
