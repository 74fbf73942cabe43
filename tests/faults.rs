//! Fault injection through `/_emulator/faults` as clients live it: the Rust SDK's standard retry (3
//! attempts) absorbs two throttles and surfaces the third as `ThrottlingException`; query services
//! throttle as `Throttling`; server errors are retried too; a delay is a delay; the `aws` CLI's legacy
//! retry (5 attempts) absorbs four and reports "reached max retries: 4".

mod support;

use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_sdk_eks::error::ProvideErrorMetadata;
use support::{http_raw, run, TestEmulator};

/// Posts a fault rule; returns the stored rule.
fn add_fault(emu: &TestEmulator, spec: &str) -> serde_json::Value {
    let addr = emu.running.addresses().aws.to_string();
    let (status, _, body) = http_raw(
        &addr,
        "POST",
        "/_emulator/faults",
        &[("content-type", "application/json")],
        spec.as_bytes(),
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

fn faults(emu: &TestEmulator) -> Vec<serde_json::Value> {
    let addr = emu.running.addresses().aws.to_string();
    let (status, _, body) = http_raw(&addr, "GET", "/_emulator/faults", &[], b"");
    assert_eq!(status, 200);
    let list: serde_json::Value = serde_json::from_slice(&body).unwrap();
    list["faults"].as_array().unwrap().clone()
}

fn clear_faults(emu: &TestEmulator) {
    let addr = emu.running.addresses().aws.to_string();
    let (status, _, _) = http_raw(&addr, "DELETE", "/_emulator/faults", &[], b"");
    assert_eq!(status, 200);
}

/// The SDK's standard retry (3 attempts, the default), with a short backoff so the test is quick.
fn standard_retry() -> RetryConfig {
    RetryConfig::standard().with_initial_backoff(Duration::from_millis(10))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_standard_retry_absorbs_two_throttles_and_surfaces_a_third() {
    let emu = TestEmulator::start().await;
    let config = emu.sdk_config("us-east-1").await;
    let eks = aws_sdk_eks::Client::from_conf(
        aws_sdk_eks::config::Builder::from(&config)
            .retry_config(standard_retry())
            .build(),
    );

    add_fault(
        &emu,
        r#"{"service":"eks","operation":"ListClusters","error":"ThrottlingException","count":2}"#,
    );
    let clusters = eks
        .list_clusters()
        .send()
        .await
        .expect("two throttles are retried");
    assert!(clusters.clusters().is_empty());
    let rules = faults(&emu);
    assert_eq!(rules[0]["fired"], 2);
    assert_eq!(rules[0]["remaining"], 0);

    clear_faults(&emu);
    add_fault(
        &emu,
        r#"{"service":"eks","operation":"ListClusters","error":"ThrottlingException","count":5}"#,
    );
    let err = eks.list_clusters().send().await.unwrap_err();
    assert_eq!(err.code(), Some("ThrottlingException"));
    assert_eq!(err.message(), Some("Rate exceeded"));
    assert_eq!(
        faults(&emu)[0]["fired"],
        3,
        "three attempts, then the error"
    );
    // Other operations were never touched.
    eks.describe_cluster_versions().send().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_and_query_services_throttle_in_their_own_shape() {
    let emu = TestEmulator::start().await;
    let config = emu.sdk_config("us-east-1").await;
    let eks = aws_sdk_eks::Client::from_conf(
        aws_sdk_eks::config::Builder::from(&config)
            .retry_config(standard_retry())
            .build(),
    );
    add_fault(
        &emu,
        r#"{"service":"eks","error":"ServerException","count":1}"#,
    );
    add_fault(
        &emu,
        r#"{"service":"eks","error":"ServiceUnavailableException","count":1}"#,
    );
    eks.list_clusters()
        .send()
        .await
        .expect("a 500 and a 503 are retried");

    let cfn = aws_sdk_cloudformation::Client::from_conf(
        aws_sdk_cloudformation::config::Builder::from(&config)
            .retry_config(standard_retry())
            .build(),
    );
    add_fault(
        &emu,
        r#"{"service":"cloudformation","operation":"DescribeStacks","error":"ThrottlingException","count":2}"#,
    );
    cfn.describe_stacks()
        .send()
        .await
        .expect("Throttling is retried like ThrottlingException");
    add_fault(
        &emu,
        r#"{"service":"cloudformation","operation":"DescribeStacks","error":"Throttling"}"#,
    );
    let err = cfn.describe_stacks().send().await.unwrap_err();
    assert_eq!(err.code(), Some("Throttling"));
    assert_eq!(err.message(), Some("Rate exceeded"));

    // On the wire: awsQuery's error envelope, HTTP 400, marked as injected.
    let addr = emu.running.addresses().aws.to_string();
    let (status, headers, body) = http_raw(
        &addr,
        "POST",
        "/",
        &[
            (
                "authorization",
                &support::fake_auth("cloudformation", "us-east-1"),
            ),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        b"Action=DescribeStacks&Version=2010-05-15",
    );
    assert_eq!(status, 400);
    assert!(headers.iter().any(|(k, _)| k == "x-emulator-fault"));
    let body = String::from_utf8(body).unwrap();
    assert!(
        body.contains("<Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delay_fault_slows_the_answer_and_a_probability_of_zero_never_fires() {
    let emu = TestEmulator::start().await;
    let addr = emu.running.addresses().aws.to_string();
    add_fault(
        &emu,
        r#"{"service":"eks","operation":"ListClusters","delayMs":300,"count":1}"#,
    );
    add_fault(
        &emu,
        r#"{"service":"eks","operation":"ListClusters","error":"ServerException","probability":0}"#,
    );
    let auth = support::fake_auth("eks", "us-east-1");
    let started = Instant::now();
    let (status, _, _) = http_raw(&addr, "GET", "/clusters", &[("authorization", &auth)], b"");
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    let (status, _, _) = http_raw(&addr, "GET", "/clusters", &[("authorization", &auth)], b"");
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "the count was spent"
    );

    // One rule can be removed by id; a bad spec is refused with the reason.
    let (status, _, _) = http_raw(&addr, "DELETE", "/_emulator/faults/fault-2", &[], b"");
    assert_eq!(status, 200);
    assert_eq!(faults(&emu).len(), 1);
    let (status, _, body) = http_raw(
        &addr,
        "POST",
        "/_emulator/faults",
        &[],
        br#"{"service":"eks","operation":"CreateBucket","error":"ThrottlingException"}"#,
    );
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("'CreateBucket' is not an operation of eks"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_legacy_retry_absorbs_four_throttles_and_reports_the_fifth() {
    let emu = TestEmulator::start().await;
    add_fault(
        &emu,
        r#"{"service":"eks","operation":"ListClusters","error":"ThrottlingException","count":2}"#,
    );
    let out = run(emu
        .aws("us-east-1")
        .env("AWS_RETRY_MODE", "legacy")
        .args(["eks", "list-clusters"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(faults(&emu)[0]["fired"], 2);

    clear_faults(&emu);
    add_fault(
        &emu,
        r#"{"service":"eks","operation":"ListClusters","error":"ThrottlingException","count":5}"#,
    );
    let out = run(emu
        .aws("us-east-1")
        .env("AWS_RETRY_MODE", "legacy")
        .args(["eks", "list-clusters"]));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "An error occurred (ThrottlingException) when calling the ListClusters operation (reached max retries: 4): Rate exceeded"
        ),
        "{stderr}"
    );
    assert_eq!(faults(&emu)[0]["fired"], 5);
}

/// Moves the virtual clock through the admin API, as a scenario does.
fn advance_clock(emu: &TestEmulator, seconds: u64) {
    let addr = emu.running.addresses().aws.to_string();
    let (status, _, body) = http_raw(
        &addr,
        "POST",
        "/_emulator/clock/advance",
        &[("content-type", "application/json")],
        format!(r#"{{"seconds":{seconds}}}"#).as_bytes(),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
}

/// A VPC with two private subnets in two zones, and the cluster and pod execution roles (boto3 in
/// one Python process); prints them as JSON.
const NETWORK_SCRIPT: &str = r#"
import json, os, boto3
session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="x", region_name="us-east-1")
ec2 = session.client("ec2", endpoint_url=os.environ["ENDPOINT"])
iam = session.client("iam", endpoint_url=os.environ["ENDPOINT"])
zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{32 * i}.0/19", AvailabilityZone=z)["Subnet"]["SubnetId"] for i, z in enumerate(zones)]
def role(name, service):
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
print(json.dumps({"subnets": subnets, "cluster_role": role("eks-cluster", "eks.amazonaws.com"),
                  "pod_role": role("fargate-pods", "eks-fargate-pods.amazonaws.com")}))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resource_fault_fails_a_fargate_profile_and_a_stack_as_clients_see_it() {
    use aws_sdk_eks::types::{
        FargateProfileIssueCode, FargateProfileSelector, FargateProfileStatus, VpcConfigRequest,
    };
    let emu = TestEmulator::start().await;
    let config = emu.sdk_config("us-east-1").await;
    let eks = aws_sdk_eks::Client::new(&config);
    let net = support::run_json(
        std::process::Command::new("python3")
            .env("ENDPOINT", emu.url())
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .args(["-c", NETWORK_SCRIPT]),
    );
    let subnets: Vec<String> = net["subnets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    eks.create_cluster()
        .name("demo")
        .role_arn(net["cluster_role"].as_str().unwrap())
        .resources_vpc_config(
            VpcConfigRequest::builder()
                .set_subnet_ids(Some(subnets))
                .build(),
        )
        .send()
        .await
        .expect("CreateCluster");
    advance_clock(&emu, 600);
    let create_profile = |name: &'static str| {
        eks.create_fargate_profile()
            .cluster_name("demo")
            .fargate_profile_name(name)
            .pod_execution_role_arn(net["pod_role"].as_str().unwrap())
            .selectors(
                FargateProfileSelector::builder()
                    .namespace("default")
                    .build(),
            )
            .send()
    };

    let rule = add_fault(
        &emu,
        r#"{"service":"eks","resource":"fargate-profile","name":"fp-x","fail":"CREATE_FAILED",
            "healthIssue":{"code":"AccessDenied","message":"The pod execution role cannot be assumed."}}"#,
    );
    assert_eq!(rule["resource"], "fargate-profile");
    let created = create_profile("fp-x")
        .await
        .expect("the create is accepted");
    let profile = created.fargate_profile.unwrap();
    assert_eq!(profile.status, Some(FargateProfileStatus::Creating));
    assert!(profile.health.is_none(), "no issue before it fails");
    let arn = profile.fargate_profile_arn.unwrap();

    advance_clock(&emu, 180);
    let described = eks
        .describe_fargate_profile()
        .cluster_name("demo")
        .fargate_profile_name("fp-x")
        .send()
        .await
        .unwrap()
        .fargate_profile
        .unwrap();
    assert_eq!(described.status, Some(FargateProfileStatus::CreateFailed));
    let issues = described
        .health
        .expect("a health")
        .issues
        .unwrap_or_default();
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].code, Some(FargateProfileIssueCode::AccessDenied));
    assert_eq!(
        issues[0].message.as_deref(),
        Some("The pod execution role cannot be assumed.")
    );
    assert_eq!(issues[0].resource_ids(), [arn]);
    assert_eq!(faults(&emu)[0]["fired"], 1);

    // The CLI's waiter stops at its failure state.
    let stderr = support::run_err(emu.aws("us-east-1").args([
        "eks",
        "wait",
        "fargate-profile-active",
        "--cluster-name",
        "demo",
        "--fargate-profile-name",
        "fp-x",
    ]));
    assert!(stderr.contains("terminal failure state"), "{stderr}");

    // The failed profile holds no slot: the next create goes ahead, and it can be deleted.
    let next = create_profile("fp-y").await.expect("the cluster is free");
    assert_eq!(
        next.fargate_profile.unwrap().status,
        Some(FargateProfileStatus::Creating)
    );
    advance_clock(&emu, 180);
    let deleting = eks
        .delete_fargate_profile()
        .cluster_name("demo")
        .fargate_profile_name("fp-x")
        .send()
        .await
        .expect("a CREATE_FAILED profile can be deleted");
    assert_eq!(
        deleting.fargate_profile.unwrap().status,
        Some(FargateProfileStatus::Deleting)
    );

    // A stack: the rule's message fails its first resource, and the stack rolls back.
    add_fault(
        &emu,
        r#"{"service":"cloudformation","resource":"stack","name":"net","fail":"CREATE_FAILED",
            "healthIssue":{"code":"InternalFailure","message":"Injected: the handle could not be made."}}"#,
    );
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    cfn.create_stack()
        .stack_name("net")
        .template_body(
            r#"{"Resources":{"Handle":{"Type":"AWS::CloudFormation::WaitConditionHandle"}}}"#,
        )
        .send()
        .await
        .expect("CreateStack");
    advance_clock(&emu, 60);
    let stack = cfn
        .describe_stacks()
        .stack_name("net")
        .send()
        .await
        .unwrap()
        .stacks
        .unwrap()
        .remove(0);
    assert_eq!(
        stack.stack_status.as_ref().map(|s| s.as_str()),
        Some("ROLLBACK_COMPLETE")
    );
    let events = cfn
        .describe_stack_events()
        .stack_name("net")
        .send()
        .await
        .unwrap()
        .stack_events
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.logical_resource_id.as_deref() == Some("Handle")
                && e.resource_status.as_ref().map(|s| s.as_str()) == Some("CREATE_FAILED")
                && e.resource_status_reason.as_deref()
                    == Some("Injected: the handle could not be made.")),
        "{events:?}"
    );
    let stderr = support::run_err(emu.aws("us-east-1").args([
        "cloudformation",
        "wait",
        "stack-create-complete",
        "--stack-name",
        "net",
    ]));
    assert!(stderr.contains("terminal failure state"), "{stderr}");
}
