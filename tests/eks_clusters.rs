//! EKS clusters through aws-sdk-eks: each operation's success path and each error's code, HTTP status
//! and message (reference/aws-eks.md §1.4–§1.5), on a manual clock.

mod support;

use aws_sdk_eks::config::http::HttpResponse;
use aws_sdk_eks::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_eks::types::{ClusterStatus, VpcConfigRequest};
use aws_sdk_eks::Client;
use support::TestEmulator;

/// A client for `region` and what `CreateCluster` needs there: a role EKS can assume and a VPC
/// config on two default subnets.
async fn setup(emu: &TestEmulator, region: &str) -> (Client, String, VpcConfigRequest) {
    let (role, subnets) = emu.cluster_prerequisites(region).await;
    let vpc = VpcConfigRequest::builder()
        .set_subnet_ids(Some(subnets))
        .build();
    (Client::new(&emu.sdk_config(region).await), role, vpc)
}

/// The code, HTTP status and message of a failed call.
fn failure<E: ProvideErrorMetadata, R>(
    result: Result<R, SdkError<E, HttpResponse>>,
) -> (String, u16, String) {
    let err = result.err().expect("the call should fail");
    let status = err
        .raw_response()
        .map(|r| r.status().as_u16())
        .unwrap_or_default();
    let code = err.code().unwrap_or_default().to_owned();
    let message = err.message().unwrap_or_default().to_owned();
    (code, status, message)
}

#[tokio::test]
async fn a_cluster_is_creating_then_active_with_its_endpoint_then_deleting_then_gone() {
    let emu = TestEmulator::start().await;
    let (eks, role, vpc) = setup(&emu, "ap-northeast-1").await;

    let created = eks
        .create_cluster()
        .name("demo")
        .role_arn(&role)
        .resources_vpc_config(vpc.clone())
        .send()
        .await
        .unwrap();
    let cluster = created.cluster().unwrap();
    assert_eq!(cluster.status(), Some(&ClusterStatus::Creating));
    assert_eq!(
        cluster.arn(),
        Some("arn:aws:eks:ap-northeast-1:123456789012:cluster/demo")
    );
    assert_eq!(cluster.version(), Some("1.32"), "the default version");
    assert_eq!(cluster.platform_version(), Some("eks.30"));
    assert_eq!(cluster.endpoint(), None, "no endpoint while CREATING");
    assert_eq!(
        cluster.certificate_authority().and_then(|ca| ca.data()),
        None
    );
    assert!(cluster.identity().is_none());
    let vpc_config = cluster.resources_vpc_config().unwrap();
    assert_eq!(vpc_config.subnet_ids(), vpc.subnet_ids());
    assert!(vpc_config.vpc_id().unwrap().starts_with("vpc-"));
    assert!(vpc_config
        .cluster_security_group_id()
        .unwrap()
        .starts_with("sg-"));
    assert_eq!(
        cluster.tags().map(|t| t.len()),
        Some(0),
        "tags are always present"
    );
    let created_at = cluster.created_at().unwrap().as_secs_f64();

    emu.advance(599);
    let still = eks.describe_cluster().name("demo").send().await.unwrap();
    assert_eq!(
        still.cluster().unwrap().status(),
        Some(&ClusterStatus::Creating)
    );

    emu.advance(1);
    let active = eks.describe_cluster().name("demo").send().await.unwrap();
    let cluster = active.cluster().unwrap();
    assert_eq!(cluster.status(), Some(&ClusterStatus::Active));
    let kube = emu.running.addresses().kube;
    assert_eq!(
        cluster.endpoint(),
        Some(format!("https://{kube}/k8s/ap-northeast-1/demo").as_str())
    );
    assert!(cluster
        .certificate_authority()
        .and_then(|ca| ca.data())
        .unwrap()
        .starts_with("LS0tLS1CRUdJTi"));
    let issuer = cluster
        .identity()
        .and_then(|i| i.oidc())
        .and_then(|o| o.issuer())
        .unwrap();
    assert!(
        issuer.starts_with("https://oidc.eks.ap-northeast-1.amazonaws.com/id/"),
        "{issuer}"
    );
    assert_eq!(
        cluster.created_at().unwrap().as_secs_f64(),
        created_at,
        "createdAt does not move"
    );
    let network = cluster.kubernetes_network_config().unwrap();
    assert_eq!(network.service_ipv4_cidr(), Some("10.100.0.0/16"));

    let deleting = eks.delete_cluster().name("demo").send().await.unwrap();
    assert_eq!(
        deleting.cluster().unwrap().status(),
        Some(&ClusterStatus::Deleting)
    );
    emu.advance(299);
    let listed = eks.list_clusters().send().await.unwrap();
    assert_eq!(listed.clusters(), ["demo"], "still listed while DELETING");
    emu.advance(1);
    let (code, status, message) = failure(eks.describe_cluster().name("demo").send().await);
    assert_eq!(
        (code.as_str(), status, message.as_str()),
        (
            "ResourceNotFoundException",
            404,
            "No cluster found for name: demo."
        )
    );
    assert!(eks
        .list_clusters()
        .send()
        .await
        .unwrap()
        .clusters()
        .is_empty());
}

#[tokio::test]
async fn list_clusters_pages_in_name_order() {
    let emu = TestEmulator::start().await;
    let (eks, role, vpc) = setup(&emu, "us-east-1").await;
    for name in ["c3", "c1", "c5", "c2", "c4"] {
        eks.create_cluster()
            .name(name)
            .role_arn(&role)
            .resources_vpc_config(vpc.clone())
            .send()
            .await
            .unwrap();
    }
    let first = eks.list_clusters().max_results(2).send().await.unwrap();
    assert_eq!(first.clusters(), ["c1", "c2"]);
    let token = first.next_token().unwrap().to_owned();
    let second = eks
        .list_clusters()
        .max_results(2)
        .next_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(second.clusters(), ["c3", "c4"]);
    let third = eks
        .list_clusters()
        .max_results(2)
        .next_token(second.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(third.clusters(), ["c5"]);
    assert_eq!(third.next_token(), None, "no token on the last page");

    let all: Vec<String> = eks
        .list_clusters()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(all, ["c1", "c2", "c3", "c4", "c5"]);

    let (code, status, _) = failure(eks.list_clusters().max_results(101).send().await);
    assert_eq!((code.as_str(), status), ("InvalidParameterException", 400));
}

#[tokio::test]
async fn create_cluster_errors_carry_the_real_codes_statuses_and_messages() {
    let emu = TestEmulator::start().await;
    let (eks, role, vpc) = setup(&emu, "us-east-1").await;
    eks.create_cluster()
        .name("taken")
        .role_arn(&role)
        .resources_vpc_config(vpc.clone())
        .send()
        .await
        .unwrap();
    let invalid_chars = "The name parameter contains invalid characters. It should conform to the regular expression \
                         \"^[0-9A-Za-z][A-Za-z0-9-_]*\"In other words, it should start with a number or letter, and can \
                         contain numbers, letters, dashes, and underscores.";
    let long = "a".repeat(101);
    // (why, name, version, code, status, message)
    type Case<'a> = (&'a str, &'a str, Option<&'a str>, &'a str, u16, String);
    let cases: Vec<Case<'_>> = vec![
        (
            "name taken",
            "taken",
            None,
            "ResourceInUseException",
            409,
            "Cluster already exists with name: taken".into(),
        ),
        (
            "dot in name",
            "bad.name",
            None,
            "InvalidParameterException",
            400,
            invalid_chars.into(),
        ),
        (
            "leading dash",
            "-x",
            None,
            "InvalidParameterException",
            400,
            invalid_chars.into(),
        ),
        (
            "101 characters",
            &long,
            None,
            "InvalidParameterException",
            400,
            "The name parameter should not be greater than 100 characters.".into(),
        ),
        (
            "pre-Fargate version",
            "old",
            Some("1.14"),
            "InvalidParameterException",
            400,
            "unsupported Kubernetes version".into(),
        ),
        (
            "unknown version",
            "future",
            Some("2.0"),
            "InvalidParameterException",
            400,
            "unsupported Kubernetes version".into(),
        ),
    ];
    for (why, name, version, want_code, want_status, want_message) in cases {
        let mut call = eks
            .create_cluster()
            .name(name)
            .role_arn(&role)
            .resources_vpc_config(vpc.clone());
        if let Some(version) = version {
            call = call.version(version);
        }
        let (code, status, message) = failure(call.send().await);
        assert_eq!(
            (code.as_str(), status, message.as_str()),
            (want_code, want_status, want_message.as_str()),
            "{why}"
        );
    }
    let (code, status, message) = failure(
        eks.create_cluster()
            .name("r")
            .role_arn("not-an-arn")
            .resources_vpc_config(vpc.clone())
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), status, message.as_str()),
        (
            "InvalidParameterException",
            400,
            "Invalid Role Arn: 'not-an-arn'"
        )
    );
    assert_eq!(
        eks.list_clusters().send().await.unwrap().clusters(),
        ["taken"],
        "failed creates leave nothing behind"
    );
}

#[tokio::test]
async fn describe_and_delete_errors() {
    let emu = TestEmulator::start().await;
    let (eks, _, _) = setup(&emu, "eu-west-1").await;
    let (code, status, message) = failure(eks.delete_cluster().name("ghost").send().await);
    assert_eq!(
        (code.as_str(), status, message.as_str()),
        (
            "ResourceNotFoundException",
            404,
            "No cluster found for name: ghost."
        )
    );
    let (code, status, _) = failure(eks.describe_cluster().name("bad_name!").send().await);
    assert_eq!((code.as_str(), status), ("InvalidParameterException", 400));
}

#[tokio::test]
async fn regions_are_separate_and_accounts_follow_twelve_digit_access_keys() {
    let emu = TestEmulator::start().await;
    let (tokyo, role, vpc) = setup(&emu, "ap-northeast-1").await;
    let (ireland, _, _) = setup(&emu, "eu-west-1").await;
    tokyo
        .create_cluster()
        .name("tokyo")
        .role_arn(&role)
        .resources_vpc_config(vpc.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        tokyo.list_clusters().send().await.unwrap().clusters(),
        ["tokyo"]
    );
    assert!(ireland
        .list_clusters()
        .send()
        .await
        .unwrap()
        .clusters()
        .is_empty());

    let other_account = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .endpoint_url(emu.url())
        .region(aws_config::Region::new("ap-northeast-1"))
        .http_client(
            emu.sdk_config("ap-northeast-1")
                .await
                .http_client()
                .unwrap(),
        )
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new(
                    "111122223333",
                    "secret",
                    None,
                    None,
                    "static",
                ),
            ),
        )
        .build();
    let sts = aws_sdk_sts::Client::new(&other_account);
    assert_eq!(
        sts.get_caller_identity().send().await.unwrap().account(),
        Some("111122223333")
    );
    let eks_other = Client::new(&other_account);
    assert!(
        eks_other
            .list_clusters()
            .send()
            .await
            .unwrap()
            .clusters()
            .is_empty(),
        "another account sees nothing"
    );
}

#[tokio::test]
async fn tags_on_clusters() {
    let emu = TestEmulator::start().await;
    let (eks, role, vpc) = setup(&emu, "us-west-2").await;
    let arn = eks
        .create_cluster()
        .name("tagged")
        .role_arn(&role)
        .resources_vpc_config(vpc.clone())
        .tags("team", "platform")
        .send()
        .await
        .unwrap()
        .cluster()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    eks.tag_resource()
        .resource_arn(&arn)
        .tags("env", "dev")
        .send()
        .await
        .unwrap();
    let tags = eks
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    let mut pairs: Vec<(String, String)> = tags
        .tags()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    pairs.sort();
    assert_eq!(
        pairs,
        [
            ("env".into(), "dev".into()),
            ("team".into(), "platform".into())
        ]
    );
    eks.untag_resource()
        .resource_arn(&arn)
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let described = eks.describe_cluster().name("tagged").send().await.unwrap();
    assert_eq!(
        described
            .cluster()
            .unwrap()
            .tags()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["env"]
    );

    let missing = "arn:aws:eks:us-west-2:123456789012:cluster/none";
    let (code, status, _) = failure(
        eks.list_tags_for_resource()
            .resource_arn(missing)
            .send()
            .await,
    );
    assert_eq!((code.as_str(), status), ("NotFoundException", 404));
    let (code, status, _) = failure(
        eks.tag_resource()
            .resource_arn("not-an-arn")
            .tags("a", "b")
            .send()
            .await,
    );
    assert_eq!((code.as_str(), status), ("BadRequestException", 400));
}

#[tokio::test]
async fn describe_cluster_versions_lists_the_offered_versions_newest_first() {
    let emu = TestEmulator::start().await;
    let (eks, _, _) = setup(&emu, "us-east-1").await;
    let versions = eks.describe_cluster_versions().send().await.unwrap();
    let names: Vec<&str> = versions
        .cluster_versions()
        .iter()
        .filter_map(|v| v.cluster_version())
        .collect();
    assert_eq!(names, ["1.35", "1.34", "1.33", "1.32"]);
    let defaults: Vec<&str> = versions
        .cluster_versions()
        .iter()
        .filter(|v| v.default_version())
        .filter_map(|v| v.cluster_version())
        .collect();
    assert_eq!(defaults, ["1.32"]);
    let only_default = eks
        .describe_cluster_versions()
        .default_only(true)
        .send()
        .await
        .unwrap();
    assert_eq!(only_default.cluster_versions().len(), 1);
}

#[tokio::test]
async fn sts_names_the_caller() {
    let emu = TestEmulator::start().await;
    let sts = aws_sdk_sts::Client::new(&emu.sdk_config("ap-northeast-1").await);
    let me = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some("123456789012"));
    assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:root"));
    assert_eq!(me.user_id(), Some("123456789012"));
}
