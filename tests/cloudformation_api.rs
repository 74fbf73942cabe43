//! CloudFormation wire conformance through aws-sdk-cloudformation: every operation's success path,
//! each error's code and message, rollback and update by diff, on a manual clock with realistic
//! timing (the test moves the clock; nothing sleeps).

mod support;

use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use aws_sdk_cloudformation::types::{
    Capability, OnFailure, Parameter, ResourceStatus, StackStatus, Tag,
};
use aws_sdk_cloudformation::Client;
use support::TestEmulator;

const REGION: &str = "us-west-2";

/// A YAML template with the short forms: a wait handle and a cluster that refers to it. `SUBNETS`
/// stands for the cluster's subnets (see [`cluster_yaml`]); the role is the one
/// `TestEmulator::cluster_prerequisites` makes.
const CLUSTER_YAML: &str = r"
Description: a cluster and a handle
Parameters:
  ClusterName:
    Type: String
  Secret:
    Type: String
    NoEcho: true
    Default: hush
Resources:
  Handle:
    Type: AWS::CloudFormation::WaitConditionHandle
  ControlPlane:
    Type: AWS::EKS::Cluster
    Properties:
      Name: !Ref ClusterName
      RoleArn: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/eks-cluster-role'
      ResourcesVpcConfig:
        SubnetIds: !Split [',', 'SUBNETS']
      Tags:
        - Key: handle
          Value: !Ref Handle
Outputs:
  ARN:
    Value: !GetAtt ControlPlane.Arn
    Export:
      Name: !Sub '${AWS::StackName}::ARN'
  Endpoint:
    Value: !GetAtt [ControlPlane, Endpoint]
  ClusterStackName:
    Value: !Ref AWS::StackName
";

/// [`CLUSTER_YAML`] on real prerequisites: the role trusting EKS and two default subnets.
async fn cluster_yaml(emu: &TestEmulator) -> String {
    let (role, subnets) = emu.cluster_prerequisites(REGION).await;
    assert_eq!(role, "arn:aws:iam::123456789012:role/eks-cluster-role");
    CLUSTER_YAML.replace("SUBNETS", &subnets.join(","))
}

async fn client(emu: &TestEmulator) -> Client {
    Client::new(&emu.sdk_config(REGION).await)
}

fn param(key: &str, value: &str) -> Parameter {
    Parameter::builder()
        .parameter_key(key)
        .parameter_value(value)
        .build()
}

async fn status(cfn: &Client, stack: &str) -> StackStatus {
    cfn.describe_stacks()
        .stack_name(stack)
        .send()
        .await
        .expect("DescribeStacks")
        .stacks()[0]
        .stack_status()
        .expect("a status")
        .clone()
}

async fn err_of<T, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, aws_sdk_cloudformation::error::SdkError<E>>,
) -> (String, String) {
    let err = result.err().expect("the call fails");
    (
        err.code().unwrap_or_default().to_owned(),
        err.message().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn a_stack_is_created_on_the_clock_and_described_every_way() {
    let emu = TestEmulator::start().await;
    let cfn = client(&emu).await;
    let body = cluster_yaml(&emu).await;
    let created = cfn
        .create_stack()
        .stack_name("demo")
        .template_body(&body)
        .parameters(param("ClusterName", "c1"))
        .tags(Tag::builder().key("team").value("a").build())
        .send()
        .await
        .expect("CreateStack");
    let id = created.stack_id().unwrap().to_owned();
    assert!(
        id.starts_with("arn:aws:cloudformation:us-west-2:123456789012:stack/demo/"),
        "{id}"
    );
    assert_eq!(status(&cfn, "demo").await, StackStatus::CreateInProgress);
    emu.advance(6);
    let eks = aws_sdk_eks::Client::new(&emu.sdk_config(REGION).await);
    let cluster = eks.describe_cluster().name("c1").send().await.unwrap();
    assert_eq!(
        cluster.cluster().unwrap().status().unwrap().as_str(),
        "CREATING"
    );
    emu.advance(599);
    assert_eq!(status(&cfn, "demo").await, StackStatus::CreateInProgress);
    emu.advance(1);

    let described = cfn.describe_stacks().stack_name(&id).send().await.unwrap();
    let stack = &described.stacks()[0];
    assert_eq!(stack.stack_status(), Some(&StackStatus::CreateComplete));
    assert_eq!(stack.stack_name(), Some("demo"));
    assert_eq!(stack.description(), Some("a cluster and a handle"));
    assert_eq!(stack.tags()[0].key(), Some("team"));
    assert_eq!(stack.enable_termination_protection(), Some(false));
    let params: Vec<(&str, &str)> = stack
        .parameters()
        .iter()
        .map(|p| (p.parameter_key().unwrap(), p.parameter_value().unwrap()))
        .collect();
    assert_eq!(params, [("ClusterName", "c1"), ("Secret", "****")]);
    let output = |key: &str| {
        stack
            .outputs()
            .iter()
            .find(|o| o.output_key() == Some(key))
            .and_then(|o| o.output_value())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        output("ARN"),
        "arn:aws:eks:us-west-2:123456789012:cluster/c1"
    );
    assert_eq!(output("ClusterStackName"), "demo");
    assert_eq!(
        output("Endpoint"),
        format!("https://{}/k8s/us-west-2/c1", emu.running.addresses().kube)
    );

    let events = cfn
        .describe_stack_events()
        .stack_name("demo")
        .send()
        .await
        .unwrap();
    let seen: Vec<(&str, &str, &str)> = events
        .stack_events()
        .iter()
        .map(|e| {
            (
                e.logical_resource_id().unwrap(),
                e.resource_status().unwrap().as_str(),
                e.resource_status_reason().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("demo", "CREATE_COMPLETE", ""),
            ("ControlPlane", "CREATE_COMPLETE", ""),
            (
                "ControlPlane",
                "CREATE_IN_PROGRESS",
                "Resource creation Initiated"
            ),
            ("ControlPlane", "CREATE_IN_PROGRESS", ""),
            ("Handle", "CREATE_COMPLETE", ""),
            (
                "Handle",
                "CREATE_IN_PROGRESS",
                "Resource creation Initiated"
            ),
            ("Handle", "CREATE_IN_PROGRESS", ""),
            ("demo", "CREATE_IN_PROGRESS", "User Initiated"),
        ],
        "newest first"
    );
    let first = events.stack_events().last().unwrap();
    assert_eq!(first.physical_resource_id(), Some(id.as_str()));
    assert_eq!(first.resource_type(), Some("AWS::CloudFormation::Stack"));
    assert!(events.next_token().is_none());

    let listed = cfn
        .list_stack_resources()
        .stack_name("demo")
        .send()
        .await
        .unwrap();
    let resources: Vec<(&str, &str, &str)> = listed
        .stack_resource_summaries()
        .iter()
        .map(|r| {
            (
                r.logical_resource_id().unwrap(),
                r.resource_type().unwrap(),
                r.resource_status().unwrap().as_str(),
            )
        })
        .collect();
    assert_eq!(
        resources,
        [
            ("ControlPlane", "AWS::EKS::Cluster", "CREATE_COMPLETE"),
            (
                "Handle",
                "AWS::CloudFormation::WaitConditionHandle",
                "CREATE_COMPLETE"
            ),
        ]
    );
    let by_physical = cfn
        .describe_stack_resources()
        .physical_resource_id("c1")
        .send()
        .await
        .unwrap();
    assert_eq!(by_physical.stack_resources().len(), 2);
    let one = cfn
        .describe_stack_resources()
        .stack_name("demo")
        .logical_resource_id("ControlPlane")
        .send()
        .await
        .unwrap();
    assert_eq!(one.stack_resources()[0].physical_resource_id(), Some("c1"));
    let detail = cfn
        .describe_stack_resource()
        .stack_name("demo")
        .logical_resource_id("ControlPlane")
        .send()
        .await
        .unwrap();
    let detail = detail.stack_resource_detail().unwrap();
    assert_eq!(detail.physical_resource_id(), Some("c1"));
    assert_eq!(
        detail.resource_status(),
        Some(&ResourceStatus::CreateComplete)
    );

    let template = cfn.get_template().stack_name("demo").send().await.unwrap();
    assert_eq!(template.template_body(), Some(body.as_str()));
    let exports = cfn.list_exports().send().await.unwrap();
    assert_eq!(exports.exports().len(), 1);
    assert_eq!(exports.exports()[0].name(), Some("demo::ARN"));
    assert_eq!(exports.exports()[0].exporting_stack_id(), Some(id.as_str()));

    let complete = cfn
        .list_stacks()
        .stack_status_filter(StackStatus::CreateComplete)
        .send()
        .await
        .unwrap();
    assert_eq!(complete.stack_summaries().len(), 1);
    let failed = cfn
        .list_stacks()
        .stack_status_filter(StackStatus::CreateFailed)
        .send()
        .await
        .unwrap();
    assert!(failed.stack_summaries().is_empty());
}

#[tokio::test]
async fn every_error_has_its_code_and_message() {
    let emu = TestEmulator::start().await;
    let cfn = client(&emu).await;
    let handle = r#"{"Resources": {"H": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}"#;
    assert_eq!(
        err_of(cfn.describe_stacks().stack_name("nope").send().await).await,
        (
            "ValidationError".into(),
            "Stack with id nope does not exist".into()
        )
    );
    assert_eq!(
        err_of(cfn.describe_stack_events().stack_name("nope").send().await).await,
        (
            "ValidationError".into(),
            "Stack [nope] does not exist".into()
        )
    );
    assert_eq!(
        err_of(cfn.get_template().stack_name("nope").send().await).await,
        (
            "ValidationError".into(),
            "Stack with id nope does not exist".into()
        )
    );
    assert_eq!(
        err_of(cfn.create_stack().stack_name("s").send().await).await,
        (
            "ValidationError".into(),
            "Either Template URL or Template Body must be specified.".into()
        )
    );
    assert_eq!(
        err_of(
            cfn.create_stack()
                .stack_name("s")
                .template_body("{\"Resources\": ")
                .send()
                .await
        )
        .await,
        (
            "ValidationError".into(),
            "Template format error: JSON not well-formed. (line 1, column 14)".into()
        )
    );
    assert_eq!(
        err_of(
            cfn.create_stack()
                .stack_name("s")
                .template_body(
                    r#"{"Resources": {"A": {"Type": "AWS::X::Y", "Properties": {"P": {"Ref": "B"}}},
                                      "B": {"Type": "AWS::X::Y", "DependsOn": "A"}}}"#
                )
                .send()
                .await
        )
        .await,
        (
            "ValidationError".into(),
            "Circular dependency between resources: [A, B]".into()
        )
    );
    assert_eq!(
        err_of(
            cfn.create_stack()
                .stack_name("s")
                .template_body("Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: x\n")
                .capabilities(Capability::CapabilityIam)
                .send()
                .await
        )
        .await,
        (
            "InsufficientCapabilitiesException".into(),
            "Requires capabilities : [CAPABILITY_NAMED_IAM]".into()
        )
    );
    assert_eq!(
        err_of(
            cfn.create_stack()
                .stack_name("s")
                .template_body(CLUSTER_YAML)
                .send()
                .await
        )
        .await,
        (
            "ValidationError".into(),
            "Parameters: [ClusterName] must have values".into()
        )
    );
    assert_eq!(
        err_of(
            cfn.create_stack()
                .stack_name("bad_name")
                .template_body(handle)
                .send()
                .await
        )
        .await
        .1,
        "1 validation error detected: Value 'bad_name' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*"
    );
    cfn.create_stack()
        .stack_name("s")
        .template_body(handle)
        .enable_termination_protection(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        err_of(
            cfn.create_stack()
                .stack_name("s")
                .template_body(handle)
                .send()
                .await
        )
        .await,
        (
            "AlreadyExistsException".into(),
            "Stack [s] already exists".into()
        )
    );
    let update = cfn
        .update_stack()
        .stack_name("s")
        .template_body(handle)
        .send()
        .await;
    let (code, message) = err_of(update).await;
    assert_eq!(code, "ValidationError");
    assert!(
        message.ends_with(" is in CREATE_IN_PROGRESS state and can not be updated."),
        "{message}"
    );
    emu.advance(10);
    assert_eq!(
        err_of(
            cfn.update_stack()
                .stack_name("s")
                .template_body(handle)
                .send()
                .await
        )
        .await,
        (
            "ValidationError".into(),
            "No updates are to be performed.".into()
        )
    );
    assert_eq!(
        err_of(
            cfn.update_stack()
                .stack_name("s")
                .use_previous_template(true)
                .send()
                .await
        )
        .await,
        (
            "ValidationError".into(),
            "No updates are to be performed.".into()
        )
    );
    assert_eq!(
        err_of(cfn.delete_stack().stack_name("s").send().await).await,
        (
            "ValidationError".into(),
            "Stack [s] cannot be deleted while TerminationProtection is enabled".into()
        )
    );
    assert_eq!(
        err_of(
            cfn.describe_stack_resource()
                .stack_name("s")
                .logical_resource_id("Nope")
                .send()
                .await
        )
        .await,
        (
            "ValidationError".into(),
            "Resource Nope does not exist for stack s".into()
        )
    );
    assert_eq!(
        err_of(cfn.list_imports().export_name("none").send().await).await,
        (
            "ValidationError".into(),
            "Export 'none' is not imported by any stack.".into()
        )
    );
    assert_eq!(
        err_of(cfn.describe_stack_resources().send().await).await,
        (
            "ValidationError".into(),
            "Either StackName or PhysicalResourceId must be specified.".into()
        )
    );
    cfn.update_termination_protection()
        .stack_name("s")
        .enable_termination_protection(false)
        .send()
        .await
        .unwrap();
    cfn.delete_stack().stack_name("s").send().await.unwrap();
    cfn.delete_stack()
        .stack_name("never-was")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_failed_resource_rolls_the_stack_back_or_leaves_it_with_disable_rollback() {
    let emu = TestEmulator::start().await;
    let cfn = client(&emu).await;
    let body = r#"{"Resources": {
        "Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
        "VPC": {"Type": "AWS::EC2::VPC", "DependsOn": "Handle", "Properties": {"CidrBlock": "10.0.0.0/8"}}
    }}"#;
    cfn.create_stack()
        .stack_name("rb")
        .template_body(body)
        .send()
        .await
        .unwrap();
    cfn.create_stack()
        .stack_name("kept")
        .template_body(body)
        .on_failure(OnFailure::DoNothing)
        .send()
        .await
        .unwrap();
    emu.advance(6);
    emu.advance(6);
    let described = cfn.describe_stacks().stack_name("rb").send().await.unwrap();
    let stack = &described.stacks()[0];
    assert_eq!(stack.stack_status(), Some(&StackStatus::RollbackComplete));
    let events = cfn
        .describe_stack_events()
        .stack_name("rb")
        .send()
        .await
        .unwrap();
    let failed = events
        .stack_events()
        .iter()
        .find(|e| e.resource_status() == Some(&ResourceStatus::CreateFailed))
        .unwrap();
    assert_eq!(failed.logical_resource_id(), Some("VPC"));
    // EC2's own refusal (CreateVpc takes /16 to /28), as CloudFormation reports a handler's.
    let reason = failed.resource_status_reason().unwrap();
    assert!(
        reason.starts_with("Resource handler returned message: \"The CIDR '10.0.0.0/8' is invalid. (Service: Ec2, Status Code: 400, Request ID: "),
        "{reason}"
    );
    assert!(
        reason.ends_with(", HandlerErrorCode: InvalidRequest)"),
        "{reason}"
    );
    let rollback = events
        .stack_events()
        .iter()
        .find(|e| e.resource_status() == Some(&ResourceStatus::from("ROLLBACK_IN_PROGRESS")))
        .unwrap();
    assert_eq!(
        rollback.resource_status_reason(),
        Some("The following resource(s) failed to create: [VPC]. Rollback requested by user.")
    );
    let described = cfn
        .describe_stacks()
        .stack_name("kept")
        .send()
        .await
        .unwrap();
    let kept = &described.stacks()[0];
    assert_eq!(kept.stack_status(), Some(&StackStatus::CreateFailed));
    assert_eq!(kept.disable_rollback(), Some(true));
    assert_eq!(
        kept.stack_status_reason(),
        Some("The following resource(s) failed to create: [VPC]. ")
    );
}

#[tokio::test]
async fn update_stack_applies_the_diff_and_keeps_previous_values() {
    let emu = TestEmulator::start().await;
    let cfn = client(&emu).await;
    let v1 = r#"{"Parameters": {"Tier": {"Type": "String", "AllowedValues": ["a", "b"]}},
                 "Resources": {"Old": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
                 "Outputs": {"Tier": {"Value": {"Ref": "Tier"}}}}"#;
    let v2 = r#"{"Parameters": {"Tier": {"Type": "String", "AllowedValues": ["a", "b"]}},
                 "Resources": {"New": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
                 "Outputs": {"Tier": {"Value": {"Ref": "Tier"}}, "New": {"Value": {"Ref": "New"}}}}"#;
    cfn.create_stack()
        .stack_name("u")
        .template_body(v1)
        .parameters(param("Tier", "a"))
        .send()
        .await
        .unwrap();
    emu.advance(10);
    assert_eq!(
        err_of(
            cfn.update_stack()
                .stack_name("u")
                .template_body(v2)
                .parameters(param("Tier", "c"))
                .send()
                .await
        )
        .await,
        (
            "ValidationError".into(),
            "Parameter 'Tier' must be one of AllowedValues".into()
        )
    );
    cfn.update_stack()
        .stack_name("u")
        .template_body(v2)
        .parameters(
            Parameter::builder()
                .parameter_key("Tier")
                .use_previous_value(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(status(&cfn, "u").await, StackStatus::UpdateInProgress);
    emu.advance(6);
    emu.advance(6);
    let described = cfn.describe_stacks().stack_name("u").send().await.unwrap();
    let stack = &described.stacks()[0];
    assert_eq!(stack.stack_status(), Some(&StackStatus::UpdateComplete));
    assert!(stack.last_updated_time().is_some());
    assert_eq!(stack.outputs().len(), 2);
    let resources = cfn
        .list_stack_resources()
        .stack_name("u")
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = resources
        .stack_resource_summaries()
        .iter()
        .map(|r| r.logical_resource_id().unwrap())
        .collect();
    assert_eq!(ids, ["New"]);
    let events = cfn
        .describe_stack_events()
        .stack_name("u")
        .send()
        .await
        .unwrap();
    let stack_statuses: Vec<&str> = events
        .stack_events()
        .iter()
        .filter(|e| e.logical_resource_id() == Some("u"))
        .map(|e| e.resource_status().unwrap().as_str())
        .collect();
    assert_eq!(
        stack_statuses,
        [
            "UPDATE_COMPLETE",
            "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
            "UPDATE_IN_PROGRESS",
            "CREATE_COMPLETE",
            "CREATE_IN_PROGRESS"
        ]
    );
}

#[tokio::test]
async fn events_page_with_next_token_newest_first() {
    let emu = TestEmulator::start().await;
    let cfn = client(&emu).await;
    let resources: Vec<String> = (0..40)
        .map(|i| format!(r#""H{i:02}": {{"Type": "AWS::CloudFormation::WaitConditionHandle"}}"#))
        .collect();
    let body = format!(r#"{{"Resources": {{{}}}}}"#, resources.join(","));
    cfn.create_stack()
        .stack_name("many")
        .template_body(body)
        .send()
        .await
        .unwrap();
    emu.advance(10);
    let first = cfn
        .describe_stack_events()
        .stack_name("many")
        .send()
        .await
        .unwrap();
    assert_eq!(first.stack_events().len(), 100);
    assert_eq!(
        first.stack_events()[0].resource_status(),
        Some(&ResourceStatus::CreateComplete)
    );
    assert_eq!(first.stack_events()[0].logical_resource_id(), Some("many"));
    let second = cfn
        .describe_stack_events()
        .stack_name("many")
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(second.stack_events().len(), 40 * 3 + 2 - 100);
    assert!(second.next_token().is_none());
    assert_eq!(
        second
            .stack_events()
            .last()
            .unwrap()
            .resource_status_reason(),
        Some("User Initiated")
    );
}

#[tokio::test]
async fn validate_template_reports_parameters_and_capabilities() {
    let emu = TestEmulator::start().await;
    let cfn = client(&emu).await;
    let out = cfn
        .validate_template()
        .template_body(
            "Description: d\nParameters:\n  P:\n    Type: String\n    Default: x\n    NoEcho: true\n    Description: pd\nResources:\n  R:\n    Type: AWS::IAM::Role\n",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.description(), Some("d"));
    let p = &out.parameters()[0];
    assert_eq!(p.parameter_key(), Some("P"));
    assert_eq!(p.default_value(), Some("x"));
    assert_eq!(p.no_echo(), Some(true));
    assert_eq!(p.description(), Some("pd"));
    assert_eq!(out.capabilities(), [Capability::CapabilityIam]);
    assert_eq!(
        out.capabilities_reason(),
        Some("The following resource(s) require capabilities: [AWS::IAM::Role]")
    );
    assert_eq!(
        err_of(
            cfn.validate_template()
                .template_body("Resources: {}")
                .send()
                .await
        )
        .await,
        (
            "ValidationError".into(),
            "Template format error: At least one Resources member must be defined.".into()
        )
    );
}

#[tokio::test]
async fn imported_exports_hold_their_stack_until_the_importer_goes() {
    let emu = TestEmulator::start().await;
    let cfn = client(&emu).await;
    cfn.create_stack()
        .stack_name("base")
        .template_body(
            r#"{"Resources": {"H": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
                "Outputs": {"Url": {"Value": {"Ref": "H"}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}::Url"}}}}}"#,
        )
        .send()
        .await
        .unwrap();
    emu.advance(10);
    assert_eq!(
        err_of(
            cfn.create_stack()
                .stack_name("user")
                .template_body(
                    r#"{"Resources": {"H": {"Type": "AWS::CloudFormation::WaitConditionHandle",
                        "Metadata": {"x": 1}}}, "Outputs": {"U": {"Value": {"Fn::ImportValue": "base::Nope"}}}}"#
                )
                .send()
                .await
        )
        .await,
        ("ValidationError".into(), "No export named base::Nope found".into())
    );
    cfn.create_stack()
        .stack_name("user")
        .template_body(
            r#"{"Resources": {"H": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
                "Outputs": {"U": {"Value": {"Fn::ImportValue": "base::Url"}}}}"#,
        )
        .send()
        .await
        .unwrap();
    emu.advance(10);
    let imports = cfn
        .list_imports()
        .export_name("base::Url")
        .send()
        .await
        .unwrap();
    assert_eq!(imports.imports(), ["user"]);
    cfn.delete_stack().stack_name("base").send().await.unwrap();
    emu.advance(10);
    let described = cfn
        .describe_stacks()
        .stack_name("base")
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.stacks()[0].stack_status_reason(),
        Some("Delete canceled. Cannot delete export base::Url as it is in use by user.")
    );
    assert_eq!(status(&cfn, "base").await, StackStatus::CreateComplete);
    cfn.delete_stack().stack_name("user").send().await.unwrap();
    emu.advance(10);
    cfn.delete_stack().stack_name("base").send().await.unwrap();
    emu.advance(10);
    assert!(cfn
        .list_exports()
        .send()
        .await
        .unwrap()
        .exports()
        .is_empty());
    let deleted = cfn
        .list_stacks()
        .stack_status_filter(StackStatus::DeleteComplete)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.stack_summaries().len(), 2);
    assert!(deleted.stack_summaries()[0].deletion_time().is_some());
}

/// eksctl lists its stacks with every status filter, including ones this emulator never produces
/// (`REVIEW_IN_PROGRESS`, `IMPORT_*`): valid filters that match nothing, not validation errors.
#[tokio::test]
async fn list_stacks_accepts_every_valid_status_filter() {
    let emu = TestEmulator::start().await;
    let cfn = client(&emu).await;
    let listed = cfn
        .list_stacks()
        .stack_status_filter(StackStatus::ReviewInProgress)
        .stack_status_filter(StackStatus::ImportComplete)
        .send()
        .await
        .expect("valid filters are accepted");
    assert!(listed.stack_summaries().is_empty());
    let err = cfn
        .list_stacks()
        .stack_status_filter(StackStatus::from("NOT_A_STATUS"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationError"));
}
