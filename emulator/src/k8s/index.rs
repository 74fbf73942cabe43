//! The indexes a cluster keeps over its objects so that the controllers look up what a change touched
//! instead of scanning every object on every pass (what an informer's indexers do in
//! kube-controller-manager): pods by node, by owner and by Fargate profile, the pods a scheduler has
//! to look at, the IPs in use, nodes by nodegroup and by scheduling class, events by what they say,
//! and the Fargate nodes that may have lost their last pod. Kept up to date by every write of
//! `store.rs` ([`Index::update`]), rebuilt from the objects after a restore ([`Index::build`]);
//! never persisted.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet};

use fargate_selector::FARGATE_PROFILE_LABEL;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Node, Pod};

use super::kinds::Kind;
use super::nodes::{internal_ip, NODEGROUP_LABEL};
use super::store::{key_of, uid_of, Objects, Store};
use crate::clock::Timestamp;

/// What the schedulers read of a node before its labels and load: whether it is cordoned, and its
/// `NoSchedule`/`NoExecute` taints (key, value, effect) in the node's order. Nodes of one class are
/// refused alike by a pod that does not tolerate the class.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NodeClass {
    /// `spec.unschedulable`.
    pub unschedulable: bool,
    /// The scheduling taints.
    pub taints: Vec<(String, String, String)>,
}

impl NodeClass {
    /// The class of `node`.
    #[must_use]
    pub fn of(node: &Node) -> Self {
        let spec = node.spec.as_ref();
        Self {
            unschedulable: spec.and_then(|s| s.unschedulable).unwrap_or(false),
            taints: spec
                .and_then(|s| s.taints.as_deref())
                .unwrap_or_default()
                .iter()
                .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
                .map(|t| {
                    (
                        t.key.clone(),
                        t.value.clone().unwrap_or_default(),
                        t.effect.clone(),
                    )
                })
                .collect(),
        }
    }
}

/// What makes two events the same event (its count moves instead of a new one being made):
/// involved object uid and field path, reason, message.
pub type EventIdentity = (String, String, String, String);

/// The identity of `event`.
#[must_use]
pub fn event_identity(event: &Event) -> EventIdentity {
    let involved = &event.involved_object;
    (
        involved.uid.clone().unwrap_or_default(),
        involved.field_path.clone().unwrap_or_default(),
        event.reason.clone().unwrap_or_default(),
        event.message.clone().unwrap_or_default(),
    )
}

/// Store keys (`<namespace>/<name>`, or node names) grouped by a value.
type Groups<V> = BTreeMap<V, BTreeSet<String>>;

/// Every index of one cluster. Sets hold store keys, so walking one gives key (= list) order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Index {
    /// Pod keys by `spec.nodeName`.
    pub pods_by_node: Groups<String>,
    /// Pod keys by the uid of each of their owners.
    pub pods_by_owner: Groups<String>,
    /// Pod keys by their `eks.amazonaws.com/fargate-profile` label.
    pub pods_by_profile: Groups<String>,
    /// Keys of the pods in phase `Pending` that are not being deleted: what the schedulers look at.
    pub pending: BTreeSet<String>,
    /// IPs in use (nodes' InternalIPs, pods' IPs), with how many objects use each.
    pub ips: BTreeMap<String, u32>,
    /// Node names by their nodegroup label.
    pub nodes_by_group: Groups<String>,
    /// Node names by scheduling class.
    pub nodes_by_class: Groups<NodeClass>,
    /// Event keys by identity.
    pub events: Groups<EventIdentity>,
    /// Nodes written, or left by a pod, since the idle-node controller last looked: every Fargate
    /// node without pods is among them. A work queue, not derived from the objects.
    pub idle_candidates: BTreeSet<String>,
    /// Nodes written (or removed) since the DaemonSet controller last looked. A work queue.
    pub nodes_changed: BTreeSet<String>,
    /// The nodes each DaemonSet (by uid) belongs on, as its controller last worked them out. A cache,
    /// brought up to date from [`Index::nodes_changed`].
    pub daemon_nodes: BTreeMap<String, DaemonNodes>,
    /// The owners (uids) of each ReplicaSet (by uid): where a pod's change must also be seen.
    pub replicaset_owners: BTreeMap<String, BTreeSet<String>>,
    /// The resourceVersion of the last write of a node of each class (see `scheduler::stays_parked`).
    pub class_written: BTreeMap<NodeClass, u64>,
    /// The resourceVersion of the last change that took a pod off a node.
    pub pod_left: u64,
    /// The pods (by key) the default scheduler could not place, waiting for a change that may
    /// help them (`scheduler::stays_parked`); a pod leaves when it is written.
    pub parked: BTreeMap<String, Parked>,
    /// The resourceVersion of the last write of each resource (by plural).
    pub written: BTreeMap<&'static str, u64>,
    /// The resourceVersion at which each gated controller (by name) last began (see
    /// `cluster::gated`); forgotten when what AWS says changes.
    pub ran: BTreeMap<&'static str, u64>,
    /// Work queues of the workload controllers: the uids of the Deployments, ReplicaSets and
    /// DaemonSets whose object, or whose ReplicaSets or pods, were written since their controller
    /// last looked at them. Only these can have anything to do.
    pub dirty: Dirty,
}

/// The owners each workload controller has to look at again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dirty {
    /// Deployment uids.
    pub deployments: BTreeSet<String>,
    /// ReplicaSet uids.
    pub replicasets: BTreeSet<String>,
    /// DaemonSet uids.
    pub daemonsets: BTreeSet<String>,
}

/// A pod the default scheduler could not place: when, and the cluster's resourceVersion after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parked {
    /// The attempt's instant.
    pub at: Timestamp,
    /// The cluster's resourceVersion after the attempt.
    pub rv: u64,
}

/// The nodes a DaemonSet's pods belong on, for one version of its pod template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaemonNodes {
    /// The template's hash (a new template: worked out afresh).
    pub template_hash: String,
    /// The eligible nodes' names.
    pub nodes: BTreeSet<String>,
}

fn group<V: Ord>(groups: &mut Groups<V>, value: V, key: &str, add: bool) {
    if add {
        groups.entry(value).or_default().insert(key.to_owned());
    } else if let Some(keys) = groups.get_mut(&value) {
        keys.remove(key);
        if keys.is_empty() {
            groups.remove(&value);
        }
    }
}

fn count(ips: &mut BTreeMap<String, u32>, ip: &str, add: bool) {
    if add {
        *ips.entry(ip.to_owned()).or_default() += 1;
    } else if let Some(n) = ips.get_mut(ip) {
        *n -= 1;
        if *n == 0 {
            ips.remove(ip);
        }
    }
}

impl Index {
    /// The indexes of `objects` (every workload to be looked at).
    #[must_use]
    pub fn build(objects: &Objects) -> Self {
        let mut index = Self::default();
        // ReplicaSets first: a pod's change is also seen by the Deployment owning its ReplicaSet.
        index.add_all(&objects.replicasets);
        index.add_all(&objects.deployments);
        index.add_all(&objects.daemonsets);
        index.add_all(&objects.pods);
        index.add_all(&objects.nodes);
        index.add_all(&objects.events);
        index
    }

    fn add_all<K: Kind>(&mut self, store: &Store<K>) {
        for obj in store.0.values() {
            self.update(&key_of(obj), None, Some(obj));
        }
    }

    /// Moves the indexes from `old` to `new`, the object stored under `key` (`None`: absent).
    pub fn update<K: Kind>(&mut self, key: &str, old: Option<&K>, new: Option<&K>) {
        let node_of = |o: Option<&K>| {
            let pod = (o? as &dyn Any).downcast_ref::<Pod>()?;
            pod.spec.as_ref()?.node_name.clone()
        };
        let from = node_of(old);
        if from.is_some() && from != node_of(new) {
            self.pod_left = self.last_write("pods");
        }
        for (obj, add) in [(old, false), (new, true)] {
            let Some(obj) = obj.map(|o| o as &dyn Any) else {
                continue;
            };
            if let Some(pod) = obj.downcast_ref::<Pod>() {
                self.pod(key, pod, add);
            } else if let Some(node) = obj.downcast_ref::<Node>() {
                self.node(key, node, add);
            } else if let Some(event) = obj.downcast_ref::<Event>() {
                group(&mut self.events, event_identity(event), key, add);
            } else if let Some(rs) = obj.downcast_ref::<ReplicaSet>() {
                let uid = uid_of(&rs.metadata).to_owned();
                for owner in rs.metadata.owner_references.iter().flatten() {
                    self.dirty.deployments.insert(owner.uid.clone());
                    group(&mut self.replicaset_owners, uid.clone(), &owner.uid, add);
                }
                self.dirty.replicasets.insert(uid);
            } else if let Some(d) = obj.downcast_ref::<Deployment>() {
                self.dirty
                    .deployments
                    .insert(uid_of(&d.metadata).to_owned());
            } else if let Some(ds) = obj.downcast_ref::<DaemonSet>() {
                self.dirty
                    .daemonsets
                    .insert(uid_of(&ds.metadata).to_owned());
            }
        }
    }

    /// Every workload of `objects` to be looked at again (the tests check that a run after this
    /// changes nothing, i.e. that the work queues skipped nothing).
    #[cfg(test)]
    pub fn dirty_all(&mut self, objects: &Objects) {
        use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
        let uids = |metas: Vec<&ObjectMeta>| -> BTreeSet<String> {
            metas.into_iter().map(|m| uid_of(m).to_owned()).collect()
        };
        self.dirty = Dirty {
            deployments: uids(
                objects
                    .deployments
                    .0
                    .values()
                    .map(|o| &o.metadata)
                    .collect(),
            ),
            replicasets: uids(
                objects
                    .replicasets
                    .0
                    .values()
                    .map(|o| &o.metadata)
                    .collect(),
            ),
            daemonsets: uids(objects.daemonsets.0.values().map(|o| &o.metadata).collect()),
        };
    }

    /// The resourceVersion of the write being indexed (stamped by the store before it indexes).
    fn last_write(&self, plural: &str) -> u64 {
        self.written.get(plural).copied().unwrap_or(0)
    }

    fn pod(&mut self, key: &str, pod: &Pod, add: bool) {
        if !add {
            self.parked.remove(key);
        }
        let spec = pod.spec.as_ref();
        if let Some(node) = spec.and_then(|s| s.node_name.as_deref()) {
            group(&mut self.pods_by_node, node.to_owned(), key, add);
            if !add {
                self.idle_candidates.insert(node.to_owned());
            }
        }
        for owner in pod.metadata.owner_references.iter().flatten() {
            group(&mut self.pods_by_owner, owner.uid.clone(), key, add);
            match owner.kind.as_str() {
                "ReplicaSet" => {
                    self.dirty.replicasets.insert(owner.uid.clone());
                    if let Some(owners) = self.replicaset_owners.get(&owner.uid) {
                        self.dirty.deployments.extend(owners.iter().cloned());
                    }
                }
                "DaemonSet" => {
                    self.dirty.daemonsets.insert(owner.uid.clone());
                }
                _ => {}
            }
        }
        if let Some(profile) = pod
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(FARGATE_PROFILE_LABEL))
        {
            group(&mut self.pods_by_profile, profile.clone(), key, add);
        }
        let status = pod.status.as_ref();
        if pod.metadata.deletion_timestamp.is_none()
            && status.and_then(|s| s.phase.as_deref()) == Some("Pending")
        {
            if add {
                self.pending.insert(key.to_owned());
            } else {
                self.pending.remove(key);
            }
        }
        if let Some(ip) = status.and_then(|s| s.pod_ip.as_deref()) {
            count(&mut self.ips, ip, add);
        }
    }

    fn node(&mut self, name: &str, node: &Node, add: bool) {
        if let Some(ip) = internal_ip(node) {
            count(&mut self.ips, ip, add);
        }
        if let Some(group_name) = node
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(NODEGROUP_LABEL))
        {
            group(&mut self.nodes_by_group, group_name.clone(), name, add);
        }
        let class = NodeClass::of(node);
        self.class_written
            .insert(class.clone(), self.last_write("nodes"));
        group(&mut self.nodes_by_class, class, name, add);
        self.idle_candidates.insert(name.to_owned());
        self.nodes_changed.insert(name.to_owned());
    }

    /// Whether the derived indexes match `objects` (work queues and caches aside).
    #[must_use]
    pub fn agrees_with(&self, objects: &Objects) -> bool {
        let derived = |index: &Self| Self {
            idle_candidates: BTreeSet::new(),
            nodes_changed: BTreeSet::new(),
            daemon_nodes: BTreeMap::new(),
            dirty: Dirty::default(),
            written: BTreeMap::new(),
            ran: BTreeMap::new(),
            class_written: BTreeMap::new(),
            pod_left: 0,
            parked: BTreeMap::new(),
            ..index.clone()
        };
        derived(self) == derived(&Self::build(objects))
    }
}
