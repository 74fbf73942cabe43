//! `--strict-auth`: the Rust SDK and the `aws` CLI signing with the configured secret pass (header
//! signatures over paths that need double encoding and over bodies, and the presigned STS URL inside
//! an `aws eks get-token` token); a wrong secret, an unknown key or no signature at all get AWS's own
//! codes in each protocol. The Kubernetes API checks bearer tokens against the configured keys.

#[path = "support/kube.rs"]
mod kube;
mod support;

use aws_credential_types::Credentials;
use aws_sdk_eks::error::ProvideErrorMetadata;
use base64::Engine;
use eks_emulator::Config;
use support::{http_raw, run, run_json, TestEmulator};

async fn strict() -> TestEmulator {
    TestEmulator::start_with(Config {
        strict_auth: true,
        credentials: vec![
            "AKIDTEST:secret".parse().unwrap(),
            "AKIDOTHER:other:with:colons".parse().unwrap(),
        ],
        ..Config::for_tests()
    })
    .await
}

/// An SDK config like the test support's, with other credentials.
async fn sdk_config_with(emu: &TestEmulator, key: &str, secret: &str) -> aws_config::SdkConfig {
    emu.sdk_config("us-east-1")
        .await
        .into_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
                key, secret, None, None, "static",
            )),
        )
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_with_the_right_secret_passes_and_with_a_wrong_one_gets_each_protocols_error() {
    let emu = strict().await;
    let good = emu.sdk_config("us-east-1").await;
    let eks = aws_sdk_eks::Client::new(&good);
    eks.list_clusters()
        .send()
        .await
        .expect("signed with the secret");
    // A body (hashed into the signature) and a path with an ARN in one segment (double-encoded).
    // The role is created through IAM, signed with the same secret.
    let (role, subnets) = emu.cluster_prerequisites("us-east-1").await;
    eks.create_cluster()
        .name("signed")
        .role_arn(role)
        .resources_vpc_config(
            aws_sdk_eks::types::VpcConfigRequest::builder()
                .set_subnet_ids(Some(subnets))
                .build(),
        )
        .send()
        .await
        .expect("a signed POST with a body");
    let tags = eks
        .list_tags_for_resource()
        .resource_arn("arn:aws:eks:us-east-1:123456789012:cluster/signed")
        .send()
        .await
        .expect("a signed path holding an encoded ARN");
    assert!(tags.tags().is_none_or(|t| t.is_empty()));
    aws_sdk_sts::Client::new(&good)
        .get_caller_identity()
        .send()
        .await
        .expect("STS signed with the secret");
    aws_sdk_cloudformation::Client::new(&good)
        .list_stacks()
        .send()
        .await
        .expect("CloudFormation signed with the secret");
    let other = sdk_config_with(&emu, "AKIDOTHER", "other:with:colons").await;
    aws_sdk_eks::Client::new(&other)
        .list_clusters()
        .send()
        .await
        .expect("a second configured key, whose secret holds colons");

    let wrong = sdk_config_with(&emu, "AKIDTEST", "not-the-secret").await;
    let err = aws_sdk_eks::Client::new(&wrong)
        .list_clusters()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidSignatureException"));
    assert_eq!(
        err.message(),
        Some("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
    );
    let err = aws_sdk_sts::Client::new(&wrong)
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
    let err = aws_sdk_cloudformation::Client::new(&wrong)
        .list_stacks()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));

    let unknown = sdk_config_with(&emu, "AKIDNOBODY", "secret").await;
    let err = aws_sdk_eks::Client::new(&unknown)
        .list_clusters()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("UnrecognizedClientException"));
    assert_eq!(
        err.message(),
        Some("The security token included in the request is invalid.")
    );
    let err = aws_sdk_sts::Client::new(&unknown)
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidClientTokenId"));

    let addr = emu.running.addresses().aws.to_string();
    let (status, headers, body) = http_raw(&addr, "GET", "/clusters", &[], b"");
    assert_eq!(status, 403);
    assert!(headers
        .iter()
        .any(|(k, v)| k == "x-amzn-errortype" && v == "MissingAuthenticationTokenException"));
    assert!(String::from_utf8_lossy(&body).contains("Missing Authentication Token"));
    let (_, _, body) = http_raw(
        &addr,
        "GET",
        "/clusters",
        &[
            ("authorization", &support::fake_auth("eks", "us-east-1")),
            ("x-amz-date", "20260101T000000Z"),
        ],
        b"",
    );
    assert!(
        String::from_utf8_lossy(&body)
            .contains("Signature expired: 20260101T000000Z is now earlier than"),
        "a signature from another day is expired before it is checked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_passes_with_the_secret_and_fails_with_a_wrong_one() {
    let emu = strict().await;
    let listed = run_json(emu.aws("us-east-1").args(["eks", "list-clusters"]));
    assert_eq!(listed["clusters"], serde_json::json!([]));
    let (role, subnets) = emu.cluster_prerequisites("us-east-1").await;
    let vpc_config = format!("subnetIds={}", subnets.join(","));
    run_json(emu.aws("us-east-1").args([
        "eks",
        "create-cluster",
        "--name",
        "cli",
        "--role-arn",
        &role,
        "--resources-vpc-config",
        &vpc_config,
    ]));
    run_json(emu.aws("us-east-1").args(["sts", "get-caller-identity"]));
    run_json(emu.aws("us-east-1").args(["cloudformation", "list-stacks"]));

    let out = run(emu
        .aws("us-east-1")
        .env("AWS_SECRET_ACCESS_KEY", "wrong")
        .args(["eks", "list-clusters"]));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("An error occurred (InvalidSignatureException) when calling the ListClusters operation: The request signature we calculated does not match"),
        "{stderr}"
    );
    let out = run(emu
        .aws("us-east-1")
        .env("AWS_SECRET_ACCESS_KEY", "wrong")
        .args(["sts", "get-caller-identity"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("(SignatureDoesNotMatch)"), "{stderr}");
    let out = run(emu
        .aws("us-east-1")
        .env("AWS_ACCESS_KEY_ID", "AKIDNOBODY")
        .args(["sts", "get-caller-identity"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("(InvalidClientTokenId)"), "{stderr}");
}

/// The presigned STS URL inside an `aws eks get-token` token, fetched as aws-iam-authenticator
/// does (with `x-k8s-aws-id` and `accept: application/json`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aws_eks_get_token_presigned_url_verifies_only_for_its_cluster() {
    let emu = strict().await;
    let token = run_json(
        emu.aws("us-east-1")
            .args(["eks", "get-token", "--cluster-name", "demo"]),
    );
    let token = token["status"]["token"].as_str().unwrap();
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.strip_prefix("k8s-aws-v1.").unwrap())
        .unwrap();
    let url = String::from_utf8(url).unwrap();
    let addr = emu.running.addresses().aws.to_string();
    let path_and_query = url
        .split_once(&addr)
        .unwrap_or_else(|| panic!("the token's URL names the endpoint: {url}"))
        .1;
    let fetch = |cluster: &str| {
        http_raw(
            &addr,
            "GET",
            path_and_query,
            &[("x-k8s-aws-id", cluster), ("accept", "application/json")],
            b"",
        )
    };
    let (status, _, body) = fetch("demo");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        json["GetCallerIdentityResponse"]["GetCallerIdentityResult"]["Account"],
        "123456789012"
    );
    let (status, _, body) = fetch("another-cluster");
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("<Code>SignatureDoesNotMatch</Code>"));
}

/// Under `--strict-auth` the Kubernetes API knows the configured secrets without being told: a
/// token made by `aws eks get-token` with a configured key works, and its signature is checked (a
/// token for another cluster is refused); a token signed with a key that is not configured is
/// refused although it is well formed and fresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubernetes_tokens_must_be_signed_by_a_configured_key() {
    const REGION: &str = "ap-northeast-1";
    let emu = strict().await;
    for cluster in ["demo", "other"] {
        kube::provision(
            &emu,
            REGION,
            cluster,
            &serde_json::json!([]),
            &serde_json::json!([]),
        );
    }
    let kubectl = kube::Kubectl::for_cluster(&emu, REGION, "demo");
    assert!(kubectl
        .ok(&["get", "ns", "-o", "name"])
        .contains("namespace/kube-system"));

    let server = format!("https://{}/k8s/{REGION}/demo", emu.running.addresses().kube);
    let ca = kubectl.file("ca.pem", emu.emulator().ca().pem());
    let get_pods = |token: &str| kubectl.with_token(&server, &ca, token, &["get", "pods"]);
    let refused = |out: std::process::Output, why: &str| kube::assert_unauthorized(&out, why);
    let now = eks_emulator::clock::wall_now();
    let token = |cluster: &str, key: &str, secret: &str| {
        eks_emulator::k8s::auth::make_token(&emu.url(), REGION, cluster, key, secret, now)
    };
    assert!(
        get_pods(&token("demo", "AKIDOTHER", "other:with:colons"))
            .status
            .success(),
        "the second configured key"
    );
    refused(
        get_pods(&token("other", "AKIDTEST", "secret")),
        "a configured key's token for another cluster",
    );
    refused(
        get_pods(&token("demo", "AKIDUNKNOWN", "whatever")),
        "a key that is not configured",
    );
    refused(
        get_pods(&token("demo", "AKIDTEST", "wrong-secret")),
        "a configured key with the wrong secret",
    );
}

/// ekscli signs its one SSM call itself (no SSM SDK): the strict emulator accepts it with the right
/// secret, and with a wrong one ekscli gets SSM's JSON error as `Code: message`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ekscli_signs_its_ssm_get_parameter() {
    const NAME: &str = "/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest/image_id";
    let emu = strict().await;
    let target = ekscli::aws::Target {
        region: Some("eu-west-1".into()),
        profile: None,
        endpoint_url: Some(emu.url()),
    };
    let connect = |secret: &str| {
        let mut ctx = ekscli::Context::isolated();
        ctx.credentials = Some(Credentials::new("AKIDTEST", secret, None, None, "static"));
        let target = target.clone();
        async move { ekscli::aws::Aws::connect(&ctx, &target).await }
    };
    let aws = connect("secret").await;
    assert_eq!(
        ekscli::ssm::get_parameter(&aws, NAME).await,
        Ok(eks_emulator::ssm::model::image_id("eu-west-1", NAME))
    );
    assert_eq!(
        ekscli::ssm::get_parameter(&aws, "/nope").await,
        Err("ParameterNotFound".to_owned())
    );
    let wrong = connect("wrong").await;
    assert_eq!(
        ekscli::ssm::get_parameter(&wrong, NAME).await,
        Err(format!(
            "InvalidSignatureException: {}",
            eks_emulator::wire::verify::SIGNATURE_MISMATCH_MESSAGE
        ))
    );
}
