//! What each pod [`Step`] does when it comes due, as a kubelet (and Fargate's provisioning) would:
//! register the Fargate node and bind the pod, start the containers (Running/Ready with IPs, container
//! statuses and the kubelet's events), or make a deleted pod vanish. Also graceful pod deletion,
//! which the API and the controllers share. Container images are not pulled; statuses are made up
//! deterministically from the image name.

use k8s_openapi::api::core::v1::{Node, Pod, PodCondition};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::cluster::{from_json, Kube};
use super::events::{self, Type};
use super::facts::Subnet;
use super::fargate::{self, CAPACITY_ANNOTATION};
use super::nodes::{self, cidr_contains, internal_ip, NODEGROUP_LABEL};
use super::stages::{Due, Step};
use super::store::{name_of, time, uid_of};
use crate::clock::Timestamp;

/// Applies a due step.
pub fn apply(k: &mut Kube<'_>, due: &Due) {
    let Some(pod) =
        k.c.get::<Pod>(Some(&due.namespace), &due.name)
            .filter(|p| uid_of(&p.metadata) == due.uid)
            .cloned()
    else {
        return;
    };
    match &due.step {
        Step::FargateBind {
            profile,
            subnet,
            ip,
        } => fargate_bind(k, pod, profile, subnet, ip),
        Step::Start => start(k, pod),
        Step::Stop => {
            k.c.remove::<Pod>(Some(&due.namespace), &due.name);
        }
    }
}

/// Sets (or replaces) a pod condition, keeping its transition time when the status is unchanged.
pub fn set_condition(
    pod: &mut Pod,
    now: Timestamp,
    ty: &str,
    status: &str,
    reason: Option<&str>,
    message: Option<&str>,
) {
    let st = pod.status.get_or_insert_with(Default::default);
    let conditions = st.conditions.get_or_insert_with(Vec::new);
    let transition = conditions
        .iter()
        .find(|c| c.type_ == ty && c.status == status)
        .and_then(|c| c.last_transition_time.clone())
        .unwrap_or_else(|| time(now));
    let condition = PodCondition {
        type_: ty.to_owned(),
        status: status.to_owned(),
        reason: reason.map(str::to_owned),
        message: message.map(str::to_owned),
        last_transition_time: Some(transition),
        last_probe_time: None,
        observed_generation: None,
    };
    match conditions.iter_mut().find(|c| c.type_ == ty) {
        Some(slot) => *slot = condition,
        None => conditions.push(condition),
    }
}

/// Binds a pod to `node` (as a scheduler's Binding does; `scheduler` reports it) and schedules its
/// start.
pub fn bind(k: &mut Kube<'_>, mut pod: Pod, node: &str, scheduler: Option<&str>) {
    let now = k.now;
    if let Some(spec) = pod.spec.as_mut() {
        spec.node_name = Some(node.to_owned());
    }
    set_condition(&mut pod, now, "PodScheduled", "True", None, None);
    let host_ip =
        k.c.get::<Node>(None, node)
            .and_then(internal_ip)
            .map(str::to_owned);
    if let Some(status) = pod.status.as_mut() {
        status.host_ip.clone_from(&host_ip);
        status.host_ips = host_ip.map(|ip| vec![from_json(json!({ "ip": ip }))]);
        status.start_time = Some(time(now));
        status.container_statuses = Some(
            pod.spec
                .iter()
                .flat_map(|s| &s.containers)
                .map(|c| {
                    from_json(json!({
                        "name": c.name, "image": c.image.clone().unwrap_or_default(), "imageID": "",
                        "ready": false, "restartCount": 0, "started": false,
                        "state": {"waiting": {"reason": "ContainerCreating"}},
                    }))
                })
                .collect(),
        );
    }
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let name = name_of(&pod.metadata).to_owned();
    let uid = uid_of(&pod.metadata).to_owned();
    let reference = events::reference(&pod);
    k.c.put(pod);
    if let Some(scheduler) = scheduler {
        events::record(
            k,
            reference,
            Type::Normal,
            "Scheduled",
            &format!("Successfully assigned {namespace}/{name} to {node}"),
            scheduler,
            None,
        );
    }
    k.c.steps
        .schedule(now, k.timing, &namespace, &name, &uid, Step::Start);
}

fn fargate_bind(k: &mut Kube<'_>, mut pod: Pod, _profile: &str, subnet: &Subnet, ip: &str) {
    let now = k.now;
    let node = nodes::fargate_node(k.facts, subnet, ip, k.ids, now);
    let node_name = name_of(&node.metadata).to_owned();
    k.c.create(node, now, k.ids);
    if let Some(spec) = pod.spec.as_ref() {
        if let Ok(size) = fargate::size(spec) {
            pod.metadata
                .annotations
                .get_or_insert_with(Default::default)
                .insert(CAPACITY_ANNOTATION.to_owned(), size.annotation());
        }
    }
    bind(k, pod, &node_name, Some(fargate::SCHEDULER_NAME));
}

/// `docker.io/library/nginx:latest` for `nginx`.
#[must_use]
pub fn full_image(image: &str) -> String {
    let (name, tag) = match image.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n.to_owned(), format!(":{t}")),
        _ => (image.to_owned(), ":latest".to_owned()),
    };
    let tag = if image.contains('@') {
        String::new()
    } else {
        tag
    };
    let first = name.split('/').next().unwrap_or_default();
    let has_registry =
        name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let name = if has_registry {
        name
    } else if name.contains('/') {
        format!("docker.io/{name}")
    } else {
        format!("docker.io/library/{name}")
    };
    format!("{name}{tag}")
}

fn digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The pod's IP: the node's for host-network and Fargate pods, else a free address of the node's
/// subnet.
fn pod_ip(k: &mut Kube<'_>, pod: &Pod, node: &Node) -> Option<String> {
    let node_ip = internal_ip(node)?.to_owned();
    let host_network = pod
        .spec
        .as_ref()
        .and_then(|s| s.host_network)
        .unwrap_or(false);
    if host_network || nodes::is_fargate(node) {
        return Some(node_ip);
    }
    let group = node
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(NODEGROUP_LABEL));
    let cidr = k
        .facts
        .nodegroups
        .iter()
        .filter(|ng| Some(&ng.name) == group)
        .flat_map(|ng| &ng.subnets)
        .find(|s| cidr_contains(&s.cidr, &node_ip))
        .map_or_else(
            || {
                let octets: Vec<&str> = node_ip.split('.').collect();
                format!("{}.{}.{}.0/24", octets[0], octets[1], octets[2])
            },
            |s| s.cidr.clone(),
        );
    nodes::pick_ip(&cidr, k.ids, |ip| nodes::ip_in_use(k.c, ip))
}

fn start(k: &mut Kube<'_>, mut pod: Pod) {
    if pod.metadata.deletion_timestamp.is_some() {
        return;
    }
    let Some(node_name) = pod.spec.as_ref().and_then(|s| s.node_name.clone()) else {
        return;
    };
    let Some(node) = k.c.get::<Node>(None, &node_name).cloned() else {
        return;
    };
    let now = k.now;
    let ip = pod_ip(k, &pod, &node);
    let containers = pod
        .spec
        .as_ref()
        .map(|s| s.containers.clone())
        .unwrap_or_default();
    let statuses: Vec<serde_json::Value> = containers
        .iter()
        .map(|c| {
            let image = c.image.clone().unwrap_or_default();
            let full = full_image(&image);
            let repo = full
                .rsplit_once(':')
                .map_or(full.as_str(), |(r, _)| r)
                .to_owned();
            json!({
                "name": c.name,
                "image": full,
                "imageID": format!("{repo}@sha256:{}", digest(&image)),
                "containerID": format!("containerd://{}", k.ids.hex(64)),
                "ready": true, "restartCount": 0, "started": true,
                "state": {"running": {"startedAt": time(now)}},
            })
        })
        .collect();
    for ty in [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
    ] {
        set_condition(&mut pod, now, ty, "True", None, None);
    }
    if let Some(status) = pod.status.as_mut() {
        status.phase = Some("Running".to_owned());
        status.pod_ip.clone_from(&ip);
        status.pod_ips = ip.map(|ip| vec![from_json(json!({ "ip": ip }))]);
        status.container_statuses = Some(from_json(json!(statuses)));
    }
    // The kubelet orders conditions this way.
    if let Some(conditions) = pod.status.as_mut().and_then(|s| s.conditions.as_mut()) {
        let order = [
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled",
        ];
        conditions.sort_by_key(|c| {
            order
                .iter()
                .position(|o| *o == c.type_)
                .unwrap_or(order.len())
        });
    }
    let reference = events::reference(&pod);
    k.c.put(pod);
    for c in &containers {
        let image = c.image.clone().unwrap_or_default();
        let mut r = reference.clone();
        r.field_path = Some(format!("spec.containers{{{}}}", c.name));
        let size = 30_000_000 + u64::from_str_radix(&digest(&image)[..6], 16).unwrap_or(0) * 3;
        let host = Some(node_name.as_str());
        events::record(
            k,
            r.clone(),
            Type::Normal,
            "Pulling",
            &format!("Pulling image \"{image}\""),
            "kubelet",
            host,
        );
        events::record(
            k,
            r.clone(),
            Type::Normal,
            "Pulled",
            &format!("Successfully pulled image \"{image}\" in 2.1s (2.1s including waiting). Image size: {size} bytes."),
            "kubelet",
            host,
        );
        events::record(
            k,
            r.clone(),
            Type::Normal,
            "Created",
            &format!("Created container: {}", c.name),
            "kubelet",
            host,
        );
        events::record(
            k,
            r,
            Type::Normal,
            "Started",
            &format!("Started container {}", c.name),
            "kubelet",
            host,
        );
    }
}

/// Deletes a pod as the apiserver does: at once when it is not on a node (or the grace period is 0),
/// else marks it Terminating and lets it vanish after its containers stop. Returns the pod as the
/// DELETE answers it.
pub fn delete_pod(
    k: &mut Kube<'_>,
    namespace: &str,
    name: &str,
    grace_seconds: Option<i64>,
) -> Option<Pod> {
    let mut pod = k.c.get::<Pod>(Some(namespace), name)?.clone();
    let uid = uid_of(&pod.metadata).to_owned();
    let bound = pod
        .spec
        .as_ref()
        .and_then(|s| s.node_name.as_ref())
        .is_some();
    let grace = grace_seconds
        .or_else(|| {
            pod.spec
                .as_ref()
                .and_then(|s| s.termination_grace_period_seconds)
        })
        .unwrap_or(30);
    if !bound || grace == 0 {
        k.c.steps.cancel(&uid);
        return k.c.remove::<Pod>(Some(namespace), name);
    }
    if pod.metadata.deletion_timestamp.is_some() {
        return Some(pod);
    }
    let now = k.now;
    pod.metadata.deletion_timestamp = Some(time(now.after(std::time::Duration::from_secs(
        u64::try_from(grace).unwrap_or(30),
    ))));
    pod.metadata.deletion_grace_period_seconds = Some(grace);
    k.c.put(pod);
    k.c.steps
        .schedule(now, k.timing, namespace, name, &uid, Step::Stop);
    if let Some(p) = k.c.get::<Pod>(Some(namespace), name).cloned() {
        let reference = events::reference(&p);
        let host = p.spec.as_ref().and_then(|s| s.node_name.clone());
        for c in p.spec.iter().flat_map(|s| &s.containers) {
            let mut r = reference.clone();
            r.field_path = Some(format!("spec.containers{{{}}}", c.name));
            events::record(
                k,
                r,
                Type::Normal,
                "Killing",
                &format!("Stopping container {}", c.name),
                "kubelet",
                host.as_deref(),
            );
        }
    }
    k.c.get::<Pod>(Some(namespace), name).cloned()
}

/// The log of a running container (made up: the emulator runs no containers).
#[must_use]
pub fn log_text(pod: &Pod, container: &str) -> String {
    let image = pod
        .spec
        .iter()
        .flat_map(|s| &s.containers)
        .find(|c| c.name == container)
        .and_then(|c| c.image.clone())
        .unwrap_or_default();
    if image.contains("nginx") {
        [
            "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
            "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
            "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
            "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
            "/docker-entrypoint.sh: Configuration complete; ready for start up",
            "",
        ]
        .join("\n")
    } else if image.contains("coredns") {
        ".:53\n[INFO] plugin/reload: Running configuration SHA512 = 8a7d59126e7f114ab49c6d2613be93d8ef7d408af8ee61a710210843dc409f03133727e38f64469d9bb180f396c84ebf48a42bde3b3769730865ca9df5eb281c\nCoreDNS-1.11.4\nlinux/amd64, go1.23.6, 6e8b2b1\n".to_owned()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_reported_fully_qualified() {
        assert_eq!(full_image("nginx"), "docker.io/library/nginx:latest");
        assert_eq!(full_image("nginx:1.27"), "docker.io/library/nginx:1.27");
        assert_eq!(
            full_image("bitnami/redis"),
            "docker.io/bitnami/redis:latest"
        );
        assert_eq!(
            full_image(
                "602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/coredns:v1.11.4-eksbuild.2"
            ),
            "602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/coredns:v1.11.4-eksbuild.2"
        );
        assert_eq!(full_image("localhost:5000/x"), "localhost:5000/x:latest");
    }
}
