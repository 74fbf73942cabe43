//! eksctl-shaped stacks (fixtures/eksctl: the cluster stack of eksctl.md §5 with 3 AZs, public and
//! private subnets, a NAT gateway, the service role, the Fargate pod execution role, the control
//! plane and the named outputs and exports; and a managed nodegroup stack importing them) through
//! the real `aws` CLI and aws-sdk-cloudformation.
//!
//! The clock is manual and the timing realistic: the test moves the clock past the stack's work
//! before each waiter, whose first poll then sees the end state (nothing sleeps).

mod support;

use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use aws_sdk_cloudformation::types::Capability;
use aws_sdk_cloudformation::Client;
use serde_json::Value;
use support::{run, run_err, run_json, TestEmulator};

const REGION: &str = "us-west-2";
const CLUSTER: &str = include_str!("fixtures/eksctl/cluster.yaml");
const CLUSTER_STACK: &str = "eksctl-fargate-demo-cluster";

fn fixture(name: &str) -> String {
    format!(
        "file://{}/tests/fixtures/eksctl/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Runs an `aws` call that must succeed; its JSON output (`null` when it prints nothing).
fn aws(emu: &TestEmulator, args: &[&str]) -> Value {
    let out = run(emu.aws(REGION).args(args));
    assert!(
        out.status.success(),
        "aws {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.stdout.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(&out.stdout).expect("JSON output")
    }
}

/// Runs `aws cloudformation wait <waiter>`, which must succeed.
fn wait(emu: &TestEmulator, waiter: &str, stack: &str) {
    aws(
        emu,
        &["cloudformation", "wait", waiter, "--stack-name", stack],
    );
}

fn strs(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|v| v.as_str().expect("a string").to_owned())
        .collect()
}

#[tokio::test]
async fn the_eksctl_cluster_template_validates_and_needs_capability_iam() {
    let emu = TestEmulator::start().await;
    let cfn = Client::new(&emu.sdk_config(REGION).await);
    let validated = cfn
        .validate_template()
        .template_body(CLUSTER)
        .send()
        .await
        .expect("the eksctl template is valid");
    assert_eq!(
        validated.description(),
        Some("EKS cluster (dedicated VPC: true, dedicated IAM: true) [created and managed by eksctl]")
    );
    assert_eq!(validated.capabilities(), [Capability::CapabilityIam]);
    assert_eq!(
        validated.capabilities_reason(),
        Some("The following resource(s) require capabilities: [AWS::IAM::Role]")
    );
    let refused = cfn
        .create_stack()
        .stack_name(CLUSTER_STACK)
        .template_body(CLUSTER)
        .send()
        .await
        .expect_err("IAM roles need an acknowledgement");
    assert_eq!(refused.code(), Some("InsufficientCapabilitiesException"));
    assert_eq!(
        refused.message(),
        Some("Requires capabilities : [CAPABILITY_IAM]")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_eksctl_cluster_stack_makes_an_active_cluster_on_its_own_network_and_deletes_everything(
) {
    let emu = TestEmulator::start().await;
    let before_vpcs = aws(&emu, &["ec2", "describe-vpcs"])["Vpcs"]
        .as_array()
        .unwrap()
        .len();
    let cluster_template = fixture("cluster.yaml");
    let created = aws(
        &emu,
        &[
            "cloudformation",
            "create-stack",
            "--stack-name",
            CLUSTER_STACK,
            "--template-body",
            &cluster_template,
            "--capabilities",
            "CAPABILITY_IAM",
            "--tags",
            "Key=alpha.eksctl.io/cluster-name,Value=fargate-demo",
            "Key=eksctl.cluster.k8s.io/v1alpha1/cluster-name,Value=fargate-demo",
            "--enable-termination-protection",
        ],
    );
    let stack_id = created["StackId"].as_str().unwrap().to_owned();
    let described = aws(
        &emu,
        &[
            "cloudformation",
            "describe-stacks",
            "--stack-name",
            CLUSTER_STACK,
        ],
    );
    assert_eq!(described["Stacks"][0]["StackStatus"], "CREATE_IN_PROGRESS");
    // The network and roles take seconds, the NAT gateway 90 s, the control plane 10 min.
    emu.advance(30 * 60);
    wait(&emu, "stack-create-complete", CLUSTER_STACK);

    let described = aws(
        &emu,
        &[
            "cloudformation",
            "describe-stacks",
            "--stack-name",
            CLUSTER_STACK,
        ],
    );
    let stack = &described["Stacks"][0];
    assert_eq!(stack["StackStatus"], "CREATE_COMPLETE");
    assert_eq!(stack["EnableTerminationProtection"], true);
    let output = |key: &str| -> String {
        stack["Outputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["OutputKey"] == key)
            .and_then(|o| o["OutputValue"].as_str())
            .unwrap_or_else(|| panic!("no output {key}"))
            .to_owned()
    };
    let private: Vec<String> = output("SubnetsPrivate")
        .split(',')
        .map(str::to_owned)
        .collect();
    let public: Vec<String> = output("SubnetsPublic")
        .split(',')
        .map(str::to_owned)
        .collect();
    assert_eq!((private.len(), public.len()), (3, 3));
    assert_eq!(output("ClusterStackName"), CLUSTER_STACK);
    assert_eq!(output("FeatureNATMode"), "Single");
    let vpc = output("VPC");
    assert!(vpc.starts_with("vpc-"));

    // The control plane: ACTIVE, on the stack's subnets, VPC, security group and service role.
    let cluster = aws(&emu, &["eks", "describe-cluster", "--name", "fargate-demo"]);
    let cluster = &cluster["cluster"];
    assert_eq!(cluster["status"], "ACTIVE");
    assert_eq!(cluster["version"], "1.32");
    assert_eq!(cluster["endpoint"], output("Endpoint").as_str());
    assert_eq!(cluster["arn"], output("ARN").as_str());
    assert_eq!(
        cluster["certificateAuthority"]["data"],
        output("CertificateAuthorityData").as_str()
    );
    assert_eq!(cluster["roleArn"], output("ServiceRoleARN").as_str());
    let config = &cluster["resourcesVpcConfig"];
    assert_eq!(config["vpcId"], vpc.as_str());
    let mut subnets = strs(&config["subnetIds"]);
    subnets.sort();
    let mut stack_subnets: Vec<String> = public.iter().chain(&private).cloned().collect();
    stack_subnets.sort();
    assert_eq!(subnets, stack_subnets);
    assert_eq!(strs(&config["securityGroupIds"]), [output("SecurityGroup")]);
    assert_eq!(
        config["clusterSecurityGroupId"],
        output("ClusterSecurityGroupId").as_str()
    );

    // EC2 shows the network the template describes: private subnets route through the NAT
    // gateway, public ones to the internet gateway and map public addresses.
    let described = aws(
        &emu,
        &[
            "ec2",
            "describe-subnets",
            "--filters",
            &format!("Name=vpc-id,Values={vpc}"),
        ],
    );
    let subnets = described["Subnets"].as_array().unwrap();
    assert_eq!(subnets.len(), 6);
    let tables = aws(
        &emu,
        &[
            "ec2",
            "describe-route-tables",
            "--filters",
            &format!("Name=vpc-id,Values={vpc}"),
        ],
    );
    let tables = tables["RouteTables"].as_array().unwrap();
    assert_eq!(
        tables.len(),
        5,
        "the main table, one public and three private ones"
    );
    for subnet in subnets {
        let id = subnet["SubnetId"].as_str().unwrap();
        let is_private = private.iter().any(|p| p == id);
        assert_eq!(subnet["MapPublicIpOnLaunch"], !is_private, "{subnet}");
        let tags = subnet["Tags"].as_array().unwrap();
        let role_tag = if is_private {
            "kubernetes.io/role/internal-elb"
        } else {
            "kubernetes.io/role/elb"
        };
        assert!(tags.iter().any(|t| t["Key"] == role_tag), "{subnet}");
        assert!(tags
            .iter()
            .any(|t| t["Key"] == "aws:cloudformation:stack-name" && t["Value"] == CLUSTER_STACK));
        let table = tables
            .iter()
            .find(|t| {
                t["Associations"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|a| a["SubnetId"] == id))
            })
            .unwrap_or_else(|| panic!("{id} has its own route table"));
        let routes = &table["Routes"];
        let default_route = routes
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["DestinationCidrBlock"] == "0.0.0.0/0")
            .unwrap_or_else(|| panic!("{id} has a default route: {routes}"));
        if is_private {
            assert!(
                default_route["NatGatewayId"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("nat-")),
                "{default_route}"
            );
        } else {
            assert!(
                default_route["GatewayId"]
                    .as_str()
                    .is_some_and(|g| g.starts_with("igw-")),
                "{default_route}"
            );
        }
    }
    let zones: std::collections::BTreeSet<String> = subnets
        .iter()
        .map(|s| s["AvailabilityZone"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(zones.len(), 3);
    let nat = aws(
        &emu,
        &[
            "ec2",
            "describe-nat-gateways",
            "--filter",
            &format!("Name=vpc-id,Values={vpc}"),
        ],
    );
    assert_eq!(nat["NatGateways"][0]["State"], "available");
    assert!(public.contains(
        &nat["NatGateways"][0]["SubnetId"]
            .as_str()
            .unwrap()
            .to_owned()
    ));

    // The roles exist in IAM with what the template gave them.
    let pods_role_arn = output("FargatePodExecutionRoleARN");
    let pods_role_name = pods_role_arn.rsplit('/').next().unwrap().to_owned();
    let role = aws(&emu, &["iam", "get-role", "--role-name", &pods_role_name]);
    assert_eq!(role["Role"]["Arn"], pods_role_arn.as_str());
    assert_eq!(
        role["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"][0],
        "eks-fargate-pods.amazonaws.com"
    );
    let attached = aws(
        &emu,
        &[
            "iam",
            "list-attached-role-policies",
            "--role-name",
            &pods_role_name,
        ],
    );
    assert_eq!(
        attached["AttachedPolicies"][0]["PolicyName"],
        "AmazonEKSFargatePodExecutionRolePolicy"
    );
    let service_role_name = output("ServiceRoleARN")
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert!(service_role_name.starts_with("eksctl-fargate-demo-cluster-ServiceRole-"));

    // Exports under the stack's name, as the nodegroup and fargate stacks import them.
    let exports = aws(&emu, &["cloudformation", "list-exports"]);
    let exported: Vec<(String, String)> = exports["Exports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["Name"].as_str().unwrap().to_owned(),
                e["Value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for key in [
        "ARN",
        "ClusterSecurityGroupId",
        "Endpoint",
        "FargatePodExecutionRoleARN",
        "SecurityGroup",
        "ServiceRoleARN",
        "SharedNodeSecurityGroup",
        "SubnetsPrivate",
        "SubnetsPublic",
        "VPC",
    ] {
        let name = format!("{CLUSTER_STACK}::{key}");
        assert!(
            exported.contains(&(name.clone(), output(key))),
            "{name} exported"
        );
    }
    let resources = aws(
        &emu,
        &[
            "cloudformation",
            "list-stack-resources",
            "--stack-name",
            CLUSTER_STACK,
        ],
    );
    let resources = resources["StackResourceSummaries"].as_array().unwrap();
    assert_eq!(resources.len(), 33);
    assert!(resources
        .iter()
        .all(|r| r["ResourceStatus"] == "CREATE_COMPLETE"));
    let physical = |logical: &str| {
        resources
            .iter()
            .find(|r| r["LogicalResourceId"] == logical)
            .and_then(|r| r["PhysicalResourceId"].as_str())
            .unwrap()
            .to_owned()
    };
    assert_eq!(physical("VPC"), vpc);
    assert_eq!(physical("ControlPlane"), "fargate-demo");
    assert_eq!(physical("VPCGatewayAttachment"), format!("IGW|{vpc}"));
    assert!(physical("NATIP").split('.').count() == 4);
    assert!(physical("PublicSubnetRoute").ends_with("|0.0.0.0/0"));
    assert!(physical("IngressInterNodeGroupSG").starts_with("sgr-"));
    // The events carry the time each resource took.
    let events = aws(
        &emu,
        &[
            "cloudformation",
            "describe-stack-events",
            "--stack-name",
            CLUSTER_STACK,
        ],
    );
    let times = |logical: &str| -> Vec<String> {
        events["StackEvents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["LogicalResourceId"] == logical)
            .map(|e| e["Timestamp"].as_str().unwrap().to_owned())
            .collect()
    };
    let nat_times = times("NATGateway");
    let cluster_times = times("ControlPlane");
    assert_eq!(nat_times.len(), 3);
    assert_ne!(nat_times[0], nat_times[2], "the NAT gateway took its time");
    assert_eq!(cluster_times.len(), 3);

    // eksctl's delete: termination protection off, then delete-stack and the waiter.
    let refused = run_err(emu.aws(REGION).args([
        "cloudformation",
        "delete-stack",
        "--stack-name",
        CLUSTER_STACK,
    ]));
    assert!(
        refused.contains("cannot be deleted while TerminationProtection is enabled"),
        "{refused}"
    );
    aws(
        &emu,
        &[
            "cloudformation",
            "update-termination-protection",
            "--no-enable-termination-protection",
            "--stack-name",
            CLUSTER_STACK,
        ],
    );
    aws(
        &emu,
        &[
            "cloudformation",
            "delete-stack",
            "--stack-name",
            CLUSTER_STACK,
        ],
    );
    let deleting = aws(
        &emu,
        &[
            "cloudformation",
            "describe-stacks",
            "--stack-name",
            &stack_id,
        ],
    );
    assert_eq!(deleting["Stacks"][0]["StackStatus"], "DELETE_IN_PROGRESS");
    emu.advance(30 * 60);
    wait(&emu, "stack-delete-complete", CLUSTER_STACK);
    let deleted = aws(
        &emu,
        &[
            "cloudformation",
            "describe-stacks",
            "--stack-name",
            &stack_id,
        ],
    );
    assert_eq!(deleted["Stacks"][0]["StackStatus"], "DELETE_COMPLETE");

    // Nothing it made is left.
    let stderr = run_err(
        emu.aws(REGION)
            .args(["ec2", "describe-vpcs", "--vpc-ids", &vpc]),
    );
    assert!(
        stderr.contains(&format!(
            "(InvalidVpcID.NotFound) when calling the DescribeVpcs operation: The vpc ID '{vpc}' does not exist"
        )),
        "{stderr}"
    );
    assert_eq!(
        aws(&emu, &["ec2", "describe-vpcs"])["Vpcs"]
            .as_array()
            .unwrap()
            .len(),
        before_vpcs,
        "only the default VPC is left"
    );
    let stderr =
        run_err(
            emu.aws(REGION)
                .args(["ec2", "describe-subnets", "--subnet-ids", &private[0]]),
        );
    assert!(stderr.contains("InvalidSubnetID.NotFound"), "{stderr}");
    for role in [&pods_role_name, &service_role_name] {
        let stderr = run_err(
            emu.aws(REGION)
                .args(["iam", "get-role", "--role-name", role]),
        );
        assert!(
            stderr.contains(&format!(
                "(NoSuchEntity) when calling the GetRole operation: The role with name {role} cannot be found."
            )),
            "{stderr}"
        );
    }
    let stderr =
        run_err(
            emu.aws(REGION)
                .args(["eks", "describe-cluster", "--name", "fargate-demo"]),
        );
    assert!(stderr.contains("ResourceNotFoundException"), "{stderr}");
    assert!(aws(&emu, &["ec2", "describe-addresses"])["Addresses"]
        .as_array()
        .unwrap()
        .is_empty());
    let nat_after = run_json(emu.aws(REGION).args([
        "ec2",
        "describe-nat-gateways",
        "--filter",
        &format!("Name=vpc-id,Values={vpc}"),
    ]));
    assert!(nat_after["NatGateways"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["State"] == "deleted"));
    assert!(aws(&emu, &["cloudformation", "list-exports"])["Exports"]
        .as_array()
        .unwrap()
        .is_empty());
}
