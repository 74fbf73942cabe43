//! SSM's public AMI parameters through the real `aws` CLI and boto3 (awsJson1.1), and CloudFormation
//! resolving `AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>` parameters from them, as eksctl's
//! nodegroup stacks use them. The CLI blocks its thread, so the emulator runs on a multi-threaded
//! runtime beside it.

mod support;

use serde_json::Value;
use support::{run_json, TestEmulator};

const REGION: &str = "eu-west-1";
const AL2023: &str =
    "/aws/service/eks/optimized-ami/1.32/amazon-linux-2023/x86_64/standard/recommended/image_id";
const AL2: &str = "/aws/service/eks/optimized-ami/1.33/amazon-linux-2/recommended/image_id";
const BOTTLEROCKET: &str = "/aws/service/bottlerocket/aws-k8s-1.32/x86_64/latest/image_id";

fn is_ami(value: &Value) -> bool {
    value.as_str().is_some_and(|v| {
        v.len() == 21
            && v.starts_with("ami-")
            && v[4..]
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_reads_eks_optimised_ami_parameters() {
    let emu = TestEmulator::start().await;
    let got = emu.aws_ok(REGION, &["ssm", "get-parameter", "--name", AL2023]);
    let p = &got["Parameter"];
    assert_eq!(p["Name"], AL2023);
    assert_eq!(p["Type"], "String");
    assert_eq!(p["Version"], 1);
    assert_eq!(p["DataType"], "aws:ec2:image");
    assert_eq!(p["ARN"], format!("arn:aws:ssm:{REGION}::parameter{AL2023}"));
    assert!(is_ami(&p["Value"]), "{p}");
    assert_eq!(
        p["LastModifiedDate"], 1_737_590_400.0,
        "epoch seconds, as awsJson sends them"
    );
    assert_eq!(
        p["Value"].as_str().unwrap(),
        eks_emulator::ssm::model::image_id(REGION, AL2023)
    );
    // Stable across calls, different in another region.
    let value_of = [
        "ssm",
        "get-parameter",
        "--name",
        AL2023,
        "--query",
        "Parameter.Value",
    ];
    let again = emu.aws_ok(REGION, &value_of);
    assert_eq!(again, p["Value"]);
    let other = emu.aws_ok("us-west-2", &value_of);
    assert!(is_ami(&other));
    assert_ne!(other, p["Value"]);

    let both = emu.aws_ok(
        REGION,
        &[
            "ssm",
            "get-parameters",
            "--names",
            BOTTLEROCKET,
            "/no/such/parameter",
        ],
    );
    assert_eq!(both["Parameters"][0]["Name"], BOTTLEROCKET);
    assert!(is_ami(&both["Parameters"][0]["Value"]));
    assert_eq!(
        both["InvalidParameters"],
        serde_json::json!(["/no/such/parameter"])
    );

    assert_eq!(
        emu.aws_error(
            REGION,
            &[
                "ssm",
                "get-parameter",
                "--name",
                "/aws/service/eks/optimized-ami/1.14/amazon-linux-2/recommended/image_id"
            ]
        ),
        "An error occurred (ParameterNotFound) when calling the GetParameter operation:"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_reads_the_same_parameters() {
    let emu = TestEmulator::start().await;
    let script = r#"
import json, os, boto3, botocore
session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="x", region_name="eu-west-1")
ssm = session.client("ssm", endpoint_url=os.environ["ENDPOINT"])
p = ssm.get_parameter(Name=os.environ["NAME"])["Parameter"]
try:
    ssm.get_parameter(Name="/nope")
    error = None
except botocore.exceptions.ClientError as e:
    error = [e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
print(json.dumps({"value": p["Value"], "modified": p["LastModifiedDate"].isoformat(), "error": error}))
"#;
    let out = run_json(
        std::process::Command::new("python3")
            .env("ENDPOINT", emu.url())
            .env("NAME", AL2)
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .args(["-c", script]),
    );
    assert_eq!(
        out["value"].as_str().unwrap(),
        eks_emulator::ssm::model::image_id(REGION, AL2)
    );
    assert!(
        out["modified"].as_str().unwrap().starts_with("2025-"),
        "{out}"
    );
    assert_eq!(
        out["error"],
        serde_json::json!(["ParameterNotFound", "", 400])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloudformation_resolves_ssm_parameter_types_and_shows_the_resolved_value() {
    let emu = TestEmulator::start().await;
    let template = |default: &str| {
        serde_json::json!({
            "Parameters": {"AmiId": {
                "Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
                "Default": default
            }},
            "Resources": {"H": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": {"Ami": {"Value": {"Ref": "AmiId"}}}
        })
        .to_string()
    };
    let body = template(AL2023);
    emu.aws_ok(
        REGION,
        &[
            "cloudformation",
            "create-stack",
            "--stack-name",
            "ami",
            "--template-body",
            &body,
        ],
    );
    let ami = eks_emulator::ssm::model::image_id(REGION, AL2023);
    emu.advance(60);
    let stack = emu.aws_ok(
        REGION,
        &["cloudformation", "describe-stacks", "--stack-name", "ami"],
    )["Stacks"][0]
        .clone();
    assert_eq!(stack["StackStatus"], "CREATE_COMPLETE", "{stack}");
    assert_eq!(
        stack["Parameters"],
        serde_json::json!([{"ParameterKey": "AmiId", "ParameterValue": AL2023, "ResolvedValue": ami}])
    );
    assert_eq!(stack["Outputs"][0]["OutputValue"], ami.as_str());

    let bad = template("/no/such/parameter");
    assert_eq!(
        emu.aws_error(
            REGION,
            &[
                "cloudformation",
                "create-stack",
                "--stack-name",
                "bad",
                "--template-body",
                &bad
            ]
        ),
        "An error occurred (ValidationError) when calling the CreateStack operation: \
         Unable to fetch parameters [/no/such/parameter] from parameter store for this account."
    );
}
