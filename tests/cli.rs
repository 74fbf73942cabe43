//! `ekscli` transcripts (exit code, stdout, stderr) against an in-process emulator with a manual
//! clock and seed 0. `ekscli` runs in-process too ([`ekscli::run_with`]) with a fixed context:
//! static credentials, an environment holding only a temp `HOME`, a seeded name generator, a
//! fixed clock for `-v 4` timestamps, and a sleeper that moves the emulator's clock instead of
//! sleeping. The only filters are the emulator's port, temp paths and the CA.
//!
//! Clusters are made by `ekscli create cluster` where the emulator can build the stacks, else
//! through EKS directly on a real role and default subnets. Paths that need what the emulator
//! does not serve yet (CloudFormation's nodegroup types, the Kubernetes API) show its errors and
//! are re-recorded as those issues land.

mod support;

use std::time::Duration;

use aws_sdk_eks::types::VpcConfigRequest;
use ekscli::{Context, Sleeper};
use support::{TestEmulator, ACCOUNT};

const REGION: &str = "ap-northeast-1";
const CLUSTER: &str = "fargate-example-cluster";

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

/// An emulator and a home directory (the kubeconfig goes to `$HOME/.kube/config`).
struct Harness {
    emu: TestEmulator,
    home: tempfile::TempDir,
}

impl Harness {
    async fn start() -> Self {
        let emu = TestEmulator::start().await;
        // The emulator knows the secret, so it checks Kubernetes API tokens in full.
        emu.emulator()
            .kube_hub()
            .trust_credentials("AKIDTEST", "secret");
        Self {
            emu,
            home: tempfile::tempdir().expect("a temp HOME"),
        }
    }

    /// The context every run uses: deterministic, `HOME` a temp directory, and waiting moves the
    /// emulator's clock.
    fn context(&self) -> Context {
        let handle = self.emu.emulator().clone();
        let mut ctx = Context::isolated();
        ctx.env.insert(
            "HOME".into(),
            self.home.path().to_string_lossy().into_owned(),
        );
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
    async fn run(&self, args: &[&str]) -> String {
        self.run_in(&self.context(), args).await
    }

    /// [`Harness::run`] in a given context.
    async fn run_in(&self, ctx: &Context, args: &[&str]) -> String {
        let url = self.emu.url();
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

    /// Runs and snapshots one command.
    async fn check(&self, name: &str, args: &[&str]) {
        let transcript = self.run(args).await;
        snapshot!(name, args, transcript);
    }

    /// The emulator's clock, in seconds since it started.
    fn now(&self) -> i64 {
        self.emu.emulator().clock().now().unix_seconds()
    }
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
    let h = Harness::start().await;
    h.check("help", &["--help"]).await;
    h.check(
        "help_create_fargateprofile",
        &["create", "fargateprofile", "--help"],
    )
    .await;
    h.check(
        "help_get_fargateprofile",
        &["get", "fargateprofile", "--help"],
    )
    .await;
    h.check(
        "help_delete_fargateprofile",
        &["delete", "fargateprofile", "--help"],
    )
    .await;
    h.check("help_create_cluster", &["create", "cluster", "--help"])
        .await;
}

#[tokio::test]
async fn usage_errors() {
    let h = Harness::start().await;
    h.check("unknown_flag", &["get", "fargateprofile", "--bogus"])
        .await;
    h.check(
        "two_names",
        &["get", "fargateprofile", "a", "b", "--cluster", CLUSTER],
    )
    .await;
}

#[tokio::test]
async fn get_cluster() {
    let h = Harness::start().await;
    active_cluster(&h.emu, CLUSTER).await;
    h.check(
        "get_cluster_by_name",
        &["get", "cluster", "--name", CLUSTER, "--region", REGION],
    )
    .await;
    h.check(
        "get_cluster_by_name_yaml",
        &["get", "cluster", CLUSTER, "--region", REGION, "-o", "yaml"],
    )
    .await;
    h.check(
        "get_cluster_missing",
        &["get", "cluster", "--name", "nope", "--region", REGION],
    )
    .await;
    h.check(
        "get_cluster_name_twice",
        &["get", "cluster", "a", "--name", "b", "--region", REGION],
    )
    .await;
    h.check(
        "get_cluster_bad_output",
        &["get", "cluster", "--region", REGION, "-o", "foo"],
    )
    .await;
    h.check("get_clusters", &["get", "clusters", "--region", REGION])
        .await;
}

#[tokio::test]
async fn create_fargateprofile_input_rules() {
    let h = Harness::start().await;
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
        h.check(name, args).await;
    }
}

#[tokio::test]
async fn create_fargateprofile_config_file_rules() {
    let h = Harness::start().await;
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
        h.check(name, args).await;
    }
    // `-f -` reads stdin.
    let mut ctx = h.context();
    ctx.stdin = Some(
        "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: c\n  region: r\nfargateProfiles:\n  - name: eks-x\n    selectors: [{namespace: a}]\n"
            .as_bytes()
            .to_vec(),
    );
    let args = ["create", "fargateprofile", "-f", "-"];
    let transcript = h.run_in(&ctx, &args).await;
    snapshot!("create_fp_file_from_stdin", args, transcript);
}

#[tokio::test]
async fn fargate_commands_on_an_existing_cluster() {
    let h = Harness::start().await;
    active_cluster(&h.emu, CLUSTER).await;
    h.check(
        "get_fp_no_cluster",
        &["get", "fargateprofile", "--region", REGION],
    )
    .await;
    h.check(
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
    h.check(
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
    h.check(
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
    h.check(
        "delete_fp_no_cluster",
        &["delete", "fargateprofile", "--name", "fp-x"],
    )
    .await;
}

#[tokio::test]
async fn the_eks5_check() {
    let h = Harness::start().await;
    active_cluster(&h.emu, CLUSTER).await;
    make_pre_fargate(&h.emu, CLUSTER);
    h.check(
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
    h.check(
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
    h.check(
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
    let h = Harness::start().await;
    let eks = aws_sdk_eks::Client::new(&h.emu.sdk_config(REGION).await);
    let (role, subnets) = h.emu.cluster_prerequisites(REGION).await;
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
    h.check(
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
    let h = Harness::start().await;
    active_cluster(&h.emu, CLUSTER).await;
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
    let transcript = h.run(&args).await;
    snapshot!("write_kubeconfig", args, transcript);
    let written = std::fs::read_to_string(&path).unwrap();
    snapshot!("write_kubeconfig_file", args, written);
    h.check(
        "write_kubeconfig_missing_cluster",
        &["utils", "write-kubeconfig", "--region", REGION],
    )
    .await;
}

/// The seed page's second config file (`create fargateprofile -f`).
const SEED_PROFILES: &str = "apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata:
  name: fargate-example-cluster
  region: ap-northeast-1
fargateProfiles:
  - name: fp-default
    selectors:
      # All workloads in the \"default\" Kubernetes namespace will be
      # scheduled onto Fargate:
      - namespace: default
      # All workloads in the \"kube-system\" Kubernetes namespace will be
      # scheduled onto Fargate:
      - namespace: kube-system
  - name: fp-dev
    selectors:
      # All workloads in the \"dev\" Kubernetes namespace matching the following
      # label selectors will be scheduled onto Fargate:
      - namespace: dev
        labels:
          env: dev
          checks: passed
";

/// The profile names of a cluster, through aws-sdk-eks.
async fn profile_names(emu: &TestEmulator, cluster: &str) -> Vec<String> {
    let eks = aws_sdk_eks::Client::new(&emu.sdk_config(REGION).await);
    eks.list_fargate_profiles()
        .cluster_name(cluster)
        .send()
        .await
        .expect("ListFargateProfiles")
        .fargate_profile_names()
        .to_vec()
}

/// The seed page's "Managing Fargate profiles" section on a cluster `ekscli create cluster
/// --fargate` made (coredns already on Fargate): profiles from the page's config file, by flags
/// with a generated and a given name, listed, then deleted (with and without `--wait`) down to
/// the one `dev` profile the page's `get` examples show in their three formats.
#[tokio::test]
async fn the_seed_pages_profile_commands() {
    let h = Harness::start().await;
    let r = ["--region", REGION];
    let c = ["--cluster", CLUSTER];
    h.check(
        "seed_create_cluster_fargate",
        &[
            "create",
            "cluster",
            "--name",
            CLUSTER,
            "--fargate",
            r[0],
            r[1],
        ],
    )
    .await;
    h.check(
        "seed_get_fp_default",
        &["get", "fargateprofile", c[0], c[1], r[0], r[1]],
    )
    .await;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fargate-example-cluster.yaml");
    std::fs::write(&file, SEED_PROFILES).unwrap();
    let file = file.to_string_lossy().into_owned();
    h.check(
        "seed_create_fp_file",
        &["create", "fargateprofile", "-f", &file],
    )
    .await;
    h.check(
        "seed_create_fp_file_again",
        &["create", "fargateprofile", "-f", &file],
    )
    .await;

    h.check(
        "seed_create_fp_generated_name",
        &[
            "create",
            "fargateprofile",
            "--namespace",
            "dev",
            c[0],
            c[1],
            r[0],
            r[1],
        ],
    )
    .await;
    let generated = "fp-65266a43";
    assert!(profile_names(&h.emu, CLUSTER)
        .await
        .contains(&generated.to_owned()));
    h.check(
        "seed_create_fp_named",
        &[
            "create",
            "fargateprofile",
            "--namespace",
            "dev",
            c[0],
            c[1],
            "--name",
            "fp-development",
            r[0],
            r[1],
        ],
    )
    .await;
    h.check(
        "seed_create_fp_named_again",
        &[
            "create",
            "fargateprofile",
            "--namespace",
            "dev",
            c[0],
            c[1],
            "--name",
            "fp-development",
            r[0],
            r[1],
        ],
    )
    .await;
    h.check(
        "seed_create_fp_reserved_prefix",
        &[
            "create",
            "fargateprofile",
            "--namespace",
            "dev",
            c[0],
            c[1],
            "--name",
            "eks-development",
            r[0],
            r[1],
        ],
    )
    .await;

    h.check(
        "seed_get_fp_all_table",
        &["get", "fargateprofile", c[0], c[1], r[0], r[1]],
    )
    .await;
    h.check(
        "seed_get_fp_file_by_name_yaml",
        &[
            "get",
            "fargateprofile",
            "-f",
            &file,
            "--name",
            "fp-dev",
            "-o",
            "yaml",
        ],
    )
    .await;
    h.check(
        "seed_get_fp_missing_name",
        &["get", "fargateprofile", "nope", c[0], c[1], r[0], r[1]],
    )
    .await;
    h.check(
        "seed_get_fp_bad_output",
        &["get", "fargateprofile", c[0], c[1], r[0], r[1], "-o", "foo"],
    )
    .await;

    // Without --wait other profiles remain, so there is no role stack to look at.
    h.check(
        "seed_delete_fp_no_wait",
        &[
            "delete",
            "fargateprofile",
            "fp-development",
            c[0],
            c[1],
            r[0],
            r[1],
        ],
    )
    .await;
    // fp-development is still DELETING: EKS refuses to delete another profile meanwhile.
    let wait_delete = |name: &'static str| {
        [
            "delete",
            "fargateprofile",
            c[0],
            c[1],
            "--name",
            name,
            "--wait",
            r[0],
            r[1],
        ]
    };
    h.check(
        "seed_delete_fp_while_another_is_deleting",
        &wait_delete("fp-dev"),
    )
    .await;
    h.emu.advance(10 * 60);
    // `delete --wait` returns only once the profile is gone: the waits move the emulator's clock.
    let before = h.now();
    h.check("seed_delete_fp_dev_wait", &wait_delete("fp-dev"))
        .await;
    assert!(
        h.now() > before,
        "waiting for the deletion moved the emulator's clock"
    );
    assert!(!profile_names(&h.emu, CLUSTER)
        .await
        .contains(&"fp-dev".to_owned()));
    h.check("seed_delete_fp_default_wait", &wait_delete("fp-default"))
        .await;
    assert_eq!(profile_names(&h.emu, CLUSTER).await, [generated]);
    h.check(
        "seed_delete_fp_missing",
        &["delete", "fargateprofile", "nope", c[0], c[1], r[0], r[1]],
    )
    .await;

    // The one dev profile, as the page prints it.
    h.check(
        "seed_get_fp_table",
        &["get", "fargateprofile", c[0], c[1], r[0], r[1]],
    )
    .await;
    h.check(
        "seed_get_fp_yaml",
        &[
            "get",
            "fargateprofile",
            c[0],
            c[1],
            r[0],
            r[1],
            "-o",
            "yaml",
        ],
    )
    .await;
    h.check(
        "seed_get_fp_json",
        &[
            "get",
            "fargateprofile",
            c[0],
            c[1],
            r[0],
            r[1],
            "-o",
            "json",
        ],
    )
    .await;

    h.check(
        "seed_describe_stacks",
        &["utils", "describe-stacks", c[0], c[1], r[0], r[1]],
    )
    .await;
    let kubeconfig = h.home.path().join(".kube/config");
    assert!(std::fs::read_to_string(&kubeconfig)
        .unwrap()
        .contains(CLUSTER));
    h.check(
        "seed_delete_cluster_wait",
        &["delete", "cluster", "--name", CLUSTER, "--wait", r[0], r[1]],
    )
    .await;
    let left = std::fs::read_to_string(&kubeconfig).unwrap();
    assert!(!left.contains(CLUSTER), "{left}");
    h.check(
        "seed_get_clusters_after_delete",
        &["get", "cluster", r[0], r[1]],
    )
    .await;
}

/// A cluster stack without the `FargatePodExecutionRoleARN` output (as eksctl made them before
/// Fargate support, and as `create cluster` makes one without profiles): `create fargateprofile`
/// stops and says to run `update cluster`, which appends the role through `UpdateStack`.
#[tokio::test]
async fn update_cluster_adds_the_fargate_role() {
    let h = Harness::start().await;
    let r = ["--region", REGION];
    let name = "pre-fargate";
    h.check(
        "pre_fargate_create_cluster",
        &[
            "create",
            "cluster",
            "--name",
            name,
            "--without-nodegroup",
            r[0],
            r[1],
        ],
    )
    .await;
    h.check(
        "pre_fargate_create_fp",
        &[
            "create",
            "fargateprofile",
            "--namespace",
            "dev",
            "--cluster",
            name,
            r[0],
            r[1],
        ],
    )
    .await;
    h.check(
        "pre_fargate_update_plan",
        &["update", "cluster", "--name", name, r[0], r[1]],
    )
    .await;
    h.check(
        "pre_fargate_update_approve",
        &["update", "cluster", "--name", name, "--approve", r[0], r[1]],
    )
    .await;
    h.check(
        "pre_fargate_update_again",
        &["update", "cluster", "--name", name, "--approve", r[0], r[1]],
    )
    .await;
    h.check(
        "pre_fargate_create_fp_after_update",
        &[
            "create",
            "fargateprofile",
            "--namespace",
            "dev",
            "--cluster",
            name,
            r[0],
            r[1],
        ],
    )
    .await;
}

/// Clusters ekscli did not make (created through EKS directly): `create fargateprofile` makes
/// the `eksctl-<c>-fargate` role stack first. On default (public) subnets EKS then refuses the
/// profile; on private subnets it is created, and the no-wait delete of the last profile removes
/// the role stack again.
#[tokio::test]
async fn profiles_on_unowned_clusters() {
    let h = Harness::start().await;
    let r = ["--region", REGION];
    active_cluster(&h.emu, "public-cluster").await;
    h.check(
        "unowned_public_create_fp",
        &[
            "create",
            "fargateprofile",
            "--namespace",
            "dev",
            "--cluster",
            "public-cluster",
            r[0],
            r[1],
        ],
    )
    .await;

    // Private subnets: those of a VPC ekscli made for another cluster.
    let out = h
        .run(&[
            "create",
            "cluster",
            "--name",
            "vpc-donor",
            "--without-nodegroup",
            r[0],
            r[1],
        ])
        .await;
    assert!(out.starts_with("exit_code: 0"), "{out}");
    let cfn = aws_sdk_cloudformation::Client::new(&h.emu.sdk_config(REGION).await);
    let stack = cfn
        .describe_stacks()
        .stack_name("eksctl-vpc-donor-cluster")
        .send()
        .await
        .expect("DescribeStacks");
    let private: Vec<String> = stack.stacks()[0]
        .outputs()
        .iter()
        .find(|o| o.output_key() == Some("SubnetsPrivate"))
        .and_then(|o| o.output_value())
        .expect("SubnetsPrivate")
        .split(',')
        .map(str::to_owned)
        .collect();
    let eks = aws_sdk_eks::Client::new(&h.emu.sdk_config(REGION).await);
    let (role, _) = h.emu.cluster_prerequisites(REGION).await;
    eks.create_cluster()
        .name(CLUSTER)
        .role_arn(role)
        .resources_vpc_config(
            VpcConfigRequest::builder()
                .set_subnet_ids(Some(private))
                .build(),
        )
        .send()
        .await
        .expect("CreateCluster");
    h.emu.advance(60 * 60);

    let c = ["--cluster", CLUSTER];
    h.check(
        "unowned_create_fp",
        &[
            "create",
            "fargateprofile",
            "--namespace",
            "dev",
            c[0],
            c[1],
            r[0],
            r[1],
        ],
    )
    .await;
    h.check(
        "unowned_describe_stacks",
        &["utils", "describe-stacks", c[0], c[1], r[0], r[1]],
    )
    .await;
    h.check(
        "unowned_delete_last_fp_no_wait",
        &[
            "delete",
            "fargateprofile",
            "--name",
            "fp-65266a43",
            c[0],
            c[1],
            r[0],
            r[1],
        ],
    )
    .await;
}

/// The seed page's first config file: a nodegroup and two profiles.
const SEED_CLUSTER: &str =
    "# An example of ClusterConfig with a normal nodegroup and a Fargate profile.
---
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig

metadata:
  name: fargate-cluster
  region: ap-northeast-1

nodeGroups:
  - name: ng-1
    instanceType: m5.large
    desiredCapacity: 1

fargateProfiles:
  - name: fp-default
    selectors:
      # All workloads in the \"default\" Kubernetes namespace will be
      # scheduled onto Fargate:
      - namespace: default
      # All workloads in the \"kube-system\" Kubernetes namespace will be
      # scheduled onto Fargate:
      - namespace: kube-system
  - name: fp-dev
    selectors:
      # All workloads in the \"dev\" Kubernetes namespace matching the following
      # label selectors will be scheduled onto Fargate:
      - namespace: dev
        labels:
          env: dev
          checks: passed
";

/// `ekscli create cluster -f cluster-fargate.yaml` with the seed page's file: the cluster stack,
/// the `ng-1` nodegroup stack, then `fp-default` and `fp-dev`.
#[tokio::test]
async fn create_cluster_from_the_seed_pages_config_file() {
    let h = Harness::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cluster-fargate.yaml");
    std::fs::write(&file, SEED_CLUSTER).unwrap();
    let file = file.to_string_lossy().into_owned();
    h.check(
        "seed_create_cluster_file",
        &["create", "cluster", "-f", &file],
    )
    .await;
    // ng-1's launch template runs the AMI the nodegroup stack's SSM parameter resolved to, the one
    // the "will use" line printed.
    let images: Vec<Option<String>> = h.emu.emulator().with_world(|world, _| {
        world
            .scope(ACCOUNT, REGION)
            .region
            .ec2
            .launch_templates
            .values()
            .flat_map(|t| t.versions.iter().map(|v| v.data.image_id.clone()))
            .collect()
    });
    let ami = eks_emulator::ssm::model::image_id(
        REGION,
        "/aws/service/eks/optimized-ami/1.32/amazon-linux-2023/x86_64/standard/recommended/image_id",
    );
    assert_eq!(images, [Some(ami)]);
    h.check(
        "seed_create_cluster_file_profiles",
        &[
            "get",
            "fargateprofile",
            "--cluster",
            "fargate-cluster",
            "--region",
            REGION,
        ],
    )
    .await;
    h.check(
        "seed_create_cluster_file_stacks",
        &[
            "utils",
            "describe-stacks",
            "--cluster",
            "fargate-cluster",
            "--region",
            REGION,
        ],
    )
    .await;
}

/// When SSM cannot be asked, `create cluster` warns and goes on with an empty AMI on the "will use"
/// line (the nodegroup stack resolves its SSM parameter itself).
#[tokio::test]
async fn create_cluster_warns_when_the_ami_lookup_fails() {
    let h = Harness::start().await;
    h.emu.emulator().with_world(|world, _| {
        let spec = serde_json::from_value(serde_json::json!({
            "service": "ssm", "operation": "GetParameter", "error": "InternalServerError"
        }))
        .unwrap();
        world.faults.add(spec).unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cluster-fargate.yaml");
    std::fs::write(&file, SEED_CLUSTER).unwrap();
    let transcript = h
        .run(&["create", "cluster", "-f", &file.to_string_lossy()])
        .await;
    assert!(
        transcript.starts_with("exit_code: 0 (success)"),
        "{transcript}"
    );
    assert!(
        transcript.contains(
            "[!]  could not look up the AMI for nodegroup \"ng-1\" in SSM parameter \
             \"/aws/service/eks/optimized-ami/1.32/amazon-linux-2023/x86_64/standard/recommended/image_id\": \
             InternalServerError: The request processing has failed because of an unknown error, exception or failure.\n"
        ),
        "{transcript}"
    );
    assert!(
        transcript.contains("[ℹ]  nodegroup \"ng-1\" will use \"\" [AmazonLinux2023/1.32]\n"),
        "{transcript}"
    );
}

/// The seed page's config file with `ng-1` as a managed nodegroup: the nodes come up through
/// EKS, then both profiles, then coredns leaves the EC2 nodes for Fargate.
#[tokio::test]
async fn create_cluster_from_the_seed_config_with_a_managed_nodegroup() {
    let h = Harness::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cluster-fargate-managed.yaml");
    std::fs::write(
        &file,
        SEED_CLUSTER.replace("\nnodeGroups:\n", "\nmanagedNodeGroups:\n"),
    )
    .unwrap();
    let file = file.to_string_lossy().into_owned();
    h.check(
        "seed_create_cluster_file_managed",
        &["create", "cluster", "-f", &file],
    )
    .await;
    h.check(
        "seed_create_cluster_file_managed_profiles",
        &[
            "get",
            "fargateprofile",
            "--cluster",
            "fargate-cluster",
            "--region",
            REGION,
        ],
    )
    .await;
}

/// `create cluster --fargate` with a generated name, and a verbose run with a managed nodegroup.
#[tokio::test]
async fn create_cluster() {
    let h = Harness::start().await;
    h.check(
        "create_cluster_fargate",
        &["create", "cluster", "--fargate", "--region", REGION],
    )
    .await;
    h.check(
        "create_cluster_verbose",
        &[
            "create", "cluster", "--name", "c1", "--region", REGION, "-v", "4",
        ],
    )
    .await;
}

/// `utils describe-stacks` on a cluster without stacks.
#[tokio::test]
async fn describe_stacks_without_stacks() {
    let h = Harness::start().await;
    active_cluster(&h.emu, CLUSTER).await;
    h.check(
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
}
