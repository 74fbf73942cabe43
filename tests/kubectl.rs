//! The machine's real `kubectl` (through the gcloud dispatcher, which picks its kubectl from the
//! server's `/version`) against a spawned emulator, with a kubeconfig made by the real
//! `aws eks update-kubeconfig` and tokens made by `aws eks get-token`. The clock is manual: the tests
//! move it through the emulator handle, never sleep for state to change.

#[path = "support/kube.rs"]
mod kube;
mod support;

use std::time::Duration;

use kube::{columns_of, rows_starting, tick, Kubectl, ACCESS_KEY, SECRET};
use support::{run, TestEmulator};

const REGION: &str = "ap-northeast-1";

/// Creates an EKS cluster on an eksctl-shaped VPC (boto3) and waits (virtually) until it is ACTIVE.
fn create_cluster(emu: &TestEmulator, name: &str) {
    kube::provision(
        emu,
        REGION,
        name,
        &serde_json::json!([]),
        &serde_json::json!([]),
    );
}

/// A node as a kubelet registers it (the nodegroup issue makes these from EC2 instances).
const NODE: &str = r#"
apiVersion: v1
kind: Node
metadata:
  name: ip-192-168-23-122.ap-northeast-1.compute.internal
  labels:
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: ip-192-168-23-122.ap-northeast-1.compute.internal
status:
  capacity: {cpu: "2", memory: 7869352Ki, pods: "29"}
  allocatable: {cpu: 1930m, memory: 7291880Ki, pods: "29"}
  addresses:
  - {type: InternalIP, address: 192.168.23.122}
  conditions:
  - {type: Ready, status: "True", reason: KubeletReady, message: kubelet is posting ready status}
  nodeInfo: {architecture: amd64, bootID: "", containerRuntimeVersion: containerd://1.7.27, kernelVersion: 6.1.141, kubeProxyVersion: v1.32.9, kubeletVersion: v1.32.9-eks-113cf36, machineID: "", operatingSystem: linux, osImage: Amazon Linux 2023, systemUUID: ""}
"#;

const WEB: &str = r"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: dev
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80}]
";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kubectl_drives_a_new_cluster_from_namespace_to_rollout() {
    let emu = TestEmulator::start().await;
    emu.emulator()
        .kube_hub()
        .trust_credentials(ACCESS_KEY, SECRET);
    create_cluster(&emu, "demo");
    let kubectl = Kubectl::for_cluster(&emu, REGION, "demo");

    // The dispatcher picked the kubectl of the cluster's minor from /version.
    let version = kubectl.ok(&["version"]);
    assert!(
        version.contains("Server Version: v1.32.9-eks-113cf36"),
        "{version}"
    );

    // A new EKS cluster's namespaces and kube-system objects.
    let namespaces = kubectl.ok(&["get", "namespaces"]);
    for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
        assert_eq!(
            columns_of(&namespaces, ns)[..2],
            [ns, "Active"],
            "{namespaces}"
        );
    }
    let system = kubectl.ok(&["get", "deploy,ds,cm", "-n", "kube-system"]);
    assert!(system.contains("deployment.apps/coredns   0/2"), "{system}");
    for name in [
        "daemonset.apps/aws-node",
        "daemonset.apps/kube-proxy",
        "configmap/aws-auth",
    ] {
        assert!(system.contains(name), "{system}");
    }
    let annotation = kubectl.ok(&[
        "get",
        "deploy",
        "coredns",
        "-n",
        "kube-system",
        "-o",
        "jsonpath={.spec.template.metadata.annotations.eks\\.amazonaws\\.com/compute-type}",
    ]);
    assert_eq!(annotation, "ec2");

    // The seed page's commands (protobuf body for create namespace).
    assert_eq!(
        kubectl.ok(&["create", "namespace", "dev"]),
        "namespace/dev created\n"
    );
    assert_eq!(
        kubectl.ok(&[
            "run",
            "nginx",
            "--image=nginx",
            "--restart=Never",
            "--namespace",
            "dev"
        ]),
        "pod/nginx created\n"
    );
    // No nodes and no Fargate profile: Pending, with the scheduler's reason.
    let pods = kubectl.ok(&["get", "pods", "--all-namespaces", "--output", "wide"]);
    assert_eq!(
        pods.lines()
            .next()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        [
            "NAMESPACE",
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED",
            "NODE",
            "READINESS",
            "GATES"
        ]
    );
    assert_eq!(
        columns_of(&pods, "nginx")[..8],
        ["dev", "nginx", "0/1", "Pending", "0", "0s", "<none>", "<none>"]
    );
    let described = kubectl.ok(&["describe", "pod", "nginx", "-n", "dev"]);
    // (describe computes ages on the client from the wall clock, so they are not checked here)
    let failed = columns_of(&described, "FailedScheduling");
    assert_eq!(failed[0], "Warning", "{described}");
    assert!(
        described.contains("default-scheduler  no nodes available to schedule pods"),
        "{described}"
    );

    // A node registers: the default scheduler binds every pending pod, the DaemonSets add theirs.
    let node_file = kubectl.file("node.yaml", NODE);
    kubectl.ok(&["apply", "-f", &node_file]);
    tick(&emu, 5);
    let nodes = kubectl.ok(&["get", "nodes", "-o", "wide"]);
    assert_eq!(
        columns_of(&nodes, "ip-192-168-23-122")[..7],
        [
            "ip-192-168-23-122.ap-northeast-1.compute.internal",
            "Ready",
            "<none>",
            "5s",
            "v1.32.9-eks-113cf36",
            "192.168.23.122",
            "<none>"
        ]
    );
    let pods = kubectl.ok(&["get", "pods", "-A", "-o", "wide"]);
    let nginx = columns_of(&pods, "nginx");
    assert_eq!(nginx[..4], ["dev", "nginx", "1/1", "Running"], "{pods}");
    assert!(nginx[6].starts_with("192.168.23."), "{pods}");
    assert_eq!(
        nginx[7],
        "ip-192-168-23-122.ap-northeast-1.compute.internal"
    );
    assert_eq!(
        rows_starting(&pods, "kube-system").len(),
        4,
        "2 coredns, aws-node, kube-proxy:\n{pods}"
    );
    let aws_node = columns_of(&pods, "aws-node-");
    assert_eq!(
        aws_node[6], "192.168.23.122",
        "host network: the node's IP\n{pods}"
    );

    assert_eq!(
        kubectl.ok(&[
            "wait",
            "--for=condition=Ready",
            "pod/nginx",
            "-n",
            "dev",
            "--timeout=20s"
        ]),
        "pod/nginx condition met\n"
    );
    let events = kubectl.ok(&["get", "events", "-n", "dev"]);
    for reason in [
        "FailedScheduling",
        "Scheduled",
        "Pulling",
        "Pulled",
        "Created",
        "Started",
    ] {
        assert!(events.contains(reason), "{reason}:\n{events}");
    }
    assert!(
        events.contains(
            "Successfully assigned dev/nginx to ip-192-168-23-122.ap-northeast-1.compute.internal"
        ),
        "{events}"
    );
    assert!(kubectl
        .ok(&["logs", "nginx", "-n", "dev"])
        .contains("Configuration complete; ready for start up"));

    // apply -f (validated against the minimal OpenAPI), then rollout status while the clock moves.
    let web = kubectl.file("web.yaml", WEB);
    assert_eq!(
        kubectl.ok(&["apply", "-f", &web]),
        "deployment.apps/web created\n"
    );
    let (ok, out, err) = kubectl
        .spawn(&[
            "rollout",
            "status",
            "deployment/web",
            "-n",
            "dev",
            "--timeout=30s",
        ])
        .finish_while_advancing(&emu, 2, Duration::from_secs(30));
    assert!(ok, "{out}{err}");
    assert!(
        out.ends_with("deployment \"web\" successfully rolled out\n"),
        "{out}"
    );
    assert_eq!(
        columns_of(&kubectl.ok(&["get", "deploy", "web", "-n", "dev"]), "web")[1..4],
        ["3/3", "3", "3"]
    );

    // scale, and the three patch types.
    assert_eq!(
        kubectl.ok(&["scale", "deployment", "web", "-n", "dev", "--replicas=1"]),
        "deployment.apps/web scaled\n"
    );
    tick(&emu, 5);
    assert_eq!(
        columns_of(&kubectl.ok(&["get", "deploy", "web", "-n", "dev"]), "web")[1],
        "1/1"
    );
    let json = r#"[{"op": "replace", "path": "/spec/replicas", "value": 2}]"#;
    assert_eq!(
        kubectl.ok(&[
            "patch",
            "deployment",
            "web",
            "-n",
            "dev",
            "--type=json",
            "-p",
            json
        ]),
        "deployment.apps/web patched\n"
    );
    assert_eq!(
        kubectl.ok(&[
            "patch",
            "deployment",
            "web",
            "-n",
            "dev",
            "--type=merge",
            "-p",
            r#"{"metadata":{"labels":{"tier":"front"}}}"#
        ]),
        "deployment.apps/web patched\n"
    );
    let strategic =
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}"#;
    assert_eq!(
        kubectl.ok(&["patch", "deployment", "web", "-n", "dev", "-p", strategic]),
        "deployment.apps/web patched\n"
    );
    assert_eq!(
        kubectl.ok(&["patch", "deployment", "web", "-n", "dev", "-p", strategic]),
        "deployment.apps/web patched (no change)\n"
    );
    let (ok, out, err) = kubectl
        .spawn(&[
            "rollout",
            "status",
            "deployment/web",
            "-n",
            "dev",
            "--timeout=30s",
        ])
        .finish_while_advancing(&emu, 2, Duration::from_secs(30));
    assert!(
        ok && out.ends_with("successfully rolled out\n"),
        "{out}{err}"
    );
    let rs = kubectl.ok(&["get", "rs", "-n", "dev", "-o", "wide"]);
    assert_eq!(
        rs.lines().filter(|l| l.contains("nginx:1.28")).count(),
        1,
        "{rs}"
    );
    let images = kubectl.ok(&[
        "get",
        "pods",
        "-n",
        "dev",
        "-l",
        "app=web",
        "-o",
        "jsonpath={.items[*].spec.containers[0].image}",
    ]);
    assert_eq!(
        images, "nginx:1.28 nginx:1.28",
        "patched and rolled: {images}"
    );

    // get -w: the watch is held open and shows the pod going from Pending to Running when the clock
    // moves.
    let watch = kubectl.spawn(&["get", "pods", "-n", "dev", "-l", "run=watched", "-w"]);
    std::thread::sleep(Duration::from_millis(300));
    kubectl.ok(&[
        "run",
        "watched",
        "--image=nginx",
        "--restart=Never",
        "-n",
        "dev",
    ]);
    watch.wait_for("ContainerCreating", Duration::from_secs(20));
    tick(&emu, 5);
    let watched = watch.wait_for("Running", Duration::from_secs(20));
    let _ = watch.stop();
    assert!(
        watched
            .lines()
            .next()
            .unwrap_or_default()
            .starts_with("NAME"),
        "{watched}"
    );

    // delete waits for the DELETED event, which comes once the containers stop.
    let (ok, out, err) = kubectl
        .spawn(&["delete", "pod", "nginx", "-n", "dev"])
        .finish_while_advancing(&emu, 1, Duration::from_secs(20));
    assert!(ok, "{out}{err}");
    assert_eq!(out, "pod \"nginx\" deleted\n");
    assert!(kubectl
        .fails(&["get", "pod", "nginx", "-n", "dev"])
        .contains("Error from server (NotFound): pods \"nginx\" not found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tokens_for_another_cluster_expired_or_missing_are_refused() {
    let emu = TestEmulator::start().await;
    emu.emulator()
        .kube_hub()
        .trust_credentials(ACCESS_KEY, SECRET);
    create_cluster(&emu, "demo");
    create_cluster(&emu, "other");
    let kubectl = Kubectl::for_cluster(&emu, REGION, "demo");
    assert!(kubectl
        .ok(&["get", "ns", "-o", "name"])
        .contains("namespace/kube-system"));

    let server = format!("https://{}/k8s/{REGION}/demo", emu.running.addresses().kube);
    let ca = kubectl.file("ca.pem", emu.emulator().ca().pem());
    let with_token = |token: &str| kubectl.with_token(&server, &ca, token, &["get", "pods"]);
    let refused = |out: std::process::Output, why: &str| kube::assert_unauthorized(&out, why);

    // `aws eks get-token` for the other cluster: well formed and fresh, but signed for "other".
    let token =
        support::run_json(
            emu.aws(REGION)
                .args(["eks", "get-token", "--cluster-name", "other"]),
        );
    let other = token["status"]["token"].as_str().unwrap().to_owned();
    refused(with_token(&other), "another cluster's token");

    // The same token is accepted by the cluster it names.
    let other_server = format!(
        "https://{}/k8s/{REGION}/other",
        emu.running.addresses().kube
    );
    let out = kubectl.with_token(&other_server, &ca, &other, &["get", "ns", "-o", "name"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Signed 20 minutes ago (tokens live 15).
    let now = eks_emulator::clock::wall_now();
    let expired = eks_emulator::k8s::auth::make_token(
        &emu.url(),
        REGION,
        "demo",
        ACCESS_KEY,
        SECRET,
        eks_emulator::clock::Timestamp(now.0 - 20 * 60 * 1000),
    );
    refused(with_token(&expired), "an expired token");
    let fresh =
        eks_emulator::k8s::auth::make_token(&emu.url(), REGION, "demo", ACCESS_KEY, SECRET, now);
    assert!(
        with_token(&fresh).status.success(),
        "a fresh token made the same way"
    );

    // No token at all: 401 with a Status body; kubectl gets no further than asking for a username.
    let out = kubectl.run(&[
        "--kubeconfig=/dev/null",
        "--server",
        &server,
        "--certificate-authority",
        &ca,
        "get",
        "pods",
    ]);
    assert!(!out.status.success());
    let curl = run(std::process::Command::new("curl").args([
        "-sS",
        "--cacert",
        &ca,
        &format!("{server}/api/v1/pods"),
    ]));
    let status: serde_json::Value = serde_json::from_slice(&curl.stdout).expect("a Status");
    assert_eq!(status["kind"], "Status");
    assert_eq!(status["code"], 401);
    assert_eq!(status["reason"], "Unauthorized");
}

/// The seed page's walkthrough on a cluster laid out as eksctl does: a nodegroup of two, `fp-default`
/// for `default` and `kube-system`, `fp-dev` for `dev`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_seed_walkthrough_runs_nginx_on_fargate_and_coredns_follows() {
    let emu = TestEmulator::start().await;
    emu.emulator()
        .kube_hub()
        .trust_credentials(ACCESS_KEY, SECRET);
    let profiles = serde_json::json!([
        ["fp-default", [{"namespace": "default"}, {"namespace": "kube-system"}]],
        ["fp-dev", [{"namespace": "dev"}]],
    ]);
    let built = kube::provision(
        &emu,
        REGION,
        "fargate-cluster",
        &profiles,
        &serde_json::json!([["ng-1", 2]]),
    );
    assert_eq!(built.private_subnets.len(), 3);
    let kubectl = Kubectl::for_cluster(&emu, REGION, "fargate-cluster");
    tick(&emu, 30);

    // Two EC2 nodes; EKS's pods on them (coredns opts out of Fargate).
    let nodes = kubectl.ok(&["get", "nodes", "-o", "wide"]);
    assert_eq!(rows_starting(&nodes, "NAME").len(), 1);
    assert_eq!(
        nodes
            .lines()
            .filter(|l| l.starts_with("ip-192-168-") && l.contains(" Ready "))
            .count(),
        2,
        "{nodes}"
    );

    assert_eq!(
        kubectl.ok(&["create", "namespace", "dev"]),
        "namespace/dev created\n"
    );
    assert_eq!(
        kubectl.ok(&[
            "run",
            "nginx",
            "--image=nginx",
            "--restart=Never",
            "--namespace",
            "dev"
        ]),
        "pod/nginx created\n"
    );
    assert_eq!(
        columns_of(&kubectl.ok(&["get", "pods", "-n", "dev"]), "nginx")[..3],
        ["nginx", "0/1", "Pending"]
    );
    tick(&emu, 60);

    let pods = kubectl.ok(&["get", "pods", "--all-namespaces", "--output", "wide"]);
    let nginx = columns_of(&pods, "nginx");
    assert_eq!(nginx[..4], ["dev", "nginx", "1/1", "Running"], "{pods}");
    let ip = &nginx[6];
    assert_eq!(
        nginx[7],
        format!(
            "fargate-ip-{}.ap-northeast-1.compute.internal",
            ip.replace('.', "-")
        ),
        "{pods}"
    );
    let third: u32 = ip.split('.').nth(2).unwrap().parse().unwrap();
    assert!(
        ip.starts_with("192.168.") && (96..192).contains(&third),
        "a private subnet's address: {ip}"
    );
    for prefix in ["aws-node-", "coredns-", "kube-proxy-"] {
        let rows: Vec<&str> = pods.lines().filter(|l| l.contains(prefix)).collect();
        assert_eq!(rows.len(), 2, "{prefix}:\n{pods}");
        assert!(
            rows.iter()
                .all(|r| r.contains("Running") && r.contains(" ip-192-168-")),
            "{pods}"
        );
    }
    let described = kubectl.ok(&["describe", "pod", "nginx", "-n", "dev"]);
    for line in [
        "CapacityProvisioned: 0.25vCPU 0.5GB",
        "eks.amazonaws.com/fargate-profile=fp-dev",
        "fargate-scheduler",
    ] {
        assert!(described.contains(line), "{line}:\n{described}");
    }

    // A pod that asks for fargate-scheduler but matches no profile stays Pending, and says why.
    kubectl.ok(&["create", "namespace", "other"]);
    let stray = kubectl.file("stray.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: stray, namespace: other}\nspec:\n  schedulerName: fargate-scheduler\n  containers: [{name: c, image: nginx}]\n");
    kubectl.ok(&["apply", "-f", &stray]);
    tick(&emu, 120);
    assert_eq!(
        columns_of(&kubectl.ok(&["get", "pods", "-n", "other"]), "stray")[2],
        "Pending"
    );
    let described = kubectl.ok(&["describe", "pod", "stray", "-n", "other"]);
    assert!(
        described.contains("pod matches no ACTIVE Fargate profile: fp-default: no selector for namespace \"other\"; fp-dev: no selector for namespace \"other\""),
        "{described}"
    );

    // The EKS guide's patch: coredns drops its EC2 annotation and rolls onto Fargate.
    let remove = r#"[{"op": "remove", "path": "/spec/template/metadata/annotations/eks.amazonaws.com~1compute-type"}]"#;
    assert_eq!(
        kubectl.ok(&[
            "patch",
            "deployment",
            "coredns",
            "-n",
            "kube-system",
            "--type",
            "json",
            "-p",
            remove
        ]),
        "deployment.apps/coredns patched\n"
    );
    let (ok, out, err) = kubectl
        .spawn(&[
            "rollout",
            "status",
            "deployment/coredns",
            "-n",
            "kube-system",
            "--timeout=60s",
        ])
        .finish_while_advancing(&emu, 10, Duration::from_secs(40));
    assert!(
        ok && out.ends_with("deployment \"coredns\" successfully rolled out\n"),
        "{out}{err}"
    );
    let pods = kubectl.ok(&["get", "pods", "-n", "kube-system", "-o", "wide"]);
    let coredns: Vec<&str> = pods.lines().filter(|l| l.starts_with("coredns-")).collect();
    assert_eq!(coredns.len(), 2, "{pods}");
    assert!(
        coredns
            .iter()
            .all(|r| r.contains(" Running ") && r.contains(" fargate-ip-192-168-")),
        "{pods}"
    );
    let nodes = kubectl.ok(&["get", "nodes"]);
    assert_eq!(
        nodes
            .lines()
            .filter(|l| l.starts_with("fargate-ip-"))
            .count(),
        3,
        "nginx and two coredns:\n{nodes}"
    );

    // Deleting the pod takes its Fargate node with it.
    let (ok, out, err) = kubectl
        .spawn(&["delete", "pod", "nginx", "-n", "dev"])
        .finish_while_advancing(&emu, 1, Duration::from_secs(20));
    assert!(ok && out == "pod \"nginx\" deleted\n", "{out}{err}");
    let nodes = kubectl.ok(&["get", "nodes"]);
    assert!(
        !nodes.contains(&format!("fargate-ip-{}", ip.replace('.', "-"))),
        "{nodes}"
    );
}
