//! Fargate profiles and managed nodegroups through the real clients: aws-sdk-eks (one table row per
//! rule, asserting code, HTTP status and message) and the `aws` CLI (errors as it prints them, and
//! its waiters), against an emulator on a manual clock with realistic timing.

mod support;

use aws_sdk_eks::config::http::HttpResponse;
use aws_sdk_eks::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_eks::operation::create_fargate_profile::builders::CreateFargateProfileFluentBuilder;
use aws_sdk_eks::operation::create_nodegroup::builders::CreateNodegroupFluentBuilder;
use aws_sdk_eks::types::{FargateProfileSelector, NodegroupScalingConfig};
use support::{run_err, TestEmulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const REGION: &str = "us-east-1";
const CLUSTER: &str = "c1";
const POD_ROLE: &str = "arn:aws:iam::123456789012:role/pod-execution";
const NODE_ROLE: &str = "arn:aws:iam::123456789012:role/node";
const CLUSTER_ROLE: &str = "arn:aws:iam::123456789012:role/eks";

/// One emulator, an EKS client on it, and cluster `c1` in the state a row asks for.
struct World {
    emu: TestEmulator,
    eks: aws_sdk_eks::Client,
}

/// The state a table row starts from.
#[derive(Debug, Clone, Copy)]
enum Given {
    /// `c1` is `ACTIVE`.
    ActiveCluster,
    /// `c1` was just created and is still `CREATING`.
    CreatingCluster,
    /// `c1` is `ACTIVE` but on Kubernetes 1.14 platform `eks.4`, from before Fargate.
    PreFargatePlatform,
}

impl World {
    async fn start() -> Self {
        let emu = TestEmulator::start().await;
        let eks = aws_sdk_eks::Client::new(&emu.sdk_config(REGION).await);
        Self { emu, eks }
    }

    async fn given(given: Given) -> Self {
        let world = Self::start().await;
        world.create_cluster(CLUSTER).await;
        match given {
            Given::CreatingCluster => {}
            Given::ActiveCluster => world.emu.advance(600),
            Given::PreFargatePlatform => {
                world.emu.advance(600);
                let answer = world
                    .admin_put(
                        &format!("/_emulator/eks/clusters/{REGION}/{CLUSTER}/platform-version"),
                        r#"{"platformVersion": "eks.4", "version": "1.14"}"#,
                    )
                    .await;
                assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
            }
        }
        world
    }

    async fn create_cluster(&self, name: &str) {
        self.eks
            .create_cluster()
            .name(name)
            .role_arn(CLUSTER_ROLE)
            .resources_vpc_config(
                aws_sdk_eks::types::VpcConfigRequest::builder()
                    .subnet_ids("subnet-a")
                    .subnet_ids("subnet-b")
                    .build(),
            )
            .send()
            .await
            .expect("CreateCluster");
    }

    /// `CreateFargateProfile` of `fp-new` on `c1` for namespace `default`.
    fn create_profile(&self) -> CreateFargateProfileFluentBuilder {
        self.eks
            .create_fargate_profile()
            .cluster_name(CLUSTER)
            .fargate_profile_name("fp-new")
            .pod_execution_role_arn(POD_ROLE)
            .selectors(selector("default", 0))
    }

    /// `CreateNodegroup` of `ng-new` on `c1`.
    fn create_nodegroup(&self) -> CreateNodegroupFluentBuilder {
        self.eks
            .create_nodegroup()
            .cluster_name(CLUSTER)
            .nodegroup_name("ng-new")
            .node_role(NODE_ROLE)
            .subnets("subnet-a")
    }

    /// A raw HTTP `PUT` of JSON to the admin API; the whole response as text.
    async fn admin_put(&self, path: &str, json: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(self.emu.running.addresses().aws)
            .await
            .expect("admin API reachable");
        let request = format!(
            "PUT {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{json}",
            json.len()
        );
        stream
            .write_all(request.as_bytes())
            .await
            .expect("request written");
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .await
            .expect("response read");
        answer
    }
}

fn selector(namespace: &str, labels: usize) -> FargateProfileSelector {
    (0..labels)
        .fold(
            FargateProfileSelector::builder().namespace(namespace),
            |b, i| b.labels(format!("k{i}"), "v"),
        )
        .build()
}

/// What a failed call reports: code, HTTP status, message.
fn failure<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, SdkError<E, HttpResponse>>,
) -> (String, u16, String) {
    let err = result.expect_err("the call should fail");
    let status = err.raw_response().map_or(0, |r| r.status().as_u16());
    (
        err.code().unwrap_or_default().to_owned(),
        status,
        err.message().unwrap_or_default().to_owned(),
    )
}

type ProfileRow = (
    &'static str,
    Given,
    fn(CreateFargateProfileFluentBuilder) -> CreateFargateProfileFluentBuilder,
    &'static str,
    u16,
    &'static str,
);

#[tokio::test]
async fn create_fargate_profile_refuses_what_eks_refuses() {
    let rows: Vec<ProfileRow> = vec![
        (
            "a name with the reserved prefix",
            Given::ActiveCluster,
            |r| r.fargate_profile_name("eks-fp"),
            "InvalidParameterException",
            400,
            "The fargate profile name starts with the reserved prefix: 'eks-'.",
        ),
        (
            "a name over 100 characters",
            Given::ActiveCluster,
            |r| r.fargate_profile_name("f".repeat(101)),
            "InvalidParameterException",
            400,
            "The Fargate profile name parameter should not be greater than 100 characters.",
        ),
        (
            "a name with characters outside [0-9A-Za-z][A-Za-z0-9-_]*",
            Given::ActiveCluster,
            |r| r.fargate_profile_name("fp.dev"),
            "InvalidParameterException",
            400,
            "The Fargate profile name parameter contains invalid characters. It should conform to the regular expression \"^[0-9A-Za-z][A-Za-z0-9-_]*\"In other words, it should start with a number or letter, and can contain numbers, letters, dashes, and underscores.",
        ),
        (
            "no selectors",
            Given::ActiveCluster,
            |r| r.set_selectors(None),
            "InvalidParameterException",
            400,
            "Fargate Profile requires at least one selector.",
        ),
        (
            "six selectors",
            Given::ActiveCluster,
            |r| r.set_selectors(Some(vec![selector("default", 0); 6])),
            "InvalidParameterException",
            400,
            "Request contains more than 5 Selectors",
        ),
        (
            "a selector without a namespace",
            Given::ActiveCluster,
            |r| {
                r.set_selectors(Some(vec![FargateProfileSelector::builder()
                    .labels("app", "web")
                    .build()]))
            },
            "InvalidParameterException",
            400,
            "Fargate Profile must have at least one selector with at least one namespace value.",
        ),
        (
            "a selector with six labels",
            Given::ActiveCluster,
            |r| r.set_selectors(Some(vec![selector("default", 6)])),
            "InvalidParameterException",
            400,
            "Request contains Selector with more than 5 Label pairs",
        ),
        (
            "a pod execution role ARN that does not parse",
            Given::ActiveCluster,
            |r| r.pod_execution_role_arn("pod-execution"),
            "InvalidParameterException",
            400,
            "Invalid Role Arn: 'pod-execution'",
        ),
        (
            "a cluster that does not exist",
            Given::ActiveCluster,
            |r| r.cluster_name("nope"),
            "ResourceNotFoundException",
            404,
            "No cluster found for name: nope.",
        ),
        (
            "a cluster that is not ACTIVE",
            Given::CreatingCluster,
            |r| r,
            "InvalidRequestException",
            400,
            "Cluster 'c1' is not in ACTIVE status",
        ),
        (
            "a cluster on a platform from before Fargate (1.14, eks.4)",
            Given::PreFargatePlatform,
            |r| r,
            "InvalidRequestException",
            400,
            "Cluster 'c1' runs Kubernetes 1.14 on platform version eks.4, which does not support Fargate. Fargate requires platform version eks.5 or later on Kubernetes 1.14, or Kubernetes 1.15 or later.",
        ),
        (
            "a pod execution role that does not exist",
            Given::ActiveCluster,
            |r| r.pod_execution_role_arn("arn:aws:iam::123456789012:role/missing"),
            "InvalidParameterException",
            400,
            "The role with name missing cannot be found.",
        ),
    ];
    for (why, given, tweak, code, status, message) in rows {
        let world = World::given(given).await;
        let result = tweak(world.create_profile()).send().await;
        assert_eq!(
            failure(result),
            (code.to_owned(), status, message.to_owned()),
            "{why}"
        );
        let listed = world
            .eks
            .list_fargate_profiles()
            .cluster_name(CLUSTER)
            .send()
            .await
            .expect("ListFargateProfiles");
        assert!(
            listed.fargate_profile_names().is_empty(),
            "{why}: nothing created"
        );
    }
}

#[tokio::test]
async fn profiles_that_do_not_exist_are_not_found() {
    let world = World::given(Given::ActiveCluster).await;
    let not_found = || {
        (
            "ResourceNotFoundException".to_owned(),
            404,
            "No Fargate Profile found with name: fp-x.".to_owned(),
        )
    };
    let describe = world
        .eks
        .describe_fargate_profile()
        .cluster_name(CLUSTER)
        .fargate_profile_name("fp-x")
        .send()
        .await;
    assert_eq!(failure(describe), not_found(), "DescribeFargateProfile");
    let delete = world
        .eks
        .delete_fargate_profile()
        .cluster_name(CLUSTER)
        .fargate_profile_name("fp-x")
        .send()
        .await;
    assert_eq!(failure(delete), not_found(), "DeleteFargateProfile");
    let list = world
        .eks
        .list_fargate_profiles()
        .cluster_name("nope")
        .send()
        .await;
    assert_eq!(
        failure(list),
        (
            "ResourceNotFoundException".to_owned(),
            404,
            "No cluster found for name: nope.".to_owned()
        ),
        "ListFargateProfiles on a missing cluster"
    );
    let list = world
        .eks
        .list_fargate_profiles()
        .cluster_name(CLUSTER)
        .max_results(101)
        .send()
        .await;
    assert_eq!(
        failure(list).0,
        "InvalidParameterException",
        "maxResults is 1..100"
    );
}

type NodegroupRow = (
    &'static str,
    Given,
    fn(CreateNodegroupFluentBuilder) -> CreateNodegroupFluentBuilder,
    &'static str,
    u16,
    &'static str,
);

#[tokio::test]
async fn create_nodegroup_refuses_what_eks_refuses() {
    let rows: Vec<NodegroupRow> = vec![
        (
            "a name with a dot",
            Given::ActiveCluster,
            |r| r.nodegroup_name("ng.1"),
            "InvalidParameterException",
            400,
            "The nodegroupName parameter contains invalid characters. It should conform to the regular expression \"^[0-9A-Za-z][A-Za-z0-9-_]*\"In other words, it should start with a number or letter, and can contain numbers, letters, dashes, and underscores.",
        ),
        (
            "minSize over desiredSize",
            Given::ActiveCluster,
            |r| {
                r.scaling_config(
                    NodegroupScalingConfig::builder()
                        .min_size(3)
                        .max_size(5)
                        .desired_size(2)
                        .build(),
                )
            },
            "InvalidParameterException",
            400,
            "minSize can't be greater than desiredSize",
        ),
        (
            "desiredSize over maxSize",
            Given::ActiveCluster,
            |r| {
                r.scaling_config(
                    NodegroupScalingConfig::builder()
                        .min_size(1)
                        .max_size(2)
                        .desired_size(3)
                        .build(),
                )
            },
            "InvalidParameterException",
            400,
            "desiredSize can't be greater than maxSize",
        ),
        (
            "a cluster that is not ACTIVE",
            Given::CreatingCluster,
            |r| r,
            "InvalidRequestException",
            400,
            "Cluster 'c1' is not in ACTIVE status",
        ),
        (
            "a node role that does not exist",
            Given::ActiveCluster,
            |r| r.node_role("arn:aws:iam::123456789012:role/missing"),
            "InvalidParameterException",
            400,
            "The role with name missing cannot be found.",
        ),
    ];
    for (why, given, tweak, code, status, message) in rows {
        let world = World::given(given).await;
        let result = tweak(world.create_nodegroup()).send().await;
        assert_eq!(
            failure(result),
            (code.to_owned(), status, message.to_owned()),
            "{why}"
        );
    }
    let world = World::given(Given::ActiveCluster).await;
    let describe = world
        .eks
        .describe_nodegroup()
        .cluster_name(CLUSTER)
        .nodegroup_name("ng-x")
        .send()
        .await;
    assert_eq!(
        failure(describe),
        (
            "ResourceNotFoundException".to_owned(),
            404,
            "No node group found for name: ng-x.".to_owned()
        )
    );
}

#[tokio::test]
async fn the_admin_api_moves_a_cluster_to_an_older_platform() {
    let world = World::given(Given::ActiveCluster).await;
    let path = format!("/_emulator/eks/clusters/{REGION}/{CLUSTER}/platform-version");
    let answer = world
        .admin_put(&path, r#"{"platformVersion": "eks.4", "version": "1.14"}"#)
        .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let cluster = world
        .eks
        .describe_cluster()
        .name(CLUSTER)
        .send()
        .await
        .expect("DescribeCluster");
    let cluster = cluster.cluster().expect("a cluster");
    assert_eq!(
        (cluster.version(), cluster.platform_version()),
        (Some("1.14"), Some("eks.4"))
    );
    let missing = world
        .admin_put(
            &format!("/_emulator/eks/clusters/{REGION}/nope/platform-version"),
            r#"{"platformVersion": "eks.4"}"#,
        )
        .await;
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
}

// The aws CLI is a blocking child process: the emulator needs another thread to answer it.
#[tokio::test(flavor = "multi_thread")]
async fn the_aws_cli_prints_eks_errors_for_fargate_profiles() {
    let world = World::given(Given::ActiveCluster).await;
    let stderr = run_err(world.emu.aws(REGION).args([
        "eks",
        "create-fargate-profile",
        "--cluster-name",
        CLUSTER,
        "--fargate-profile-name",
        "eks-default",
        "--pod-execution-role-arn",
        POD_ROLE,
        "--selectors",
        "namespace=default",
    ]));
    assert_eq!(
        stderr,
        "An error occurred (InvalidParameterException) when calling the CreateFargateProfile operation: \
         The fargate profile name starts with the reserved prefix: 'eks-'."
    );
    let stderr = run_err(world.emu.aws(REGION).args([
        "eks",
        "describe-fargate-profile",
        "--cluster-name",
        CLUSTER,
        "--fargate-profile-name",
        "fp-x",
    ]));
    assert_eq!(
        stderr,
        "An error occurred (ResourceNotFoundException) when calling the DescribeFargateProfile operation: \
         No Fargate Profile found with name: fp-x."
    );
}
