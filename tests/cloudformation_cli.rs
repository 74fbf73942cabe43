//! The real `aws cloudformation` CLI against the emulator: create/update/delete with the waiters
//! (`wait stack-create-complete|stack-update-complete|stack-delete-complete`), which must succeed
//! on completion and stop on the failure states. Instant timing, so that each waiter's first poll
//! already sees the end state and nothing sleeps.

mod support;

use eks_emulator::lifecycle::Timing;
use eks_emulator::Config;
use support::{run, run_err, run_json, TestEmulator};

const REGION: &str = "eu-west-1";

async fn instant() -> TestEmulator {
    TestEmulator::start_with(Config {
        timing: Timing::Instant,
        ..Config::for_tests()
    })
    .await
}

fn write_template(dir: &tempfile::TempDir, name: &str, body: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, body).expect("template written");
    format!("file://{}", path.display())
}

const STACK_YAML: &str = r"
Parameters:
  Name:
    Type: String
Resources:
  Handle:
    Type: AWS::CloudFormation::WaitConditionHandle
  ControlPlane:
    Type: AWS::EKS::Cluster
    Properties:
      Name: !Ref Name
      RoleArn: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/eks-cluster-role'
      ResourcesVpcConfig:
        SubnetIds: [SUBNET_A, SUBNET_B]
Outputs:
  Endpoint:
    Value: !GetAtt ControlPlane.Endpoint
    Export:
      Name: !Sub '${AWS::StackName}::Endpoint'
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_update_and_delete_wait_through_the_cli_waiters() {
    let emu = instant().await;
    let dir = tempfile::tempdir().unwrap();
    // The role and subnets the cluster needs (`role/eks-cluster-role`, two default subnets).
    let (_, subnets) = emu.cluster_prerequisites(REGION).await;
    let stack_yaml = STACK_YAML
        .replace("SUBNET_A", &subnets[0])
        .replace("SUBNET_B", &subnets[1]);
    let template = write_template(&dir, "stack.yaml", &stack_yaml);
    let created = run_json(emu.aws(REGION).args([
        "cloudformation",
        "create-stack",
        "--stack-name",
        "cli-demo",
        "--template-body",
        &template,
        "--parameters",
        "ParameterKey=Name,ParameterValue=c1",
    ]));
    assert!(created["StackId"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:cloudformation:eu-west-1:123456789012:stack/cli-demo/"));
    let waited = run(emu.aws(REGION).args([
        "cloudformation",
        "wait",
        "stack-create-complete",
        "--stack-name",
        "cli-demo",
    ]));
    assert!(
        waited.status.success(),
        "{}",
        String::from_utf8_lossy(&waited.stderr)
    );
    let described = run_json(emu.aws(REGION).args([
        "cloudformation",
        "describe-stacks",
        "--stack-name",
        "cli-demo",
    ]));
    let stack = &described["Stacks"][0];
    assert_eq!(stack["StackStatus"], "CREATE_COMPLETE");
    assert_eq!(stack["Outputs"][0]["OutputKey"], "Endpoint");
    assert_eq!(stack["Outputs"][0]["ExportName"], "cli-demo::Endpoint");
    let cluster = run_json(
        emu.aws(REGION)
            .args(["eks", "describe-cluster", "--name", "c1"]),
    );
    assert_eq!(cluster["cluster"]["status"], "ACTIVE");
    assert_eq!(
        stack["Outputs"][0]["OutputValue"],
        cluster["cluster"]["endpoint"]
    );

    // Update: one more handle, then the update waiter.
    let v2 = format!("{stack_yaml}\n  Extra:\n    Value: !Ref Extra\n").replace(
        "Resources:\n",
        "Resources:\n  Extra:\n    Type: AWS::CloudFormation::WaitConditionHandle\n",
    );
    let template2 = write_template(&dir, "stack2.yaml", &v2);
    run_json(emu.aws(REGION).args([
        "cloudformation",
        "update-stack",
        "--stack-name",
        "cli-demo",
        "--template-body",
        &template2,
        "--parameters",
        "ParameterKey=Name,UsePreviousValue=true",
    ]));
    let waited = run(emu.aws(REGION).args([
        "cloudformation",
        "wait",
        "stack-update-complete",
        "--stack-name",
        "cli-demo",
    ]));
    assert!(
        waited.status.success(),
        "{}",
        String::from_utf8_lossy(&waited.stderr)
    );
    let stderr = run_err(emu.aws(REGION).args([
        "cloudformation",
        "update-stack",
        "--stack-name",
        "cli-demo",
        "--template-body",
        &template2,
        "--parameters",
        "ParameterKey=Name,UsePreviousValue=true",
    ]));
    assert!(
        stderr.contains(
            "An error occurred (ValidationError) when calling the UpdateStack operation: No updates are to be performed."
        ),
        "{stderr}"
    );

    let out =
        run(emu
            .aws(REGION)
            .args(["cloudformation", "delete-stack", "--stack-name", "cli-demo"]));
    assert!(out.status.success());
    let waited = run(emu.aws(REGION).args([
        "cloudformation",
        "wait",
        "stack-delete-complete",
        "--stack-name",
        "cli-demo",
    ]));
    assert!(
        waited.status.success(),
        "{}",
        String::from_utf8_lossy(&waited.stderr)
    );
    let stderr = run_err(
        emu.aws(REGION)
            .args(["eks", "describe-cluster", "--name", "c1"]),
    );
    assert!(stderr.contains("ResourceNotFoundException"), "{stderr}");
    let stderr = run_err(emu.aws(REGION).args([
        "cloudformation",
        "describe-stacks",
        "--stack-name",
        "cli-demo",
    ]));
    assert!(
        stderr.contains("(ValidationError) when calling the DescribeStacks operation: Stack with id cli-demo does not exist"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_create_waiter_stops_on_a_rollback() {
    let emu = instant().await;
    let dir = tempfile::tempdir().unwrap();
    let template = write_template(
        &dir,
        "vpc.json",
        r#"{"Resources": {"VPC": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/8"}}}}"#,
    );
    run_json(emu.aws(REGION).args([
        "cloudformation",
        "create-stack",
        "--stack-name",
        "doomed",
        "--template-body",
        &template,
    ]));
    let stderr = run_err(emu.aws(REGION).args([
        "cloudformation",
        "wait",
        "stack-create-complete",
        "--stack-name",
        "doomed",
    ]));
    assert!(
        stderr.contains(
            "Waiter StackCreateComplete failed: Waiter encountered a terminal failure state"
        ) && stderr.contains("ROLLBACK_COMPLETE"),
        "{stderr}"
    );
    let events = run_json(emu.aws(REGION).args([
        "cloudformation",
        "describe-stack-events",
        "--stack-name",
        "doomed",
    ]));
    assert_eq!(
        events["StackEvents"][0]["ResourceStatus"],
        "ROLLBACK_COMPLETE"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capabilities_are_required_for_iam_resources() {
    let emu = instant().await;
    let dir = tempfile::tempdir().unwrap();
    let template = write_template(
        &dir,
        "role.yaml",
        "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n",
    );
    let stderr = run_err(emu.aws(REGION).args([
        "cloudformation",
        "create-stack",
        "--stack-name",
        "iam",
        "--template-body",
        &template,
    ]));
    assert!(
        stderr.contains("(InsufficientCapabilitiesException) when calling the CreateStack operation: Requires capabilities : [CAPABILITY_IAM]"),
        "{stderr}"
    );
}
