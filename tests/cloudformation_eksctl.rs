//! eksctl-shaped stacks (fixtures/eksctl: the cluster stack of eksctl.md §5 with 3 AZs, public and
//! private subnets, a NAT gateway, the service role, the Fargate pod execution role, the control
//! plane and the named outputs and exports; and a managed nodegroup stack importing them) through
//! aws-sdk-cloudformation.
//!
//! The EC2 and IAM resource types wait for their models (issue 3), so for now the cluster stack
//! must fail those resources with a clear reason and roll back cleanly, and the nodegroup stack
//! must be refused for its missing imports.

mod support;

use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use aws_sdk_cloudformation::types::{Capability, ResourceStatus, StackStatus, Tag};
use aws_sdk_cloudformation::Client;
use support::TestEmulator;

const REGION: &str = "us-west-2";
const CLUSTER: &str = include_str!("fixtures/eksctl/cluster.yaml");
const NODEGROUP: &str = include_str!("fixtures/eksctl/nodegroup.json");
const CLUSTER_STACK: &str = "eksctl-fargate-demo-cluster";

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build()
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

#[tokio::test]
async fn until_ec2_and_iam_land_the_cluster_stack_fails_those_resources_and_rolls_back() {
    let emu = TestEmulator::start().await;
    let cfn = Client::new(&emu.sdk_config(REGION).await);
    cfn.create_stack()
        .stack_name(CLUSTER_STACK)
        .template_body(CLUSTER)
        .capabilities(Capability::CapabilityIam)
        .tags(tag("alpha.eksctl.io/cluster-name", "fargate-demo"))
        .tags(tag(
            "eksctl.cluster.k8s.io/v1alpha1/cluster-name",
            "fargate-demo",
        ))
        .enable_termination_protection(true)
        .send()
        .await
        .expect("CreateStack accepts the eksctl template");
    emu.advance(60);
    let described = cfn
        .describe_stacks()
        .stack_name(CLUSTER_STACK)
        .send()
        .await
        .unwrap();
    let stack = &described.stacks()[0];
    assert_eq!(stack.stack_status(), Some(&StackStatus::RollbackComplete));
    assert_eq!(
        stack.stack_status_reason(),
        None,
        "ROLLBACK_COMPLETE carries no reason"
    );
    let events = cfn
        .describe_stack_events()
        .stack_name(CLUSTER_STACK)
        .send()
        .await
        .unwrap();
    let failed: Vec<(&str, &str)> = events
        .stack_events()
        .iter()
        .filter(|e| e.resource_status() == Some(&ResourceStatus::CreateFailed))
        .map(|e| {
            (
                e.logical_resource_id().unwrap(),
                e.resource_status_reason().unwrap(),
            )
        })
        .collect();
    assert!(failed.contains(&(
        "VPC",
        "Resource type AWS::EC2::VPC is not supported by this emulator yet"
    )));
    assert!(failed.contains(&(
        "ServiceRole",
        "Resource type AWS::IAM::Role is not supported by this emulator yet"
    )));
    let rollback_reason = events
        .stack_events()
        .iter()
        .find(|e| e.resource_status().map(ResourceStatus::as_str) == Some("ROLLBACK_IN_PROGRESS"))
        .and_then(|e| e.resource_status_reason())
        .unwrap();
    assert_eq!(
        rollback_reason,
        "The following resource(s) failed to create: [FargatePodExecutionRole, InternetGateway, ServiceRole, VPC]. Rollback requested by user."
    );
    // Nothing of the control plane was made, and no export was published.
    let eks = aws_sdk_eks::Client::new(&emu.sdk_config(REGION).await);
    assert!(eks
        .list_clusters()
        .send()
        .await
        .unwrap()
        .clusters()
        .is_empty());
    assert!(cfn
        .list_exports()
        .send()
        .await
        .unwrap()
        .exports()
        .is_empty());

    let nodegroup = cfn
        .create_stack()
        .stack_name("eksctl-fargate-demo-nodegroup-ng-1")
        .template_body(NODEGROUP)
        .capabilities(Capability::CapabilityIam)
        .send()
        .await
        .expect_err("its imports are not exported");
    assert_eq!(nodegroup.code(), Some("ValidationError"));
    assert_eq!(
        nodegroup.message(),
        Some("No export named eksctl-fargate-demo-cluster::ClusterSecurityGroupId found")
    );
}
