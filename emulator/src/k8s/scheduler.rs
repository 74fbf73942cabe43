//! The two schedulers of an EKS cluster. `fargate-scheduler` takes the pods the Fargate mutation
//! gave it: a supported pod under an ACTIVE profile gets capacity (a [`Step::FargateBind`] after the
//! realistic delay, an IP from one of the profile's subnets); an unsupported one stays Pending with the
//! real `FailedScheduling` message; one that matches no profile stays Pending with the selector
//! crate's explanation. `default-scheduler` binds other pods to a feasible node (taints, node
//! selector and affinity, pod count, CPU/memory), or leaves them Pending with the real
//! `0/N nodes are available: …` / `no nodes available to schedule pods`. Also the eviction of pods
//! whose profile went away.

use std::collections::BTreeMap;

use fargate_selector::{choose_profile, explain, PodFacts, FARGATE_PROFILE_LABEL};
use k8s_openapi::api::core::v1::{
    ConfigMap, Node, NodeSelectorRequirement, Pod, PodSpec, Taint, Toleration,
};

use super::cluster::Kube;
use super::events::{self, Type};
use super::fargate::{self, parse_quantity, LOGGING_ANNOTATION, SCHEDULER_NAME};
use super::index::{NodeClass, Parked};
use super::kubelet::{self, set_condition};
use super::nodes::{self, pick_ip};
use super::stages::Step;
use super::store::{self, name_of, uid_of, KubeCluster};
use crate::clock::Timestamp;

/// Schedules every pod waiting for a node, and starts pods bound by their creator.
pub fn schedule(k: &mut Kube<'_>) {
    // Pods leave `reported` with the pod (store.rs); the pending index holds what may need a node.
    let stepping: std::collections::BTreeSet<&str> =
        k.c.steps.0.iter().map(|d| d.uid.as_str()).collect();
    let waiting: Vec<Pod> =
        k.c.at::<Pod>(Some(&k.c.index.pending))
            .filter(|p| !stepping.contains(uid_of(&p.metadata)) && !stays_parked(k, p))
            .cloned()
            .collect();
    for pod in waiting {
        let spec = pod.spec.clone().unwrap_or_default();
        match spec.node_name.as_deref() {
            Some(node) if !node.is_empty() => {
                let created = pod
                    .status
                    .as_ref()
                    .and_then(|s| s.container_statuses.as_ref())
                    .is_some();
                if !created && k.c.get::<Node>(None, node).is_some() {
                    let node = node.to_owned();
                    kubelet::bind(k, pod, &node, None);
                }
            }
            _ => match spec.scheduler_name.as_deref() {
                Some(SCHEDULER_NAME) => fargate_schedule(k, pod),
                Some("default-scheduler") | None => {
                    let key = store::key_of(&pod);
                    default_schedule(k, pod);
                    park_if_unscheduled(k, key);
                }
                Some(_) => {}
            },
        }
    }
}

/// How long kube-scheduler leaves a pod among the unschedulable ones before trying it again
/// whatever happened (`podMaxInUnschedulablePodsDuration`).
const UNSCHEDULABLE_FLUSH: std::time::Duration = std::time::Duration::from_secs(300);

/// When the first parked pod is due to be tried again whatever happened (the cluster's control loop
/// wakes for it).
#[must_use]
pub fn flush_due(c: &KubeCluster) -> Option<Timestamp> {
    c.index
        .parked
        .values()
        .map(|p| p.at.after(UNSCHEDULABLE_FLUSH))
        .min()
}

/// After a failed attempt of the default scheduler, parks the pod `key` (see [`stays_parked`]).
fn park_if_unscheduled(k: &mut Kube<'_>, key: String) {
    let waiting = k.c.objects.pods.0.get(&key).is_some_and(|p| {
        p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_none()
            && k.c.reported.contains_key(uid_of(&p.metadata))
    });
    if waiting {
        let parked = Parked {
            at: k.now,
            rv: k.c.rv,
        };
        k.c.index.parked.insert(key, parked);
    }
}

/// Whether a pod the default scheduler could not place stays where it is: as kube-scheduler's
/// queueing hints decide, it is tried again only when the pod changed (which unparks it, index.rs),
/// a pod left a node (room freed), a node it could tolerate was written (cordon and taints: a new
/// tainted Fargate node does not wake a pod that does not tolerate it), or after
/// [`UNSCHEDULABLE_FLUSH`].
fn stays_parked(k: &Kube<'_>, pod: &Pod) -> bool {
    let index = &k.c.index;
    let Some(parked) = index.parked.get(&store::key_of(pod)) else {
        return false;
    };
    let spec = pod.spec.as_ref();
    let woken = index.pod_left > parked.rv
        || k.now >= parked.at.after(UNSCHEDULABLE_FLUSH)
        || index
            .class_written
            .iter()
            .any(|(class, rv)| *rv > parked.rv && spec.is_some_and(|s| tolerates_class(s, class)));
    !woken
}

/// Whether a pod with `spec` tolerates the nodes of `class`.
fn tolerates_class(spec: &PodSpec, class: &NodeClass) -> bool {
    let tolerations = spec.tolerations.as_deref().unwrap_or_default();
    !class.unschedulable
        && class.taints.iter().all(|(key, value, effect)| {
            let taint = Taint {
                key: key.clone(),
                value: Some(value.clone()),
                effect: effect.clone(),
                time_added: None,
            };
            tolerations.iter().any(|t| tolerates(t, &taint))
        })
}

/// Reports a scheduling failure once per distinct message: condition and event.
fn unschedulable(k: &mut Kube<'_>, mut pod: Pod, reason: &str, message: &str, component: &str) {
    let uid = uid_of(&pod.metadata).to_owned();
    if k.c.reported.get(&uid).map(String::as_str) == Some(message) {
        return;
    }
    k.c.reported.insert(uid, message.to_owned());
    let now = k.now;
    set_condition(
        &mut pod,
        now,
        "PodScheduled",
        "False",
        Some(reason),
        Some(message),
    );
    let reference = events::reference(&pod);
    k.c.put(pod);
    events::record(
        k,
        reference,
        Type::Warning,
        "FailedScheduling",
        message,
        component,
        None,
    );
}

fn fargate_schedule(k: &mut Kube<'_>, mut pod: Pod) {
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let profiles = k.facts.selector_profiles();
    let facts = PodFacts::new(
        &namespace,
        pod.metadata.labels.as_ref(),
        pod.metadata.annotations.as_ref(),
    );
    let Some(profile) = choose_profile(&facts, &profiles).map(|p| p.name.clone()) else {
        let summary = explain(&facts, &profiles).summary();
        unschedulable(k, pod, "Unschedulable", &summary, SCHEDULER_NAME);
        return;
    };
    let spec = pod.spec.clone().unwrap_or_default();
    if let Err(refusal) = fargate::check_supported(&spec) {
        unschedulable(k, pod, refusal.reason(), &refusal.message(), SCHEDULER_NAME);
        return;
    }
    let Some(profile_facts) = k.facts.profile(&profile).cloned() else {
        return;
    };
    if profile_facts.subnets.is_empty() {
        unschedulable(
            k,
            pod,
            "Unschedulable",
            "Pod provisioning timed out (will retry) for pod",
            SCHEDULER_NAME,
        );
        return;
    }
    let subnet = profile_facts.subnets[k
        .ids
        .below(u32::try_from(profile_facts.subnets.len()).unwrap_or(1))
        as usize]
        .clone();
    let Some(ip) = pick_ip(&subnet.cidr, k.ids, |ip| nodes::ip_in_use(k.c, ip)) else {
        unschedulable(
            k,
            pod,
            "Unschedulable",
            "Pod provisioning timed out (will retry) for pod",
            SCHEDULER_NAME,
        );
        return;
    };
    // Logging: enabled when the aws-observability namespace has the aws-logging ConfigMap.
    let logging =
        k.c.get::<ConfigMap>(Some("aws-observability"), "aws-logging")
            .is_some();
    let (annotation, event_type, reason, message) = if logging {
        (
            "LoggingEnabled",
            Type::Normal,
            "LoggingEnabled",
            "Successfully enabled logging for pod".to_owned(),
        )
    } else {
        (
            "LoggingDisabled: LOGGING_CONFIGMAP_NOT_FOUND",
            Type::Warning,
            "LoggingDisabled",
            "Disabled logging because aws-logging configmap was not found. configmap \"aws-logging\" not found".to_owned(),
        )
    };
    pod.metadata
        .annotations
        .get_or_insert_with(Default::default)
        .insert(LOGGING_ANNOTATION.to_owned(), annotation.to_owned());
    pod.metadata
        .labels
        .get_or_insert_with(Default::default)
        .entry(FARGATE_PROFILE_LABEL.to_owned())
        .or_insert_with(|| profile.clone());
    let name = name_of(&pod.metadata).to_owned();
    let uid = uid_of(&pod.metadata).to_owned();
    let reference = events::reference(&pod);
    k.c.reported.remove(&uid);
    k.c.put(pod);
    events::record(
        k,
        reference,
        event_type,
        reason,
        &message,
        SCHEDULER_NAME,
        None,
    );
    let now = k.now;
    k.c.steps.schedule(
        now,
        k.timing,
        &namespace,
        &name,
        &uid,
        Step::FargateBind {
            profile,
            subnet,
            ip,
        },
    );
}

/// Whether `toleration` tolerates `taint`.
fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    let effect_ok = toleration
        .effect
        .as_deref()
        .is_none_or(|e| e.is_empty() || e == taint.effect);
    let key_ok = match toleration.operator.as_deref() {
        Some("Exists") => toleration
            .key
            .as_deref()
            .is_none_or(|k| k.is_empty() || k == taint.key),
        _ => {
            toleration.key.as_deref() == Some(taint.key.as_str())
                && toleration.value.as_deref().unwrap_or_default()
                    == taint.value.as_deref().unwrap_or_default()
        }
    };
    effect_ok && key_ok
}

/// The first taint of `node` (NoSchedule/NoExecute) that `spec` does not tolerate.
#[must_use]
pub fn untolerated_taint(spec: &PodSpec, node: &Node) -> Option<Taint> {
    let tolerations = spec.tolerations.as_deref().unwrap_or_default();
    node.spec
        .as_ref()
        .and_then(|s| s.taints.as_deref())
        .unwrap_or_default()
        .iter()
        .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
        .find(|t| !tolerations.iter().any(|tol| tolerates(tol, t)))
        .cloned()
}

fn requirement_matches(req: &NodeSelectorRequirement, value: Option<&str>) -> bool {
    let values = req.values.as_deref().unwrap_or_default();
    match req.operator.as_str() {
        "In" => value.is_some_and(|v| values.iter().any(|x| x == v)),
        "NotIn" => value.is_none_or(|v| values.iter().all(|x| x != v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        "Gt" | "Lt" => {
            let (Some(v), Some(bound)) = (
                value.and_then(|v| v.parse::<i64>().ok()),
                values.first().and_then(|b| b.parse::<i64>().ok()),
            ) else {
                return false;
            };
            if req.operator == "Gt" {
                v > bound
            } else {
                v < bound
            }
        }
        _ => false,
    }
}

/// Whether `node` satisfies the pod's `nodeSelector` and required node affinity.
#[must_use]
pub fn matches_node(spec: &PodSpec, node: &Node) -> bool {
    let no_labels = BTreeMap::new();
    let labels = node.metadata.labels.as_ref().unwrap_or(&no_labels);
    let selector_ok = spec
        .node_selector
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let required = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|na| {
            na.required_during_scheduling_ignored_during_execution
                .as_ref()
        });
    let affinity_ok = required.is_none_or(|r| {
        r.node_selector_terms.iter().any(|term| {
            term.match_expressions
                .iter()
                .flatten()
                .all(|req| requirement_matches(req, labels.get(&req.key).map(String::as_str)))
                && term.match_fields.iter().flatten().all(|req| {
                    let value = (req.key == "metadata.name").then(|| name_of(&node.metadata));
                    requirement_matches(req, value)
                })
        })
    });
    selector_ok && affinity_ok
}

fn requests(spec: &PodSpec, resource: &str) -> f64 {
    spec.containers
        .iter()
        .filter_map(|c| {
            let r = c.resources.as_ref()?;
            r.requests
                .as_ref()
                .and_then(|q| q.get(resource))
                .or_else(|| r.limits.as_ref()?.get(resource))
        })
        .filter_map(|q| parse_quantity(&q.0))
        .sum()
}

fn allocatable(node: &Node, resource: &str) -> f64 {
    node.status
        .as_ref()
        .and_then(|s| s.allocatable.as_ref())
        .and_then(|a| a.get(resource))
        .and_then(|q| parse_quantity(&q.0))
        .unwrap_or(0.0)
}

/// Why every node of `node`'s class (see `index::NodeClass`) refuses the pod: cordoned, or a taint
/// it does not tolerate.
fn class_refusal(spec: &PodSpec, node: &Node) -> Option<(String, bool)> {
    if node
        .spec
        .as_ref()
        .and_then(|s| s.unschedulable)
        .unwrap_or(false)
    {
        return Some(("node(s) were unschedulable".to_owned(), false));
    }
    untolerated_taint(spec, node).map(|taint| {
        (
            format!(
                "node(s) had untolerated taint {{{}: {}}}",
                taint.key,
                taint.value.unwrap_or_default()
            ),
            false,
        )
    })
}

/// Why `node` cannot take the pod (the scheduler's reason text), or `None` when it can.
fn node_refusal(k: &Kube<'_>, spec: &PodSpec, node: &Node) -> Option<(String, bool)> {
    if let Some(refusal) = class_refusal(spec, node) {
        return Some(refusal);
    }
    if !matches_node(spec, node) {
        return Some((
            "node(s) didn't match Pod's node affinity/selector".to_owned(),
            false,
        ));
    }
    let on_node: Vec<&Pod> = k.c.pods_on_node(name_of(&node.metadata)).collect();
    if on_node.len() as f64 >= allocatable(node, "pods") {
        return Some(("Too many pods".to_owned(), true));
    }
    for resource in ["cpu", "memory"] {
        let used: f64 = on_node
            .iter()
            .filter_map(|p| p.spec.as_ref())
            .map(|s| requests(s, resource))
            .sum();
        if used + requests(spec, resource) > allocatable(node, resource) {
            return Some((format!("Insufficient {resource}"), true));
        }
    }
    None
}

/// The scheduler's message when no node fits, from each refusal (reason, whether preemption could
/// help) with the number of nodes that gave it.
#[must_use]
pub fn fit_error(total: usize, refusals: &[(String, bool, usize)]) -> String {
    if total == 0 {
        return "no nodes available to schedule pods".to_owned();
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut helpful, mut not_helpful) = (0, 0);
    for (reason, preemptable, nodes) in refusals {
        *counts.entry(reason).or_default() += nodes;
        if *preemptable {
            helpful += nodes;
        } else {
            not_helpful += nodes;
        }
    }
    let mut reasons: Vec<String> = counts.iter().map(|(r, n)| format!("{n} {r}")).collect();
    reasons.sort();
    let mut preemption = Vec::new();
    if helpful > 0 {
        preemption.push(format!(
            "{helpful} No preemption victims found for incoming pod"
        ));
    }
    if not_helpful > 0 {
        preemption.push(format!(
            "{not_helpful} Preemption is not helpful for scheduling"
        ));
    }
    preemption.sort();
    format!(
        "0/{total} nodes are available: {}. preemption: 0/{total} nodes are available: {}.",
        reasons.join(", "),
        preemption.join(", ")
    )
}

fn default_schedule(k: &mut Kube<'_>, pod: Pod) {
    let spec = pod.spec.clone().unwrap_or_default();
    let mut refusals = Vec::new();
    let mut feasible: Vec<(usize, String)> = Vec::new();
    let mut total = 0;
    // Nodes of one class (cordon and taints) that the pod does not tolerate are refused alike: one
    // look per class instead of per node (thousands of Fargate nodes share one class).
    for names in k.c.index.nodes_by_class.values() {
        total += names.len();
        let mut nodes = k.c.at::<Node>(Some(names)).peekable();
        if let Some(refusal) = nodes.peek().and_then(|n| class_refusal(&spec, n)) {
            refusals.push((refusal.0, refusal.1, names.len()));
            continue;
        }
        for node in nodes {
            match node_refusal(k, &spec, node) {
                Some((reason, preemptable)) => refusals.push((reason, preemptable, 1)),
                None => {
                    let name = name_of(&node.metadata).to_owned();
                    feasible.push((k.c.pods_on_node(&name).count(), name));
                }
            }
        }
    }
    feasible.sort();
    match feasible.first() {
        Some((_, node)) => {
            let node = node.clone();
            k.c.reported.remove(uid_of(&pod.metadata));
            kubelet::bind(k, pod, &node, Some("default-scheduler"));
        }
        None => {
            let message = fit_error(total, &refusals);
            unschedulable(k, pod, "Unschedulable", &message, "default-scheduler");
        }
    }
}

/// Deletes the pods Fargate runs under a profile that is no longer ACTIVE (deleted, or being
/// deleted). Their controllers re-create them, and admission places the new pods again.
pub fn evict_from_deleted_profiles(k: &mut Kube<'_>) {
    let active: Vec<String> = k
        .facts
        .profiles
        .iter()
        .filter(|p| p.status == fargate_selector::ProfileStatus::Active)
        .map(|p| p.name.clone())
        .collect();
    let labelled: std::collections::BTreeSet<&String> =
        k.c.index
            .pods_by_profile
            .iter()
            .filter(|(profile, _)| !active.contains(profile))
            .flat_map(|(_, keys)| keys)
            .collect();
    let doomed: Vec<(String, String, String)> = labelled
        .into_iter()
        .filter_map(|key| k.c.objects.pods.0.get(key))
        .filter(|p| {
            p.spec.as_ref().and_then(|s| s.scheduler_name.as_deref()) == Some(SCHEDULER_NAME)
        })
        .filter(|p| {
            p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_some()
                || matches!(
                    k.c.steps.pending(uid_of(&p.metadata)).map(|d| &d.step),
                    Some(Step::FargateBind { .. })
                )
        })
        .map(|p| {
            (
                p.metadata.namespace.clone().unwrap_or_default(),
                name_of(&p.metadata).to_owned(),
                uid_of(&p.metadata).to_owned(),
            )
        })
        .collect();
    for (namespace, name, uid) in doomed {
        k.c.steps.cancel(&uid);
        k.c.remove::<Pod>(Some(&namespace), &name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_errors_read_as_the_scheduler_writes_them() {
        assert_eq!(fit_error(0, &[]), "no nodes available to schedule pods");
        let taint =
            "node(s) had untolerated taint {eks.amazonaws.com/compute-type: fargate}".to_owned();
        assert_eq!(
            fit_error(2, &[(taint.clone(), false, 1), (taint.clone(), false, 1)]),
            "0/2 nodes are available: 2 node(s) had untolerated taint {eks.amazonaws.com/compute-type: fargate}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
        );
        assert_eq!(
            fit_error(
                3,
                &[(taint, false, 2), ("Insufficient cpu".to_owned(), true, 1)]
            ),
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {eks.amazonaws.com/compute-type: fargate}. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling."
        );
    }
}
