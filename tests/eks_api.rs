//! EKS wire conformance through aws-sdk-eks: every cluster operation's success path and each error's
//! code, HTTP status and message, on a manual clock.

mod support;

use support::TestEmulator;

#[tokio::test]
async fn support_starts_an_emulator_the_sdk_can_reach() {
    let emu = TestEmulator::start().await;
    let eks = aws_sdk_eks::Client::new(&emu.sdk_config("us-east-1").await);
    let listed = eks
        .list_clusters()
        .send()
        .await
        .expect("ListClusters answers");
    assert!(listed.clusters().is_empty());
}

const REGION: &str = "us-east-1";
const EKS_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const FARGATE_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks-fargate-pods.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// Creates an IAM role trusting `trust` and returns its ARN.
async fn role(emu: &TestEmulator, name: &str, trust: &str) -> String {
    let iam = aws_sdk_iam::Client::new(&emu.sdk_config(REGION).await);
    iam.create_role()
        .role_name(name)
        .assume_role_policy_document(trust)
        .send()
        .await
        .expect("CreateRole")
        .role
        .expect("a role")
        .arn
}

fn vpc_config(subnets: &[&str]) -> aws_sdk_eks::types::VpcConfigRequest {
    aws_sdk_eks::types::VpcConfigRequest::builder()
        .set_subnet_ids(Some(subnets.iter().map(|s| (*s).to_owned()).collect()))
        .build()
}

/// (HTTP status, code, message, clusterName) of a failed EKS call.
fn failure(
    err: aws_sdk_eks::error::SdkError<
        aws_sdk_eks::operation::create_cluster::CreateClusterError,
        aws_sdk_eks::config::http::HttpResponse,
    >,
) -> (u16, String, String) {
    use aws_sdk_eks::error::ProvideErrorMetadata;
    let status = err.raw_response().map_or(0, |r| r.status().as_u16());
    (
        status,
        err.code().unwrap_or_default().to_owned(),
        err.message().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn a_cluster_is_created_with_a_real_role_on_default_subnets_in_their_vpc() {
    let emu = TestEmulator::start().await;
    let eks = aws_sdk_eks::Client::new(&emu.sdk_config(REGION).await);
    let arn = role(&emu, "eks-cluster", EKS_TRUST).await;
    let subnets = emu.default_subnets(REGION);
    let ids: Vec<&str> = subnets.iter().take(2).map(|(id, _)| id.as_str()).collect();
    let cluster = eks
        .create_cluster()
        .name("c1")
        .role_arn(&arn)
        .resources_vpc_config(vpc_config(&ids))
        .send()
        .await
        .expect("CreateCluster")
        .cluster
        .expect("a cluster");
    let vpc = cluster.resources_vpc_config().expect("resourcesVpcConfig");
    let default_vpc = emu.emulator().with_world(|world, _| {
        let scope = world.scope(support::ACCOUNT, REGION);
        scope.region.ec2.default_vpc().map(|v| v.id.clone())
    });
    assert_eq!(vpc.vpc_id(), default_vpc.as_deref());
    let group = vpc
        .cluster_security_group_id()
        .expect("a cluster security group");
    let group_name = emu.emulator().with_world(|world, _| {
        let scope = world.scope(support::ACCOUNT, REGION);
        scope.region.ec2.security_groups[group].name.clone()
    });
    assert!(group_name.starts_with("eks-cluster-sg-c1-"), "{group_name}");

    // When the cluster is gone, so is its security group.
    eks.delete_cluster()
        .name("c1")
        .send()
        .await
        .expect("DeleteCluster");
    emu.advance(300);
    let exists = emu.emulator().with_world(|world, _| {
        let scope = world.scope(support::ACCOUNT, REGION);
        scope.region.ec2.security_groups.contains_key(group)
    });
    assert!(!exists);
}

#[tokio::test]
async fn create_cluster_refuses_roles_and_subnets_as_eks_does() {
    let emu = TestEmulator::start().await;
    let eks = aws_sdk_eks::Client::new(&emu.sdk_config(REGION).await);
    let cluster_role = role(&emu, "eks-cluster", EKS_TRUST).await;
    let pods_role = role(&emu, "pods", FARGATE_TRUST).await;
    let subnets = emu.default_subnets(REGION);
    let (a, b) = (subnets[0].0.as_str(), subnets[1].0.as_str());
    let create = |role: &str, subnets: &[&str]| {
        eks.create_cluster()
            .name("c1")
            .role_arn(role)
            .resources_vpc_config(vpc_config(subnets))
            .send()
    };
    let missing = "arn:aws:iam::123456789012:role/missing";
    for arn in [missing, pods_role.as_str()] {
        let err = failure(create(arn, &[a, b]).await.unwrap_err());
        assert_eq!(
            err,
            (
                400,
                "InvalidParameterException".to_owned(),
                format!("Role with arn: {arn}, could not be assumed because it does not exist or the trusted entity is not correct"),
            )
        );
    }
    let (status, code, message) =
        failure(create(&cluster_role, &[a, "subnet-0"]).await.unwrap_err());
    assert_eq!((status, code.as_str()), (400, "InvalidParameterException"));
    assert!(
        message.starts_with("The subnet ID 'subnet-0' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidSubnetID.NotFound; Request ID: "),
        "{message}"
    );
    assert_eq!(
        failure(create(&cluster_role, &[a]).await.unwrap_err()),
        (
            400,
            "InvalidParameterException".to_owned(),
            "Subnets specified must be in at least two different AZs".to_owned()
        )
    );
    let listed = eks.list_clusters().send().await.unwrap();
    assert!(listed.clusters().is_empty(), "nothing is recorded on error");
}
