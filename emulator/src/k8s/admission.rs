//! What happens to an object on its way into the store: the apiserver's defaulting (pod spec, workload
//! strategies, service cluster IPs, namespace finalizers…) and, for pods, EKS's Fargate mutating
//! webhook: a pod that matches an ACTIVE profile (the selector crate decides; pods annotated
//! `compute-type: ec2`, DaemonSet pods and pods with `nodeName` are skipped) gets
//! `schedulerName: fargate-scheduler` and the label `eks.amazonaws.com/fargate-profile: <profile>`.

use std::collections::BTreeMap;

use fargate_selector::{choose_profile, PodFacts, FARGATE_PROFILE_LABEL};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{
    Container, Namespace, NamespaceSpec, NamespaceStatus, Pod, PodSpec, PodStatus, Secret, Service,
    Toleration,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::json;

use super::cluster::from_json;
use super::facts::ClusterFacts;
use super::fargate::SCHEDULER_NAME;

/// The default scheduler's name.
pub const DEFAULT_SCHEDULER: &str = "default-scheduler";

fn default_string(slot: &mut Option<String>, value: &str) {
    if slot.as_deref().is_none_or(str::is_empty) {
        *slot = Some(value.to_owned());
    }
}

/// `Always` for `:latest` or untagged images, else `IfNotPresent`.
fn pull_policy(image: &str) -> &'static str {
    let last = image.rsplit('/').next().unwrap_or(image);
    if image.contains('@') {
        "IfNotPresent"
    } else {
        match last.split_once(':') {
            None => "Always",
            Some((_, "latest")) => "Always",
            Some(_) => "IfNotPresent",
        }
    }
}

fn container_defaults(c: &mut Container) {
    default_string(&mut c.termination_message_path, "/dev/termination-log");
    default_string(&mut c.termination_message_policy, "File");
    let policy = pull_policy(c.image.as_deref().unwrap_or_default());
    default_string(&mut c.image_pull_policy, policy);
    if c.resources.is_none() {
        c.resources = Some(Default::default());
    }
    for port in c.ports.iter_mut().flatten() {
        default_string(&mut port.protocol, "TCP");
    }
}

/// The apiserver's defaults for a pod spec (also applied to workload templates).
pub fn pod_spec_defaults(spec: &mut PodSpec) {
    default_string(&mut spec.restart_policy, "Always");
    default_string(&mut spec.dns_policy, "ClusterFirst");
    default_string(&mut spec.scheduler_name, DEFAULT_SCHEDULER);
    spec.termination_grace_period_seconds.get_or_insert(30);
    if spec.security_context.is_none() {
        spec.security_context = Some(Default::default());
    }
    for c in spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten())
    {
        container_defaults(c);
    }
}

/// Defaults only a pod (not a template) gets: service account, tolerations, priority, status.
pub fn pod_defaults(pod: &mut Pod) {
    let spec = pod.spec.get_or_insert_with(Default::default);
    pod_spec_defaults(spec);
    default_string(&mut spec.service_account_name, "default");
    if spec.service_account.is_none() {
        spec.service_account.clone_from(&spec.service_account_name);
    }
    spec.enable_service_links.get_or_insert(true);
    spec.preemption_policy
        .get_or_insert_with(|| "PreemptLowerPriority".to_owned());
    spec.priority
        .get_or_insert(match spec.priority_class_name.as_deref() {
            Some("system-node-critical") => 2_000_001_000,
            Some("system-cluster-critical") => 2_000_000_000,
            _ => 0,
        });
    let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
    for key in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ] {
        let has = tolerations.iter().any(|t| {
            t.key.as_deref() == Some(key)
                || (t.key.is_none() && t.operator.as_deref() == Some("Exists"))
        });
        if !has {
            tolerations.push(Toleration {
                key: Some(key.to_owned()),
                operator: Some("Exists".to_owned()),
                effect: Some("NoExecute".to_owned()),
                toleration_seconds: Some(300),
                value: None,
            });
        }
    }
    let qos = qos_class(spec);
    let status = pod.status.get_or_insert_with(PodStatus::default);
    default_string(&mut status.phase, "Pending");
    status.qos_class = Some(qos.to_owned());
}

/// `Guaranteed`, `Burstable` or `BestEffort`.
fn qos_class(spec: &PodSpec) -> &'static str {
    let mut any = false;
    let mut guaranteed = true;
    for c in &spec.containers {
        let r = c.resources.clone().unwrap_or_default();
        let requests = r.requests.unwrap_or_default();
        let limits = r.limits.unwrap_or_default();
        if !requests.is_empty() || !limits.is_empty() {
            any = true;
        }
        for key in ["cpu", "memory"] {
            let limit = limits.get(key);
            let request = requests.get(key).or(limit);
            if limit.is_none() || request != limit {
                guaranteed = false;
            }
        }
    }
    match (any, guaranteed) {
        (false, _) => "BestEffort",
        (true, true) => "Guaranteed",
        (true, false) => "Burstable",
    }
}

/// Whether a pod belongs to a DaemonSet.
#[must_use]
pub fn owned_by_daemonset(pod: &Pod) -> bool {
    pod.metadata
        .owner_references
        .iter()
        .flatten()
        .any(|o| o.kind == "DaemonSet")
}

/// EKS's Fargate mutation at pod creation. Returns the chosen profile.
pub fn fargate_mutation(pod: &mut Pod, facts: &ClusterFacts) -> Option<String> {
    let spec = pod.spec.as_ref()?;
    if spec.node_name.as_deref().is_some_and(|n| !n.is_empty()) || owned_by_daemonset(pod) {
        return None;
    }
    let profiles = facts.selector_profiles();
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let chosen = {
        let facts = PodFacts::new(
            &namespace,
            pod.metadata.labels.as_ref(),
            pod.metadata.annotations.as_ref(),
        );
        choose_profile(&facts, &profiles)?.name.clone()
    };
    pod.metadata
        .labels
        .get_or_insert_with(BTreeMap::new)
        .insert(FARGATE_PROFILE_LABEL.to_owned(), chosen.clone());
    if let Some(spec) = pod.spec.as_mut() {
        spec.scheduler_name = Some(SCHEDULER_NAME.to_owned());
    }
    Some(chosen)
}

/// Admission of a new pod: defaults, then the Fargate mutation.
pub fn admit_pod(pod: &mut Pod, facts: &ClusterFacts) {
    pod_defaults(pod);
    fargate_mutation(pod, facts);
}

fn percent(value: &str) -> Option<IntOrString> {
    Some(IntOrString::String(value.to_owned()))
}

/// Deployment defaults.
pub fn deployment_defaults(d: &mut Deployment) {
    let spec = d.spec.get_or_insert_with(Default::default);
    spec.replicas.get_or_insert(1);
    spec.revision_history_limit.get_or_insert(10);
    spec.progress_deadline_seconds.get_or_insert(600);
    let strategy = spec.strategy.get_or_insert_with(Default::default);
    default_string(&mut strategy.type_, "RollingUpdate");
    if strategy.type_.as_deref() == Some("RollingUpdate") {
        let rolling = strategy.rolling_update.get_or_insert_with(Default::default);
        if rolling.max_surge.is_none() {
            rolling.max_surge = percent("25%");
        }
        if rolling.max_unavailable.is_none() {
            rolling.max_unavailable = percent("25%");
        }
    }
    if let Some(template_spec) = spec.template.spec.as_mut() {
        pod_spec_defaults(template_spec);
    }
}

/// ReplicaSet defaults.
pub fn replicaset_defaults(rs: &mut ReplicaSet) {
    let spec = rs.spec.get_or_insert_with(Default::default);
    spec.replicas.get_or_insert(1);
    if let Some(template_spec) = spec.template.as_mut().and_then(|t| t.spec.as_mut()) {
        pod_spec_defaults(template_spec);
    }
}

/// DaemonSet defaults.
pub fn daemonset_defaults(ds: &mut DaemonSet) {
    let spec = ds.spec.get_or_insert_with(Default::default);
    spec.revision_history_limit.get_or_insert(10);
    let strategy = spec.update_strategy.get_or_insert_with(Default::default);
    default_string(&mut strategy.type_, "RollingUpdate");
    if strategy.type_.as_deref() == Some("RollingUpdate") {
        let rolling = strategy.rolling_update.get_or_insert_with(Default::default);
        rolling.max_unavailable.get_or_insert(IntOrString::Int(1));
        rolling.max_surge.get_or_insert(IntOrString::Int(0));
    }
    if let Some(template_spec) = ds.spec.as_mut().and_then(|s| s.template.spec.as_mut()) {
        pod_spec_defaults(template_spec);
    }
}

/// Namespace defaults: the `kubernetes` finalizer, phase Active, the name label.
pub fn namespace_defaults(ns: &mut Namespace) {
    let name = ns.metadata.name.clone().unwrap_or_default();
    ns.metadata
        .labels
        .get_or_insert_with(BTreeMap::new)
        .insert("kubernetes.io/metadata.name".to_owned(), name);
    let spec = ns.spec.get_or_insert_with(NamespaceSpec::default);
    if spec.finalizers.as_ref().is_none_or(Vec::is_empty) {
        spec.finalizers = Some(vec!["kubernetes".to_owned()]);
    }
    let status = ns.status.get_or_insert_with(NamespaceStatus::default);
    default_string(&mut status.phase, "Active");
}

/// Secret defaults: type Opaque, `stringData` folded into `data`.
pub fn secret_defaults(secret: &mut Secret) {
    default_string(&mut secret.type_, "Opaque");
    if let Some(string_data) = secret.string_data.take() {
        let data = secret.data.get_or_insert_with(BTreeMap::new);
        for (key, value) in string_data {
            data.insert(key, k8s_openapi::ByteString(value.into_bytes()));
        }
    }
}

/// Service defaults; `cluster_ip` is the address to give a ClusterIP service without one.
pub fn service_defaults(svc: &mut Service, cluster_ip: Option<String>) {
    let spec = svc.spec.get_or_insert_with(Default::default);
    default_string(&mut spec.type_, "ClusterIP");
    default_string(&mut spec.session_affinity, "None");
    default_string(&mut spec.internal_traffic_policy, "Cluster");
    if spec.cluster_ip.as_deref().is_none_or(str::is_empty) {
        if let Some(ip) = cluster_ip {
            spec.cluster_ips = Some(vec![ip.clone()]);
            spec.cluster_ip = Some(ip);
        }
    }
    spec.ip_families
        .get_or_insert_with(|| vec!["IPv4".to_owned()]);
    default_string(&mut spec.ip_family_policy, "SingleStack");
    for port in spec.ports.iter_mut().flatten() {
        default_string(&mut port.protocol, "TCP");
        if port.target_port.is_none() {
            port.target_port = Some(IntOrString::Int(port.port));
        }
    }
    if svc.status.is_none() {
        svc.status = Some(from_json(json!({"loadBalancer": {}})));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eks::model::ClusterStatus;
    use crate::k8s::facts::{ProfileFacts, Subnet};
    use fargate_selector::{ProfileStatus, Selector};

    pub(crate) fn facts_with_profiles(profiles: &[(&str, ProfileStatus, &[&str])]) -> ClusterFacts {
        ClusterFacts {
            name: "c".into(),
            region: "ap-northeast-1".into(),
            version: "1.32".into(),
            patch: "1.32.9".into(),
            platform_version: "eks.30".into(),
            status: ClusterStatus::Active,
            created_at: crate::clock::Timestamp(0),
            service_cidr: "10.100.0.0/16".into(),
            id_seed: 0,
            profiles: profiles
                .iter()
                .map(|(name, status, namespaces)| ProfileFacts {
                    name: (*name).into(),
                    status: *status,
                    selectors: namespaces
                        .iter()
                        .map(|ns| Selector {
                            namespace: (*ns).into(),
                            labels: BTreeMap::new(),
                        })
                        .collect(),
                    subnets: vec![Subnet {
                        id: "subnet-1".into(),
                        az: "ap-northeast-1a".into(),
                        cidr: "192.168.96.0/19".into(),
                    }],
                    pod_execution_role_arn: "arn:aws:iam::123456789012:role/fp".into(),
                })
                .collect(),
            nodegroups: Vec::new(),
        }
    }

    fn pod(value: serde_json::Value) -> Pod {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn the_fargate_mutation_follows_the_eks_rules() {
        let facts = facts_with_profiles(&[
            (
                "fp-default",
                ProfileStatus::Active,
                &["default", "kube-system"],
            ),
            ("fp-later", ProfileStatus::Creating, &["dev"]),
        ]);
        let table = [
            (
                json!({"metadata": {"namespace": "default", "name": "a"}, "spec": {"containers": []}}),
                Some("fp-default"),
                "matches",
            ),
            (
                json!({"metadata": {"namespace": "dev", "name": "a"}, "spec": {"containers": []}}),
                None,
                "only a CREATING profile",
            ),
            (
                json!({"metadata": {"namespace": "kube-system", "name": "a",
                    "annotations": {"eks.amazonaws.com/compute-type": "ec2"}}, "spec": {"containers": []}}),
                None,
                "opted out",
            ),
            (
                json!({"metadata": {"namespace": "default", "name": "a"}, "spec": {"nodeName": "n", "containers": []}}),
                None,
                "nodeName set",
            ),
            (
                json!({"metadata": {"namespace": "kube-system", "name": "a",
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "aws-node", "uid": "u"}]},
                    "spec": {"containers": []}}),
                None,
                "DaemonSet pod",
            ),
        ];
        for (value, want, why) in table {
            let mut p = pod(value);
            admit_pod(&mut p, &facts);
            let spec = p.spec.as_ref().unwrap();
            assert_eq!(
                p.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(FARGATE_PROFILE_LABEL))
                    .map(String::as_str),
                want,
                "{why}"
            );
            let scheduler = if want.is_some() {
                SCHEDULER_NAME
            } else {
                DEFAULT_SCHEDULER
            };
            assert_eq!(spec.scheduler_name.as_deref(), Some(scheduler), "{why}");
        }
    }

    #[test]
    fn pods_get_the_apiserver_defaults() {
        let mut p = pod(json!({"metadata": {"namespace": "dev", "name": "nginx"},
            "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}));
        pod_defaults(&mut p);
        let spec = p.spec.unwrap();
        assert_eq!(spec.restart_policy.as_deref(), Some("Always"));
        assert_eq!(spec.service_account_name.as_deref(), Some("default"));
        assert_eq!(
            spec.containers[0].image_pull_policy.as_deref(),
            Some("Always")
        );
        assert_eq!(spec.tolerations.unwrap().len(), 2);
        assert_eq!(p.status.unwrap().qos_class.as_deref(), Some("BestEffort"));
        assert_eq!(pull_policy("nginx:1.27"), "IfNotPresent");
        assert_eq!(pull_policy("localhost:5000/x"), "Always");
    }
}
