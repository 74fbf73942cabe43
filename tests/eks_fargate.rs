//! Fargate profiles and managed nodegroups through the real clients: aws-sdk-eks (one table row per
//! rule, asserting code, HTTP status and message) and the `aws` CLI (errors as it prints them, and
//! its waiters), against an emulator on a manual clock with realistic timing.
//!
//! Each test builds its network and roles once through boto3 in one Python process (what the `aws`
//! CLI runs on; one process instead of one per call keeps the tests fast): a VPC with two private
//! subnets and two public ones (routed to an internet gateway) in two zones, a subnet in another
//! VPC, and the cluster, pod execution and node roles. Rows then each use a cluster of their own.
//! The CLI blocks its thread, so tests that run it use a multi-threaded runtime.

mod support;

use aws_sdk_eks::config::http::HttpResponse;
use aws_sdk_eks::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_eks::operation::create_fargate_profile::builders::CreateFargateProfileFluentBuilder;
use aws_sdk_eks::operation::create_nodegroup::builders::CreateNodegroupFluentBuilder;
use aws_sdk_eks::types::{
    FargateProfileSelector, FargateProfileStatus, NodegroupScalingConfig, NodegroupStatus,
    UpdateStatus, VpcConfigRequest,
};
use serde_json::Value;
use support::{run_err, run_json, TestEmulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const REGION: &str = "us-east-1";

/// Builds the network and roles; prints their ids as JSON.
const NETWORK_SCRIPT: &str = r#"
import json, os, boto3
session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="x", region_name=os.environ["REGION"])
ec2 = session.client("ec2", endpoint_url=os.environ["ENDPOINT"])
iam = session.client("iam", endpoint_url=os.environ["ENDPOINT"])
zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
public_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
out = {"vpc": vpc, "private": [], "public": []}
for i, zone in enumerate(zones):
    private = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{96 + 32 * i}.0/19", AvailabilityZone=zone)["Subnet"]["SubnetId"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{32 * i}.0/19", AvailabilityZone=zone)["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=public, MapPublicIpOnLaunch={"Value": True})
    ec2.associate_route_table(RouteTableId=public_table, SubnetId=public)
    out["private"].append(private)
    out["public"].append(public)
other = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
out["foreign"] = ec2.create_subnet(VpcId=other, CidrBlock="10.1.0.0/24", AvailabilityZone=zones[0])["Subnet"]["SubnetId"]
def role(name, service):
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
out["cluster_role"] = role("eks-cluster", "eks.amazonaws.com")
out["pod_role"] = role("fargate-pods", "eks-fargate-pods.amazonaws.com")
out["node_role"] = role("nodes", "ec2.amazonaws.com")
print(json.dumps(out))
"#;

/// What [`NETWORK_SCRIPT`] made.
struct Network {
    vpc: String,
    private: Vec<String>,
    public: Vec<String>,
    foreign: String,
    cluster_role: String,
    pod_role: String,
    node_role: String,
}

/// An emulator, an EKS client on it, and the network and roles of [`NETWORK_SCRIPT`].
struct World {
    emu: TestEmulator,
    eks: aws_sdk_eks::Client,
    net: Network,
}

/// The state a row's cluster starts in.
#[derive(Debug, Clone, Copy)]
enum Given {
    /// `ACTIVE`, on both private subnets and a public one.
    Active,
    /// Just created, still `CREATING`.
    Creating,
    /// `ACTIVE`, but on Kubernetes 1.14 platform `eks.4`, from before Fargate (admin API).
    PreFargate,
    /// `ACTIVE`, on the public subnets only.
    PublicOnly,
    /// `ACTIVE`, with profile `fp-a` `ACTIVE`.
    ProfileActive,
    /// `ACTIVE`, with profile `fp-a` still `CREATING`.
    ProfileCreating,
    /// `ACTIVE`, with profile `fp-a` `DELETING`.
    ProfileDeleting,
    /// `ACTIVE`, with profiles `fp-a` and `fp-b` `ACTIVE`, then `fp-a` `DELETING`.
    OtherProfileDeleting,
    /// `ACTIVE`, with ten `ACTIVE` profiles.
    TenProfiles,
    /// `ACTIVE`, with nodegroup `ng-a` `ACTIVE`.
    NodegroupActive,
    /// `ACTIVE`, with nodegroup `ng-a` still `CREATING`.
    NodegroupCreating,
}

impl World {
    async fn start() -> Self {
        let emu = TestEmulator::start().await;
        let eks = aws_sdk_eks::Client::new(&emu.sdk_config(REGION).await);
        let out = run_json(
            std::process::Command::new("python3")
                .env("ENDPOINT", emu.url())
                .env("REGION", REGION)
                .env("AWS_CONFIG_FILE", "/dev/null")
                .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
                .args(["-c", NETWORK_SCRIPT]),
        );
        let text = |key: &str| out[key].as_str().expect(key).to_owned();
        let list = |key: &str| -> Vec<String> {
            out[key]
                .as_array()
                .expect(key)
                .iter()
                .map(|v| v.as_str().expect(key).to_owned())
                .collect()
        };
        let net = Network {
            vpc: text("vpc"),
            private: list("private"),
            public: list("public"),
            foreign: text("foreign"),
            cluster_role: text("cluster_role"),
            pod_role: text("pod_role"),
            node_role: text("node_role"),
        };
        Self { emu, eks, net }
    }

    /// Creates cluster `name` and brings it (and what it holds) into the state `given`.
    async fn cluster(&self, name: &str, given: Given) {
        let subnets = match given {
            Given::PublicOnly => self.net.public.clone(),
            _ => vec![
                self.net.private[0].clone(),
                self.net.private[1].clone(),
                self.net.public[0].clone(),
            ],
        };
        self.eks
            .create_cluster()
            .name(name)
            .role_arn(&self.net.cluster_role)
            .resources_vpc_config(
                VpcConfigRequest::builder()
                    .set_subnet_ids(Some(subnets))
                    .build(),
            )
            .send()
            .await
            .expect("CreateCluster");
        if matches!(given, Given::Creating) {
            return;
        }
        self.emu.advance(600);
        let profile = |profile: &str| {
            self.create_profile(name)
                .fargate_profile_name(profile)
                .send()
        };
        match given {
            Given::Active | Given::Creating | Given::PublicOnly => {}
            Given::PreFargate => {
                let answer = self
                    .admin_put(
                        &format!("/_emulator/eks/clusters/{REGION}/{name}/platform-version"),
                        r#"{"platformVersion": "eks.4", "version": "1.14"}"#,
                    )
                    .await;
                assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
            }
            Given::ProfileCreating => {
                profile("fp-a").await.expect("CreateFargateProfile");
            }
            Given::ProfileActive | Given::ProfileDeleting => {
                profile("fp-a").await.expect("CreateFargateProfile");
                self.emu.advance(180);
                if matches!(given, Given::ProfileDeleting) {
                    self.delete_profile(name, "fp-a")
                        .await
                        .expect("DeleteFargateProfile");
                }
            }
            Given::OtherProfileDeleting => {
                for p in ["fp-a", "fp-b"] {
                    profile(p).await.expect("CreateFargateProfile");
                    self.emu.advance(180);
                }
                self.delete_profile(name, "fp-a")
                    .await
                    .expect("DeleteFargateProfile");
            }
            Given::TenProfiles => {
                for i in 0..10 {
                    profile(&format!("fp-{i}"))
                        .await
                        .expect("CreateFargateProfile");
                    self.emu.advance(180);
                }
            }
            Given::NodegroupActive | Given::NodegroupCreating => {
                self.create_nodegroup(name)
                    .nodegroup_name("ng-a")
                    .send()
                    .await
                    .expect("CreateNodegroup");
                if matches!(given, Given::NodegroupActive) {
                    self.emu.advance(180);
                }
            }
        }
    }

    /// `CreateFargateProfile` of `fp-new` on `cluster` for namespace `default`, with no subnets.
    fn create_profile(&self, cluster: &str) -> CreateFargateProfileFluentBuilder {
        self.eks
            .create_fargate_profile()
            .cluster_name(cluster)
            .fargate_profile_name("fp-new")
            .pod_execution_role_arn(&self.net.pod_role)
            .selectors(selector("default", 0))
    }

    async fn delete_profile(
        &self,
        cluster: &str,
        name: &str,
    ) -> Result<
        aws_sdk_eks::operation::delete_fargate_profile::DeleteFargateProfileOutput,
        SdkError<
            aws_sdk_eks::operation::delete_fargate_profile::DeleteFargateProfileError,
            HttpResponse,
        >,
    > {
        self.eks
            .delete_fargate_profile()
            .cluster_name(cluster)
            .fargate_profile_name(name)
            .send()
            .await
    }

    /// `CreateNodegroup` of `ng-new` on `cluster`, on the first private subnet.
    fn create_nodegroup(&self, cluster: &str) -> CreateNodegroupFluentBuilder {
        self.eks
            .create_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name("ng-new")
            .node_role(&self.net.node_role)
            .subnets(&self.net.private[0])
    }

    /// Replaces `{cluster}`, `{vpc}`, `{private}`, `{public}` and `{foreign}` in an expected message.
    fn expand(&self, message: &str, cluster: &str) -> String {
        message
            .replace("{cluster}", cluster)
            .replace("{vpc}", &self.net.vpc)
            .replace("{private}", &self.net.private[0])
            .replace("{public}", &self.net.public[0])
            .replace("{foreign}", &self.net.foreign)
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

    /// An `aws` CLI call that must succeed, with its JSON output (`null` when it prints none).
    fn aws(&self, args: &[&str]) -> Value {
        self.emu.aws_ok(REGION, args)
    }

    /// An `aws` CLI call that must fail, with the last line it printed.
    fn aws_err(&self, args: &[&str]) -> String {
        let stderr = run_err(self.emu.aws(REGION).args(args));
        stderr.lines().last().unwrap_or_default().to_owned()
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

/// `message` with the request id EC2's relayed errors carry replaced by `<request-id>`.
fn mask_request_id(message: &str) -> String {
    match message.split_once("Request ID: ") {
        Some((before, after)) => {
            let rest = after.find(';').map_or("", |end| &after[end..]);
            format!("{before}Request ID: <request-id>{rest}")
        }
        None => message.to_owned(),
    }
}

/// What a failed call reports: code, HTTP status, message (request ids masked).
fn failure<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, SdkError<E, HttpResponse>>,
) -> (String, u16, String) {
    let err = result.expect_err("the call should fail");
    let status = err.raw_response().map_or(0, |r| r.status().as_u16());
    (
        err.code().unwrap_or_default().to_owned(),
        status,
        mask_request_id(err.message().unwrap_or_default()),
    )
}

type ProfileTweak =
    fn(CreateFargateProfileFluentBuilder, &Network) -> CreateFargateProfileFluentBuilder;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_fargate_profile_refuses_what_eks_refuses() {
    let world = World::start().await;
    let rows: Vec<(&str, Given, ProfileTweak, &str, u16, &str)> = vec![
        (
            "a name with the reserved prefix",
            Given::Active,
            |r, _| r.fargate_profile_name("eks-fp"),
            "InvalidParameterException",
            400,
            "The fargate profile name starts with the reserved prefix: 'eks-'.",
        ),
        (
            "a name over 100 characters",
            Given::Active,
            |r, _| r.fargate_profile_name("f".repeat(101)),
            "InvalidParameterException",
            400,
            "The Fargate profile name parameter should not be greater than 100 characters.",
        ),
        (
            "a name with characters outside [0-9A-Za-z][A-Za-z0-9-_]*",
            Given::Active,
            |r, _| r.fargate_profile_name("fp.dev"),
            "InvalidParameterException",
            400,
            "The Fargate profile name parameter contains invalid characters. It should conform to the regular expression \"^[0-9A-Za-z][A-Za-z0-9-_]*\"In other words, it should start with a number or letter, and can contain numbers, letters, dashes, and underscores.",
        ),
        (
            "a name already taken",
            Given::ProfileActive,
            |r, _| r.fargate_profile_name("fp-a"),
            "ResourceInUseException",
            409,
            "A Fargate Profile already exists with this name in this cluster.",
        ),
        (
            "a name already taken, under another client request token",
            Given::ProfileActive,
            |r, _| r.fargate_profile_name("fp-a").client_request_token("another-token"),
            "ResourceInUseException",
            409,
            "A Fargate Profile already exists with this name in this cluster.",
        ),
        (
            "no selectors",
            Given::Active,
            |r, _| r.set_selectors(None),
            "InvalidParameterException",
            400,
            "Fargate Profile requires at least one selector.",
        ),
        (
            "six selectors",
            Given::Active,
            |r, _| r.set_selectors(Some(vec![selector("default", 0); 6])),
            "InvalidParameterException",
            400,
            "Request contains more than 5 Selectors",
        ),
        (
            "a selector without a namespace",
            Given::Active,
            |r, _| {
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
            Given::Active,
            |r, _| r.set_selectors(Some(vec![selector("default", 6)])),
            "InvalidParameterException",
            400,
            "Request contains Selector with more than 5 Label pairs",
        ),
        (
            "an eleventh profile",
            Given::TenProfiles,
            |r, _| r,
            "ResourceLimitExceededException",
            400,
            "Cannot create Fargate Profile fp-new because cluster {cluster} already has 10 Fargate profiles, the maximum allowed",
        ),
        (
            "a pod execution role ARN that does not parse",
            Given::Active,
            |r, _| r.pod_execution_role_arn("fargate-pods"),
            "InvalidParameterException",
            400,
            "Invalid Role Arn: 'fargate-pods'",
        ),
        (
            "a pod execution role that does not exist",
            Given::Active,
            |r, _| r.pod_execution_role_arn("arn:aws:iam::123456789012:role/missing"),
            "InvalidParameterException",
            400,
            "The role with name missing cannot be found.",
        ),
        (
            "a pod execution role that does not trust eks-fargate-pods.amazonaws.com",
            Given::Active,
            |r, net| r.pod_execution_role_arn(&net.node_role),
            "InvalidParameterException",
            400,
            "Misconfigured PodExecutionRole Trust Policy; Please add the eks-fargate-pods.amazonaws.com Service Principal",
        ),
        (
            "a subnet that does not exist",
            Given::Active,
            |r, _| r.subnets("subnet-0123456789abcdef0"),
            "InvalidParameterException",
            400,
            "The subnet ID 'subnet-0123456789abcdef0' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidSubnetID.NotFound; Request ID: <request-id>; Proxy: null)",
        ),
        (
            "a subnet outside the cluster's VPC",
            Given::Active,
            |r, net| r.subnets(&net.foreign),
            "InvalidParameterException",
            400,
            "Specified subnets must belong to cluster's vpc {vpc}",
        ),
        (
            "a public subnet",
            Given::Active,
            |r, net| r.subnets(&net.private[0]).subnets(&net.public[0]),
            "InvalidParameterException",
            400,
            "Subnet {public} provided in Fargate Profile is not a private subnet",
        ),
        (
            "no subnets, on a cluster whose subnets are all public",
            Given::PublicOnly,
            |r, _| r,
            "InvalidParameterException",
            400,
            "No subnets were given, and the subnets provided during cluster creation are all public",
        ),
        (
            "a cluster that does not exist",
            Given::Active,
            |r, _| r.cluster_name("nope"),
            "ResourceNotFoundException",
            404,
            "No cluster found for name: nope.",
        ),
        (
            "a cluster that is not ACTIVE",
            Given::Creating,
            |r, _| r,
            "InvalidRequestException",
            400,
            "Cluster '{cluster}' is not in ACTIVE status",
        ),
        (
            "another profile CREATING",
            Given::ProfileCreating,
            |r, _| r,
            "ResourceInUseException",
            409,
            "Cannot create Fargate Profile fp-new because cluster {cluster} currently has Fargate profile fp-a in status CREATING",
        ),
        (
            "another profile DELETING",
            Given::ProfileDeleting,
            |r, _| r,
            "ResourceInUseException",
            409,
            "Cannot create Fargate Profile fp-new because cluster {cluster} currently has Fargate profile fp-a in status DELETING",
        ),
        (
            "a cluster on a platform from before Fargate (1.14, eks.4)",
            Given::PreFargate,
            |r, _| r,
            "InvalidRequestException",
            400,
            "Cluster '{cluster}' runs Kubernetes 1.14 on platform version eks.4, which does not support Fargate. Fargate requires platform version eks.5 or later on Kubernetes 1.14, or Kubernetes 1.15 or later.",
        ),
    ];
    for (i, (why, given, tweak, code, status, message)) in rows.into_iter().enumerate() {
        let cluster = format!("c{i}");
        world.cluster(&cluster, given).await;
        let before = world
            .eks
            .list_fargate_profiles()
            .cluster_name(&cluster)
            .send()
            .await
            .expect("ListFargateProfiles");
        let result = tweak(world.create_profile(&cluster), &world.net)
            .send()
            .await;
        assert_eq!(
            failure(result),
            (code.to_owned(), status, world.expand(message, &cluster)),
            "{why}"
        );
        let after = world
            .eks
            .list_fargate_profiles()
            .cluster_name(&cluster)
            .send()
            .await
            .expect("ListFargateProfiles");
        assert_eq!(
            before.fargate_profile_names(),
            after.fargate_profile_names(),
            "{why}: nothing created"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_fargate_profile_and_delete_cluster_refuse_what_eks_refuses() {
    let world = World::start().await;
    let rows: Vec<(&str, Given, &str, &str, u16, &str)> = vec![
        (
            "a profile that does not exist",
            Given::Active,
            "fp-x",
            "ResourceNotFoundException",
            404,
            "No Fargate Profile found with name: fp-x.",
        ),
        (
            "a profile already DELETING",
            Given::ProfileDeleting,
            "fp-a",
            "InvalidRequestException",
            400,
            "Fargate Profile is currently not in Active State.",
        ),
        (
            "a profile still CREATING",
            Given::ProfileCreating,
            "fp-a",
            "InvalidRequestException",
            400,
            "Fargate Profile is currently not in Active State.",
        ),
        (
            "while another profile is DELETING",
            Given::OtherProfileDeleting,
            "fp-b",
            "ResourceInUseException",
            409,
            "Cannot Delete Fargate Profile fp-b because cluster {cluster} currently has Fargate profile fp-a in status DELETING",
        ),
    ];
    for (i, (why, given, name, code, status, message)) in rows.into_iter().enumerate() {
        let cluster = format!("d{i}");
        world.cluster(&cluster, given).await;
        assert_eq!(
            failure(world.delete_profile(&cluster, name).await),
            (code.to_owned(), status, world.expand(message, &cluster)),
            "{why}"
        );
    }
    let rows: Vec<(&str, Given, &str)> = vec![
        (
            "an ACTIVE profile",
            Given::ProfileActive,
            "Cluster has Fargate Profiles in ACTIVE/CREATING state",
        ),
        (
            "a CREATING profile",
            Given::ProfileCreating,
            "Cluster has Fargate Profiles in ACTIVE/CREATING state",
        ),
        (
            "a nodegroup",
            Given::NodegroupActive,
            "Cluster has nodegroups attached",
        ),
    ];
    for (i, (why, given, message)) in rows.into_iter().enumerate() {
        let cluster = format!("e{i}");
        world.cluster(&cluster, given).await;
        let result = world.eks.delete_cluster().name(&cluster).send().await;
        assert_eq!(
            failure(result),
            ("ResourceInUseException".to_owned(), 409, message.to_owned()),
            "DeleteCluster with {why}"
        );
    }
    world.cluster("e-deleting", Given::ProfileDeleting).await;
    let deleted = world
        .eks
        .delete_cluster()
        .name("e-deleting")
        .send()
        .await
        .expect("a DELETING profile does not hold the cluster back");
    assert_eq!(
        deleted
            .cluster()
            .and_then(|c| c.status())
            .map(|s| s.as_str()),
        Some("DELETING")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_is_created_listed_tagged_and_retried_as_eks_does() {
    let world = World::start().await;
    world.cluster("c1", Given::Active).await;
    let created = world
        .create_profile("c1")
        .fargate_profile_name("fp-b")
        .client_request_token("token-1")
        .send()
        .await
        .expect("CreateFargateProfile");
    let profile = created.fargate_profile().expect("a profile");
    assert_eq!(profile.status(), Some(&FargateProfileStatus::Creating));
    assert_eq!(
        profile.subnets(),
        world.net.private,
        "the cluster's private subnets"
    );
    let arn = profile.fargate_profile_arn().expect("an ARN");
    assert!(
        arn.starts_with("arn:aws:eks:us-east-1:123456789012:fargateprofile/c1/fp-b/"),
        "{arn}"
    );
    let retried = world
        .create_profile("c1")
        .fargate_profile_name("fp-b")
        .client_request_token("token-1")
        .send()
        .await
        .expect("the same token and parameters are a retry");
    assert_eq!(
        retried
            .fargate_profile()
            .and_then(|p| p.fargate_profile_arn()),
        Some(arn)
    );
    world.emu.advance(180);
    for name in ["fp-c", "fp-a"] {
        world
            .create_profile("c1")
            .fargate_profile_name(name)
            .send()
            .await
            .expect("CreateFargateProfile");
        world.emu.advance(180);
    }
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = world
            .eks
            .list_fargate_profiles()
            .cluster_name("c1")
            .max_results(1)
            .set_next_token(token)
            .send()
            .await
            .expect("ListFargateProfiles");
        names.extend(page.fargate_profile_names().iter().cloned());
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(
        names,
        ["fp-a", "fp-b", "fp-c"],
        "alphabetical, one per page"
    );

    world
        .eks
        .tag_resource()
        .resource_arn(arn)
        .tags("team", "payments")
        .send()
        .await
        .expect("TagResource on a profile");
    let tags = world
        .eks
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .expect("ListTagsForResource");
    assert_eq!(
        tags.tags().and_then(|t| t.get("team")).map(String::as_str),
        Some("payments")
    );
    world
        .eks
        .untag_resource()
        .resource_arn(arn)
        .tag_keys("team")
        .send()
        .await
        .expect("UntagResource");
    let described = world
        .eks
        .describe_fargate_profile()
        .cluster_name("c1")
        .fargate_profile_name("fp-b")
        .send()
        .await
        .expect("DescribeFargateProfile");
    let described = described.fargate_profile().expect("a profile");
    assert_eq!(described.status(), Some(&FargateProfileStatus::Active));
    assert!(described.tags().is_some_and(|t| t.is_empty()));
}

type NodegroupTweak = fn(CreateNodegroupFluentBuilder, &Network) -> CreateNodegroupFluentBuilder;

fn scaling(min: i32, max: i32, desired: i32) -> NodegroupScalingConfig {
    NodegroupScalingConfig::builder()
        .min_size(min)
        .max_size(max)
        .desired_size(desired)
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodegroups_refuse_what_eks_refuses() {
    let world = World::start().await;
    let rows: Vec<(&str, Given, NodegroupTweak, &str, u16, &str)> = vec![
        (
            "a name with a dot",
            Given::Active,
            |r, _| r.nodegroup_name("ng.1"),
            "InvalidParameterException",
            400,
            "The nodegroupName parameter contains invalid characters. It should conform to the regular expression \"^[0-9A-Za-z][A-Za-z0-9-_]*\"In other words, it should start with a number or letter, and can contain numbers, letters, dashes, and underscores.",
        ),
        (
            "minSize over desiredSize",
            Given::Active,
            |r, _| r.scaling_config(scaling(3, 5, 2)),
            "InvalidParameterException",
            400,
            "minSize can't be greater than desiredSize",
        ),
        (
            "desiredSize over maxSize",
            Given::Active,
            |r, _| r.scaling_config(scaling(1, 2, 3)),
            "InvalidParameterException",
            400,
            "desiredSize can't be greater than maxSize",
        ),
        (
            "a cluster that is not ACTIVE",
            Given::Creating,
            |r, _| r,
            "InvalidRequestException",
            400,
            "Cluster '{cluster}' is not in ACTIVE status",
        ),
        (
            "a name already taken",
            Given::NodegroupActive,
            |r, _| r.nodegroup_name("ng-a"),
            "ResourceInUseException",
            409,
            "NodeGroup already exists with name ng-a and cluster name {cluster}",
        ),
        (
            "a node role that does not exist",
            Given::Active,
            |r, _| r.node_role("arn:aws:iam::123456789012:role/missing"),
            "InvalidParameterException",
            400,
            "The role with name missing cannot be found.",
        ),
        (
            "a subnet that does not exist",
            Given::Active,
            |r, _| r.subnets("subnet-0123456789abcdef0"),
            "InvalidParameterException",
            400,
            "The subnet ID 'subnet-0123456789abcdef0' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidSubnetID.NotFound; Request ID: <request-id>; Proxy: null)",
        ),
        (
            "a subnet outside the cluster's VPC",
            Given::Active,
            |r, net| r.subnets(&net.foreign),
            "InvalidParameterException",
            400,
            "Specified subnets must belong to cluster's vpc {vpc}",
        ),
    ];
    for (i, (why, given, tweak, code, status, message)) in rows.into_iter().enumerate() {
        let cluster = format!("n{i}");
        world.cluster(&cluster, given).await;
        let result = tweak(world.create_nodegroup(&cluster), &world.net)
            .send()
            .await;
        assert_eq!(
            failure(result),
            (code.to_owned(), status, world.expand(message, &cluster)),
            "{why}"
        );
    }

    world.cluster("u0", Given::NodegroupCreating).await;
    let update = |cluster: &'static str, config: NodegroupScalingConfig| {
        world
            .eks
            .update_nodegroup_config()
            .cluster_name(cluster)
            .nodegroup_name("ng-a")
            .scaling_config(config)
            .send()
    };
    assert_eq!(
        failure(update("u0", NodegroupScalingConfig::builder().max_size(3).build()).await),
        (
            "ResourceInUseException".to_owned(),
            409,
            "Nodegroup ng-a cannot be updated because it is currently in status CREATING"
                .to_owned()
        ),
        "an update while CREATING"
    );
    world.cluster("u1", Given::NodegroupActive).await;
    assert_eq!(
        failure(
            update(
                "u1",
                NodegroupScalingConfig::builder()
                    .min_size(3)
                    .max_size(5)
                    .build()
            )
            .await
        ),
        (
            "InvalidParameterException".to_owned(),
            400,
            "Minimum capacity 3 can't be greater than desired size 2".to_owned()
        ),
        "an update with the minimum over the desired size"
    );
    let describe = world
        .eks
        .describe_nodegroup()
        .cluster_name("u1")
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nodegroup_scales_through_an_update() {
    let world = World::start().await;
    world.cluster("c1", Given::Active).await;
    let created = world
        .create_nodegroup("c1")
        .labels("role", "web")
        .send()
        .await
        .expect("CreateNodegroup");
    let ng = created.nodegroup().expect("a nodegroup");
    assert_eq!(ng.status(), Some(&NodegroupStatus::Creating));
    let sizes = ng.scaling_config().expect("scalingConfig");
    assert_eq!(
        (sizes.min_size(), sizes.max_size(), sizes.desired_size()),
        (Some(2), Some(2), Some(2))
    );
    assert_eq!(ng.disk_size(), Some(20));
    assert_eq!(ng.instance_types(), ["t3.medium"]);
    world.emu.advance(180);
    let described = world
        .eks
        .describe_nodegroup()
        .cluster_name("c1")
        .nodegroup_name("ng-new")
        .send()
        .await
        .expect("DescribeNodegroup");
    let ng = described.nodegroup().expect("a nodegroup");
    assert_eq!(ng.status(), Some(&NodegroupStatus::Active));
    let groups = ng.resources().expect("resources").auto_scaling_groups();
    assert!(
        groups[0]
            .name()
            .is_some_and(|n| n.starts_with("eks-ng-new-")),
        "{groups:?}"
    );

    let update = world
        .eks
        .update_nodegroup_config()
        .cluster_name("c1")
        .nodegroup_name("ng-new")
        .scaling_config(scaling(1, 4, 3))
        .send()
        .await
        .expect("UpdateNodegroupConfig");
    let update = update.update().expect("an update");
    let id = update.id().expect("an id").to_owned();
    assert_eq!(update.status(), Some(&UpdateStatus::InProgress));
    let listed = world
        .eks
        .list_updates()
        .name("c1")
        .nodegroup_name("ng-new")
        .send()
        .await
        .expect("ListUpdates");
    assert_eq!(listed.update_ids(), std::slice::from_ref(&id));
    world.emu.advance(60);
    let done = world
        .eks
        .describe_update()
        .name("c1")
        .nodegroup_name("ng-new")
        .update_id(&id)
        .send()
        .await
        .expect("DescribeUpdate");
    assert_eq!(
        done.update().and_then(|u| u.status()),
        Some(&UpdateStatus::Successful)
    );
    let described = world
        .eks
        .describe_nodegroup()
        .cluster_name("c1")
        .nodegroup_name("ng-new")
        .send()
        .await
        .expect("DescribeNodegroup");
    let ng = described.nodegroup().expect("a nodegroup");
    assert_eq!(ng.status(), Some(&NodegroupStatus::Active));
    assert_eq!(ng.scaling_config().and_then(|s| s.desired_size()), Some(3));
    let arn = ng.nodegroup_arn().expect("an ARN").to_owned();
    world
        .eks
        .tag_resource()
        .resource_arn(&arn)
        .tags("team", "web")
        .send()
        .await
        .expect("TagResource on a nodegroup");
    let listed = world
        .eks
        .list_nodegroups()
        .cluster_name("c1")
        .send()
        .await
        .expect("ListNodegroups");
    assert_eq!(listed.nodegroups(), ["ng-new"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_api_moves_a_cluster_to_an_older_platform() {
    let world = World::start().await;
    world.cluster("c1", Given::Active).await;
    let answer = world
        .admin_put(
            &format!("/_emulator/eks/clusters/{REGION}/c1/platform-version"),
            r#"{"platformVersion": "eks.4", "version": "1.14"}"#,
        )
        .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let cluster = world
        .eks
        .describe_cluster()
        .name("c1")
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
    let rows = [
        (
            r#"{"platformVersion": "4"}"#,
            "a platform version not eks.N",
        ),
        (
            r#"{"platformVersion": "eks.4", "version": "one"}"#,
            "a version not major.minor",
        ),
        (r#"{"platform": "eks.4"}"#, "an unknown member"),
    ];
    for (body, why) in rows {
        let answer = world
            .admin_put(
                &format!("/_emulator/eks/clusters/{REGION}/c1/platform-version"),
                body,
            )
            .await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{why}: {answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_prints_eks_errors_for_fargate_profiles() {
    let world = World::start().await;
    world.cluster("c1", Given::Active).await;
    let pod_role = world.net.pod_role.clone();
    let rows: [(&str, Vec<&str>, &str); 3] = [
        (
            "a name with the reserved prefix",
            vec![
                "eks",
                "create-fargate-profile",
                "--cluster-name",
                "c1",
                "--fargate-profile-name",
                "eks-default",
                "--pod-execution-role-arn",
                &pod_role,
                "--selectors",
                "namespace=default",
            ],
            "An error occurred (InvalidParameterException) when calling the CreateFargateProfile operation: The fargate profile name starts with the reserved prefix: 'eks-'.",
        ),
        (
            "a name with a dot",
            vec![
                "eks",
                "create-fargate-profile",
                "--cluster-name",
                "c1",
                "--fargate-profile-name",
                "fp.dev",
                "--pod-execution-role-arn",
                &pod_role,
                "--selectors",
                "namespace=default",
            ],
            "An error occurred (InvalidParameterException) when calling the CreateFargateProfile operation: The Fargate profile name parameter contains invalid characters. It should conform to the regular expression \"^[0-9A-Za-z][A-Za-z0-9-_]*\"In other words, it should start with a number or letter, and can contain numbers, letters, dashes, and underscores.",
        ),
        (
            "a profile that does not exist",
            vec![
                "eks",
                "describe-fargate-profile",
                "--cluster-name",
                "c1",
                "--fargate-profile-name",
                "fp-x",
            ],
            "An error occurred (ResourceNotFoundException) when calling the DescribeFargateProfile operation: No Fargate Profile found with name: fp-x.",
        ),
    ];
    for (why, args, expected) in rows {
        assert_eq!(world.aws_err(&args), expected, "{why}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_creates_waits_for_and_deletes_a_profile() {
    let world = World::start().await;
    world.cluster("c1", Given::Active).await;
    let created = world.aws(&[
        "eks",
        "create-fargate-profile",
        "--cluster-name",
        "c1",
        "--fargate-profile-name",
        "fp-default",
        "--pod-execution-role-arn",
        &world.net.pod_role,
        "--selectors",
        "namespace=default",
        "namespace=dev,labels={env=dev}",
    ]);
    let profile = &created["fargateProfile"];
    assert_eq!(profile["status"], "CREATING");
    assert_eq!(
        profile["selectors"],
        serde_json::json!([{"namespace": "default"}, {"namespace": "dev", "labels": {"env": "dev"}}]),
        "a selector without labels has no labels key"
    );
    assert_eq!(
        profile["tags"],
        serde_json::json!({}),
        "tags are always there"
    );
    assert_eq!(profile["subnets"], serde_json::json!(world.net.private));
    let describe = [
        "eks",
        "describe-fargate-profile",
        "--cluster-name",
        "c1",
        "--fargate-profile-name",
        "fp-default",
    ];
    world.emu.advance(179);
    assert_eq!(world.aws(&describe)["fargateProfile"]["status"], "CREATING");
    world.emu.advance(1);
    let waited = world.aws(&[
        "eks",
        "wait",
        "fargate-profile-active",
        "--cluster-name",
        "c1",
        "--fargate-profile-name",
        "fp-default",
    ]);
    assert_eq!(waited, Value::Null);
    assert_eq!(world.aws(&describe)["fargateProfile"]["status"], "ACTIVE");

    let deleted = world.aws(&[
        "eks",
        "delete-fargate-profile",
        "--cluster-name",
        "c1",
        "--fargate-profile-name",
        "fp-default",
    ]);
    assert_eq!(deleted["fargateProfile"]["status"], "DELETING");
    assert_eq!(world.aws(&describe)["fargateProfile"]["status"], "DELETING");
    world.emu.advance(119);
    assert_eq!(
        world.aws(&describe)["fargateProfile"]["status"],
        "DELETING",
        "still DELETING one second before the deletion delay"
    );
    world.emu.advance(1);
    world.aws(&[
        "eks",
        "wait",
        "fargate-profile-deleted",
        "--cluster-name",
        "c1",
        "--fargate-profile-name",
        "fp-default",
    ]);
    assert_eq!(
        world.aws_err(&describe),
        "An error occurred (ResourceNotFoundException) when calling the DescribeFargateProfile operation: No Fargate Profile found with name: fp-default."
    );
}

/// The `fargate-profile-active` waiter polls DescribeFargateProfile every 10 seconds: it starts
/// while the profile is CREATING and ends once the clock, moved meanwhile, has made it ACTIVE.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fargate_profile_active_waiter_polls_until_the_clock_makes_it_active() {
    let world = World::start().await;
    world.cluster("c1", Given::ProfileCreating).await;
    let mut waiter = world
        .emu
        .aws(REGION)
        .args([
            "eks",
            "wait",
            "fargate-profile-active",
            "--cluster-name",
            "c1",
            "--fargate-profile-name",
            "fp-a",
        ])
        .spawn()
        .expect("aws eks wait starts");
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert!(
        waiter.try_wait().expect("waiter status").is_none(),
        "the waiter is still polling a CREATING profile"
    );
    world.emu.advance(180);
    let status = tokio::task::spawn_blocking(move || waiter.wait())
        .await
        .expect("joined")
        .expect("waiter exits");
    assert!(status.success(), "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_waits_for_nodegroups() {
    let world = World::start().await;
    world.cluster("c1", Given::Active).await;
    let created = world.aws(&[
        "eks",
        "create-nodegroup",
        "--cluster-name",
        "c1",
        "--nodegroup-name",
        "ng-1",
        "--node-role",
        &world.net.node_role,
        "--subnets",
        &world.net.private[0],
        &world.net.private[1],
        "--scaling-config",
        "minSize=1,maxSize=3,desiredSize=1",
    ]);
    assert_eq!(created["nodegroup"]["status"], "CREATING");
    assert_eq!(created["nodegroup"]["tags"], serde_json::json!({}));
    let wait = |waiter: &str| {
        world.aws(&[
            "eks",
            "wait",
            waiter,
            "--cluster-name",
            "c1",
            "--nodegroup-name",
            "ng-1",
        ])
    };
    world.emu.advance(180);
    wait("nodegroup-active");
    let update = world.aws(&[
        "eks",
        "update-nodegroup-config",
        "--cluster-name",
        "c1",
        "--nodegroup-name",
        "ng-1",
        "--scaling-config",
        "desiredSize=2",
    ]);
    assert_eq!(update["update"]["status"], "InProgress");
    assert_eq!(
        update["update"]["params"],
        serde_json::json!([{"type": "DesiredSize", "value": "2"}])
    );
    world.emu.advance(60);
    wait("nodegroup-active");
    world.aws(&[
        "eks",
        "delete-nodegroup",
        "--cluster-name",
        "c1",
        "--nodegroup-name",
        "ng-1",
    ]);
    world.emu.advance(240);
    wait("nodegroup-deleted");
}
