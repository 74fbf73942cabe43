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
