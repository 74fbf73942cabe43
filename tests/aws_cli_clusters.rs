//! The real `aws` CLI against a running emulator with only `AWS_ENDPOINT_URL` and dummy credentials:
//! the foundation's walkthrough (identity, create, wait active, describe, list, delete, wait deleted).

mod support;

use support::{run_err, run_json, TestEmulator};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_creates_waits_for_describes_lists_and_deletes_a_cluster() {
    let emu = TestEmulator::start().await;
    let region = "ap-northeast-1";

    let me = run_json(emu.aws(region).args(["sts", "get-caller-identity"]));
    assert_eq!(me["Account"], "123456789012");

    // A role EKS can assume, and two of the region's default subnets, with plain aws commands.
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let role = run_json(emu.aws(region).args([
        "iam",
        "create-role",
        "--role-name",
        "eks-cluster",
        "--assume-role-policy-document",
        trust,
    ]));
    let role_arn = role["Role"]["Arn"].as_str().unwrap().to_owned();
    let subnets = run_json(emu.aws(region).args([
        "ec2",
        "describe-subnets",
        "--filters",
        "Name=default-for-az,Values=true",
    ]));
    let subnet_ids: Vec<&str> = subnets["Subnets"]
        .as_array()
        .unwrap()
        .iter()
        .take(2)
        .map(|s| s["SubnetId"].as_str().unwrap())
        .collect();
    let vpc_config = format!("subnetIds={}", subnet_ids.join(","));

    let created = run_json(emu.aws(region).args([
        "eks",
        "create-cluster",
        "--name",
        "cli-demo",
        "--role-arn",
        &role_arn,
        "--resources-vpc-config",
        &vpc_config,
    ]));
    assert_eq!(created["cluster"]["status"], "CREATING");

    // The waiter's first poll answers at once once the clock has passed the create duration.
    emu.advance(600);
    let waited =
        support::run(
            emu.aws(region)
                .args(["eks", "wait", "cluster-active", "--name", "cli-demo"]),
        );
    assert!(
        waited.status.success(),
        "{}",
        String::from_utf8_lossy(&waited.stderr)
    );

    let described =
        run_json(
            emu.aws(region)
                .args(["eks", "describe-cluster", "--name", "cli-demo"]),
        );
    assert_eq!(described["cluster"]["status"], "ACTIVE");
    assert!(described["cluster"]["endpoint"]
        .as_str()
        .unwrap()
        .ends_with("/k8s/ap-northeast-1/cli-demo"));
    let listed = run_json(emu.aws(region).args(["eks", "list-clusters"]));
    assert_eq!(listed["clusters"], serde_json::json!(["cli-demo"]));

    let deleted = run_json(
        emu.aws(region)
            .args(["eks", "delete-cluster", "--name", "cli-demo"]),
    );
    assert_eq!(deleted["cluster"]["status"], "DELETING");
    emu.advance(300);
    let waited = support::run(emu.aws(region).args([
        "eks",
        "wait",
        "cluster-deleted",
        "--name",
        "cli-demo",
    ]));
    assert!(
        waited.status.success(),
        "{}",
        String::from_utf8_lossy(&waited.stderr)
    );

    let err = run_err(
        emu.aws(region)
            .args(["eks", "describe-cluster", "--name", "cli-demo"]),
    );
    assert_eq!(
        err,
        "An error occurred (ResourceNotFoundException) when calling the DescribeCluster operation: No cluster found for name: cli-demo."
    );
}
