//! The control loop of every cluster, on the virtual clock. [`advance`] (called from
//! `World::advance`, so on every request and clock move) brings up the Kubernetes side of clusters that
//! became ACTIVE, drops those whose EKS cluster is gone, and runs [`reconcile`] when something is due:
//! pending pod steps, nodegroup boots and scheduler flushes (in time order, each at its own instant),
//! then the controllers (nodes, garbage collection, namespaces, workloads, Fargate eviction, both
//! schedulers) until nothing changes. The controllers look up what changed in the cluster's index
//! (index.rs) and skip what has nothing to do. Nothing here sleeps or reads the system clock.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::facts::ClusterFacts;
use super::store::KubeCluster;
use super::{bootstrap, kubelet, nodes, scheduler, workloads};
use crate::clock::Timestamp;
use crate::ids::IdGen;
use crate::lifecycle::{Timing, Transition};
use crate::state::Region;

/// The Kubernetes side of every cluster of one region.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct K8sRegion {
    /// By EKS cluster name.
    pub clusters: BTreeMap<String, KubeCluster>,
    /// Clusters dropped so far (keeps [`K8sRegion::revision`] moving when one goes).
    #[serde(default)]
    pub dropped: u64,
}

impl K8sRegion {
    /// A number that moves whenever an object of any cluster here changes.
    #[must_use]
    pub fn revision(&self) -> u64 {
        self.clusters
            .values()
            .map(|c| c.rv)
            .fold(self.dropped, u64::wrapping_add)
    }
}

/// Everything a controller may use: the cluster, what AWS says about it, ids, and the time.
pub struct Kube<'a> {
    /// The cluster's objects.
    pub c: &'a mut KubeCluster,
    /// The AWS side.
    pub facts: &'a ClusterFacts,
    /// Seeded ids.
    pub ids: &'a mut IdGen,
    /// The instant the controllers act at.
    pub now: Timestamp,
    /// How long steps take.
    pub timing: Timing,
}

/// Brings every cluster of `region` (named `region_name`) up to `now`.
///
/// Called on every request, so it keeps each cluster's facts in `region.kube_facts` and rebuilds them
/// only when what they are read from changed ([`super::facts::facts_key`]); a cluster whose facts
/// the controllers have already seen and that has nothing due is not visited (the same test
/// [`reconcile`] makes before it does anything).
pub fn advance(region: &mut Region, region_name: &str, now: Timestamp, timing: Timing) {
    let mut cache = std::mem::take(&mut region.kube_facts);
    cache.refresh(region, region_name);
    let kube = &mut region.kube;
    let before = kube.clusters.len();
    kube.clusters
        .retain(|name, _| cache.clusters.contains_key(name));
    kube.dropped += (before - kube.clusters.len()) as u64;
    for (name, entry) in &mut cache.clusters {
        let f = &entry.facts;
        if !kube.clusters.contains_key(name) {
            if !f.serving() {
                continue;
            }
            let up_at = f
                .created_at
                .after(timing.duration(Transition::ClusterCreate))
                .min(now);
            let mut cluster = bootstrap::new_cluster(f, up_at);
            reconcile(&mut cluster, f, up_at, timing, true);
            kube.clusters.insert(name.clone(), cluster);
        }
        if let Some(cluster) = kube.clusters.get_mut(name) {
            if !is_due(cluster, f, now) && entry.fingerprint == Some(cluster.facts_fingerprint) {
                continue;
            }
            reconcile(cluster, f, now, timing, false);
            entry.fingerprint = Some(cluster.facts_fingerprint);
        }
    }
    region.kube_facts = cache;
}

/// Whether something of the cluster comes due by `now`: a pod step, a nodegroup's boot, or a
/// scheduler flush.
fn is_due(c: &KubeCluster, facts: &ClusterFacts, now: Timestamp) -> bool {
    c.steps.earliest().is_some_and(|at| at <= now)
        || facts.boot_due(c.last_run, now).is_some()
        || scheduler::flush_due(c).is_some_and(|at| at <= now)
}

/// Runs the cluster's pending steps and controllers up to `now`. Without `force`, does nothing unless
/// a step is due or the facts changed since the last run.
pub fn reconcile(
    c: &mut KubeCluster,
    facts: &ClusterFacts,
    now: Timestamp,
    timing: Timing,
    force: bool,
) {
    let fingerprint = facts.fingerprint();
    if !force && !is_due(c, facts, now) && fingerprint == c.facts_fingerprint {
        return;
    }
    let mut own_ids = std::mem::replace(&mut c.ids, IdGen::new(0));
    let ids = &mut own_ids;
    if fingerprint != c.facts_fingerprint {
        // Run every gated controller again (they read what AWS says). The workload controllers need
        // not: they read the facts only to admit the pods they create, and a workload with no change
        // queued has none to create.
        c.index.ran.clear();
    }
    c.facts_fingerprint = fingerprint;
    // Bounded: each step is applied once; controllers settle in a few passes.
    for _ in 0..10_000 {
        let step_at = c.steps.earliest().filter(|at| *at <= now);
        let next = step_at
            .into_iter()
            .chain(facts.boot_due(c.last_run, now))
            .chain(scheduler::flush_due(c).filter(|at| *at <= now))
            .min();
        let at = next.unwrap_or(now).max(c.last_run);
        c.last_run = at;
        let mut k = Kube {
            c: &mut *c,
            facts,
            ids: &mut *ids,
            now: at,
            timing,
        };
        controllers(&mut k);
        if next.is_none() {
            break;
        }
        if step_at != next {
            continue; // a nodegroup's boot or a scheduler flush: the controllers above handled it
        }
        if let Some(step) = c.steps.take_due(now) {
            let mut k = Kube {
                c: &mut *c,
                facts,
                ids: &mut *ids,
                now: at,
                timing,
            };
            kubelet::apply(&mut k, &step);
        }
    }
    c.ids = own_ids;
}

/// Every controller, repeated until a pass changes nothing.
fn controllers(k: &mut Kube<'_>) {
    for _ in 0..20 {
        let rv = k.c.rv;
        nodes::sync(k);
        workloads::collect_garbage(k);
        gated(
            k,
            "namespaces",
            &["namespaces", "serviceaccounts"],
            workloads::namespaces,
        );
        workloads::deployments(k);
        workloads::replicasets(k);
        workloads::daemonsets(k);
        scheduler::evict_from_deleted_profiles(k);
        scheduler::schedule(k);
        nodes::remove_idle_fargate_nodes(k);
        gated(k, "aws-auth", &["configmaps"], bootstrap::sync_aws_auth);
        if k.c.rv == rv {
            break;
        }
    }
}

/// Runs `controller` (named `name`), which reads only the resources `reads` and what AWS says,
/// unless none of them was written since it last began (a change of the facts runs it anyway).
fn gated(k: &mut Kube<'_>, name: &'static str, reads: &[&str], controller: fn(&mut Kube<'_>)) {
    let index = &k.c.index;
    let idle = index.ran.get(name).is_some_and(|ran| {
        reads
            .iter()
            .all(|r| index.written.get(r).is_none_or(|w| w <= ran))
    });
    if idle {
        return;
    }
    k.c.index.ran.insert(name, k.c.rv);
    controller(k);
}

/// Builds a typed object from JSON written in code (bootstrap objects, generated pods).
///
/// # Panics
/// When `value` does not fit `T`: a bug in the literal, caught by the tests.
#[must_use]
pub fn from_json<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("object literals in the emulator fit their type")
}
