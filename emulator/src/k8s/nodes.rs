//! Nodes: the EC2 instances of nodegroups registering as `ip-A-B-C-D.<region>.compute.internal` (one
//! per desired instance, IPs from the nodegroup's subnets, round-robin), Fargate's one-pod nodes
//! `fargate-ip-A-B-C-D…` with their taint, labels and capacity of one pod, and the IP arithmetic both
//! need. A node that goes takes its pods with it (as the pod garbage collector does).

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use k8s_openapi::api::core::v1::{Node, Pod};
use serde_json::json;

use super::cluster::{from_json, Kube};
use super::facts::{ClusterFacts, NodegroupFacts, NodegroupPhase, Subnet};
use super::store::{name_of, time, KubeCluster};
use crate::clock::Timestamp;
use crate::ids::IdGen;

/// The label naming a node's nodegroup.
pub const NODEGROUP_LABEL: &str = "eks.amazonaws.com/nodegroup";
/// The label (and taint key) of a node's compute type.
pub const COMPUTE_TYPE_LABEL: &str = "eks.amazonaws.com/compute-type";
/// The git suffix of EKS kubelet builds.
const KUBELET_GIT: &str = "eks-113cf36";

/// Parses a CIDR into its network address and prefix length.
#[must_use]
pub fn parse_cidr(cidr: &str) -> Option<(u32, u32)> {
    let (ip, prefix) = cidr.split_once('/')?;
    let ip: Ipv4Addr = ip.parse().ok()?;
    let prefix: u32 = prefix.parse().ok().filter(|p| *p <= 32)?;
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    Some((u32::from(ip) & mask, prefix))
}

/// Whether `ip` lies in `cidr`.
#[must_use]
pub fn cidr_contains(cidr: &str, ip: &str) -> bool {
    let (Some((net, prefix)), Ok(ip)) = (parse_cidr(cidr), ip.parse::<Ipv4Addr>()) else {
        return false;
    };
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    u32::from(ip) & mask == net
}

/// A free address of `cidr` (AWS keeps the first four and the last), drawn from the seeded ids.
pub fn pick_ip(cidr: &str, ids: &mut IdGen, in_use: impl Fn(&str) -> bool) -> Option<String> {
    let (net, prefix) = parse_cidr(cidr)?;
    let size = 1u64 << (32 - prefix.min(30));
    let usable = u32::try_from(size.saturating_sub(5))
        .ok()
        .filter(|n| *n > 0)?;
    for _ in 0..64 {
        let ip = Ipv4Addr::from(net + 4 + ids.below(usable)).to_string();
        if !in_use(&ip) {
            return Some(ip);
        }
    }
    None
}

/// Whether a node or pod of the cluster uses `ip`, or a Fargate pod's capacity is being provisioned
/// with it.
#[must_use]
pub fn ip_in_use(c: &KubeCluster, ip: &str) -> bool {
    c.index.ips.contains_key(ip)
        || c.steps.0.iter().any(|d| match &d.step {
            super::stages::Step::FargateBind { ip: taken, .. } => taken == ip,
            _ => false,
        })
}

/// A node's InternalIP.
#[must_use]
pub fn internal_ip(node: &Node) -> Option<&str> {
    node.status
        .as_ref()?
        .addresses
        .as_ref()?
        .iter()
        .find(|a| a.type_ == "InternalIP")
        .map(|a| a.address.as_str())
}

/// `ip-192-168-27-156`.
fn host_part(ip: &str) -> String {
    format!("ip-{}", ip.replace('.', "-"))
}

/// The kubelet version string nodes report (`v1.32.9-eks-113cf36`).
#[must_use]
pub fn kubelet_version(facts: &ClusterFacts) -> String {
    format!("v{}-{KUBELET_GIT}", facts.patch)
}

/// (vCPUs, GiB, max pods) of an instance type.
fn instance_capacity(instance_type: &str) -> (u32, u32, u32) {
    match instance_type {
        "t3.medium" => (2, 4, 17),
        "t3.large" => (2, 8, 35),
        "c5.large" => (2, 4, 29),
        "m5.xlarge" | "m6i.xlarge" | "c5.2xlarge" => (4, 16, 58),
        "m5.2xlarge" | "m6i.2xlarge" => (8, 32, 58),
        _ => (2, 8, 29),
    }
}

fn conditions(now: Timestamp) -> serde_json::Value {
    let t = time(now);
    json!([
        {"type": "MemoryPressure", "status": "False", "lastHeartbeatTime": t, "lastTransitionTime": t,
         "reason": "KubeletHasSufficientMemory", "message": "kubelet has sufficient memory available"},
        {"type": "DiskPressure", "status": "False", "lastHeartbeatTime": t, "lastTransitionTime": t,
         "reason": "KubeletHasNoDiskPressure", "message": "kubelet has no disk pressure"},
        {"type": "PIDPressure", "status": "False", "lastHeartbeatTime": t, "lastTransitionTime": t,
         "reason": "KubeletHasSufficientPID", "message": "kubelet has sufficient PID available"},
        {"type": "Ready", "status": "True", "lastHeartbeatTime": t, "lastTransitionTime": t,
         "reason": "KubeletReady", "message": "kubelet is posting ready status"},
    ])
}

/// The EC2 node of a nodegroup instance with address `ip` in `subnet`.
#[must_use]
pub fn ec2_node(
    facts: &ClusterFacts,
    ng: &NodegroupFacts,
    subnet: &Subnet,
    ip: &str,
    ids: &mut IdGen,
    now: Timestamp,
) -> Node {
    let dns = format!("{}.{}", host_part(ip), facts.dns_suffix());
    let (cpus, gib, pods) = instance_capacity(&ng.instance_type);
    let memory_ki = u64::from(gib) * 983_040;
    let allocatable_ki = memory_ki.saturating_sub(587_776);
    let mut labels = json!({
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/instance-type": ng.instance_type,
        "beta.kubernetes.io/os": "linux",
        "eks.amazonaws.com/capacityType": "ON_DEMAND",
        NODEGROUP_LABEL: ng.name,
        "eks.amazonaws.com/nodegroup-image": "ami-0c5ba1cd8ad3e1f6c",
        "failure-domain.beta.kubernetes.io/region": facts.region,
        "failure-domain.beta.kubernetes.io/zone": subnet.az,
        "k8s.io/cloud-provider-aws": "a94967527effcefb5f5829f529c0a1b9",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": dns,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": ng.instance_type,
        "topology.kubernetes.io/region": facts.region,
        "topology.kubernetes.io/zone": subnet.az,
    });
    for (key, value) in &ng.labels {
        labels[key] = json!(value);
    }
    let taints: Vec<serde_json::Value> = ng
        .taints
        .iter()
        .map(|t| json!({"key": t.key, "value": t.value, "effect": t.effect}))
        .collect();
    from_json(json!({
        "metadata": {
            "name": dns,
            "labels": labels,
            "annotations": {
                "alpha.kubernetes.io/provided-node-ip": ip,
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {
            "providerID": format!("aws:///{}/i-{}", subnet.az, ids.hex(17)),
            "taints": if taints.is_empty() { serde_json::Value::Null } else { json!(taints) },
        },
        "status": {
            "capacity": {"cpu": cpus.to_string(), "ephemeral-storage": "20959212Ki",
                          "hugepages-1Gi": "0", "hugepages-2Mi": "0",
                          "memory": format!("{memory_ki}Ki"), "pods": pods.to_string()},
            "allocatable": {"cpu": format!("{}m", cpus * 1000 - 70), "ephemeral-storage": "18242267924",
                            "hugepages-1Gi": "0", "hugepages-2Mi": "0",
                            "memory": format!("{allocatable_ki}Ki"), "pods": pods.to_string()},
            "conditions": conditions(now),
            "addresses": [
                {"type": "InternalIP", "address": ip},
                {"type": "InternalDNS", "address": dns},
                {"type": "Hostname", "address": dns},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64", "bootID": ids.uuid_v4(),
                "containerRuntimeVersion": "containerd://1.7.27",
                "kernelVersion": "6.1.141-155.222.amzn2023.x86_64",
                "kubeProxyVersion": kubelet_version(facts), "kubeletVersion": kubelet_version(facts),
                "machineID": ids.hex(32), "operatingSystem": "linux",
                "osImage": "Amazon Linux 2023.7.20250623", "systemUUID": ids.uuid_v4(),
            },
        },
    }))
}

/// The Fargate node of one pod, with the pod's ENI address `ip` in `subnet`.
#[must_use]
pub fn fargate_node(
    facts: &ClusterFacts,
    subnet: &Subnet,
    ip: &str,
    ids: &mut IdGen,
    now: Timestamp,
) -> Node {
    let dns = format!("{}.{}", host_part(ip), facts.dns_suffix());
    let name = format!("fargate-{dns}");
    from_json(json!({
        "metadata": {
            "name": name,
            "labels": {
                "beta.kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                COMPUTE_TYPE_LABEL: "fargate",
                "failure-domain.beta.kubernetes.io/region": facts.region,
                "failure-domain.beta.kubernetes.io/zone": subnet.az,
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": dns,
                "kubernetes.io/os": "linux",
                "topology.kubernetes.io/region": facts.region,
                "topology.kubernetes.io/zone": subnet.az,
            },
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {
            "providerID": format!("aws:///{}/{}-{}/{name}", subnet.az, ids.hex(10), ids.hex(32)),
            "taints": [{"key": COMPUTE_TYPE_LABEL, "value": "fargate", "effect": "NoSchedule"}],
        },
        "status": {
            "capacity": {"cpu": "2", "ephemeral-storage": "30787492Ki", "hugepages-1Gi": "0",
                          "hugepages-2Mi": "0", "memory": "3977000Ki", "pods": "1"},
            "allocatable": {"cpu": "2", "ephemeral-storage": "28373752209", "hugepages-1Gi": "0",
                            "hugepages-2Mi": "0", "memory": "3874600Ki", "pods": "1"},
            "conditions": conditions(now),
            "addresses": [
                {"type": "InternalIP", "address": ip},
                {"type": "InternalDNS", "address": dns},
                {"type": "Hostname", "address": dns},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64", "bootID": ids.uuid_v4(),
                "containerRuntimeVersion": "containerd://1.7.27",
                "kernelVersion": "5.10.238-234.956.amzn2.x86_64",
                "kubeProxyVersion": kubelet_version(facts), "kubeletVersion": kubelet_version(facts),
                "machineID": ids.hex(32), "operatingSystem": "linux",
                "osImage": "Amazon Linux 2", "systemUUID": ids.uuid_v4(),
            },
        },
    }))
}

/// Whether a node is one of Fargate's.
#[must_use]
pub fn is_fargate(node: &Node) -> bool {
    node.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(COMPUTE_TYPE_LABEL))
        .is_some_and(|v| v == "fargate")
}

/// Removes a node and force-deletes the pods bound to it.
pub fn remove_node(k: &mut Kube<'_>, name: &str) {
    let bound: Vec<Pod> = k.c.pods_on_node(name).cloned().collect();
    for pod in bound {
        if let Some(uid) = &pod.metadata.uid {
            k.c.steps.cancel(uid);
        }
        k.c.remove::<Pod>(pod.metadata.namespace.as_deref(), name_of(&pod.metadata));
    }
    k.c.remove::<Node>(None, name);
}

/// Makes the EC2 nodes match the nodegroups: one per desired instance of a serving nodegroup.
pub fn sync(k: &mut Kube<'_>) {
    let facts = k.facts;
    let orphans: BTreeSet<String> =
        k.c.index
            .nodes_by_group
            .iter()
            .filter(|(group, _)| !facts.nodegroups.iter().any(|ng| &ng.name == *group))
            .flat_map(|(_, names)| names.iter().cloned())
            .collect();
    for name in orphans {
        remove_node(k, &name);
    }
    for ng in &facts.nodegroups {
        let mut existing: Vec<Node> =
            k.c.at::<Node>(k.c.index.nodes_by_group.get(&ng.name))
                .cloned()
                .collect();
        existing.sort_by_key(|n| {
            (
                n.metadata.creation_timestamp.clone(),
                n.metadata.name.clone(),
            )
        });
        let want = match ng.phase {
            NodegroupPhase::Serving => ng.desired_size as usize,
            NodegroupPhase::Booting(ready_at) if ready_at <= k.now => ng.desired_size as usize,
            NodegroupPhase::Booting(_) | NodegroupPhase::Creating | NodegroupPhase::Gone => 0,
        };
        while existing.len() > want {
            if let Some(node) = existing.pop() {
                remove_node(k, name_of(&node.metadata));
            }
        }
        for index in existing.len()..want {
            if ng.subnets.is_empty() {
                break;
            }
            let subnet = &ng.subnets[index % ng.subnets.len()];
            let Some(ip) = pick_ip(&subnet.cidr, k.ids, |ip| ip_in_use(k.c, ip)) else {
                break;
            };
            let now = k.now;
            let node = ec2_node(facts, ng, subnet, &ip, k.ids, now);
            k.c.create(node, now, k.ids);
        }
    }
}

/// Removes Fargate nodes whose pod is gone.
pub fn remove_idle_fargate_nodes(k: &mut Kube<'_>) {
    // Every node without pods was written or left by a pod since the last look: check only those.
    let candidates = std::mem::take(&mut k.c.index.idle_candidates);
    let idle: Vec<String> = candidates
        .into_iter()
        .filter(|name| {
            k.c.get::<Node>(None, name).is_some_and(is_fargate)
                && !k.c.index.pods_by_node.contains_key(name)
        })
        .collect();
    for name in idle {
        k.c.remove::<Node>(None, &name);
    }
    k.c.index.idle_candidates.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ips_come_from_the_subnet_and_skip_reserved_and_used_ones() {
        let mut ids = IdGen::new(0);
        let mut used = BTreeSet::new();
        for _ in 0..20 {
            let ip = pick_ip("192.168.96.0/19", &mut ids, |ip| used.contains(ip)).unwrap();
            assert!(cidr_contains("192.168.96.0/19", &ip), "{ip}");
            assert!(!used.contains(&ip));
            used.insert(ip);
        }
        assert!(!cidr_contains("192.168.96.0/19", "192.168.128.1"));
        assert_eq!(pick_ip("nonsense", &mut ids, |_| false), None);
    }
}
