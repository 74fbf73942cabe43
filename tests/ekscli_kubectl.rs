//! `ekscli create cluster --fargate`, then the machine's real `kubectl` with the kubeconfig ekscli
//! wrote (its exec plugin runs `aws eks get-token`, presigning against the emulator through
//! `AWS_ENDPOINT_URL` in kubectl's environment): `kubectl run nginx` lands on a `fargate-ip-…`
//! node, and coredns is already there. ekscli runs in-process; waiting moves the manual clock.

#[path = "support/kube.rs"]
mod kube;
mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use ekscli::{Context, Sleeper};
use kube::{columns_of, tick, ACCESS_KEY, SECRET};
use support::{run, TestEmulator};

const REGION: &str = "ap-northeast-1";
const CLUSTER: &str = "nginx-on-fargate";

/// Runs `ekscli ARGS --endpoint-url <emulator>` in-process; returns (success, stdout, stderr).
async fn ekscli(emu: &TestEmulator, home: &Path, args: &[&str]) -> (bool, String, String) {
    let handle = emu.emulator().clone();
    let mut ctx = Context::isolated();
    ctx.env
        .insert("HOME".into(), home.to_string_lossy().into_owned());
    ctx.credentials = Some(aws_credential_types::Credentials::new(
        ACCESS_KEY, SECRET, None, None, "static",
    ));
    ctx.sleeper = Sleeper::new(move |d: Duration| {
        handle.clock().advance(d);
        Box::pin(async {})
    });
    let url = emu.url();
    let mut argv = vec!["ekscli"];
    argv.extend_from_slice(args);
    argv.extend_from_slice(&["--endpoint-url", &url]);
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let status = ekscli::run_with(&ctx, argv, &mut stdout, &mut stderr).await;
    (
        status.code() == 0,
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// `kubectl ARGS` with the kubeconfig ekscli wrote, and only what `aws eks get-token` needs to
/// presign against the emulator.
fn kubectl(emu: &TestEmulator, home: &Path, kubeconfig: &Path, args: &[&str]) -> String {
    let out = run(Command::new("kubectl")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("KUBECONFIG", kubeconfig)
        .env("AWS_ENDPOINT_URL", emu.url())
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .stdin(Stdio::null())
        .args(args));
    assert!(
        out.status.success(),
        "kubectl {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_run_nginx_lands_on_fargate_after_create_cluster_fargate() {
    let emu = TestEmulator::start().await;
    // The emulator knows the secret, so it checks the tokens' signatures (and cluster) in full.
    emu.emulator()
        .kube_hub()
        .trust_credentials(ACCESS_KEY, SECRET);
    let home = tempfile::tempdir().unwrap();
    let kubeconfig = home.path().join("kubeconfig");
    let kubeconfig_arg = kubeconfig.to_string_lossy().into_owned();

    let (ok, out, err) = ekscli(
        &emu,
        home.path(),
        &[
            "create",
            "cluster",
            "--name",
            CLUSTER,
            "--fargate",
            "--region",
            REGION,
            "--kubeconfig",
            &kubeconfig_arg,
        ],
    )
    .await;
    assert!(ok, "{out}{err}");
    for line in [
        "[ℹ]  created Fargate profile \"fp-default\" on EKS cluster \"nginx-on-fargate\"\n",
        "[ℹ]  \"coredns\" is now schedulable onto Fargate\n",
        "[ℹ]  \"coredns\" pods are now scheduled onto Fargate\n",
        "[✔]  EKS cluster \"nginx-on-fargate\" in \"ap-northeast-1\" region is ready\n",
    ] {
        assert!(out.contains(line), "{line}\n{out}");
    }

    let kube = |args: &[&str]| kubectl(&emu, home.path(), &kubeconfig, args);
    // coredns already runs on Fargate: two one-pod Fargate nodes, no EC2 node.
    let nodes = kube(&["get", "nodes"]);
    let node_rows: Vec<&str> = nodes.lines().skip(1).collect();
    assert_eq!(node_rows.len(), 2, "{nodes}");
    assert!(
        node_rows
            .iter()
            .all(|r| r.starts_with("fargate-ip-192-168-")),
        "{nodes}"
    );

    assert_eq!(
        kube(&["run", "nginx", "--image=nginx", "--restart=Never"]),
        "pod/nginx created\n"
    );
    tick(&emu, 90);
    let pods = kube(&["get", "pods", "--all-namespaces", "--output", "wide"]);
    let nginx = columns_of(&pods, "nginx");
    assert_eq!(nginx[..4], ["default", "nginx", "1/1", "Running"], "{pods}");
    let ip = &nginx[6];
    assert_eq!(
        nginx[7],
        format!(
            "fargate-ip-{}.{REGION}.compute.internal",
            ip.replace('.', "-")
        ),
        "{pods}"
    );
    // In one of the cluster stack's private subnets (192.168.96.0/19 and up).
    let third: u32 = ip.split('.').nth(2).unwrap().parse().unwrap();
    assert!(
        ip.starts_with("192.168.") && (96..192).contains(&third),
        "{pods}"
    );
    let coredns: Vec<&str> = pods.lines().filter(|l| l.contains(" coredns-")).collect();
    assert_eq!(coredns.len(), 2, "{pods}");
    assert!(
        coredns
            .iter()
            .all(|r| r.contains(" Running ") && r.contains(" fargate-ip-192-168-")),
        "{pods}"
    );

    let (ok, out, err) = ekscli(
        &emu,
        home.path(),
        &[
            "delete", "cluster", "--name", CLUSTER, "--wait", "--region", REGION,
        ],
    )
    .await;
    assert!(ok, "{out}{err}");
    assert!(
        out.ends_with("[✔]  all cluster resources were deleted\n"),
        "{out}"
    );
}

/// ekscli's nodegroup steps against the emulator's Kubernetes API: the node role into `aws-auth`,
/// then waiting for a nodegroup's nodes by eksctl's `alpha.eksctl.io/nodegroup-name` label (on a
/// managed nodegroup made through EKS with the labels eksctl's templates give it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodegroup_nodes_are_waited_for_by_eksctls_label() {
    use aws_sdk_eks::types::NodegroupScalingConfig;
    use ekscli::kube::{nodes, Kube};
    use ekscli::output::{LogStyle, Output};

    let emu = TestEmulator::start().await;
    emu.emulator()
        .kube_hub()
        .trust_credentials(ACCESS_KEY, SECRET);
    let home = tempfile::tempdir().unwrap();
    let (ok, out, err) = ekscli(
        &emu,
        home.path(),
        &[
            "create",
            "cluster",
            "--name",
            CLUSTER,
            "--without-nodegroup",
            "--region",
            REGION,
        ],
    )
    .await;
    assert!(ok, "{out}{err}");

    let sdk = emu.sdk_config(REGION).await;
    let stack = aws_sdk_cloudformation::Client::new(&sdk)
        .describe_stacks()
        .stack_name(format!("eksctl-{CLUSTER}-cluster"))
        .send()
        .await
        .unwrap();
    let public: Vec<String> = stack.stacks()[0]
        .outputs()
        .iter()
        .find(|o| o.output_key() == Some("SubnetsPublic"))
        .and_then(|o| o.output_value())
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let node_role = emu.role("ng-1-nodes", "ec2.amazonaws.com").await;
    let eks = aws_sdk_eks::Client::new(&sdk);
    eks.create_nodegroup()
        .cluster_name(CLUSTER)
        .nodegroup_name("ng-1")
        .node_role(&node_role)
        .set_subnets(Some(public))
        .instance_types("m5.large")
        .scaling_config(
            NodegroupScalingConfig::builder()
                .min_size(2)
                .max_size(2)
                .desired_size(2)
                .build(),
        )
        .labels("alpha.eksctl.io/cluster-name", CLUSTER)
        .labels("alpha.eksctl.io/nodegroup-name", "ng-1")
        .send()
        .await
        .expect("CreateNodegroup");

    let mut ctx = Context::isolated();
    ctx.credentials = Some(aws_credential_types::Credentials::new(
        ACCESS_KEY, SECRET, None, None, "static",
    ));
    let handle = emu.emulator().clone();
    let sleeper = Sleeper::new(move |d: Duration| {
        handle.clock().advance(d);
        Box::pin(async {})
    });
    let aws = ekscli::aws::Aws::connect(
        &ctx,
        &ekscli::aws::Target {
            region: Some(REGION.into()),
            profile: None,
            endpoint_url: Some(emu.url()),
        },
    )
    .await;
    let cluster = eks
        .describe_cluster()
        .name(CLUSTER)
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    let kube = Kube::connect(&ctx, &aws, &cluster).await.unwrap();

    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    {
        let mut out = Output::new(&mut stdout, &mut stderr, LogStyle::default());
        nodes::add_nodegroup_role(&kube, &node_role, &mut out)
            .await
            .unwrap();
        nodes::wait_for_nodes(
            &kube,
            "ng-1",
            2,
            &mut out,
            &sleeper,
            Duration::from_secs(25 * 60),
        )
        .await
        .unwrap();
    }
    let log = String::from_utf8(stdout).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(
        lines[..4],
        [
            format!("[ℹ]  adding identity \"{node_role}\" to auth ConfigMap").as_str(),
            "[ℹ]  nodegroup \"ng-1\" has 0 node(s)",
            "[ℹ]  waiting for at least 2 node(s) to become ready in \"ng-1\"",
            "[ℹ]  nodegroup \"ng-1\" has 2 node(s)",
        ],
        "{log}"
    );
    assert_eq!(lines.len(), 6, "{log}");
    for line in &lines[4..] {
        assert!(
            line.starts_with("[ℹ]  node \"ip-192-168-")
                && line.ends_with(".ap-northeast-1.compute.internal\" is ready"),
            "{log}"
        );
    }
    // The role is mapped as eksctl maps it.
    let auth = kube
        .get("/api/v1/namespaces/kube-system/configmaps/aws-auth")
        .await
        .unwrap();
    let map_roles = auth["data"]["mapRoles"].as_str().unwrap();
    assert!(
        map_roles.contains(&format!("rolearn: {node_role}")),
        "{map_roles}"
    );
    assert!(
        map_roles.contains("username: system:node:{{EC2PrivateDNSName}}"),
        "{map_roles}"
    );
}
