//! Whole-cluster behaviour on the virtual clock with hand-built [`ClusterFacts`] (kwok-style: a state,
//! a time, the expected `kubectl get … -o wide` text). These pin Fargate admission and scheduling,
//! the default scheduler, the controllers and the bootstrap objects without any HTTP, and do not wait
//! for the EKS model to have profiles or nodegroups.

use std::collections::BTreeMap;

use fargate_selector::{ProfileStatus, Selector};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment};
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use serde_json::{json, Value};

use super::api;
use super::cluster::{reconcile, Kube};
use super::facts::{ClusterFacts, NodegroupFacts, NodegroupPhase, ProfileFacts, Subnet};
use super::kinds::Kind;
use super::patch::PatchType;
use super::store::name_of;
use super::store::KubeCluster;
use super::table::Printable;
use super::{bootstrap, nodes, store, workloads};
use crate::clock::{Timestamp, MANUAL_CLOCK_START};
use crate::eks::model::ClusterStatus;
use crate::ids::IdGen;
use crate::lifecycle::Timing;

fn subnet(id: &str, az: &str, cidr: &str) -> Subnet {
    Subnet {
        id: id.into(),
        az: az.into(),
        cidr: cidr.into(),
    }
}

fn private_subnets() -> Vec<Subnet> {
    vec![
        subnet(
            "subnet-0b3a5522f3b48a742",
            "ap-northeast-1a",
            "192.168.96.0/19",
        ),
        subnet(
            "subnet-0c35f1497067363f3",
            "ap-northeast-1d",
            "192.168.128.0/19",
        ),
        subnet(
            "subnet-0a29aa00b25082021",
            "ap-northeast-1c",
            "192.168.160.0/19",
        ),
    ]
}

fn profile(
    name: &str,
    status: ProfileStatus,
    selectors: &[(&str, &[(&str, &str)])],
) -> ProfileFacts {
    ProfileFacts {
        name: name.into(),
        status,
        selectors: selectors
            .iter()
            .map(|(ns, labels)| Selector {
                namespace: (*ns).into(),
                labels: labels
                    .iter()
                    .map(|(k, v)| ((*k).into(), (*v).into()))
                    .collect(),
            })
            .collect(),
        subnets: private_subnets(),
        pod_execution_role_arn: format!("arn:aws:iam::123456789012:role/{name}-pod-execution"),
    }
}

fn nodegroup(name: &str, size: u32) -> NodegroupFacts {
    NodegroupFacts {
        name: name.into(),
        phase: NodegroupPhase::Serving,
        desired_size: size,
        instance_type: "m5.large".into(),
        subnets: vec![
            subnet("subnet-pub-a", "ap-northeast-1a", "192.168.0.0/19"),
            subnet("subnet-pub-d", "ap-northeast-1d", "192.168.32.0/19"),
            subnet("subnet-pub-c", "ap-northeast-1c", "192.168.64.0/19"),
        ],
        labels: BTreeMap::new(),
        taints: Vec::new(),
        node_role_arn: "arn:aws:iam::123456789012:role/eksctl-fargate-cluster-NodeInstanceRole"
            .into(),
    }
}

fn facts(profiles: Vec<ProfileFacts>, nodegroups: Vec<NodegroupFacts>) -> ClusterFacts {
    ClusterFacts {
        name: "fargate-cluster".into(),
        region: "ap-northeast-1".into(),
        version: "1.32".into(),
        patch: "1.32.9".into(),
        platform_version: "eks.30".into(),
        status: ClusterStatus::Active,
        created_at: MANUAL_CLOCK_START,
        service_cidr: "10.100.0.0/16".into(),
        id_seed: 0,
        profiles,
        nodegroups,
    }
}

/// A cluster on a virtual clock.
struct Sim {
    c: KubeCluster,
    facts: ClusterFacts,
    now: Timestamp,
}

impl Sim {
    fn new(facts: ClusterFacts) -> Self {
        let now = MANUAL_CLOCK_START;
        let mut c = bootstrap::new_cluster(&facts, now);
        reconcile(&mut c, &facts, now, Timing::Realistic, true);
        Self { c, facts, now }
    }

    /// Moves the clock by `seconds` and lets the cluster catch up.
    fn after(&mut self, seconds: u64) {
        self.now = self.now.after(std::time::Duration::from_secs(seconds));
        reconcile(&mut self.c, &self.facts, self.now, Timing::Realistic, false);
        self.check_index();
        self.check_settled();
    }

    /// Changes what AWS says (a profile deleted, a nodegroup scaled).
    fn set_facts(&mut self, facts: ClusterFacts) {
        self.facts = facts;
        reconcile(&mut self.c, &self.facts, self.now, Timing::Realistic, false);
        self.check_index();
        self.check_settled();
    }

    /// Runs an API call, then the controllers (as a request does).
    fn call<R>(&mut self, f: impl FnOnce(&mut Kube<'_>) -> R) -> R {
        let mut ids = std::mem::replace(&mut self.c.ids, IdGen::new(0));
        let result = f(&mut Kube {
            c: &mut self.c,
            facts: &self.facts,
            ids: &mut ids,
            now: self.now,
            timing: Timing::Realistic,
        });
        self.c.ids = ids;
        reconcile(&mut self.c, &self.facts, self.now, Timing::Realistic, true);
        self.check_index();
        self.check_settled();
        result
    }

    /// Nothing is left for any controller: with every workload marked to be looked at again, a
    /// run of the controllers changes nothing (so the ones the work queues skipped had nothing to do).
    fn check_settled(&self) {
        let mut c = self.c.clone();
        c.index.dirty_all(&c.objects);
        c.facts_fingerprint = 0;
        reconcile(&mut c, &self.facts, self.now, Timing::Realistic, true);
        let extra: Vec<String> = c
            .log
            .iter()
            .filter(|ch| ch.rv > self.c.rv)
            .map(|ch| {
                format!(
                    "{} {}: {:?} -> {}",
                    ch.resource, ch.namespace, ch.before, ch.after
                )
            })
            .collect();
        assert_eq!(
            c.rv, self.c.rv,
            "a skipped controller had work to do: {extra:#?}"
        );
        // No parked pod could have been placed: with every pod tried again, none gets a node (only
        // their FailedScheduling messages may be stale, by design).
        let mut c = self.c.clone();
        c.index.parked.clear();
        reconcile(&mut c, &self.facts, self.now, Timing::Realistic, true);
        let bound = |c: &KubeCluster| -> Vec<String> {
            c.all::<Pod>()
                .filter(|p| p.spec.as_ref().is_some_and(|s| s.node_name.is_some()))
                .map(store::key_of)
                .collect()
        };
        assert_eq!(bound(&c), bound(&self.c), "a parked pod missed its wake-up");
    }

    /// The indexes kept by every write agree with the objects, and every Fargate node without pods
    /// is gone (so none was missed by the idle-node work queue).
    fn check_index(&self) {
        assert!(
            self.c.index.agrees_with(&self.c.objects),
            "the index drifted from the objects"
        );
        let idle: Vec<&str> = self
            .c
            .all::<Node>()
            .filter(|n| {
                nodes::is_fargate(n) && self.c.pods_on_node(name_of(&n.metadata)).next().is_none()
            })
            .map(|n| name_of(&n.metadata))
            .collect();
        assert!(idle.is_empty(), "idle Fargate nodes left: {idle:?}");
        for ds in self.c.all::<DaemonSet>() {
            let Some(cached) = self.c.index.daemon_nodes.get(store::uid_of(&ds.metadata)) else {
                continue;
            };
            let template = &ds.spec.as_ref().expect("a spec").template;
            let (spec, hash) = (
                template.spec.as_ref().expect("a pod spec"),
                workloads::template_hash(template),
            );
            let changed = &self.c.index.nodes_changed;
            let kept = workloads::daemon_nodes(&self.c, spec, &hash, Some(cached.clone()), changed);
            let fresh = workloads::daemon_nodes(&self.c, spec, &hash, None, changed);
            assert_eq!(kept, fresh, "the DaemonSet's nodes drifted");
        }
    }

    fn create<K: Kind>(&mut self, namespace: Option<&str>, body: Value) -> K {
        self.call(|k| api::create::<K>(k, namespace, body, false))
            .expect("created")
    }

    fn pod(&self, namespace: &str, name: &str) -> Pod {
        self.c
            .get::<Pod>(Some(namespace), name)
            .cloned()
            .expect("pod exists")
    }

    /// `kubectl get <kind> [-A] -o wide`, as kubectl lays out the server's Table.
    fn table<K: Kind + Printable>(&self, all_namespaces: bool) -> String {
        let mut header: Vec<String> = K::columns()
            .iter()
            .map(|(n, _, _)| n.to_uppercase())
            .collect();
        if all_namespaces {
            header.insert(0, "NAMESPACE".into());
        }
        let mut rows = vec![header];
        for obj in self.c.all::<K>() {
            let mut cells: Vec<String> = obj
                .cells(self.now)
                .into_iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect();
            if all_namespaces {
                cells.insert(0, obj.metadata().namespace.clone().unwrap_or_default());
            }
            rows.push(cells);
        }
        let widths: Vec<usize> = (0..rows[0].len())
            .map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0))
            .collect();
        rows.iter()
            .map(|r| {
                let line: Vec<String> = r
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect();
                line.join("   ").trim_end().to_owned()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn events_for(&self, namespace: &str, name: &str) -> Vec<String> {
        self.c
            .in_namespace::<Event>(namespace)
            .filter(|e| e.involved_object.name.as_deref() == Some(name))
            .map(|e| {
                format!(
                    "{} {} {}: {}",
                    e.type_.clone().unwrap_or_default(),
                    e.reason.clone().unwrap_or_default(),
                    e.source
                        .as_ref()
                        .and_then(|s| s.component.clone())
                        .unwrap_or_default(),
                    e.message.clone().unwrap_or_default()
                )
            })
            .collect()
    }
}

/// The phase of every pod in `namespace`.
fn phases(sim: &Sim, namespace: &str) -> Vec<String> {
    sim.c
        .in_namespace::<Pod>(namespace)
        .map(|p| {
            p.status
                .clone()
                .unwrap_or_default()
                .phase
                .unwrap_or_default()
        })
        .collect()
}

/// Column `n` of every row, dropping the header.
fn column(table: &str, n: usize) -> Vec<String> {
    table
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().nth(n).unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn a_new_cluster_with_a_nodegroup_looks_like_the_seed_pages() {
    let mut sim = Sim::new(facts(Vec::new(), vec![nodegroup("ng-1", 2)]));
    sim.after(60);
    let pods = sim.table::<Pod>(true);
    assert_eq!(
        pods,
        "\
NAMESPACE     NAME                      READY   STATUS    RESTARTS   AGE   IP               NODE                                               NOMINATED NODE   READINESS GATES
kube-system   aws-node-hjjhz            1/1     Running   0          60s   192.168.40.48    ip-192-168-40-48.ap-northeast-1.compute.internal   <none>           <none>
kube-system   aws-node-sgknq            1/1     Running   0          60s   192.168.18.15    ip-192-168-18-15.ap-northeast-1.compute.internal   <none>           <none>
kube-system   coredns-6c49c45d8-6dj96   1/1     Running   0          60s   192.168.27.131   ip-192-168-18-15.ap-northeast-1.compute.internal   <none>           <none>
kube-system   coredns-6c49c45d8-95rbk   1/1     Running   0          60s   192.168.40.36    ip-192-168-40-48.ap-northeast-1.compute.internal   <none>           <none>
kube-system   kube-proxy-56qv2          1/1     Running   0          60s   192.168.40.48    ip-192-168-40-48.ap-northeast-1.compute.internal   <none>           <none>
kube-system   kube-proxy-gdhvg          1/1     Running   0          60s   192.168.18.15    ip-192-168-18-15.ap-northeast-1.compute.internal   <none>           <none>"
    );
    let nodes = sim.table::<Node>(false);
    assert_eq!(column(&nodes, 1), ["Ready", "Ready"]);
    assert_eq!(
        column(&nodes, 4),
        ["v1.32.9-eks-113cf36", "v1.32.9-eks-113cf36"]
    );
    let auth = sim
        .c
        .get::<k8s_openapi::api::core::v1::ConfigMap>(Some("kube-system"), "aws-auth")
        .cloned()
        .unwrap();
    assert!(auth.data.unwrap()["mapRoles"].contains("rolearn: arn:aws:iam::123456789012:role/eksctl-fargate-cluster-NodeInstanceRole\n  username: system:node:{{EC2PrivateDNSName}}"));
}

#[test]
fn an_unmanaged_nodegroups_nodes_register_once_its_instances_have_booted() {
    let mut booting = nodegroup("ng-1", 1);
    booting.phase =
        NodegroupPhase::Booting(MANUAL_CLOCK_START.after(std::time::Duration::from_secs(90)));
    let mut sim = Sim::new(facts(Vec::new(), vec![booting]));
    sim.after(89);
    assert_eq!(sim.c.all::<Node>().count(), 0, "no node before the boot");
    assert_eq!(
        phases(&sim, "kube-system"),
        ["Pending", "Pending"],
        "coredns waits"
    );
    sim.after(1);
    let nodes = sim.table::<Node>(false);
    assert_eq!(column(&nodes, 1), ["Ready"], "{nodes}");
    sim.after(10);
    assert_eq!(
        phases(&sim, "kube-system"),
        ["Running", "Running", "Running", "Running"],
        "coredns, aws-node and kube-proxy run on the new node"
    );
}

#[test]
fn the_seed_walkthrough_puts_nginx_on_its_own_fargate_node() {
    let profiles = vec![
        profile(
            "fp-default",
            ProfileStatus::Active,
            &[("default", &[]), ("kube-system", &[])],
        ),
        profile("fp-dev", ProfileStatus::Active, &[("dev", &[])]),
    ];
    let mut sim = Sim::new(facts(profiles, vec![nodegroup("ng-1", 2)]));
    sim.after(120);
    sim.create::<k8s_openapi::api::core::v1::Namespace>(None, json!({"metadata": {"name": "dev"}}));
    let nginx: Pod = sim.create(
        Some("dev"),
        json!({"metadata": {"name": "nginx", "labels": {"run": "nginx"}},
               "spec": {"containers": [{"name": "nginx", "image": "nginx"}], "restartPolicy": "Never"}}),
    );
    // Admission: the Fargate mutation.
    let spec = nginx.spec.clone().unwrap();
    assert_eq!(spec.scheduler_name.as_deref(), Some("fargate-scheduler"));
    assert_eq!(
        nginx.metadata.labels.as_ref().unwrap()["eks.amazonaws.com/fargate-profile"],
        "fp-dev"
    );

    // Pending while Fargate provisions (57 s), then ContainerCreating on its node, Running at 60 s.
    sim.after(56);
    assert_eq!(column(&sim.table::<Pod>(true), 3)[0], "Pending");
    sim.after(1);
    assert_eq!(column(&sim.table::<Pod>(true), 3)[0], "ContainerCreating");
    sim.after(3);
    let pods = sim.table::<Pod>(true);
    assert_eq!(
        pods.lines().nth(1).unwrap(),
        "dev           nginx                     1/1     Running   0          60s   192.168.184.70   fargate-ip-192-168-184-70.ap-northeast-1.compute.internal   <none>           <none>"
    );
    let pod = sim.pod("dev", "nginx");
    let annotations = pod.metadata.annotations.clone().unwrap();
    assert_eq!(annotations["CapacityProvisioned"], "0.25vCPU 0.5GB");
    assert_eq!(
        annotations["Logging"],
        "LoggingDisabled: LOGGING_CONFIGMAP_NOT_FOUND"
    );
    assert_eq!(
        sim.events_for("dev", "nginx"),
        [
            "Warning LoggingDisabled fargate-scheduler: Disabled logging because aws-logging configmap was not found. configmap \"aws-logging\" not found",
            "Normal Scheduled fargate-scheduler: Successfully assigned dev/nginx to fargate-ip-192-168-184-70.ap-northeast-1.compute.internal",
            "Normal Pulling kubelet: Pulling image \"nginx\"",
            "Normal Pulled kubelet: Successfully pulled image \"nginx\" in 2.1s (2.1s including waiting). Image size: 48064836 bytes.",
            "Normal Created kubelet: Created container: nginx",
            "Normal Started kubelet: Started container nginx",
        ]
    );

    // The node: one pod, the Fargate taint and labels, in the subnet's zone.
    let node = sim
        .c
        .get::<Node>(
            None,
            "fargate-ip-192-168-184-70.ap-northeast-1.compute.internal",
        )
        .cloned()
        .expect("a node per Fargate pod");
    let labels = node.metadata.labels.clone().unwrap();
    assert_eq!(labels["eks.amazonaws.com/compute-type"], "fargate");
    assert_eq!(
        labels["topology.kubernetes.io/zone"], "ap-northeast-1c",
        "the zone of the subnet its IP is from"
    );
    let taint = &node.spec.as_ref().unwrap().taints.as_ref().unwrap()[0];
    assert_eq!(
        (
            taint.key.as_str(),
            taint.value.as_deref(),
            taint.effect.as_str()
        ),
        (
            "eks.amazonaws.com/compute-type",
            Some("fargate"),
            "NoSchedule"
        )
    );
    assert_eq!(
        node.status.as_ref().unwrap().capacity.as_ref().unwrap()["pods"].0,
        "1"
    );

    // Deleting the pod: Terminating, then gone with its node.
    sim.call(|k| super::kubelet::delete_pod(k, "dev", "nginx", None));
    assert_eq!(column(&sim.table::<Pod>(true), 3)[0], "Terminating");
    sim.after(2);
    assert!(sim.c.get::<Pod>(Some("dev"), "nginx").is_none());
    assert!(
        !sim.c.all::<Node>().any(super::nodes::is_fargate),
        "the Fargate node went with its pod"
    );
}

#[test]
fn patching_coredns_to_fargate_rolls_it_onto_fargate_nodes() {
    let profiles = vec![profile(
        "fp-default",
        ProfileStatus::Active,
        &[("default", &[]), ("kube-system", &[])],
    )];
    let mut sim = Sim::new(facts(profiles, vec![nodegroup("ng-1", 1)]));
    sim.after(30);
    assert!(
        column(&sim.table::<Pod>(true), 7)
            .iter()
            .all(|n| n.starts_with("ip-")),
        "coredns opts out of Fargate"
    );
    // What eksctl does once the kube-system profile is ACTIVE.
    let patch = br#"{"spec":{"template":{"metadata":{"annotations":{"eks.amazonaws.com/compute-type":"fargate"}}}}}"#;
    sim.call(|k| {
        api::patch::<Deployment>(
            k,
            Some("kube-system"),
            "coredns",
            PatchType::Strategic,
            patch,
            None,
        )
    })
    .unwrap();
    for _ in 0..30 {
        sim.after(10);
    }
    let pods = sim.table::<Pod>(true);
    let coredns: Vec<&str> = pods.lines().filter(|l| l.contains("coredns-")).collect();
    assert_eq!(coredns.len(), 2, "{pods}");
    for line in &coredns {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols[3], "Running", "{pods}");
        assert!(cols[7].starts_with("fargate-ip-"), "{pods}");
        assert_eq!(
            cols[7],
            format!("fargate-{}", cols[7].trim_start_matches("fargate-")),
            "{pods}"
        );
        assert!(
            cols[7].contains(&cols[6].replace('.', "-")),
            "pod IP = node IP: {pods}"
        );
    }
    let deployment = sim
        .c
        .get::<Deployment>(Some("kube-system"), "coredns")
        .cloned()
        .unwrap();
    let status = deployment.status.clone().unwrap();
    assert_eq!(
        (
            status.replicas,
            status.updated_replicas,
            status.available_replicas
        ),
        (Some(2), Some(2), Some(2))
    );
    assert_eq!(status.observed_generation, deployment.metadata.generation);
    assert_eq!(
        deployment.metadata.annotations.unwrap()["deployment.kubernetes.io/revision"],
        "2"
    );
    let scaling: Vec<String> = sim
        .events_for("kube-system", "coredns")
        .into_iter()
        .filter(|e| e.contains("ScalingReplicaSet"))
        .collect();
    assert!(
        scaling.len() >= 3
            && scaling
                .iter()
                .any(|e| e.contains("Scaled down replica set coredns-6c49c45d8 from 1 to 0")),
        "{scaling:?}"
    );
}

#[test]
fn pods_fargate_cannot_run_stay_pending_with_the_real_messages() {
    let profiles = vec![profile(
        "fp-dev",
        ProfileStatus::Active,
        &[("dev", &[("env", "dev")])],
    )];
    let mut sim = Sim::new(facts(profiles, Vec::new()));
    sim.create::<k8s_openapi::api::core::v1::Namespace>(None, json!({"metadata": {"name": "dev"}}));
    let cases = [
        (
            json!({"metadata": {"name": "privileged", "labels": {"env": "dev"}},
                   "spec": {"containers": [{"name": "c", "image": "busybox", "securityContext": {"privileged": true}}]}}),
            "Warning FailedScheduling fargate-scheduler: Pod not supported on Fargate: invalid SecurityContext fields: Privileged",
        ),
        (
            json!({"metadata": {"name": "hostport", "labels": {"env": "dev"}},
                   "spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "busybox", "ports": [{"containerPort": 80, "hostPort": 80}]}]}}),
            "Warning FailedScheduling fargate-scheduler: Pod not supported on Fargate: fields not supported: HostNetwork, port contains HostIP or HostPort",
        ),
        (
            json!({"metadata": {"name": "huge", "labels": {"env": "dev"}},
                   "spec": {"containers": [{"name": "c", "image": "busybox", "resources": {"requests": {"cpu": "32", "memory": "1Gi"}}}]}}),
            "Warning FailedScheduling fargate-scheduler: Your pod's cpu/memory requirements exceed the max Fargate configuration",
        ),
        (
            json!({"metadata": {"name": "by-hand"},
                   "spec": {"schedulerName": "fargate-scheduler", "containers": [{"name": "c", "image": "busybox"}]}}),
            "Warning FailedScheduling fargate-scheduler: pod matches no ACTIVE Fargate profile: fp-dev: missing label \"env\"",
        ),
        (
            json!({"metadata": {"name": "no-profile"}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}),
            "Warning FailedScheduling default-scheduler: no nodes available to schedule pods",
        ),
    ];
    for (body, _) in &cases {
        sim.create::<Pod>(Some("dev"), body.clone());
    }
    sim.after(120);
    for (body, event) in &cases {
        let name = body["metadata"]["name"].as_str().unwrap();
        let pod = sim.pod("dev", name);
        assert_eq!(
            pod.status.as_ref().unwrap().phase.as_deref(),
            Some("Pending"),
            "{name}"
        );
        assert_eq!(sim.events_for("dev", name), [*event], "{name}");
    }
    let huge = sim.pod("dev", "huge");
    let condition = &huge.status.unwrap().conditions.unwrap()[0];
    assert_eq!(
        (condition.type_.as_str(), condition.status.as_str()),
        ("PodScheduled", "False")
    );
    assert_eq!(
        condition.reason.as_deref(),
        Some("POD_CPU_MEM_EXCEEDS_MAX_FARGATE_SIZE")
    );

    // In a Fargate-only cluster, a pod that opts out sees only tainted Fargate nodes.
    let ok: Pod = sim.create(
        Some("dev"),
        json!({"metadata": {"name": "fits", "labels": {"env": "dev"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}),
    );
    assert_eq!(
        ok.spec.unwrap().scheduler_name.as_deref(),
        Some("fargate-scheduler")
    );
    sim.after(60);
    sim.create::<Pod>(
        Some("dev"),
        json!({"metadata": {"name": "ec2-only", "labels": {"env": "dev"}, "annotations": {"eks.amazonaws.com/compute-type": "ec2"}},
               "spec": {"containers": [{"name": "c", "image": "busybox"}]}}),
    );
    assert_eq!(
        sim.events_for("dev", "ec2-only"),
        ["Warning FailedScheduling default-scheduler: 0/1 nodes are available: 1 node(s) had untolerated taint {eks.amazonaws.com/compute-type: fargate}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."]
    );
}

#[test]
fn deleting_a_profile_evicts_its_pods_which_are_readmitted_or_left_pending() {
    let fp_a = profile("fp-a", ProfileStatus::Active, &[("apps", &[])]);
    let fp_b = profile("fp-b", ProfileStatus::Active, &[("apps", &[])]);
    let mut sim = Sim::new(facts(vec![fp_a.clone(), fp_b.clone()], Vec::new()));
    sim.create::<k8s_openapi::api::core::v1::Namespace>(
        None,
        json!({"metadata": {"name": "apps"}}),
    );
    sim.create::<Deployment>(
        Some("apps"),
        json!({"metadata": {"name": "api"}, "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "api"}},
               "template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [{"name": "api", "image": "api:1"}]}}}}),
    );
    sim.after(60);
    let profiles_of = |sim: &Sim| -> Vec<String> {
        sim.c
            .in_namespace::<Pod>("apps")
            .map(|p| {
                p.metadata
                    .labels
                    .clone()
                    .unwrap_or_default()
                    .get("eks.amazonaws.com/fargate-profile")
                    .cloned()
                    .unwrap_or_default()
            })
            .collect()
    };
    assert_eq!(
        profiles_of(&sim),
        ["fp-a", "fp-a"],
        "the first by name wins"
    );
    let before: Vec<String> = sim
        .c
        .in_namespace::<Pod>("apps")
        .map(|p| store::name_of(&p.metadata).to_owned())
        .collect();

    // fp-a is being deleted: its pods go, and their replacements land on fp-b.
    let mut deleting = fp_a.clone();
    deleting.status = ProfileStatus::Deleting;
    sim.set_facts(facts(vec![deleting, fp_b], Vec::new()));
    let after: Vec<String> = sim
        .c
        .in_namespace::<Pod>("apps")
        .map(|p| store::name_of(&p.metadata).to_owned())
        .collect();
    assert!(
        after.iter().all(|n| !before.contains(n)),
        "{before:?} → {after:?}"
    );
    assert_eq!(profiles_of(&sim), ["fp-b", "fp-b"]);
    sim.after(60);
    assert_eq!(phases(&sim, "apps"), ["Running", "Running"]);

    // With no profile left, the replacements stay Pending.
    sim.set_facts(facts(Vec::new(), Vec::new()));
    sim.after(60);
    assert_eq!(phases(&sim, "apps"), ["Pending", "Pending"]);
    assert_eq!(profiles_of(&sim), ["", ""]);
    assert!(
        !sim.c.all::<Node>().any(|_| true),
        "no Fargate node is left"
    );
}

#[test]
fn the_same_seed_and_steps_give_the_same_objects() {
    let run = || {
        let profiles = vec![profile(
            "fp-default",
            ProfileStatus::Active,
            &[("default", &[]), ("kube-system", &[])],
        )];
        let mut sim = Sim::new(facts(profiles, vec![nodegroup("ng-1", 2)]));
        sim.create::<Pod>(Some("default"), json!({"metadata": {"name": "a"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}));
        sim.after(90);
        // Settled: running the controllers again changes nothing.
        let rv = sim.c.rv;
        sim.call(|_| ());
        sim.after(1);
        assert_eq!(sim.c.rv, rv, "controllers write only on change");
        let state = serde_json::to_string(&sim.c).unwrap();
        let restored: KubeCluster = serde_json::from_str(&state).expect("the state reads back");
        assert_eq!(
            serde_json::to_string(&restored).unwrap(),
            state,
            "and round-trips"
        );
        state
    };
    assert_eq!(run(), run());
}

#[test]
fn a_pod_no_node_fits_waits_for_a_node_it_tolerates_or_five_minutes() {
    let profiles = vec![profile("fp-dev", ProfileStatus::Active, &[("dev", &[])])];
    let mut sim = Sim::new(facts(profiles.clone(), Vec::new()));
    sim.create::<k8s_openapi::api::core::v1::Namespace>(None, json!({"metadata": {"name": "dev"}}));
    let fargate_pod = |sim: &mut Sim, name: &str| {
        sim.create::<Pod>(
            Some("dev"),
            json!({"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}),
        );
        sim.after(60);
    };
    let failed = |nodes: usize| {
        format!("Warning FailedScheduling default-scheduler: 0/{nodes} nodes are available: {nodes} node(s) had untolerated taint {{eks.amazonaws.com/compute-type: fargate}}. preemption: 0/{nodes} nodes are available: {nodes} Preemption is not helpful for scheduling.")
    };
    fargate_pod(&mut sim, "a");
    sim.create::<Pod>(
        Some("dev"),
        json!({"metadata": {"name": "ec2-only", "annotations": {"eks.amazonaws.com/compute-type": "ec2"}},
               "spec": {"containers": [{"name": "c", "image": "busybox"}]}}),
    );
    assert_eq!(sim.events_for("dev", "ec2-only"), [failed(1)]);

    // Another Fargate node: tainted, so (as kube-scheduler's queueing hints decide) the pod is not
    // tried again and its message still counts one node.
    fargate_pod(&mut sim, "b");
    assert_eq!(sim.c.all::<Node>().count(), 2);
    assert_eq!(sim.events_for("dev", "ec2-only"), [failed(1)]);

    // Five minutes among the unschedulable pods: the scheduler wakes, tries it again, and it sees
    // both nodes.
    sim.after(300);
    assert_eq!(sim.events_for("dev", "ec2-only"), [failed(1), failed(2)]);

    // A node it tolerates (an EC2 nodegroup's) wakes it at once, and it is bound there.
    sim.set_facts(facts(profiles, vec![nodegroup("ng-1", 1)]));
    let node = sim.pod("dev", "ec2-only").spec.unwrap().node_name;
    assert!(
        node.as_deref()
            .is_some_and(|n| n.starts_with("ip-192-168-")),
        "{node:?}"
    );
}

#[test]
fn a_pod_waiting_for_room_is_placed_as_soon_as_a_pod_leaves_the_node() {
    let mut sim = Sim::new(facts(Vec::new(), vec![nodegroup("ng-1", 1)]));
    sim.after(60);
    let pod = |name: &str, cpu: &str| {
        json!({"metadata": {"name": name},
               "spec": {"containers": [{"name": "c", "image": "busybox", "resources": {"requests": {"cpu": cpu}}}]}})
    };
    sim.create::<Pod>(Some("default"), pod("q", "1200m"));
    sim.after(10);
    sim.create::<Pod>(Some("default"), pod("p", "1000m"));
    let events = sim.events_for("default", "p");
    assert!(
        events.len() == 1 && events[0].contains("1 Insufficient cpu"),
        "{events:?}"
    );
    // q is force-deleted: the pod parked for room is tried again at once.
    sim.call(|k| api::delete::<Pod>(k, Some("default"), "q", &json!({"gracePeriodSeconds": 0})))
        .expect("deleted");
    assert!(sim.c.get::<Pod>(Some("default"), "q").is_none());
    let node = sim.pod("default", "p").spec.unwrap().node_name;
    assert!(
        node.as_deref()
            .is_some_and(|n| n.starts_with("ip-192-168-")),
        "{node:?}"
    );
}
