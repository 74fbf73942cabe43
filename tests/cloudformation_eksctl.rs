//! eksctl-shaped stacks (fixtures/eksctl: the cluster stack of eksctl.md §5 with 3 AZs, public and
//! private subnets, a NAT gateway, the service role, the Fargate pod execution role, the control
//! plane and the named outputs and exports; a managed and an unmanaged nodegroup stack importing
//! them) through the real `aws` CLI and aws-sdk-cloudformation, with a Fargate profile made from
//! the cluster stack's outputs.
//!
//! The clock is manual and the timing realistic: the test moves the clock past the stack's work
//! before each waiter, whose first poll then sees the end state (nothing sleeps).

mod support;

use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use aws_sdk_cloudformation::types::Capability;
use aws_sdk_cloudformation::Client;
use std::collections::BTreeMap;

use serde_json::Value;
use support::{run_err, run_json, TestEmulator, ACCOUNT};

const REGION: &str = "us-west-2";
const CLUSTER: &str = include_str!("fixtures/eksctl/cluster.yaml");
const CLUSTER_STACK: &str = "eksctl-fargate-demo-cluster";

fn fixture(name: &str) -> String {
    format!(
        "file://{}/tests/fixtures/eksctl/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Runs `aws cloudformation wait <waiter>`, which must succeed.
fn wait(emu: &TestEmulator, waiter: &str, stack: &str) {
    emu.aws_ok(
        REGION,
        &["cloudformation", "wait", waiter, "--stack-name", stack],
    );
}

/// A stack's outputs by key.
fn outputs(emu: &TestEmulator, stack: &str) -> BTreeMap<String, String> {
    let described = emu.aws_ok(
        REGION,
        &["cloudformation", "describe-stacks", "--stack-name", stack],
    );
    described["Stacks"][0]["Outputs"]
        .as_array()
        .map(|outputs| {
            outputs
                .iter()
                .map(|o| {
                    (
                        o["OutputKey"].as_str().unwrap().to_owned(),
                        o["OutputValue"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Creates a stack from a fixture as eksctl does (IAM capability, its tags, termination
/// protection), lets the clock run past its work and waits for it through the CLI waiter.
fn create_stack(emu: &TestEmulator, stack: &str, fixture_name: &str, extra_tags: &[&str]) {
    let template = fixture(fixture_name);
    let mut args = vec![
        "cloudformation",
        "create-stack",
        "--stack-name",
        stack,
        "--template-body",
        &template,
        "--capabilities",
        "CAPABILITY_IAM",
        "--enable-termination-protection",
        "--tags",
        "Key=alpha.eksctl.io/cluster-name,Value=fargate-demo",
        "Key=eksctl.cluster.k8s.io/v1alpha1/cluster-name,Value=fargate-demo",
    ];
    args.extend_from_slice(extra_tags);
    emu.aws_ok(REGION, &args);
    emu.advance(30 * 60);
    wait(emu, "stack-create-complete", stack);
}

/// Deletes a stack as eksctl does: termination protection off, delete, wait.
fn delete_stack(emu: &TestEmulator, stack: &str) {
    emu.aws_ok(
        REGION,
        &[
            "cloudformation",
            "update-termination-protection",
            "--no-enable-termination-protection",
            "--stack-name",
            stack,
        ],
    );
    emu.aws_ok(
        REGION,
        &["cloudformation", "delete-stack", "--stack-name", stack],
    );
    emu.advance(30 * 60);
    wait(emu, "stack-delete-complete", stack);
}

/// A stack resource's physical id.
fn physical_id(emu: &TestEmulator, stack: &str, logical: &str) -> String {
    let described = emu.aws_ok(
        REGION,
        &[
            "cloudformation",
            "describe-stack-resource",
            "--stack-name",
            stack,
            "--logical-resource-id",
            logical,
        ],
    );
    described["StackResourceDetail"]["PhysicalResourceId"]
        .as_str()
        .unwrap()
        .to_owned()
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
    let before_vpcs = emu.aws_ok(REGION, &["ec2", "describe-vpcs"])["Vpcs"]
        .as_array()
        .unwrap()
        .len();
    let cluster_template = fixture("cluster.yaml");
    let created = emu.aws_ok(
        REGION,
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
    let described = emu.aws_ok(
        REGION,
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

    let described = emu.aws_ok(
        REGION,
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
    let cluster = emu.aws_ok(
        REGION,
        &["eks", "describe-cluster", "--name", "fargate-demo"],
    );
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
    let described = emu.aws_ok(
        REGION,
        &[
            "ec2",
            "describe-subnets",
            "--filters",
            &format!("Name=vpc-id,Values={vpc}"),
        ],
    );
    let subnets = described["Subnets"].as_array().unwrap();
    assert_eq!(subnets.len(), 6);
    let tables = emu.aws_ok(
        REGION,
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
    let nat = emu.aws_ok(
        REGION,
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
    let role = emu.aws_ok(REGION, &["iam", "get-role", "--role-name", &pods_role_name]);
    assert_eq!(role["Role"]["Arn"], pods_role_arn.as_str());
    assert_eq!(
        role["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"][0],
        "eks-fargate-pods.amazonaws.com"
    );
    let attached = emu.aws_ok(
        REGION,
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
    let exports = emu.aws_ok(REGION, &["cloudformation", "list-exports"]);
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
    let resources = emu.aws_ok(
        REGION,
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
    let events = emu.aws_ok(
        REGION,
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
    emu.aws_ok(
        REGION,
        &[
            "cloudformation",
            "update-termination-protection",
            "--no-enable-termination-protection",
            "--stack-name",
            CLUSTER_STACK,
        ],
    );
    emu.aws_ok(
        REGION,
        &[
            "cloudformation",
            "delete-stack",
            "--stack-name",
            CLUSTER_STACK,
        ],
    );
    let deleting = emu.aws_ok(
        REGION,
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
    let deleted = emu.aws_ok(
        REGION,
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
        emu.aws_ok(REGION, &["ec2", "describe-vpcs"])["Vpcs"]
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
    assert!(
        emu.aws_ok(REGION, &["ec2", "describe-addresses"])["Addresses"]
            .as_array()
            .unwrap()
            .is_empty()
    );
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
    assert!(
        emu.aws_ok(REGION, &["cloudformation", "list-exports"])["Exports"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fargate_profile_and_nodegroup_stacks_build_on_the_cluster_stacks_outputs_and_exports() {
    let emu = TestEmulator::start().await;
    create_stack(&emu, CLUSTER_STACK, "cluster.yaml", &[]);
    let cluster_outputs = outputs(&emu, CLUSTER_STACK);
    let private: Vec<String> = cluster_outputs["SubnetsPrivate"]
        .split(',')
        .map(str::to_owned)
        .collect();

    // A Fargate profile with the role and the private subnets the cluster stack output, as
    // `eksctl create fargateprofile` makes one.
    let mut args = vec![
        "eks",
        "create-fargate-profile",
        "--cluster-name",
        "fargate-demo",
        "--fargate-profile-name",
        "fp-default",
        "--pod-execution-role-arn",
        &cluster_outputs["FargatePodExecutionRoleARN"],
        "--selectors",
        "namespace=default",
        "namespace=kube-system",
        "--subnets",
    ];
    args.extend(private.iter().map(String::as_str));
    let created = emu.aws_ok(REGION, &args);
    assert_eq!(created["fargateProfile"]["status"], "CREATING");
    emu.advance(5 * 60);
    let profile_args = [
        "--cluster-name",
        "fargate-demo",
        "--fargate-profile-name",
        "fp-default",
    ];
    let mut wait_args = vec!["eks", "wait", "fargate-profile-active"];
    wait_args.extend(profile_args);
    emu.aws_ok(REGION, &wait_args);
    let mut describe_args = vec!["eks", "describe-fargate-profile"];
    describe_args.extend(profile_args);
    let profile = emu.aws_ok(REGION, &describe_args);
    assert_eq!(profile["fargateProfile"]["status"], "ACTIVE");
    assert_eq!(strs(&profile["fargateProfile"]["subnets"]), private);
    assert_eq!(
        profile["fargateProfile"]["podExecutionRoleArn"],
        cluster_outputs["FargatePodExecutionRoleARN"].as_str()
    );

    // A managed nodegroup stack importing the cluster stack's exports.
    let managed = "eksctl-fargate-demo-nodegroup-ng-1";
    create_stack(
        &emu,
        managed,
        "nodegroup.json",
        &["Key=alpha.eksctl.io/nodegroup-name,Value=ng-1"],
    );
    let nodegroup = emu.aws_ok(
        REGION,
        &[
            "eks",
            "describe-nodegroup",
            "--cluster-name",
            "fargate-demo",
            "--nodegroup-name",
            "ng-1",
        ],
    );
    let nodegroup = &nodegroup["nodegroup"];
    assert_eq!(nodegroup["status"], "ACTIVE");
    assert_eq!(strs(&nodegroup["subnets"]), private);
    assert_eq!(strs(&nodegroup["instanceTypes"]), ["m5.large"]);
    assert_eq!(nodegroup["scalingConfig"]["desiredSize"], 2);
    assert_eq!(
        nodegroup["labels"]["alpha.eksctl.io/nodegroup-name"],
        "ng-1"
    );
    let launch_template = physical_id(&emu, managed, "LaunchTemplate");
    assert_eq!(nodegroup["launchTemplate"]["id"], launch_template.as_str());
    assert_eq!(
        physical_id(&emu, managed, "ManagedNodeGroup"),
        "fargate-demo/ng-1"
    );
    let node_role = physical_id(&emu, managed, "NodeInstanceRole");
    assert_eq!(
        nodegroup["nodeRole"],
        format!("arn:aws:iam::{ACCOUNT}:role/{node_role}").as_str()
    );
    let versions = emu.aws_ok(
        REGION,
        &[
            "ec2",
            "describe-launch-template-versions",
            "--launch-template-id",
            &launch_template,
        ],
    );
    let data = &versions["LaunchTemplateVersions"][0]["LaunchTemplateData"];
    assert_eq!(
        strs(&data["SecurityGroupIds"]),
        [cluster_outputs["ClusterSecurityGroupId"].clone()]
    );

    // An unmanaged nodegroup stack: its own security group and rules on the control plane's,
    // an instance profile, a launch template, an Auto Scaling group and an access entry.
    let unmanaged = "eksctl-fargate-demo-nodegroup-ng-2";
    create_stack(
        &emu,
        unmanaged,
        "nodegroup-unmanaged.json",
        &["Key=alpha.eksctl.io/nodegroup-name,Value=ng-2"],
    );
    let ng2_outputs = outputs(&emu, unmanaged);
    let group_name = physical_id(&emu, unmanaged, "NodeGroup");
    let node_sg = physical_id(&emu, unmanaged, "SG");
    let (desired, subnets, instance_type, groups, profile_arn, entry_groups) =
        emu.emulator().with_world(|world, _| {
            let region = world.scope(ACCOUNT, REGION).region;
            let group = region.autoscaling.group(&group_name).expect("the group");
            let data = group
                .launch_template_data(&region.ec2)
                .expect("its template");
            let cluster = region.eks.cluster("fargate-demo").unwrap();
            let entry = cluster
                .access_entry(&ng2_outputs["InstanceRoleARN"])
                .expect("the nodes' access entry");
            (
                group.desired_capacity,
                group.subnets.clone(),
                data.instance_type.clone(),
                data.security_group_ids.clone(),
                data.iam_instance_profile.clone(),
                entry.kubernetes_groups.clone(),
            )
        });
    assert_eq!(desired, 2);
    assert_eq!(subnets, private);
    assert_eq!(instance_type.as_deref(), Some("m5.large"));
    assert_eq!(
        groups,
        [
            cluster_outputs["SharedNodeSecurityGroup"].clone(),
            node_sg.clone()
        ]
    );
    assert_eq!(
        profile_arn.as_ref(),
        Some(&ng2_outputs["InstanceProfileARN"])
    );
    assert_eq!(entry_groups, ["system:nodes"]);
    // The group's instances are the cluster's unmanaged nodegroup `ng-2` on the Kubernetes side.
    let ng2 = emu.emulator().with_world(|world, _| {
        let region = world.scope(ACCOUNT, REGION).region;
        eks_emulator::k8s::facts::cluster_facts(region, REGION, "fargate-demo")
            .and_then(|facts| facts.nodegroups.into_iter().find(|ng| ng.name == "ng-2"))
            .map(|ng| (ng.desired_size, ng.instance_type, ng.labels))
    });
    let (size, instance_type, labels) = ng2.expect("ng-2 is a nodegroup of the cluster");
    assert_eq!((size, instance_type.as_str()), (2, "m5.large"));
    assert_eq!(labels["alpha.eksctl.io/nodegroup-name"], "ng-2");
    let control_plane_sg = emu.aws_ok(
        REGION,
        &[
            "ec2",
            "describe-security-groups",
            "--group-ids",
            &cluster_outputs["SecurityGroup"],
        ],
    );
    let group = &control_plane_sg["SecurityGroups"][0];
    assert_eq!(
        group["IpPermissions"][0]["UserIdGroupPairs"][0]["GroupId"],
        node_sg.as_str()
    );
    assert_eq!(group["IpPermissionsEgress"].as_array().unwrap().len(), 3);
    let exports = emu.aws_ok(REGION, &["cloudformation", "list-exports"]);
    assert!(exports["Exports"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["Name"] == format!("{unmanaged}::InstanceProfileARN")));

    // The cluster stack stays while the nodegroup stacks import its exports.
    emu.aws_ok(
        REGION,
        &[
            "cloudformation",
            "update-termination-protection",
            "--no-enable-termination-protection",
            "--stack-name",
            CLUSTER_STACK,
        ],
    );
    emu.aws_ok(
        REGION,
        &[
            "cloudformation",
            "delete-stack",
            "--stack-name",
            CLUSTER_STACK,
        ],
    );
    let kept = emu.aws_ok(
        REGION,
        &[
            "cloudformation",
            "describe-stacks",
            "--stack-name",
            CLUSTER_STACK,
        ],
    );
    assert_eq!(kept["Stacks"][0]["StackStatus"], "CREATE_COMPLETE");
    let reason = kept["Stacks"][0]["StackStatusReason"].as_str().unwrap();
    assert!(
        reason.starts_with(&format!(
            "Delete canceled. Cannot delete export {CLUSTER_STACK}::"
        )) && reason.contains(managed),
        "{reason}"
    );

    // eksctl's `delete cluster`: the nodegroup stacks, the Fargate profile, then the cluster stack.
    delete_stack(&emu, managed);
    delete_stack(&emu, unmanaged);
    let mut delete_args = vec!["eks", "delete-fargate-profile"];
    delete_args.extend(profile_args);
    emu.aws_ok(REGION, &delete_args);
    emu.advance(5 * 60);
    let mut wait_args = vec!["eks", "wait", "fargate-profile-deleted"];
    wait_args.extend(profile_args);
    emu.aws_ok(REGION, &wait_args);
    delete_stack(&emu, CLUSTER_STACK);

    let stderr = run_err(
        emu.aws(REGION)
            .args(["iam", "get-role", "--role-name", &node_role]),
    );
    assert!(stderr.contains("NoSuchEntity"), "{stderr}");
    let profile_name = ng2_outputs["InstanceProfileARN"]
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let stderr = run_err(emu.aws(REGION).args([
        "iam",
        "get-instance-profile",
        "--instance-profile-name",
        &profile_name,
    ]));
    assert!(stderr.contains("NoSuchEntity"), "{stderr}");
    assert!(
        emu.aws_ok(REGION, &["ec2", "describe-launch-templates"])["LaunchTemplates"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let left = emu.emulator().with_world(|world, _| {
        let region = world.scope(ACCOUNT, REGION).region;
        (
            region.autoscaling.groups().count(),
            region.eks.clusters.len(),
        )
    });
    assert_eq!(left, (0, 0));
    let stacks = emu.aws_ok(
        REGION,
        &[
            "cloudformation",
            "list-stacks",
            "--stack-status-filter",
            "DELETE_COMPLETE",
        ],
    );
    assert_eq!(stacks["StackSummaries"].as_array().unwrap().len(), 3);
}
