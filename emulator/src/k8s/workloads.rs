//! The workload controllers of kube-controller-manager, reduced to what kubectl and eksctl observe:
//! Deployments (a ReplicaSet per pod template, named by the template hash, rolled with
//! maxSurge/maxUnavailable, `rollout restart`, revisions, the status fields `rollout status` reads),
//! ReplicaSets (pods up or down to `replicas`), DaemonSets (one pod per eligible node), the garbage
//! collector (dependents of a deleted owner go), and namespaces (a `default` ServiceAccount each;
//! deleting one deletes its contents). Each writes only on change, so a pass that finds nothing to do
//! leaves the resourceVersion alone.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, Event, Namespace, Node, Pod, PodSpec, PodTemplateSpec, Secret, Service,
    ServiceAccount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::json;

use super::admission;
use super::cluster::{from_json, Kube};
use super::events::{self, Type};
use super::index::DaemonNodes;
use super::kinds::Kind;
use super::kubelet;
use super::scheduler::{matches_node, untolerated_taint};
use super::selector::LabelQuery;
use super::store::{name_of, time, uid_of, KubeCluster};

/// The label carrying a ReplicaSet's template hash.
pub const TEMPLATE_HASH_LABEL: &str = "pod-template-hash";
/// The annotation carrying a Deployment's (and its ReplicaSets') revision.
pub const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";
/// The label carrying a DaemonSet pod's template revision.
const DS_HASH_LABEL: &str = "controller-revision-hash";

/// Kubernetes' `rand.SafeEncodeString`: each character mapped into an alphabet without vowels.
#[must_use]
pub fn safe_encode(s: &str) -> String {
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    s.bytes()
        .map(|b| char::from(ALPHANUMS[usize::from(b) % ALPHANUMS.len()]))
        .collect()
}

/// The hash of a pod template (`699bb99bf8`): FNV-32a of the template, in decimal, safe-encoded.
#[must_use]
pub fn template_hash(template: &PodTemplateSpec) -> String {
    let text = serde_json::to_string(template).unwrap_or_default();
    let mut hash: u32 = 0x811c_9dc5;
    for b in text.as_bytes() {
        hash ^= u32::from(*b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    safe_encode(&hash.to_string())
}

/// The controlling owner of an object.
#[must_use]
pub fn controller_of(meta: &ObjectMeta) -> Option<&OwnerReference> {
    meta.owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
}

fn owner_reference<K: Kind>(owner: &K) -> OwnerReference {
    OwnerReference {
        api_version: K::API_VERSION.to_owned(),
        kind: K::KIND.to_owned(),
        name: name_of(owner.metadata()).to_owned(),
        uid: uid_of(owner.metadata()).to_owned(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

fn owned_by<'a, K: Kind>(
    k: &'a Kube<'_>,
    namespace: &'a str,
    owner_uid: &'a str,
) -> impl Iterator<Item = &'a K> {
    k.c.in_namespace::<K>(namespace)
        .filter(move |o| controller_of(o.metadata()).is_some_and(|r| r.uid == owner_uid))
}

/// The pods `owner_uid` controls (looked up in the index, not scanned), in key order.
fn owned_pods<'a>(
    k: &'a Kube<'_>,
    namespace: &'a str,
    owner_uid: &'a str,
) -> impl Iterator<Item = &'a Pod> {
    k.c.pods_owned_by(owner_uid).filter(move |p| {
        p.metadata.namespace.as_deref() == Some(namespace)
            && controller_of(&p.metadata).is_some_and(|r| r.uid == owner_uid)
    })
}

/// Whether a pod is Ready.
#[must_use]
pub fn pod_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

fn live(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_none()
}

/// An int-or-percent of `total` (`25%` of 2 rounds up to 1 for surge, down to 0 for unavailable).
fn resolve(value: Option<&IntOrString>, total: i32, round_up: bool) -> i32 {
    match value {
        Some(IntOrString::Int(n)) => *n,
        Some(IntOrString::String(s)) => {
            let pct: i32 = s.trim_end_matches('%').parse().unwrap_or(0);
            let scaled = f64::from(pct) * f64::from(total) / 100.0;
            if round_up {
                scaled.ceil() as i32
            } else {
                scaled.floor() as i32
            }
        }
        None => 0,
    }
}

fn set_annotation(meta: &mut ObjectMeta, key: &str, value: String) {
    meta.annotations
        .get_or_insert_with(BTreeMap::new)
        .insert(key.to_owned(), value);
}

fn annotation<'a>(meta: &'a ObjectMeta, key: &str) -> Option<&'a str> {
    meta.annotations.as_ref()?.get(key).map(String::as_str)
}

/// Creates a pod from a template, owned by `owner`, through admission.
fn create_pod(
    k: &mut Kube<'_>,
    template: &PodTemplateSpec,
    namespace: &str,
    generate_name: &str,
    owner: OwnerReference,
    adjust: impl FnOnce(&mut Pod),
) -> Pod {
    let meta = template.metadata.clone().unwrap_or_default();
    let mut pod = Pod {
        metadata: ObjectMeta {
            generate_name: Some(generate_name.to_owned()),
            namespace: Some(namespace.to_owned()),
            labels: meta.labels,
            annotations: meta.annotations,
            owner_references: Some(vec![owner]),
            ..ObjectMeta::default()
        },
        spec: template.spec.clone(),
        status: None,
    };
    adjust(&mut pod);
    admission::admit_pod(&mut pod, k.facts);
    let now = k.now;
    k.c.create(pod, now, k.ids)
}

/// Deletes the dependents of owners that are gone.
pub fn collect_garbage(k: &mut Kube<'_>) {
    let owners: BTreeSet<String> =
        k.c.all::<ReplicaSet>()
            .map(|o| uid_of(&o.metadata).to_owned())
            .chain(
                k.c.all::<DaemonSet>()
                    .map(|o| uid_of(&o.metadata).to_owned()),
            )
            .chain(
                k.c.all::<Deployment>()
                    .map(|o| uid_of(&o.metadata).to_owned()),
            )
            .collect();
    let orphaned = |meta: &ObjectMeta| {
        meta.owner_references.iter().flatten().any(|o| {
            matches!(o.kind.as_str(), "ReplicaSet" | "DaemonSet" | "Deployment")
                && !owners.contains(&o.uid)
        })
    };
    let dead_sets: Vec<(String, String)> =
        k.c.all::<ReplicaSet>()
            .filter(|rs| orphaned(&rs.metadata))
            .map(|rs| {
                (
                    rs.metadata.namespace.clone().unwrap_or_default(),
                    name_of(&rs.metadata).to_owned(),
                )
            })
            .collect();
    for (ns, name) in dead_sets {
        k.c.remove::<ReplicaSet>(Some(&ns), &name);
    }
    // Only pods whose owner is gone can be orphans: look them up by owner.
    let suspects: BTreeSet<&String> =
        k.c.index
            .pods_by_owner
            .iter()
            .filter(|(uid, _)| !owners.contains(*uid))
            .flat_map(|(_, keys)| keys)
            .collect();
    let dead_pods: Vec<(String, String)> = suspects
        .into_iter()
        .filter_map(|key| k.c.objects.pods.0.get(key))
        .filter(|p| live(p) && orphaned(&p.metadata))
        .map(|p| {
            (
                p.metadata.namespace.clone().unwrap_or_default(),
                name_of(&p.metadata).to_owned(),
            )
        })
        .collect();
    for (ns, name) in dead_pods {
        kubelet::delete_pod(k, &ns, &name, None);
    }
}

fn purge<K: Kind>(k: &mut Kube<'_>, namespace: &str) {
    let names: Vec<String> =
        k.c.in_namespace::<K>(namespace)
            .map(|o| name_of(o.metadata()).to_owned())
            .collect();
    for name in names {
        k.c.remove::<K>(Some(namespace), &name);
    }
}

/// Namespaces: a `default` ServiceAccount in each; a deleted one takes its contents with it.
pub fn namespaces(k: &mut Kube<'_>) {
    for ns in k.c.cloned::<Namespace>() {
        let name = name_of(&ns.metadata).to_owned();
        if ns.metadata.deletion_timestamp.is_some() {
            let uids: Vec<String> =
                k.c.in_namespace::<Pod>(&name)
                    .map(|p| uid_of(&p.metadata).to_owned())
                    .collect();
            for uid in uids {
                k.c.steps.cancel(&uid);
            }
            purge::<Deployment>(k, &name);
            purge::<ReplicaSet>(k, &name);
            purge::<DaemonSet>(k, &name);
            purge::<Pod>(k, &name);
            purge::<Service>(k, &name);
            purge::<ConfigMap>(k, &name);
            purge::<Secret>(k, &name);
            purge::<ServiceAccount>(k, &name);
            purge::<Event>(k, &name);
            k.c.remove::<Namespace>(None, &name);
            continue;
        }
        if k.c.get::<ServiceAccount>(Some(&name), "default").is_none() {
            let sa = ServiceAccount {
                metadata: ObjectMeta {
                    name: Some("default".into()),
                    namespace: Some(name.clone()),
                    ..ObjectMeta::default()
                },
                ..ServiceAccount::default()
            };
            let now = k.now;
            k.c.create(sa, now, k.ids);
        }
    }
}

fn rs_replicas(rs: &ReplicaSet) -> i32 {
    rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0)
}

fn rs_available(rs: &ReplicaSet) -> i32 {
    rs.status
        .as_ref()
        .and_then(|s| s.available_replicas)
        .unwrap_or(0)
}

/// Scales a ReplicaSet, with the deployment's event.
fn scale_rs(k: &mut Kube<'_>, d: &Deployment, mut rs: ReplicaSet, to: i32, max_surge: i32) {
    let from = rs_replicas(&rs);
    let desired = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    if let Some(spec) = rs.spec.as_mut() {
        spec.replicas = Some(to);
    }
    set_annotation(
        &mut rs.metadata,
        "deployment.kubernetes.io/desired-replicas",
        desired.to_string(),
    );
    set_annotation(
        &mut rs.metadata,
        "deployment.kubernetes.io/max-replicas",
        (desired + max_surge).to_string(),
    );
    let name = name_of(&rs.metadata).to_owned();
    k.c.put(rs);
    if from != to {
        let direction = if to > from { "up" } else { "down" };
        events::record(
            k,
            events::reference(d),
            Type::Normal,
            "ScalingReplicaSet",
            &format!("Scaled {direction} replica set {name} from {from} to {to}"),
            "deployment-controller",
            None,
        );
    }
}

/// The Deployment controller.
pub fn deployments(k: &mut Kube<'_>) {
    // Only a Deployment whose object, ReplicaSets or pods changed since it was last looked at can
    // have anything to do (index::Dirty).
    let dirty = std::mem::take(&mut k.c.index.dirty.deployments);
    for d in cloned_dirty::<Deployment>(k, &dirty) {
        if d.metadata.deletion_timestamp.is_some() {
            continue;
        }
        deployment(k, d);
    }
}

/// Clones of the objects of a kind whose uid is in `dirty`, in key order.
fn cloned_dirty<K: Kind>(k: &Kube<'_>, dirty: &BTreeSet<String>) -> Vec<K> {
    if dirty.is_empty() {
        return Vec::new();
    }
    k.c.all::<K>()
        .filter(|o| dirty.contains(uid_of(o.metadata())))
        .cloned()
        .collect()
}

fn deployment(k: &mut Kube<'_>, d: Deployment) {
    let namespace = d.metadata.namespace.clone().unwrap_or_default();
    let uid = uid_of(&d.metadata).to_owned();
    let spec = d.spec.clone().unwrap_or_default();
    let desired = spec.replicas.unwrap_or(1);
    let hash = template_hash(&spec.template);
    let mut sets: Vec<ReplicaSet> = owned_by::<ReplicaSet>(k, &namespace, &uid)
        .cloned()
        .collect();
    let revision_of = |rs: &ReplicaSet| {
        annotation(&rs.metadata, REVISION_ANNOTATION)
            .and_then(|r| r.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let max_revision = sets.iter().map(revision_of).max().unwrap_or(0);
    let strategy = spec.strategy.clone().unwrap_or_default();
    let rolling = strategy.rolling_update.clone().unwrap_or_default();
    let recreate = strategy.type_.as_deref() == Some("Recreate");
    let mut max_surge = if recreate {
        0
    } else {
        resolve(rolling.max_surge.as_ref(), desired, true)
    };
    let mut max_unavailable = if recreate {
        0
    } else {
        resolve(rolling.max_unavailable.as_ref(), desired, false)
    };
    if max_surge == 0 && max_unavailable == 0 && !recreate {
        max_unavailable = 1;
    }
    max_surge = max_surge.max(0);
    max_unavailable = max_unavailable.max(0);

    let new_index = sets.iter().position(|rs| {
        rs.metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(TEMPLATE_HASH_LABEL))
            == Some(&hash)
    });
    let new_name = match new_index {
        Some(i) => {
            let mut rs = sets[i].clone();
            if revision_of(&rs) < max_revision {
                set_annotation(
                    &mut rs.metadata,
                    REVISION_ANNOTATION,
                    (max_revision + 1).to_string(),
                );
                k.c.put(rs.clone());
                sets[i] =
                    k.c.get::<ReplicaSet>(Some(&namespace), name_of(&rs.metadata))
                        .cloned()
                        .unwrap_or(rs);
            }
            name_of(&sets[i].metadata).to_owned()
        }
        None => {
            let mut template = spec.template.clone();
            let meta = template.metadata.get_or_insert_with(Default::default);
            meta.labels
                .get_or_insert_with(BTreeMap::new)
                .insert(TEMPLATE_HASH_LABEL.into(), hash.clone());
            let mut selector: LabelSelector = spec.selector.clone();
            selector
                .match_labels
                .get_or_insert_with(BTreeMap::new)
                .insert(TEMPLATE_HASH_LABEL.into(), hash.clone());
            let rs = ReplicaSet {
                metadata: ObjectMeta {
                    name: Some(format!("{}-{hash}", name_of(&d.metadata))),
                    namespace: Some(namespace.clone()),
                    labels: meta.labels.clone(),
                    annotations: Some(BTreeMap::from([
                        (
                            "deployment.kubernetes.io/desired-replicas".to_owned(),
                            desired.to_string(),
                        ),
                        (
                            "deployment.kubernetes.io/max-replicas".to_owned(),
                            (desired + max_surge).to_string(),
                        ),
                        (
                            REVISION_ANNOTATION.to_owned(),
                            (max_revision + 1).to_string(),
                        ),
                    ])),
                    owner_references: Some(vec![owner_reference(&d)]),
                    ..ObjectMeta::default()
                },
                spec: Some(from_json(json!({
                    "replicas": 0,
                    "minReadySeconds": spec.min_ready_seconds.unwrap_or(0),
                    "selector": selector,
                    "template": template,
                }))),
                status: Some(from_json(json!({"replicas": 0}))),
            };
            let now = k.now;
            let created = k.c.create(rs, now, k.ids);
            let name = name_of(&created.metadata).to_owned();
            sets.push(created);
            name
        }
    };
    let paused = spec.paused.unwrap_or(false);
    let new_rs = |k: &Kube<'_>| k.c.get::<ReplicaSet>(Some(&namespace), &new_name).cloned();
    let olds: Vec<ReplicaSet> = sets
        .iter()
        .filter(|rs| name_of(&rs.metadata) != new_name)
        .cloned()
        .collect();
    let old_total: i32 = olds.iter().map(rs_replicas).sum();
    if !paused {
        if let Some(new) = new_rs(k) {
            if old_total == 0 {
                if rs_replicas(&new) != desired {
                    scale_rs(k, &d, new, desired, max_surge);
                }
            } else if recreate {
                for old in olds.iter().filter(|rs| rs_replicas(rs) > 0) {
                    scale_rs(k, &d, old.clone(), 0, max_surge);
                }
                let old_pods = olds.iter().any(|rs| {
                    owned_pods(k, &namespace, uid_of(&rs.metadata))
                        .next()
                        .is_some()
                });
                if !old_pods {
                    scale_rs(k, &d, new, desired, max_surge);
                }
            } else {
                // Scale the new ReplicaSet up within maxSurge.
                let total = old_total + rs_replicas(&new);
                let max_total = desired + max_surge;
                if rs_replicas(&new) < desired && total < max_total {
                    let up = (max_total - total).min(desired - rs_replicas(&new));
                    let to = rs_replicas(&new) + up;
                    scale_rs(k, &d, new.clone(), to, max_surge);
                }
                // Scale old ReplicaSets down within maxUnavailable.
                let new = new_rs(k).unwrap_or(new);
                let all: i32 = old_total + rs_replicas(&new);
                let min_available = desired - max_unavailable;
                let new_unavailable = rs_replicas(&new) - rs_available(&new);
                let mut budget = all - min_available - new_unavailable;
                let mut olds_sorted = olds.clone();
                olds_sorted.sort_by_key(|rs| rs.metadata.creation_timestamp.clone());
                // Unhealthy old replicas go first, then the oldest sets.
                for old in &olds_sorted {
                    if budget <= 0 {
                        break;
                    }
                    let current =
                        k.c.get::<ReplicaSet>(Some(&namespace), name_of(&old.metadata))
                            .cloned()
                            .unwrap_or_else(|| old.clone());
                    let unhealthy = rs_replicas(&current) - rs_available(&current);
                    let cut = unhealthy.min(budget).max(0);
                    if cut > 0 {
                        let to = rs_replicas(&current) - cut;
                        scale_rs(k, &d, current, to, max_surge);
                        budget -= cut;
                    }
                }
                for old in &olds_sorted {
                    if budget <= 0 {
                        break;
                    }
                    let current =
                        k.c.get::<ReplicaSet>(Some(&namespace), name_of(&old.metadata))
                            .cloned()
                            .unwrap_or_else(|| old.clone());
                    let cut = rs_replicas(&current).min(budget);
                    if cut > 0 {
                        let to = rs_replicas(&current) - cut;
                        scale_rs(k, &d, current, to, max_surge);
                        budget -= cut;
                    }
                }
            }
        }
    }
    // Old ReplicaSets beyond the history limit go.
    let limit = usize::try_from(spec.revision_history_limit.unwrap_or(10)).unwrap_or(10);
    let mut idle: Vec<ReplicaSet> = owned_by::<ReplicaSet>(k, &namespace, &uid)
        .filter(|rs| name_of(&rs.metadata) != new_name && rs_replicas(rs) == 0)
        .cloned()
        .collect();
    if idle.len() > limit {
        idle.sort_by_key(|rs| revision_of(rs));
        for rs in idle.iter().take(idle.len() - limit) {
            if owned_pods(k, &namespace, uid_of(&rs.metadata))
                .next()
                .is_none()
            {
                k.c.remove::<ReplicaSet>(Some(&namespace), name_of(&rs.metadata));
            }
        }
    }
    deployment_status(k, d, &new_name, desired, max_unavailable);
}

fn deployment_status(
    k: &mut Kube<'_>,
    mut d: Deployment,
    new_name: &str,
    desired: i32,
    max_unavailable: i32,
) {
    let namespace = d.metadata.namespace.clone().unwrap_or_default();
    let sets: Vec<ReplicaSet> = owned_by::<ReplicaSet>(k, &namespace, uid_of(&d.metadata))
        .cloned()
        .collect();
    let sum = |f: &dyn Fn(&ReplicaSet) -> i32| sets.iter().map(f).sum::<i32>();
    let replicas = sum(&|rs| rs.status.as_ref().map_or(0, |s| s.replicas));
    let ready = sum(&|rs| {
        rs.status
            .as_ref()
            .and_then(|s| s.ready_replicas)
            .unwrap_or(0)
    });
    let available = sum(&rs_available);
    let new = sets.iter().find(|rs| name_of(&rs.metadata) == new_name);
    let updated = new
        .and_then(|rs| rs.status.as_ref())
        .map_or(0, |s| s.replicas);
    let revision = new
        .and_then(|rs| annotation(&rs.metadata, REVISION_ANNOTATION))
        .unwrap_or("1")
        .to_owned();
    let complete = updated == desired && replicas == desired && available == desired;
    let now = k.now;
    let old = d.status.clone().unwrap_or_default();
    // As the deployment controller's SetDeploymentCondition: the transition time moves only when
    // the status does (a new reason alone keeps it).
    let keep_time = |ty: &str, status: &str| {
        old.conditions
            .iter()
            .flatten()
            .find(|c| c.type_ == ty && c.status == status)
            .and_then(|c| c.last_transition_time.clone())
            .unwrap_or_else(|| time(now))
    };
    let keep_update = |ty: &str, status: &str, reason: &str, message: &str| {
        old.conditions
            .iter()
            .flatten()
            .find(|c| {
                c.type_ == ty
                    && c.status == status
                    && c.reason.as_deref() == Some(reason)
                    && c.message.as_deref() == Some(message)
            })
            .and_then(|c| c.last_update_time.clone())
            .unwrap_or_else(|| time(now))
    };
    let (av_status, av_reason, av_message) = if available >= desired - max_unavailable {
        (
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
        )
    } else {
        (
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
        )
    };
    let (pr_reason, pr_message) = if complete {
        (
            "NewReplicaSetAvailable",
            format!("ReplicaSet \"{new_name}\" has successfully progressed."),
        )
    } else {
        (
            "ReplicaSetUpdated",
            format!("ReplicaSet \"{new_name}\" is progressing."),
        )
    };
    let conditions = json!([
        {"type": "Available", "status": av_status, "reason": av_reason, "message": av_message,
         "lastUpdateTime": keep_update("Available", av_status, av_reason, av_message),
         "lastTransitionTime": keep_time("Available", av_status)},
        {"type": "Progressing", "status": "True", "reason": pr_reason, "message": pr_message,
         "lastUpdateTime": keep_update("Progressing", "True", pr_reason, &pr_message),
         "lastTransitionTime": keep_time("Progressing", "True")},
    ]);
    let mut status = json!({
        "observedGeneration": d.metadata.generation.unwrap_or(1),
        "replicas": replicas,
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": available,
        "conditions": conditions,
    });
    if desired - available > 0 {
        status["unavailableReplicas"] = json!(desired - available);
    }
    for key in [
        "replicas",
        "updatedReplicas",
        "readyReplicas",
        "availableReplicas",
    ] {
        if status[key] == json!(0) {
            status.as_object_mut().map(|m| m.remove(key));
        }
    }
    d.status = Some(from_json(status));
    set_annotation(&mut d.metadata, REVISION_ANNOTATION, revision);
    k.c.put(d);
}

/// The ReplicaSet controller.
pub fn replicasets(k: &mut Kube<'_>) {
    let dirty = std::mem::take(&mut k.c.index.dirty.replicasets);
    for rs in cloned_dirty::<ReplicaSet>(k, &dirty) {
        if rs.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let namespace = rs.metadata.namespace.clone().unwrap_or_default();
        let uid = uid_of(&rs.metadata).to_owned();
        let name = name_of(&rs.metadata).to_owned();
        let spec = rs.spec.clone().unwrap_or_default();
        let want = spec.replicas.unwrap_or(1);
        let mut pods: Vec<Pod> = owned_pods(k, &namespace, &uid)
            .filter(|p| live(p))
            .cloned()
            .collect();
        let have = i32::try_from(pods.len()).unwrap_or(i32::MAX);
        if have < want {
            let template = spec.template.clone().unwrap_or_default();
            for _ in have..want {
                let pod = create_pod(
                    k,
                    &template,
                    &namespace,
                    &format!("{name}-"),
                    owner_reference(&rs),
                    |_| {},
                );
                events::record(
                    k,
                    events::reference(&rs),
                    Type::Normal,
                    "SuccessfulCreate",
                    &format!("Created pod: {}", name_of(&pod.metadata)),
                    "replicaset-controller",
                    None,
                );
            }
        } else if have > want {
            // Unscheduled, then not ready, then the newest go first.
            pods.sort_by_key(|p| {
                let scheduled = p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_some();
                (
                    scheduled,
                    pod_ready(p),
                    std::cmp::Reverse(p.metadata.creation_timestamp.clone()),
                )
            });
            let excess = usize::try_from(have - want).unwrap_or(0);
            for pod in pods.iter().take(excess) {
                let pod_name = name_of(&pod.metadata).to_owned();
                kubelet::delete_pod(k, &namespace, &pod_name, None);
                events::record(
                    k,
                    events::reference(&rs),
                    Type::Normal,
                    "SuccessfulDelete",
                    &format!("Deleted pod: {pod_name}"),
                    "replicaset-controller",
                    None,
                );
            }
        }
        let pods: Vec<Pod> = owned_pods(k, &namespace, &uid)
            .filter(|p| live(p))
            .cloned()
            .collect();
        let ready = pods.iter().filter(|p| pod_ready(p)).count();
        let selector = LabelQuery::from_label_selector(&spec.selector);
        let labeled = pods
            .iter()
            .filter(|p| selector.matches(p.metadata.labels.as_ref()))
            .count();
        let mut status = json!({
            "replicas": pods.len(),
            "fullyLabeledReplicas": labeled,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": rs.metadata.generation.unwrap_or(1),
        });
        for key in ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"] {
            if status[key] == json!(0) {
                status.as_object_mut().map(|m| m.remove(key));
            }
        }
        if let Some(mut current) = k.c.get::<ReplicaSet>(Some(&namespace), &name).cloned() {
            current.status = Some(from_json(status));
            k.c.put(current);
        }
    }
}

/// The node a DaemonSet pod is meant for (its `metadata.name` node affinity, or its `nodeName`).
fn daemon_pod_node(pod: &Pod) -> Option<String> {
    let spec = pod.spec.as_ref()?;
    if let Some(node) = &spec.node_name {
        return Some(node.clone());
    }
    spec.affinity
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required_during_scheduling_ignored_during_execution
        .as_ref()?
        .node_selector_terms
        .iter()
        .flat_map(|t| t.match_fields.iter().flatten())
        .find(|f| f.key == "metadata.name")
        .and_then(|f| f.values.as_ref()?.first().cloned())
}

/// The DaemonSet controller.
pub fn daemonsets(k: &mut Kube<'_>) {
    let changed = std::mem::take(&mut k.c.index.nodes_changed);
    let dirty = std::mem::take(&mut k.c.index.dirty.daemonsets);
    if changed.is_empty() && dirty.is_empty() {
        return; // no DaemonSet, pod of one, or node was written: nothing to do
    }
    let mut cached = std::mem::take(&mut k.c.index.daemon_nodes);
    // Nothing to do for a DaemonSet unless it or its pods changed, or a changed node moved in or
    // out of the set it belongs on (an unchanged DaemonSet has the cached template).
    let todo: Vec<(String, bool)> =
        k.c.all::<DaemonSet>()
            .filter(|ds| ds.metadata.deletion_timestamp.is_none())
            .map(|ds| {
                let uid = uid_of(&ds.metadata).to_owned();
                let spec = ds.spec.as_ref().and_then(|s| s.template.spec.as_ref());
                let settled = !dirty.contains(&uid)
                    && cached.get(&uid).zip(spec).is_some_and(|(before, spec)| {
                        changed.iter().all(|name| {
                            let fits =
                                k.c.get::<Node>(None, name)
                                    .is_some_and(|n| daemon_fits(spec, n));
                            fits == before.nodes.contains(name)
                        })
                    });
                (uid, settled)
            })
            .collect();
    let mut kept = BTreeMap::new();
    for (uid, settled) in todo {
        let before = cached.remove(&uid);
        if settled {
            kept.extend(before.map(|b| (uid, b)));
            continue;
        }
        let Some(ds) =
            k.c.all::<DaemonSet>()
                .find(|d| uid_of(&d.metadata) == uid)
                .cloned()
        else {
            continue;
        };
        let nodes = daemonset(k, ds, before, &changed);
        kept.insert(uid, nodes);
    }
    k.c.index.daemon_nodes = kept;
}

/// Whether a DaemonSet pod with `spec` belongs on `node`.
fn daemon_fits(spec: &PodSpec, node: &Node) -> bool {
    untolerated_taint(spec, node).is_none() && matches_node(spec, node)
}

/// The nodes a DaemonSet with `template_spec` (hashed `hash`) belongs on: `cached` brought up to
/// date for the nodes `changed` since, or worked out afresh (skipping whole classes of nodes,
/// index::NodeClass, whose taints the template does not tolerate).
pub fn daemon_nodes(
    c: &KubeCluster,
    template_spec: &PodSpec,
    hash: &str,
    cached: Option<DaemonNodes>,
    changed: &BTreeSet<String>,
) -> DaemonNodes {
    if let Some(mut cached) = cached.filter(|c| c.template_hash == hash) {
        for name in changed {
            match c.get::<Node>(None, name) {
                Some(node) if daemon_fits(template_spec, node) => cached.nodes.insert(name.clone()),
                _ => cached.nodes.remove(name),
            };
        }
        return cached;
    }
    let mut nodes = BTreeSet::new();
    for names in c.index.nodes_by_class.values() {
        let mut class = c.at::<Node>(Some(names)).peekable();
        if class
            .peek()
            .is_some_and(|n| untolerated_taint(template_spec, n).is_some())
        {
            continue;
        }
        nodes.extend(
            class
                .filter(|n| matches_node(template_spec, n))
                .map(|n| name_of(&n.metadata).to_owned()),
        );
    }
    DaemonNodes {
        template_hash: hash.to_owned(),
        nodes,
    }
}

fn daemonset(
    k: &mut Kube<'_>,
    ds: DaemonSet,
    cached: Option<DaemonNodes>,
    changed: &BTreeSet<String>,
) -> DaemonNodes {
    let namespace = ds.metadata.namespace.clone().unwrap_or_default();
    let uid = uid_of(&ds.metadata).to_owned();
    let name = name_of(&ds.metadata).to_owned();
    let spec = ds.spec.clone().unwrap_or_default();
    let template_spec = spec.template.spec.clone().unwrap_or_default();
    let hash = template_hash(&spec.template);
    let daemon = daemon_nodes(k.c, &template_spec, &hash, cached, changed);
    let eligible = &daemon.nodes;
    let pods: Vec<Pod> = owned_pods(k, &namespace, &uid)
        .filter(|p| live(p))
        .cloned()
        .collect();
    // Pods for nodes that are gone or no longer eligible.
    for pod in &pods {
        if daemon_pod_node(pod).is_none_or(|n| !eligible.contains(&n)) {
            kubelet::delete_pod(k, &namespace, name_of(&pod.metadata), None);
        }
    }
    // A pod for every eligible node without one.
    for node in eligible {
        if pods
            .iter()
            .any(|p| daemon_pod_node(p).as_ref() == Some(node))
        {
            continue;
        }
        let node = node.clone();
        let hash = hash.clone();
        let pod = create_pod(
            k,
            &spec.template,
            &namespace,
            &format!("{name}-"),
            owner_reference(&ds),
            move |pod| {
                pod.metadata
                    .labels
                    .get_or_insert_with(BTreeMap::new)
                    .insert(DS_HASH_LABEL.into(), hash);
                pod.metadata
                    .labels
                    .get_or_insert_with(BTreeMap::new)
                    .insert("pod-template-generation".into(), "1".into());
                if let Some(spec) = pod.spec.as_mut() {
                    let mut affinity = spec.affinity.clone().unwrap_or_default();
                    affinity.node_affinity = Some(from_json(json!({
                        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
                        ]}
                    })));
                    spec.affinity = Some(affinity);
                    let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
                    for (key, effect) in [
                        ("node.kubernetes.io/disk-pressure", "NoSchedule"),
                        ("node.kubernetes.io/memory-pressure", "NoSchedule"),
                        ("node.kubernetes.io/pid-pressure", "NoSchedule"),
                        ("node.kubernetes.io/unschedulable", "NoSchedule"),
                    ] {
                        tolerations.push(from_json(
                            json!({"key": key, "operator": "Exists", "effect": effect}),
                        ));
                    }
                }
            },
        );
        events::record(
            k,
            events::reference(&ds),
            Type::Normal,
            "SuccessfulCreate",
            &format!("Created pod: {}", name_of(&pod.metadata)),
            "daemonset-controller",
            None,
        );
    }
    // Rolling update: one outdated pod at a time, once every pod is ready.
    let pods: Vec<Pod> = owned_pods(k, &namespace, &uid)
        .filter(|p| live(p))
        .cloned()
        .collect();
    let outdated = |p: &Pod| {
        p.metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(DS_HASH_LABEL))
            != Some(&hash)
    };
    let terminating = owned_pods(k, &namespace, &uid).any(|p| !live(p));
    if !terminating && pods.iter().all(pod_ready) {
        if let Some(old) = pods.iter().find(|p| outdated(p)) {
            kubelet::delete_pod(k, &namespace, name_of(&old.metadata), None);
        }
    }
    let pods: Vec<Pod> = owned_pods(k, &namespace, &uid)
        .filter(|p| live(p))
        .cloned()
        .collect();
    let scheduled = pods
        .iter()
        .filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_some())
        .count();
    let ready = pods.iter().filter(|p| pod_ready(p)).count();
    let updated = pods.iter().filter(|p| !outdated(p)).count();
    let mut status = json!({
        "currentNumberScheduled": scheduled,
        "desiredNumberScheduled": eligible.len(),
        "numberMisscheduled": 0,
        "numberReady": ready,
        "numberAvailable": ready,
        "updatedNumberScheduled": updated,
        "observedGeneration": ds.metadata.generation.unwrap_or(1),
    });
    if eligible.len() > ready {
        status["numberUnavailable"] = json!(eligible.len() - ready);
    }
    if let Some(mut current) = k.c.get::<DaemonSet>(Some(&namespace), &name).cloned() {
        current.status = Some(from_json(status));
        k.c.put(current);
    }
    daemon
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_look_like_kubernetes_ones() {
        let template: PodTemplateSpec =
            from_json(json!({"metadata": {"labels": {"k8s-app": "kube-dns"}},
            "spec": {"containers": [{"name": "coredns", "image": "coredns"}]}}));
        let hash = template_hash(&template);
        assert!((8..=10).contains(&hash.len()), "{hash}");
        assert!(hash
            .chars()
            .all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c)));
        assert_eq!(hash, template_hash(&template.clone()));
        assert_eq!(safe_encode("0123456789"), "456789bcdf");
    }

    #[test]
    fn surge_rounds_up_and_unavailability_down() {
        let pct = IntOrString::String("25%".into());
        assert_eq!(resolve(Some(&pct), 2, true), 1);
        assert_eq!(resolve(Some(&pct), 2, false), 0);
        assert_eq!(resolve(Some(&IntOrString::Int(1)), 2, false), 1);
    }
}
