//! The profile commands against recorded real-AWS-shaped responses (`StaticReplayClient`), with no
//! endpoint override: the SDK resolves real AWS endpoints and gets back what EKS, STS and
//! CloudFormation answer. This proves the commands need nothing emulator-only. Each test checks
//! the exact output and the exact sequence of calls.

use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use ekscli::{Context, Sleeper};

const CLUSTER: &str = "fargate-example-cluster";
const ROLE: &str =
    "arn:aws:iam::123456789012:role/eksctl-fargate-example-cluster-ServiceRole-1T5F78E5FSH79";

fn event(uri: &str, content_type: &str, body: String) -> ReplayEvent {
    ReplayEvent::new(
        http::Request::builder()
            .uri(uri)
            .body(SdkBody::empty())
            .unwrap(),
        http::Response::builder()
            .status(200)
            .header("content-type", content_type)
            .header("x-amzn-requestid", "0b7ee9f0-1111-4a4a-9d5d-8c3c2f1e0a01")
            .body(SdkBody::from(body))
            .unwrap(),
    )
}

fn json(uri: &str, body: &str) -> ReplayEvent {
    event(uri, "application/json", body.to_owned())
}

fn xml(uri: &str, body: &str) -> ReplayEvent {
    event(uri, "text/xml", body.to_owned())
}

fn caller_identity() -> ReplayEvent {
    xml(
        "https://sts.ap-northeast-1.amazonaws.com/",
        r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/marc</Arn>
    <UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>"#,
    )
}

fn describe_cluster(version: &str, platform: &str) -> ReplayEvent {
    json(
        &format!("https://eks.ap-northeast-1.amazonaws.com/clusters/{CLUSTER}"),
        &format!(
            r#"{{"cluster":{{"name":"{CLUSTER}","arn":"arn:aws:eks:ap-northeast-1:123456789012:cluster/{CLUSTER}","createdAt":1.574845466123E9,"version":"{version}","endpoint":"https://A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6.gr7.ap-northeast-1.eks.amazonaws.com","roleArn":"arn:aws:iam::123456789012:role/eksctl-{CLUSTER}-ServiceRole-1T5F78E5FSH79","resourcesVpcConfig":{{"subnetIds":["subnet-00adf1d8c99f83381","subnet-04affb163ffab17d4","subnet-035b34379d5ef5473"],"securityGroupIds":["sg-0b44f2d0a2b62a7b4"],"clusterSecurityGroupId":"sg-0c4e2f1b4a1e0c2d3","vpcId":"vpc-0e5a3f4c2b1d0e9f8","endpointPublicAccess":true,"endpointPrivateAccess":false,"publicAccessCidrs":["0.0.0.0/0"]}},"kubernetesNetworkConfig":{{"serviceIpv4Cidr":"10.100.0.0/16","ipFamily":"ipv4"}},"logging":{{"clusterLogging":[{{"types":["api","audit","authenticator","controllerManager","scheduler"],"enabled":false}}]}},"identity":{{"oidc":{{"issuer":"https://oidc.eks.ap-northeast-1.amazonaws.com/id/A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6"}}}},"status":"ACTIVE","certificateAuthority":{{"data":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="}},"platformVersion":"{platform}","tags":{{}}}}}}"#
        ),
    )
}

fn list_profiles(names: &[&str]) -> ReplayEvent {
    let names: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    json(
        &format!("https://eks.ap-northeast-1.amazonaws.com/clusters/{CLUSTER}/fargate-profiles"),
        &format!(
            r#"{{"fargateProfileNames":[{}],"nextToken":null}}"#,
            names.join(",")
        ),
    )
}

fn profile_body(name: &str, status: &str) -> String {
    format!(
        r#"{{"fargateProfile":{{"fargateProfileName":"{name}","fargateProfileArn":"arn:aws:eks:ap-northeast-1:123456789012:fargateprofile/{CLUSTER}/{name}/42b7408c-7353-1f02-6b48-b8e6b1bb7b51","clusterName":"{CLUSTER}","createdAt":1.574849060563E9,"podExecutionRoleArn":"{ROLE}","subnets":["subnet-00adf1d8c99f83381","subnet-04affb163ffab17d4","subnet-035b34379d5ef5473"],"selectors":[{{"namespace":"dev","labels":{{}}}}],"status":"{status}","tags":{{}}}}}}"#
    )
}

fn profile(method_uri: &str, name: &str, status: &str) -> ReplayEvent {
    event(method_uri, "application/json", profile_body(name, status))
}

/// Runs ekscli in a context whose HTTP client is `client`; returns (code, stdout, stderr).
async fn run(client: &StaticReplayClient, args: &[&str]) -> (u8, String, String) {
    let mut ctx = Context::isolated();
    ctx.http_client = Some(aws_sdk_eks::config::SharedHttpClient::new(client.clone()));
    ctx.credentials = Some(aws_credential_types::Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        None,
        None,
        "static",
    ));
    ctx.sleeper = Sleeper::new(|_| Box::pin(async {}));
    let mut argv = vec!["ekscli"];
    argv.extend_from_slice(args);
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let status = ekscli::run_with(&ctx, argv, &mut stdout, &mut stderr).await;
    (
        status.code(),
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

/// The calls made, as `METHOD host path` (plus the `Action` of query-protocol calls).
fn calls(client: &StaticReplayClient) -> Vec<String> {
    client
        .actual_requests()
        .map(|r| {
            let uri: http::Uri = r.uri().parse().unwrap();
            let mut call = format!(
                "{} {}{}",
                r.method(),
                uri.host().unwrap_or_default(),
                uri.path()
            );
            let body = String::from_utf8_lossy(r.body().bytes().unwrap_or_default()).into_owned();
            if let Some(action) = body.split('&').find_map(|p| p.strip_prefix("Action=")) {
                call.push_str(&format!(" Action={action}"));
            }
            call
        })
        .collect()
}

#[tokio::test]
async fn get_fargateprofile_prints_the_seed_pages_yaml() {
    let client = StaticReplayClient::new(vec![
        caller_identity(),
        describe_cluster("1.14", "eks.5"),
        list_profiles(&["fp-9bfc77ad"]),
        profile(
            &format!("https://eks.ap-northeast-1.amazonaws.com/clusters/{CLUSTER}/fargate-profiles/fp-9bfc77ad"),
            "fp-9bfc77ad",
            "ACTIVE",
        ),
    ]);
    let (code, stdout, stderr) = run(
        &client,
        &[
            "get",
            "fargateprofile",
            "--cluster",
            CLUSTER,
            "--region",
            "ap-northeast-1",
            "-o",
            "yaml",
        ],
    )
    .await;
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(
        stdout,
        format!(
            "- name: fp-9bfc77ad
  podExecutionRoleARN: {ROLE}
  selectors:
  - namespace: dev
  subnets:
  - subnet-00adf1d8c99f83381
  - subnet-04affb163ffab17d4
  - subnet-035b34379d5ef5473
"
        )
    );
    assert_eq!(
        calls(&client),
        [
            "POST sts.ap-northeast-1.amazonaws.com/ Action=GetCallerIdentity",
            "GET eks.ap-northeast-1.amazonaws.com/clusters/fargate-example-cluster",
            "GET eks.ap-northeast-1.amazonaws.com/clusters/fargate-example-cluster/fargate-profiles",
            "GET eks.ap-northeast-1.amazonaws.com/clusters/fargate-example-cluster/fargate-profiles/fp-9bfc77ad",
        ]
    );
}

#[tokio::test]
async fn create_fargateprofile_takes_the_role_from_the_cluster_stack_and_waits_for_active() {
    let stack_id = format!("arn:aws:cloudformation:ap-northeast-1:123456789012:stack/eksctl-{CLUSTER}-cluster/8d2a4f50-10e9-11ea-8b6e-0a5c9bd2c4ae");
    let client = StaticReplayClient::new(vec![
        caller_identity(),
        describe_cluster("1.14", "eks.5"),
        xml(
            "https://cloudformation.ap-northeast-1.amazonaws.com/",
            &format!(
                r#"<ListStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <ListStacksResult>
    <StackSummaries>
      <member>
        <StackId>{stack_id}</StackId>
        <StackStatus>CREATE_COMPLETE</StackStatus>
        <StackName>eksctl-{CLUSTER}-cluster</StackName>
        <CreationTime>2019-11-27T09:04:26.345Z</CreationTime>
        <TemplateDescription>EKS cluster (dedicated VPC: true, dedicated IAM: true) [created and managed by eksctl]</TemplateDescription>
      </member>
      <member>
        <StackId>arn:aws:cloudformation:ap-northeast-1:123456789012:stack/some-other-stack/1d2a4f50-10e9-11ea-8b6e-0a5c9bd2c4ae</StackId>
        <StackStatus>CREATE_COMPLETE</StackStatus>
        <StackName>some-other-stack</StackName>
        <CreationTime>2019-11-20T09:04:26.345Z</CreationTime>
      </member>
    </StackSummaries>
  </ListStacksResult>
  <ResponseMetadata>
    <RequestId>5ccc7dcd-744c-11e5-be70-1b08c228efb3</RequestId>
  </ResponseMetadata>
</ListStacksResponse>"#
            ),
        ),
        xml(
            "https://cloudformation.ap-northeast-1.amazonaws.com/",
            &format!(
                r#"<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <DescribeStacksResult>
    <Stacks>
      <member>
        <StackName>eksctl-{CLUSTER}-cluster</StackName>
        <StackId>{stack_id}</StackId>
        <Description>EKS cluster (dedicated VPC: true, dedicated IAM: true) [created and managed by eksctl]</Description>
        <CreationTime>2019-11-27T09:04:26.345Z</CreationTime>
        <StackStatus>CREATE_COMPLETE</StackStatus>
        <DisableRollback>false</DisableRollback>
        <Capabilities><member>CAPABILITY_IAM</member></Capabilities>
        <Outputs>
          <member>
            <OutputKey>FargatePodExecutionRoleARN</OutputKey>
            <OutputValue>{ROLE}</OutputValue>
            <ExportName>eksctl-{CLUSTER}-cluster::FargatePodExecutionRoleARN</ExportName>
          </member>
          <member>
            <OutputKey>VPC</OutputKey>
            <OutputValue>vpc-0e5a3f4c2b1d0e9f8</OutputValue>
            <ExportName>eksctl-{CLUSTER}-cluster::VPC</ExportName>
          </member>
        </Outputs>
        <Tags>
          <member><Key>alpha.eksctl.io/cluster-name</Key><Value>{CLUSTER}</Value></member>
          <member><Key>eksctl.cluster.k8s.io/v1alpha1/cluster-name</Key><Value>{CLUSTER}</Value></member>
        </Tags>
        <EnableTerminationProtection>true</EnableTerminationProtection>
      </member>
    </Stacks>
  </DescribeStacksResult>
  <ResponseMetadata>
    <RequestId>b9b4b068-3a41-11e5-94eb-example</RequestId>
  </ResponseMetadata>
</DescribeStacksResponse>"#
            ),
        ),
        list_profiles(&[]),
        profile(
            &format!("https://eks.ap-northeast-1.amazonaws.com/clusters/{CLUSTER}/fargate-profiles"),
            "fp-development",
            "CREATING",
        ),
        profile(
            &format!("https://eks.ap-northeast-1.amazonaws.com/clusters/{CLUSTER}/fargate-profiles/fp-development"),
            "fp-development",
            "CREATING",
        ),
        profile(
            &format!("https://eks.ap-northeast-1.amazonaws.com/clusters/{CLUSTER}/fargate-profiles/fp-development"),
            "fp-development",
            "ACTIVE",
        ),
    ]);
    let (code, stdout, stderr) = run(
        &client,
        &[
            "create",
            "fargateprofile",
            "--namespace",
            "dev",
            "--cluster",
            CLUSTER,
            "--name",
            "fp-development",
            "--region",
            "ap-northeast-1",
        ],
    )
    .await;
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(
        stdout,
        "[ℹ]  creating Fargate profile \"fp-development\" on EKS cluster \"fargate-example-cluster\"\n\
         [ℹ]  created Fargate profile \"fp-development\" on EKS cluster \"fargate-example-cluster\"\n"
    );
    assert_eq!(
        calls(&client),
        [
            "POST sts.ap-northeast-1.amazonaws.com/ Action=GetCallerIdentity",
            "GET eks.ap-northeast-1.amazonaws.com/clusters/fargate-example-cluster",
            "POST cloudformation.ap-northeast-1.amazonaws.com/ Action=ListStacks",
            "POST cloudformation.ap-northeast-1.amazonaws.com/ Action=DescribeStacks",
            "GET eks.ap-northeast-1.amazonaws.com/clusters/fargate-example-cluster/fargate-profiles",
            "POST eks.ap-northeast-1.amazonaws.com/clusters/fargate-example-cluster/fargate-profiles",
            "GET eks.ap-northeast-1.amazonaws.com/clusters/fargate-example-cluster/fargate-profiles/fp-development",
            "GET eks.ap-northeast-1.amazonaws.com/clusters/fargate-example-cluster/fargate-profiles/fp-development",
        ]
    );
    // The create request carries the role from the stack, the selector, and no subnets.
    let create = client.actual_requests().nth(5).unwrap();
    let body: serde_json::Value = serde_json::from_slice(create.body().bytes().unwrap()).unwrap();
    assert_eq!(body["podExecutionRoleArn"], ROLE);
    assert_eq!(body["selectors"], serde_json::json!([{"namespace": "dev"}]));
    assert!(body.get("subnets").is_none());
}

#[tokio::test]
async fn delete_fargateprofile_wait_returns_only_once_the_profile_is_gone() {
    let base =
        format!("https://eks.ap-northeast-1.amazonaws.com/clusters/{CLUSTER}/fargate-profiles");
    let client = StaticReplayClient::new(vec![
        caller_identity(),
        describe_cluster("1.15", "eks.1"),
        profile(&format!("{base}/fp-9bfc77ad"), "fp-9bfc77ad", "DELETING"),
        list_profiles(&["fp-9bfc77ad"]),
        list_profiles(&["fp-9bfc77ad"]),
        list_profiles(&[]),
    ]);
    let (code, stdout, stderr) = run(
        &client,
        &[
            "delete",
            "fargateprofile",
            "--cluster",
            CLUSTER,
            "--name",
            "fp-9bfc77ad",
            "--wait",
            "--region",
            "ap-northeast-1",
        ],
    )
    .await;
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(
        stdout,
        "[ℹ]  deleting Fargate profile \"fp-9bfc77ad\" on EKS cluster \"fargate-example-cluster\"\n\
         [ℹ]  deleted Fargate profile \"fp-9bfc77ad\" on EKS cluster \"fargate-example-cluster\"\n"
    );
    let calls = calls(&client);
    assert_eq!(calls[2], format!("DELETE eks.ap-northeast-1.amazonaws.com/clusters/{CLUSTER}/fargate-profiles/fp-9bfc77ad"));
    assert_eq!(calls.len(), 6, "three list polls: {calls:?}");
}

#[tokio::test]
async fn the_eks5_check_refuses_an_old_platform_before_any_profile_call() {
    let client =
        StaticReplayClient::new(vec![caller_identity(), describe_cluster("1.14", "eks.4")]);
    let (code, stdout, stderr) = run(
        &client,
        &[
            "get",
            "fargateprofile",
            "--cluster",
            CLUSTER,
            "--region",
            "ap-northeast-1",
        ],
    )
    .await;
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "Error: Fargate is not supported for this cluster version. Please update the cluster to be at least eks.5\n"
    );
    assert_eq!(calls(&client).len(), 2);
}

const CFN: &str = "https://cloudformation.ap-northeast-1.amazonaws.com/";

fn list_stacks(names: &[&str]) -> ReplayEvent {
    let members: String = names
        .iter()
        .map(|n| {
            format!(
                "<member><StackId>arn:aws:cloudformation:ap-northeast-1:123456789012:stack/{n}/8d2a4f50-10e9-11ea-8b6e-0a5c9bd2c4ae</StackId><StackStatus>CREATE_COMPLETE</StackStatus><StackName>{n}</StackName><CreationTime>2019-11-27T09:04:26.345Z</CreationTime></member>"
            )
        })
        .collect();
    xml(
        CFN,
        &format!(
            r#"<ListStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><ListStacksResult><StackSummaries>{members}</StackSummaries></ListStacksResult><ResponseMetadata><RequestId>5ccc7dcd-744c-11e5-be70-1b08c228efb3</RequestId></ResponseMetadata></ListStacksResponse>"#
        ),
    )
}

fn describe_stack(name: &str, status: &str, outputs: &[(&str, &str)]) -> ReplayEvent {
    let outputs: String = outputs
        .iter()
        .map(|(k, v)| {
            format!("<member><OutputKey>{k}</OutputKey><OutputValue>{v}</OutputValue></member>")
        })
        .collect();
    xml(
        CFN,
        &format!(
            r#"<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>{name}</StackName><StackId>arn:aws:cloudformation:ap-northeast-1:123456789012:stack/{name}/8d2a4f50-10e9-11ea-8b6e-0a5c9bd2c4ae</StackId><CreationTime>2019-11-27T09:04:26.345Z</CreationTime><StackStatus>{status}</StackStatus><Outputs>{outputs}</Outputs><Tags><member><Key>alpha.eksctl.io/cluster-name</Key><Value>{CLUSTER}</Value></member><member><Key>eksctl.cluster.k8s.io/v1alpha1/cluster-name</Key><Value>{CLUSTER}</Value></member></Tags></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>b9b4b068-3a41-11e5-94eb-0a5c9bd2c4ae</RequestId></ResponseMetadata></DescribeStacksResponse>"#
        ),
    )
}

fn cfn_empty(action: &str) -> ReplayEvent {
    xml(
        CFN,
        &format!(
            r#"<{action}Response xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><ResponseMetadata><RequestId>c9b4b068-3a41-11e5-94eb-0a5c9bd2c4ae</RequestId></ResponseMetadata></{action}Response>"#
        ),
    )
}

fn actions(client: &StaticReplayClient) -> Vec<String> {
    calls(client)
        .into_iter()
        .map(|c| match c.split_once(" Action=") {
            Some((_, action)) => action.to_owned(),
            None => c,
        })
        .collect()
}

#[tokio::test]
async fn create_fargateprofile_on_an_unowned_cluster_creates_the_fargate_role_stack() {
    let fargate = format!("eksctl-{CLUSTER}-fargate");
    let role = "arn:aws:iam::123456789012:role/eksctl-fargate-example-cluster-FargatePodExecutionRole-1G0J6O8QXAKS5";
    let base =
        format!("https://eks.ap-northeast-1.amazonaws.com/clusters/{CLUSTER}/fargate-profiles");
    let client = StaticReplayClient::new(vec![
        caller_identity(),
        describe_cluster("1.32", "eks.30"),
        list_stacks(&["some-other-stack"]),
        list_stacks(&["some-other-stack"]),
        xml(
            CFN,
            &format!(
                r#"<CreateStackResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><CreateStackResult><StackId>arn:aws:cloudformation:ap-northeast-1:123456789012:stack/{fargate}/8d2a4f50-10e9-11ea-8b6e-0a5c9bd2c4ae</StackId></CreateStackResult><ResponseMetadata><RequestId>d9b4b068-3a41-11e5-94eb-0a5c9bd2c4ae</RequestId></ResponseMetadata></CreateStackResponse>"#
            ),
        ),
        describe_stack(&fargate, "CREATE_IN_PROGRESS", &[]),
        describe_stack(
            &fargate,
            "CREATE_COMPLETE",
            &[("FargatePodExecutionRoleARN", role)],
        ),
        list_profiles(&[]),
        profile(&base, "fp-test", "CREATING"),
        profile(&format!("{base}/fp-test"), "fp-test", "ACTIVE"),
    ]);
    let (code, stdout, stderr) = run(
        &client,
        &[
            "create",
            "fargateprofile",
            "fp-test",
            "--namespace",
            "default",
            "--cluster",
            CLUSTER,
            "--region",
            "ap-northeast-1",
        ],
    )
    .await;
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(
        stdout,
        format!(
            "[ℹ]  deploying stack \"{fargate}\"\n\
             [ℹ]  waiting for CloudFormation stack \"{fargate}\"\n\
             [ℹ]  waiting for CloudFormation stack \"{fargate}\"\n\
             [ℹ]  creating Fargate profile \"fp-test\" on EKS cluster \"{CLUSTER}\"\n\
             [ℹ]  created Fargate profile \"fp-test\" on EKS cluster \"{CLUSTER}\"\n"
        )
    );
    assert_eq!(
        actions(&client)[2..7],
        [
            "ListStacks",
            "ListStacks",
            "CreateStack",
            "DescribeStacks",
            "DescribeStacks"
        ]
    );
    let requests: Vec<_> = client.actual_requests().collect();
    let create_stack = String::from_utf8_lossy(requests[4].body().bytes().unwrap()).into_owned();
    assert!(create_stack.contains(&format!("StackName={fargate}")));
    assert!(create_stack.contains("CAPABILITY_NAMED_IAM"));
    assert!(create_stack.contains("FargatePodExecutionRole"));
    let create: serde_json::Value =
        serde_json::from_slice(requests[8].body().bytes().unwrap()).unwrap();
    assert_eq!(create["podExecutionRoleArn"], role);
}

#[tokio::test]
async fn a_cluster_stack_from_before_fargate_asks_for_update_cluster() {
    let stack = format!("eksctl-{CLUSTER}-cluster");
    let client = StaticReplayClient::new(vec![
        caller_identity(),
        describe_cluster("1.14", "eks.5"),
        list_stacks(&[&stack]),
        describe_stack(
            &stack,
            "CREATE_COMPLETE",
            &[("VPC", "vpc-0e5a3f4c2b1d0e9f8")],
        ),
        list_stacks(&[&stack]),
    ]);
    let (code, stdout, stderr) = run(
        &client,
        &[
            "create",
            "fargateprofile",
            "--namespace",
            "dev",
            "--cluster",
            CLUSTER,
            "--region",
            "ap-northeast-1",
        ],
    )
    .await;
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(
        stderr,
        format!("Error: couldn't refresh role arn: no output \"FargatePodExecutionRoleARN\" in stack \"{stack}\"; the cluster was created with a version of eksctl or ekscli without Fargate support, run 'ekscli update cluster --name={CLUSTER} --region=ap-northeast-1 --approve' to add the Fargate pod execution role, then try again\n")
    );
}

#[tokio::test]
async fn delete_without_wait_removes_the_unused_fargate_role_stack() {
    let fargate = format!("eksctl-{CLUSTER}-fargate");
    let base =
        format!("https://eks.ap-northeast-1.amazonaws.com/clusters/{CLUSTER}/fargate-profiles");
    let client = StaticReplayClient::new(vec![
        caller_identity(),
        describe_cluster("1.32", "eks.30"),
        profile(&format!("{base}/fp-test"), "fp-test", "DELETING"),
        list_profiles(&["fp-test"]),
        list_stacks(&[&fargate]),
        describe_stack(&fargate, "CREATE_COMPLETE", &[]),
        xml(
            CFN,
            &format!(
                r#"<UpdateTerminationProtectionResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><UpdateTerminationProtectionResult><StackId>arn:aws:cloudformation:ap-northeast-1:123456789012:stack/{fargate}/8d2a4f50-10e9-11ea-8b6e-0a5c9bd2c4ae</StackId></UpdateTerminationProtectionResult><ResponseMetadata><RequestId>e9b4b068-3a41-11e5-94eb-0a5c9bd2c4ae</RequestId></ResponseMetadata></UpdateTerminationProtectionResponse>"#
            ),
        ),
        cfn_empty("DeleteStack"),
    ]);
    let (code, stdout, stderr) = run(
        &client,
        &[
            "delete",
            "fargateprofile",
            "--cluster",
            CLUSTER,
            "--name",
            "fp-test",
            "--region",
            "ap-northeast-1",
        ],
    )
    .await;
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(
        stdout,
        format!(
            "[ℹ]  deleting unused fargate role\n\
             [ℹ]  will delete stack \"{fargate}\"\n\
             [ℹ]  deleted Fargate profile \"fp-test\" on EKS cluster \"{CLUSTER}\"\n"
        )
    );
    assert_eq!(
        actions(&client)[3..],
        [
            format!("GET eks.ap-northeast-1.amazonaws.com/clusters/{CLUSTER}/fargate-profiles"),
            "ListStacks".to_owned(),
            "DescribeStacks".to_owned(),
            "UpdateTerminationProtection".to_owned(),
            "DeleteStack".to_owned(),
        ]
    );
}
