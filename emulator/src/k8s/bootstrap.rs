//! What a new EKS cluster has before anyone touches it: the namespaces `default`, `kube-system`,
//! `kube-public`, `kube-node-lease`; the `kubernetes` and `kube-dns` Services; in `kube-system` the
//! `coredns` Deployment (2 replicas, pod template annotated `eks.amazonaws.com/compute-type: ec2`),
//! the `aws-node` and `kube-proxy` DaemonSets (EC2 nodes only), their ServiceAccounts, the
//! `coredns` ConfigMap and `aws-auth` (kept listing the nodegroups' and Fargate profiles' roles).
//! Images and settings are those of EKS add-ons of late 2025.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Service, ServiceAccount};
use serde_json::{json, Value};

use super::admission;
use super::cluster::{from_json, Kube};
use super::facts::ClusterFacts;
use super::kinds::Kind;
use super::store::KubeCluster;
use crate::clock::Timestamp;
use crate::ids::IdGen;

/// The ECR account EKS add-on images come from.
const ECR_ACCOUNT: &str = "602401143452";

fn image(facts: &ClusterFacts, repository: &str, tag: &str) -> String {
    format!(
        "{ECR_ACCOUNT}.dkr.ecr.{}.amazonaws.com/{repository}:{tag}",
        facts.region
    )
}

/// Node affinity of EKS's own DaemonSets: Linux, amd64/arm64, and not Fargate, hybrid or auto nodes.
fn ec2_only_affinity() -> Value {
    json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{
    "matchExpressions": [
        {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
        {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"]},
        {"key": "eks.amazonaws.com/compute-type", "operator": "NotIn", "values": ["fargate", "hybrid", "auto"]},
    ]}]}}})
}

fn create<K: Kind>(
    c: &mut KubeCluster,
    value: Value,
    at: Timestamp,
    ids: &mut IdGen,
    default: impl FnOnce(&mut K),
) {
    let mut obj: K = from_json(value);
    default(&mut obj);
    c.create(obj, at, ids);
}

/// The Kubernetes side of a cluster that came up at `at`, with EKS's default objects.
#[must_use]
pub fn new_cluster(facts: &ClusterFacts, at: Timestamp) -> KubeCluster {
    let mut own_ids = IdGen::new(facts.id_seed);
    let ids = &mut own_ids;
    let mut c = KubeCluster::new(&facts.name, at, IdGen::new(0));
    for name in ["default", "kube-node-lease", "kube-public", "kube-system"] {
        create::<Namespace>(
            &mut c,
            json!({"metadata": {"name": name}}),
            at,
            ids,
            admission::namespace_defaults,
        );
    }
    let service_ip = |last: u32| {
        super::nodes::parse_cidr(&facts.service_cidr).map_or_else(
            || "10.100.0.1".to_owned(),
            |(net, _)| std::net::Ipv4Addr::from(net + last).to_string(),
        )
    };
    create::<Service>(
        &mut c,
        json!({"metadata": {"name": "kubernetes", "namespace": "default",
                "labels": {"component": "apiserver", "provider": "kubernetes"}},
               "spec": {"ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443}]}}),
        at,
        ids,
        |s| admission::service_defaults(s, Some(service_ip(1))),
    );
    create::<Service>(
        &mut c,
        json!({"metadata": {"name": "kube-dns", "namespace": "kube-system",
                "labels": {"eks.amazonaws.com/component": "kube-dns", "k8s-app": "kube-dns",
                           "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"},
                "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"}},
               "spec": {"selector": {"k8s-app": "kube-dns"}, "ports": [
                   {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                   {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                   {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}]}}),
        at,
        ids,
        |s| admission::service_defaults(s, Some(service_ip(10))),
    );
    for sa in ["aws-node", "coredns", "kube-proxy"] {
        create::<ServiceAccount>(
            &mut c,
            json!({"metadata": {"name": sa, "namespace": "kube-system"}}),
            at,
            ids,
            |_| {},
        );
    }
    create::<ConfigMap>(
        &mut c,
        json!({"metadata": {"name": "coredns", "namespace": "kube-system",
                "labels": {"eks.amazonaws.com/component": "coredns", "k8s-app": "kube-dns"}},
               "data": {"Corefile": ".:53 {\n    errors\n    health {\n        lameduck 5s\n      }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n      pods insecure\n      fallthrough in-addr.arpa ip6.arpa\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n"}}),
        at,
        ids,
        |_| {},
    );
    create::<ConfigMap>(
        &mut c,
        json!({"metadata": {"name": "aws-auth", "namespace": "kube-system"}, "data": {"mapRoles": ""}}),
        at,
        ids,
        |_| {},
    );
    create::<Deployment>(
        &mut c,
        coredns(facts),
        at,
        ids,
        admission::deployment_defaults,
    );
    create::<DaemonSet>(
        &mut c,
        aws_node(facts),
        at,
        ids,
        admission::daemonset_defaults,
    );
    create::<DaemonSet>(
        &mut c,
        kube_proxy(facts),
        at,
        ids,
        admission::daemonset_defaults,
    );
    c.ids = own_ids;
    c
}

fn coredns(facts: &ClusterFacts) -> Value {
    let labels = json!({"eks.amazonaws.com/component": "coredns", "k8s-app": "kube-dns"});
    json!({
        "metadata": {"name": "coredns", "namespace": "kube-system",
                     "labels": {"eks.amazonaws.com/component": "coredns", "k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
            "template": {
                "metadata": {"labels": labels, "annotations": {"eks.amazonaws.com/compute-type": "ec2"}},
                "spec": {
                    "serviceAccountName": "coredns",
                    "priorityClassName": "system-cluster-critical",
                    "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{
                        "matchExpressions": [
                            {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
                            {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"]}]}]}}},
                    "tolerations": [
                        {"key": "CriticalAddonsOnly", "operator": "Exists"},
                        {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}],
                    "containers": [{
                        "name": "coredns",
                        "image": image(facts, "eks/coredns", "v1.11.4-eksbuild.2"),
                        "args": ["-conf", "/etc/coredns/Corefile"],
                        "ports": [
                            {"name": "dns", "containerPort": 53, "protocol": "UDP"},
                            {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
                            {"name": "metrics", "containerPort": 9153, "protocol": "TCP"}],
                        "resources": {"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
                        "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/coredns", "readOnly": true}],
                    }],
                    "volumes": [{"name": "config-volume", "configMap": {"name": "coredns",
                        "items": [{"key": "Corefile", "path": "Corefile"}]}}],
                }
            }
        }
    })
}

fn aws_node(facts: &ClusterFacts) -> Value {
    let labels = json!({"k8s-app": "aws-node"});
    json!({
        "metadata": {"name": "aws-node", "namespace": "kube-system",
                     "labels": {"app.kubernetes.io/instance": "aws-vpc-cni", "app.kubernetes.io/name": "aws-node",
                                "k8s-app": "aws-node"}},
        "spec": {
            "selector": {"matchLabels": labels},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "10%"}},
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/instance": "aws-vpc-cni", "app.kubernetes.io/name": "aws-node", "k8s-app": "aws-node"}},
                "spec": {
                    "serviceAccountName": "aws-node",
                    "hostNetwork": true,
                    "priorityClassName": "system-node-critical",
                    "affinity": ec2_only_affinity(),
                    "tolerations": [{"operator": "Exists"}],
                    "initContainers": [{"name": "aws-vpc-cni-init",
                        "image": image(facts, "amazon-k8s-cni-init", "v1.19.2-eksbuild.1"),
                        "securityContext": {"privileged": true},
                        "resources": {"requests": {"cpu": "25m"}}}],
                    "containers": [{
                        "name": "aws-node",
                        "image": image(facts, "amazon-k8s-cni", "v1.19.2-eksbuild.1"),
                        "ports": [{"name": "metrics", "containerPort": 61678, "protocol": "TCP"}],
                        "env": [{"name": "AWS_VPC_K8S_CNI_LOGLEVEL", "value": "DEBUG"},
                                {"name": "CLUSTER_NAME", "value": facts.name}],
                        "resources": {"requests": {"cpu": "25m"}},
                    }],
                }
            }
        }
    })
}

fn kube_proxy(facts: &ClusterFacts) -> Value {
    let labels = json!({"k8s-app": "kube-proxy"});
    json!({
        "metadata": {"name": "kube-proxy", "namespace": "kube-system",
                     "labels": {"eks.amazonaws.com/component": "kube-proxy", "k8s-app": "kube-proxy"}},
        "spec": {
            "selector": {"matchLabels": labels},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "10%"}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "serviceAccountName": "kube-proxy",
                    "hostNetwork": true,
                    "priorityClassName": "system-node-critical",
                    "affinity": ec2_only_affinity(),
                    "tolerations": [{"operator": "Exists"}],
                    "containers": [{
                        "name": "kube-proxy",
                        "image": image(facts, "eks/kube-proxy", &format!("v{}-minimal-eksbuild.2", facts.patch)),
                        "command": ["kube-proxy", "--v=2", "--config=/var/lib/kube-proxy-config/config", "--hostname-override=$(NODE_NAME)"],
                        "securityContext": {"privileged": true},
                        "resources": {"requests": {"cpu": "100m"}},
                    }],
                }
            }
        }
    })
}

/// Keeps `aws-auth` listing the nodegroups' node roles and the profiles' pod execution roles (added
/// when missing; entries written by hand are kept).
pub fn sync_aws_auth(k: &mut Kube<'_>) {
    let Some(mut cm) =
        k.c.get::<ConfigMap>(Some("kube-system"), "aws-auth")
            .cloned()
    else {
        return;
    };
    let data = cm.data.get_or_insert_with(Default::default);
    let map_roles = data.entry("mapRoles".to_owned()).or_default();
    let mut changed = false;
    let node_roles = k
        .facts
        .nodegroups
        .iter()
        .map(|ng| (&ng.node_role_arn, false));
    let pod_roles = k
        .facts
        .profiles
        .iter()
        .map(|p| (&p.pod_execution_role_arn, true));
    for (arn, fargate) in node_roles.chain(pod_roles) {
        if arn.is_empty() || map_roles.contains(arn.as_str()) {
            continue;
        }
        let entry = if fargate {
            format!("- groups:\n  - system:bootstrappers\n  - system:nodes\n  - system:node-proxier\n  rolearn: {arn}\n  username: system:node:{{{{SessionName}}}}\n")
        } else {
            format!("- groups:\n  - system:bootstrappers\n  - system:nodes\n  rolearn: {arn}\n  username: system:node:{{{{EC2PrivateDNSName}}}}\n")
        };
        map_roles.push_str(&entry);
        changed = true;
    }
    if changed {
        k.c.put(cm);
    }
}
