//! `ekscli` transcripts (exit code, stdout, stderr) against an in-process emulator with a manual
//! clock and seed 0. `ekscli` runs in-process too ([`ekscli::run_with`]) with a fixed context:
//! static credentials, no environment, a seeded name generator, a fixed clock for `-v 4`
//! timestamps, and a sleeper that moves the emulator's clock instead of sleeping. The only
//! filters are the emulator's port and temp paths.
//!
//! These cover what the emulator serves today (EKS clusters and STS). The profile, CloudFormation
//! and IAM/EC2 paths show the emulator's current "no such operation" errors; they are re-recorded
//! as those issues land.

mod support;

use std::time::Duration;

use aws_sdk_eks::types::VpcConfigRequest;
use ekscli::{Context, Sleeper};
use support::{TestEmulator, ACCOUNT};

const REGION: &str = "ap-northeast-1";
const CLUSTER: &str = "fargate-example-cluster";

/// The context every run uses: deterministic, and waiting moves the emulator's clock.
fn context(emu: &TestEmulator) -> Context {
    let handle = emu.emulator().clone();
    let mut ctx = Context::isolated();
    ctx.credentials = Some(aws_credential_types::Credentials::new(
        "AKIDTEST", "secret", None, None, "static",
    ));
    ctx.sleeper = Sleeper::new(move |d: Duration| {
        handle.clock().advance(d);
        Box::pin(async {})
    });
    ctx
}

/// Runs `ekscli ARGS --endpoint-url <emulator>` and returns its transcript.
async fn ekscli(emu: &TestEmulator, ctx: &Context, args: &[&str]) -> String {
    let url = emu.url();
    let mut argv = vec!["ekscli"];
    argv.extend_from_slice(args);
    argv.extend_from_slice(&["--endpoint-url", &url]);
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let status = ekscli::run_with(ctx, argv, &mut stdout, &mut stderr).await;
    let meaning = if status.code() == 0 {
        "success"
    } else {
        "failure"
    };
    format!(
        "exit_code: {} ({meaning})\n----- stdout -----\n{}\n----- stderr -----\n{}",
        status.code(),
        String::from_utf8_lossy(&stdout),
        String::from_utf8_lossy(&stderr)
    )
}

/// Snapshot settings: the command line as the description, the port and temp paths filtered.
macro_rules! snapshot {
    ($name:expr, $args:expr, $transcript:expr) => {{
        let mut settings = insta::Settings::clone_current();
        settings.set_description(scrub_temp(&format!("ekscli {}", $args.join(" "))));
        settings.set_omit_expression(true);
        settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]");
        settings.add_filter(r"/tmp/\.tmp[A-Za-z0-9]+", "[TEMP]");
        settings.add_filter(
            r"certificate-authority-data: \S+",
            "certificate-authority-data: [CA]",
        );
        settings.bind(|| insta::assert_snapshot!($name, $transcript));
    }};
}

/// Replaces temp directories (`/tmp/.tmpXXXXXX`) with `[TEMP]` in a snapshot's description.
fn scrub_temp(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("/tmp/.tmp") {
        out.push_str(&rest[..i]);
        out.push_str("[TEMP]");
        let after = &rest[i + "/tmp/.tmp".len()..];
        let end = after
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(after.len());
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Runs and snapshots one command.
async fn check(emu: &TestEmulator, name: &str, args: &[&str]) {
    let ctx = context(emu);
    let transcript = ekscli(emu, &ctx, args).await;
    snapshot!(name, args, transcript);
}

/// Creates an ACTIVE cluster through EKS directly (ekscli's `create cluster` needs CloudFormation).
async fn active_cluster(emu: &TestEmulator, name: &str) {
    let eks = aws_sdk_eks::Client::new(&emu.sdk_config(REGION).await);
    let (role, subnets) = emu.cluster_prerequisites(REGION).await;
    eks.create_cluster()
        .name(name)
        .role_arn(role)
        .resources_vpc_config(
            VpcConfigRequest::builder()
                .set_subnet_ids(Some(subnets))
                .build(),
        )
        .send()
        .await
        .expect("CreateCluster");
    emu.advance(60 * 60);
}

/// Makes a cluster look like one from before Fargate (Kubernetes 1.14, platform eks.4).
fn make_pre_fargate(emu: &TestEmulator, name: &str) {
    emu.emulator().with_world(|world, _| {
        let (_, region) = world.region(ACCOUNT, REGION);
        let cluster = region.eks.clusters.get_mut(name).expect("cluster exists");
        cluster.version = "1.14".into();
        cluster.platform_version = "eks.4".into();
    });
}

#[tokio::test]
async fn help_texts() {
    let emu = TestEmulator::start().await;
    check(&emu, "help", &["--help"]).await;
    check(
        &emu,
        "help_create_fargateprofile",
        &["create", "fargateprofile", "--help"],
    )
    .await;
    check(
        &emu,
        "help_get_fargateprofile",
        &["get", "fargateprofile", "--help"],
    )
    .await;
    check(
        &emu,
        "help_delete_fargateprofile",
        &["delete", "fargateprofile", "--help"],
    )
    .await;
    check(
        &emu,
        "help_create_cluster",
        &["create", "cluster", "--help"],
    )
    .await;
}

#[tokio::test]
async fn usage_errors() {
    let emu = TestEmulator::start().await;
    check(&emu, "unknown_flag", &["get", "fargateprofile", "--bogus"]).await;
    check(
        &emu,
        "two_names",
        &["get", "fargateprofile", "a", "b", "--cluster", CLUSTER],
    )
    .await;
}

#[tokio::test]
async fn get_cluster() {
    let emu = TestEmulator::start().await;
    active_cluster(&emu, CLUSTER).await;
    check(
        &emu,
        "get_cluster_by_name",
        &["get", "cluster", "--name", CLUSTER, "--region", REGION],
    )
    .await;
    check(
        &emu,
        "get_cluster_by_name_yaml",
        &["get", "cluster", CLUSTER, "--region", REGION, "-o", "yaml"],
    )
    .await;
    check(
        &emu,
        "get_cluster_missing",
        &["get", "cluster", "--name", "nope", "--region", REGION],
    )
    .await;
    check(
        &emu,
        "get_cluster_name_twice",
        &["get", "cluster", "a", "--name", "b", "--region", REGION],
    )
    .await;
    check(
        &emu,
        "get_cluster_bad_output",
        &["get", "cluster", "--region", REGION, "-o", "foo"],
    )
    .await;
    check(
        &emu,
        "get_clusters",
        &["get", "clusters", "--region", REGION],
    )
    .await;
}

#[tokio::test]
async fn create_fargateprofile_input_rules() {
    let emu = TestEmulator::start().await;
    let cases: &[(&str, &[&str])] = &[
        (
            "create_fp_no_cluster",
            &["create", "fargateprofile", "--namespace", "dev"],
        ),
        (
            "create_fp_name_and_arg",
            &[
                "create",
                "fargateprofile",
                "fp-a",
                "--name",
                "fp-b",
                "--cluster",
                CLUSTER,
            ],
        ),
        (
            "create_fp_reserved_prefix",
            &[
                "create",
                "fargateprofile",
                "--name",
                "eks-foo",
                "--cluster",
                CLUSTER,
            ],
        ),
        (
            "create_fp_no_namespace",
            &["create", "fargateprofile", "--cluster", CLUSTER],
        ),
        (
            "create_fp_missing_cluster",
            &[
                "create",
                "fargateprofile",
                "--namespace",
                "dev",
                "--cluster",
                "nope",
                "--region",
                REGION,
            ],
        ),
        (
            "create_fp_missing_file",
            &[
                "create",
                "fargateprofile",
                "-f",
                "/nonexistent/cluster.yaml",
            ],
        ),
    ];
    for (name, args) in cases {
        check(&emu, name, args).await;
    }
}

#[tokio::test]
async fn create_fargateprofile_config_file_rules() {
    let emu = TestEmulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    };
    let good = write(
        "good.yaml",
        &format!("apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: {CLUSTER}\n  region: {REGION}\nfargateProfiles:\n  - name: fp-dev\n    selectors:\n      - namespace: dev\n"),
    );
    let reserved = write(
        "reserved.yaml",
        &format!("apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: {CLUSTER}\n  region: {REGION}\nfargateProfiles:\n  - name: eks-dev\n    selectors:\n      - namespace: dev\n"),
    );
    let no_selector = write(
        "noselector.yaml",
        &format!("apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: {CLUSTER}\n  region: {REGION}\nfargateProfiles:\n  - name: fp-dev\n  - name: fp-x\n    selectors:\n      - namespace: \"\"\n"),
    );
    let unknown = write(
        "unknown.yaml",
        &format!("apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: {CLUSTER}\n  region: {REGION}\nfargateProfiles:\n  - name: fp-dev\n    zone: a\n"),
    );
    let version = write(
        "version.yaml",
        "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: c\n  version: 1.30\n",
    );
    let no_region = write(
        "noregion.yaml",
        "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: c\n",
    );
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "create_fp_file_with_cluster_flag",
            vec![
                "create",
                "fargateprofile",
                "-f",
                &good,
                "--cluster",
                CLUSTER,
            ],
        ),
        (
            "create_fp_file_with_name_arg",
            vec!["create", "fargateprofile", "fp-x", "-f", &good],
        ),
        (
            "create_fp_file_reserved_prefix",
            vec!["create", "fargateprofile", "-f", &reserved],
        ),
        (
            "create_fp_file_no_selector",
            vec!["create", "fargateprofile", "-f", &no_selector],
        ),
        (
            "create_fp_file_unknown_field",
            vec!["create", "fargateprofile", "-f", &unknown],
        ),
        (
            "create_fp_file_version_number",
            vec!["create", "fargateprofile", "-f", &version],
        ),
        (
            "create_fp_file_no_region",
            vec!["create", "fargateprofile", "-f", &no_region],
        ),
    ];
    for (name, args) in &cases {
        check(&emu, name, args).await;
    }
    // `-f -` reads stdin.
    let mut ctx = context(&emu);
    ctx.stdin = Some(
        "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: c\n  region: r\nfargateProfiles:\n  - name: eks-x\n    selectors: [{namespace: a}]\n"
            .as_bytes()
            .to_vec(),
    );
    let args = ["create", "fargateprofile", "-f", "-"];
    let transcript = ekscli(&emu, &ctx, &args).await;
    snapshot!("create_fp_file_from_stdin", args, transcript);
}

#[tokio::test]
async fn fargate_commands_on_an_existing_cluster() {
    let emu = TestEmulator::start().await;
    active_cluster(&emu, CLUSTER).await;
    check(
        &emu,
        "get_fp_no_cluster",
        &["get", "fargateprofile", "--region", REGION],
    )
    .await;
    check(
        &emu,
        "get_fp_missing_cluster",
        &[
            "get",
            "fargateprofile",
            "--cluster",
            "nope",
            "--region",
            REGION,
        ],
    )
    .await;
    check(
        &emu,
        "get_fp_existing_cluster",
        &[
            "get",
            "fargateprofile",
            "--cluster",
            CLUSTER,
            "--region",
            REGION,
        ],
    )
    .await;
    check(
        &emu,
        "delete_fp_no_name",
        &[
            "delete",
            "fargateprofile",
            "--cluster",
            CLUSTER,
            "--region",
            REGION,
        ],
    )
    .await;
    check(
        &emu,
        "delete_fp_no_cluster",
        &["delete", "fargateprofile", "--name", "fp-x"],
    )
    .await;
}

#[tokio::test]
async fn the_eks5_check() {
    let emu = TestEmulator::start().await;
    active_cluster(&emu, CLUSTER).await;
    make_pre_fargate(&emu, CLUSTER);
    check(
        &emu,
        "eks5_create",
        &[
            "create",
            "fargateprofile",
            "--namespace",
            "dev",
            "--cluster",
            CLUSTER,
            "--region",
            REGION,
        ],
    )
    .await;
    check(
        &emu,
        "eks5_get",
        &[
            "get",
            "fargateprofile",
            "--cluster",
            CLUSTER,
            "--region",
            REGION,
        ],
    )
    .await;
    check(
        &emu,
        "eks5_delete",
        &[
            "delete",
            "fargateprofile",
            "--cluster",
            CLUSTER,
            "--region",
            REGION,
            "--name",
            "fp-x",
            "--wait",
        ],
    )
    .await;
}

#[tokio::test]
async fn create_fargateprofile_on_a_creating_cluster() {
    let emu = TestEmulator::start().await;
    let eks = aws_sdk_eks::Client::new(&emu.sdk_config(REGION).await);
    let (role, subnets) = emu.cluster_prerequisites(REGION).await;
    eks.create_cluster()
        .name(CLUSTER)
        .role_arn(role)
        .resources_vpc_config(
            VpcConfigRequest::builder()
                .set_subnet_ids(Some(subnets))
                .build(),
        )
        .send()
        .await
        .expect("CreateCluster");
    check(
        &emu,
        "create_fp_cluster_creating",
        &[
            "create",
            "fargateprofile",
            "--namespace",
            "dev",
            "--cluster",
            CLUSTER,
            "--region",
            REGION,
        ],
    )
    .await;
}

#[tokio::test]
async fn write_kubeconfig() {
    let emu = TestEmulator::start().await;
    active_cluster(&emu, CLUSTER).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kube/config");
    let path_str = path.to_string_lossy().into_owned();
    let args = [
        "utils",
        "write-kubeconfig",
        "--cluster",
        CLUSTER,
        "--region",
        REGION,
        "--kubeconfig",
        &path_str,
    ];
    let ctx = context(&emu);
    let transcript = ekscli(&emu, &ctx, &args).await;
    snapshot!("write_kubeconfig", args, transcript);
    let written = std::fs::read_to_string(&path).unwrap();
    snapshot!("write_kubeconfig_file", args, written);
    check(
        &emu,
        "write_kubeconfig_missing_cluster",
        &["utils", "write-kubeconfig", "--region", REGION],
    )
    .await;
}

#[tokio::test]
async fn stack_commands_before_cloudformation() {
    let emu = TestEmulator::start().await;
    active_cluster(&emu, CLUSTER).await;
    check(
        &emu,
        "describe_stacks",
        &[
            "utils",
            "describe-stacks",
            "--cluster",
            CLUSTER,
            "--region",
            REGION,
        ],
    )
    .await;
    check(
        &emu,
        "create_cluster_fargate",
        &["create", "cluster", "--fargate", "--region", REGION],
    )
    .await;
    check(
        &emu,
        "create_cluster_verbose",
        &[
            "create", "cluster", "--name", "c1", "--region", REGION, "-v", "4",
        ],
    )
    .await;
}
