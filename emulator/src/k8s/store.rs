//! The objects of one cluster: a store per kind keyed as etcd keys them (`<namespace>/<name>`, so lists
//! come out in the apiserver's order), one resourceVersion counter, and a bounded log of changes that
//! watches replay from a resourceVersion. Every write goes through [`KubeCluster::create`],
//! [`KubeCluster::put`] or [`KubeCluster::remove`], which stamp the resourceVersion and log the change;
//! a write that changes nothing is dropped, so controllers can write unconditionally.

use std::collections::{BTreeMap, VecDeque};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, Event, Namespace, Node, Pod, Secret, Service, ServiceAccount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::index::Index;
use super::kinds::Kind;
use super::stages::PodSteps;
use crate::clock::Timestamp;
use crate::ids::IdGen;

/// How many changes the watch log keeps per cluster; a watch from an older resourceVersion gets 410.
pub const LOG_CAPACITY: usize = 1024;

/// The objects of one kind, by `<namespace>/<name>` (or `<name>` when cluster-scoped).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Store<K>(pub BTreeMap<String, K>);

impl<K> Default for Store<K> {
    fn default() -> Self {
        Self(BTreeMap::new())
    }
}

/// The store key of an object: `<namespace>/<name>`, or `<name>` for cluster-scoped kinds.
#[must_use]
pub fn key(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
        _ => name.to_owned(),
    }
}

/// The store key of `obj`.
#[must_use]
pub fn key_of<K: Kind>(obj: &K) -> String {
    let meta = obj.metadata();
    key(
        meta.namespace.as_deref().filter(|_| K::info().namespaced),
        meta.name.as_deref().unwrap_or_default(),
    )
}

/// Every kind's store.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Objects {
    pub namespaces: Store<Namespace>,
    pub nodes: Store<Node>,
    pub pods: Store<Pod>,
    pub configmaps: Store<ConfigMap>,
    pub secrets: Store<Secret>,
    pub serviceaccounts: Store<ServiceAccount>,
    pub services: Store<Service>,
    pub events: Store<Event>,
    pub deployments: Store<Deployment>,
    pub replicasets: Store<ReplicaSet>,
    pub daemonsets: Store<DaemonSet>,
}

/// One logged change, as a watch sees it.
#[derive(Debug, Clone)]
pub struct Change {
    /// The resourceVersion the change produced.
    pub rv: u64,
    /// The resource's plural.
    pub resource: &'static str,
    /// The object's namespace (empty when cluster-scoped).
    pub namespace: String,
    /// The object before the change (`None` when created).
    pub before: Option<Value>,
    /// The object after the change; for a deletion, the last state stamped with the deletion's
    /// resourceVersion, as the apiserver sends it.
    pub after: Value,
    /// Whether the object is gone.
    pub deleted: bool,
}

/// The Kubernetes side of one EKS cluster.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "StoredCluster")]
pub struct KubeCluster {
    /// The EKS cluster's name.
    pub name: String,
    /// When the control plane came up (the default objects' creation time).
    pub created_at: Timestamp,
    /// The last resourceVersion given out.
    pub rv: u64,
    /// The last virtual time the controllers ran at.
    pub last_run: Timestamp,
    /// Fingerprint of the cluster facts the controllers last saw.
    pub facts_fingerprint: u64,
    /// The objects.
    pub objects: Objects,
    /// Pending pod lifecycle steps.
    pub steps: PodSteps,
    /// Scheduling failures already reported, by pod uid (so an event is emitted once per reason).
    pub reported: BTreeMap<String, String>,
    /// This cluster's own id stream (uids, generated names, IPs), seeded from the cluster's identity,
    /// so that Kubernetes activity never shifts the ids the AWS side hands out.
    pub ids: IdGen,
    /// Recent changes, for watches. Runtime cache: not persisted (a watch from before a restart
    /// gets 410 and relists, as after an etcd compaction).
    #[serde(skip)]
    pub log: VecDeque<Change>,
    /// What the controllers look up instead of scanning (derived from `objects`: not persisted).
    #[serde(skip)]
    pub index: Index,
}

/// A [`KubeCluster`] as persisted: everything but the runtime caches, which are rebuilt on load.
#[derive(Deserialize)]
struct StoredCluster {
    name: String,
    created_at: Timestamp,
    rv: u64,
    last_run: Timestamp,
    facts_fingerprint: u64,
    objects: Objects,
    steps: PodSteps,
    reported: BTreeMap<String, String>,
    ids: IdGen,
}

impl From<StoredCluster> for KubeCluster {
    fn from(stored: StoredCluster) -> Self {
        Self {
            index: Index::build(&stored.objects),
            name: stored.name,
            created_at: stored.created_at,
            rv: stored.rv,
            last_run: stored.last_run,
            facts_fingerprint: stored.facts_fingerprint,
            objects: stored.objects,
            steps: stored.steps,
            reported: stored.reported,
            ids: stored.ids,
            log: VecDeque::new(),
        }
    }
}

impl KubeCluster {
    /// An empty cluster.
    #[must_use]
    pub fn new(name: &str, created_at: Timestamp, ids: IdGen) -> Self {
        Self {
            name: name.to_owned(),
            created_at,
            rv: 0,
            last_run: created_at,
            facts_fingerprint: 0,
            objects: Objects::default(),
            steps: PodSteps::default(),
            reported: BTreeMap::new(),
            ids,
            log: VecDeque::new(),
            index: Index::default(),
        }
    }

    /// The oldest resourceVersion a watch can start from (a watch needs every change after it).
    #[must_use]
    pub fn oldest_watchable(&self) -> u64 {
        self.log.front().map_or(self.rv, |c| c.rv.saturating_sub(1))
    }

    /// The object `namespace`/`name`.
    #[must_use]
    pub fn get<K: Kind>(&self, namespace: Option<&str>, name: &str) -> Option<&K> {
        K::store(&self.objects).0.get(&key(namespace, name))
    }

    /// Every object of a kind, in key order.
    pub fn all<K: Kind>(&self) -> impl Iterator<Item = &K> {
        K::store(&self.objects).0.values()
    }

    /// Every object of a kind in `namespace` (a range of the store's keys, not a scan).
    pub fn in_namespace<'a, K: Kind>(&'a self, namespace: &'a str) -> impl Iterator<Item = &'a K> {
        let namespaced = K::info().namespaced && !namespace.is_empty();
        let prefix = if namespaced {
            format!("{namespace}/")
        } else {
            // Cluster-scoped kinds have no namespace: nothing is in one.
            "\u{10FFFF}".to_owned()
        };
        self.with_key_prefix::<K>(prefix)
            .filter(move |o| o.metadata().namespace.as_deref() == Some(namespace))
    }

    /// The objects of a kind whose store key starts with `prefix`, in key order.
    pub fn with_key_prefix<K: Kind>(&self, prefix: String) -> impl Iterator<Item = &K> {
        K::store(&self.objects)
            .0
            .range(prefix.clone()..)
            .take_while(move |(key, _)| key.starts_with(&prefix))
            .map(|(_, obj)| obj)
    }

    /// The stored objects under `keys` (keys from an [`Index`] set, so in key order).
    pub fn at<'a, K: Kind>(
        &'a self,
        keys: Option<&'a std::collections::BTreeSet<String>>,
    ) -> impl Iterator<Item = &'a K> {
        let store = &K::store(&self.objects).0;
        keys.into_iter().flatten().filter_map(|key| store.get(key))
    }

    /// The pods bound to node `name` (terminating ones included), in key order.
    pub fn pods_on_node<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a Pod> {
        self.at(self.index.pods_by_node.get(name))
    }

    /// The pods with an owner reference to `uid`, in key order.
    pub fn pods_owned_by<'a>(&'a self, uid: &str) -> impl Iterator<Item = &'a Pod> {
        self.at(self.index.pods_by_owner.get(uid))
    }

    /// Clones of every object of a kind (to change them while walking).
    #[must_use]
    pub fn cloned<K: Kind>(&self) -> Vec<K> {
        self.all::<K>().cloned().collect()
    }

    fn next_rv<K: Kind>(&mut self) -> u64 {
        self.rv += 1;
        self.index.written.insert(K::info().plural, self.rv);
        self.rv
    }

    fn log_change(&mut self, change: Change) {
        if self.log.len() >= LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(change);
    }

    /// Stores a new object: gives it a uid, resourceVersion, creationTimestamp (and generation 1 for
    /// kinds that have one), and a name from `generateName` if it has none. Returns the stored object.
    /// The caller has checked that the key is free.
    pub fn create<K: Kind>(&mut self, mut obj: K, now: Timestamp, ids: &mut IdGen) -> K {
        let rv = self.next_rv::<K>();
        let meta = obj.metadata_mut();
        if meta.name.as_deref().unwrap_or_default().is_empty() {
            // As the apiserver's generateName: draw again while the name is taken.
            let prefix = meta.generate_name.clone().unwrap_or_default();
            let namespace = meta.namespace.clone().filter(|_| K::info().namespaced);
            let store = &K::store(&self.objects).0;
            let name = loop {
                let name = format!("{prefix}{}", ids.k8s_suffix(5));
                if !store.contains_key(&key(namespace.as_deref(), &name)) {
                    break name;
                }
            };
            meta.name = Some(name);
        }
        meta.uid = Some(ids.uuid_v4());
        meta.resource_version = Some(rv.to_string());
        meta.creation_timestamp = Some(time(now));
        if K::GENERATION {
            meta.generation = Some(1);
        }
        if !K::info().namespaced {
            meta.namespace = None;
        }
        let key = key_of(&obj);
        let after = to_value(&obj);
        self.log_change(Change {
            rv,
            resource: K::info().plural,
            namespace: namespace_of(&obj),
            before: None,
            after,
            deleted: false,
        });
        self.index.update::<K>(&key, None, Some(&obj));
        K::store_mut(&mut self.objects).0.insert(key, obj.clone());
        obj
    }

    /// Replaces a stored object by `obj` (same key) if anything differs, stamping a new
    /// resourceVersion. Returns whether it changed. An object that is not stored is ignored.
    pub fn put<K: Kind>(&mut self, mut obj: K) -> bool {
        let key = key_of(&obj);
        let Some(current) = K::store(&self.objects).0.get(&key) else {
            return false;
        };
        obj.metadata_mut().resource_version = current.metadata().resource_version.clone();
        // Typed equality first: controllers write unconditionally, and most writes change nothing.
        if obj == *current {
            return false;
        }
        let before = to_value(current);
        let mut after = to_value(&obj);
        if after == before {
            return false;
        }
        let rv = self.next_rv::<K>();
        obj.metadata_mut().resource_version = Some(rv.to_string());
        // The JSON just made, with the new resourceVersion (instead of serialising again).
        if let Some(meta) = after.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("resourceVersion".to_owned(), Value::String(rv.to_string()));
        }
        self.log_change(Change {
            rv,
            resource: K::info().plural,
            namespace: namespace_of(&obj),
            before: Some(before),
            after,
            deleted: false,
        });
        let store = K::store_mut(&mut self.objects);
        let old = store.0.insert(key.clone(), obj);
        self.index
            .update::<K>(&key, old.as_ref(), store.0.get(&key));
        true
    }

    /// Removes an object; returns its last state (stamped with the deletion's resourceVersion).
    pub fn remove<K: Kind>(&mut self, namespace: Option<&str>, name: &str) -> Option<K> {
        let key = key(namespace, name);
        let mut obj = K::store_mut(&mut self.objects).0.remove(&key)?;
        // The resourceVersion first: the index stamps what it records with this write's.
        let rv = self.next_rv::<K>();
        self.index.update::<K>(&key, Some(&obj), None);
        if K::KIND == "Pod" {
            // A scheduling failure is reported once per pod: forget it with the pod.
            self.reported.remove(uid_of(obj.metadata()));
        }
        let before = to_value(&obj);
        obj.metadata_mut().resource_version = Some(rv.to_string());
        self.log_change(Change {
            rv,
            resource: K::info().plural,
            namespace: namespace_of(&obj),
            before: Some(before),
            after: to_value(&obj),
            deleted: true,
        });
        Some(obj)
    }
}

fn namespace_of<K: Kind>(obj: &K) -> String {
    obj.metadata().namespace.clone().unwrap_or_default()
}

/// An object as JSON (k8s-openapi types always serialise).
#[must_use]
pub fn to_value<K: Serialize>(obj: &K) -> Value {
    serde_json::to_value(obj).unwrap_or(Value::Null)
}

/// A `metav1.Time` at a virtual instant (second precision on the wire).
#[must_use]
pub fn time(at: Timestamp) -> Time {
    let millis = i64::try_from(at.0).unwrap_or(i64::MAX);
    Time(k8s_openapi::jiff::Timestamp::from_millisecond(millis).unwrap_or_default())
}

/// The virtual instant of a `metav1.Time`.
#[must_use]
pub fn instant(time: &Time) -> Timestamp {
    Timestamp(u64::try_from(time.0.as_millisecond()).unwrap_or(0))
}

/// `metadata.name`, or `""`.
#[must_use]
pub fn name_of(meta: &ObjectMeta) -> &str {
    meta.name.as_deref().unwrap_or_default()
}

/// `metadata.uid`, or `""`.
#[must_use]
pub fn uid_of(meta: &ObjectMeta) -> &str {
    meta.uid.as_deref().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(ns: &str, name: &str) -> Pod {
        Pod {
            metadata: ObjectMeta {
                namespace: Some(ns.into()),
                name: Some(name.into()),
                ..ObjectMeta::default()
            },
            ..Pod::default()
        }
    }

    #[test]
    fn writes_stamp_resource_versions_and_log_changes() {
        let mut c = KubeCluster::new("c", Timestamp(0), IdGen::new(0));
        let mut ids = IdGen::new(0);
        let created = c.create(pod("dev", "nginx"), Timestamp(1000), &mut ids);
        assert_eq!(created.metadata.resource_version.as_deref(), Some("1"));
        assert!(!c.put(created.clone()), "an unchanged write is dropped");
        let mut changed = created.clone();
        changed.metadata.labels = Some([("a".to_owned(), "b".to_owned())].into());
        assert!(c.put(changed));
        assert_eq!(
            c.get::<Pod>(Some("dev"), "nginx")
                .unwrap()
                .metadata
                .resource_version
                .as_deref(),
            Some("2")
        );
        let gone = c.remove::<Pod>(Some("dev"), "nginx").unwrap();
        assert_eq!(gone.metadata.resource_version.as_deref(), Some("3"));
        let kinds: Vec<(u64, bool)> = c.log.iter().map(|ch| (ch.rv, ch.deleted)).collect();
        assert_eq!(kinds, [(1, false), (2, false), (3, true)]);
    }

    #[test]
    fn a_generated_name_that_is_taken_is_drawn_again() {
        let mut c = KubeCluster::new("c", Timestamp(0), IdGen::new(0));
        let taken = format!("web-{}", IdGen::new(7).k8s_suffix(5));
        c.create(pod("dev", &taken), Timestamp(0), &mut IdGen::new(1));
        let mut generated = pod("dev", "");
        generated.metadata.generate_name = Some("web-".into());
        let made = c.create(generated, Timestamp(0), &mut IdGen::new(7));
        assert_ne!(made.metadata.name.as_deref(), Some(taken.as_str()));
        assert_eq!(c.all::<Pod>().count(), 2, "nothing was replaced");
        assert!(c.index.agrees_with(&c.objects));
    }

    #[test]
    fn keys_sort_as_etcd_keys() {
        let mut c = KubeCluster::new("c", Timestamp(0), IdGen::new(0));
        let mut ids = IdGen::new(0);
        for (ns, name) in [("kube-system", "a"), ("dev", "z"), ("default", "m")] {
            c.create(pod(ns, name), Timestamp(0), &mut ids);
        }
        let order: Vec<&str> = c
            .all::<Pod>()
            .map(|p| p.metadata.namespace.as_deref().unwrap())
            .collect();
        assert_eq!(order, ["default", "dev", "kube-system"]);
    }
}
