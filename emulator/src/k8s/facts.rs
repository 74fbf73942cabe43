//! The one place the Kubernetes side reads other services: [`cluster_facts`] turns the EKS cluster, its
//! Fargate profiles and nodegroups (managed ones, and the Auto Scaling groups of unmanaged ones), and
//! their EC2 subnets into plain [`ClusterFacts`]. Admission, schedulers and controllers see only these facts, so they are
//! tested with hand-built ones and never reach into another service's store.

use std::collections::BTreeMap;

use fargate_selector::{Profile, ProfileStatus, Selector};
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
