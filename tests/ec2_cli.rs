//! EC2 (and the IAM/EKS calls that build on it) through the real `aws` CLI and boto3, which speak
//! EC2's own query protocol: a VPC with three public and three private subnets across three AZs,
//! an EKS cluster on them, every EC2 error's code and message, and the default VPC. The CLI blocks its
//! thread, so the emulator runs on a multi-threaded runtime beside it.

mod support;

use serde_json::Value;
use support::{run, run_err, run_json, TestEmulator, ACCOUNT};

const REGION: &str = "ap-northeast-1";

/// Runs a call that must succeed: its JSON output, or `null` for operations without output.
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

/// The CLI's one-line error for a failed call: `An error occurred (Code) when calling the Op
/// operation: message`.
fn aws_err(emu: &TestEmulator, args: &[&str]) -> String {
    let stderr = run_err(emu.aws(REGION).args(args));
    stderr.lines().last().unwrap_or_default().to_owned()
}

fn expect_error(emu: &TestEmulator, args: &[&str], code: &str, operation: &str, message: &str) {
    assert_eq!(
        aws_err(emu, args),
        format!("An error occurred ({code}) when calling the {operation} operation: {message}"),
        "aws {}",
        args.join(" ")
    );
}

fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no {pointer} in {value}"))
        .to_owned()
}

/// Whether EKS would see the subnet as private, asked of the emulator itself.
fn private_in_emulator(emu: &TestEmulator, subnet: &str) -> bool {
    emu.emulator().with_world(|world, _| {
        let ec2 = &world.scope(ACCOUNT, REGION).region.ec2;
        ec2.is_private(&ec2.subnets[subnet])
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_builds_a_vpc_with_public_and_private_subnets_and_an_eks_cluster_on_it() {
    let emu = TestEmulator::start().await;
    let zones = aws(&emu, &["ec2", "describe-availability-zones"]);
    let zones: Vec<String> = zones["AvailabilityZones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| text(z, "/ZoneName"))
        .collect();
    assert_eq!(zones, ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]);

    let vpc = aws(
        &emu,
        &[
            "ec2", "create-vpc", "--cidr-block", "10.0.0.0/16",
            "--tag-specifications", "ResourceType=vpc,Tags=[{Key=Name,Value=demo}]",
        ],
    );
    let vpc = text(&vpc, "/Vpc/VpcId");
    aws(&emu, &["ec2", "modify-vpc-attribute", "--vpc-id", &vpc, "--enable-dns-hostnames", "{\"Value\":true}"]);
    let igw = text(&aws(&emu, &["ec2", "create-internet-gateway"]), "/InternetGateway/InternetGatewayId");
    aws(&emu, &["ec2", "attach-internet-gateway", "--internet-gateway-id", &igw, "--vpc-id", &vpc]);

    let mut public = Vec::new();
    let mut private = Vec::new();
    for (i, zone) in zones.iter().enumerate() {
        for (list, offset, kind) in [(&mut public, 0, "public"), (&mut private, 96, "private")] {
            let cidr = format!("10.0.{}.0/19", offset + 32 * i);
            let tags = format!("ResourceType=subnet,Tags=[{{Key=Name,Value={kind}-{zone}}}]");
            let subnet = aws(
                &emu,
                &[
                    "ec2", "create-subnet", "--vpc-id", &vpc, "--cidr-block", &cidr,
                    "--availability-zone", zone, "--tag-specifications", &tags,
                ],
            );
            list.push(text(&subnet, "/Subnet/SubnetId"));
        }
    }
    for subnet in &public {
        aws(&emu, &["ec2", "modify-subnet-attribute", "--subnet-id", subnet, "--map-public-ip-on-launch"]);
    }

    let public_table = text(&aws(&emu, &["ec2", "create-route-table", "--vpc-id", &vpc]), "/RouteTable/RouteTableId");
    aws(&emu, &["ec2", "create-route", "--route-table-id", &public_table, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", &igw]);
    for subnet in &public {
        let association = aws(&emu, &["ec2", "associate-route-table", "--route-table-id", &public_table, "--subnet-id", subnet]);
        assert!(text(&association, "/AssociationId").starts_with("rtbassoc-"));
    }

    let eip = aws(&emu, &["ec2", "allocate-address", "--domain", "vpc"]);
    let allocation = text(&eip, "/AllocationId");
    let nat = aws(&emu, &["ec2", "create-nat-gateway", "--subnet-id", &public[0], "--allocation-id", &allocation]);
    assert_eq!(text(&nat, "/NatGateway/State"), "pending");
    let nat = text(&nat, "/NatGateway/NatGatewayId");
    emu.advance(90);
    let described = aws(&emu, &["ec2", "describe-nat-gateways", "--nat-gateway-ids", &nat]);
    assert_eq!(text(&described, "/NatGateways/0/State"), "available");
    assert_eq!(text(&described, "/NatGateways/0/NatGatewayAddresses/0/PublicIp"), text(&eip, "/PublicIp"));

    let private_table = text(&aws(&emu, &["ec2", "create-route-table", "--vpc-id", &vpc]), "/RouteTable/RouteTableId");
    aws(&emu, &["ec2", "create-route", "--route-table-id", &private_table, "--destination-cidr-block", "0.0.0.0/0", "--nat-gateway-id", &nat]);
    for subnet in &private {
        aws(&emu, &["ec2", "associate-route-table", "--route-table-id", &private_table, "--subnet-id", subnet]);
    }

    // describe-subnets tells them apart as AWS does: MapPublicIpOnLaunch, and each subnet's route table.
    let subnets = aws(&emu, &["ec2", "describe-subnets", "--filters", &format!("Name=vpc-id,Values={vpc}")]);
    let subnets = subnets["Subnets"].as_array().unwrap();
    assert_eq!(subnets.len(), 6);
    for subnet in subnets {
        let id = text(subnet, "/SubnetId");
        let is_public = public.contains(&id);
        assert_eq!(subnet["MapPublicIpOnLaunch"], Value::Bool(is_public), "{id}");
        assert_eq!(subnet["DefaultForAz"], Value::Bool(false));
        let tables = aws(&emu, &["ec2", "describe-route-tables", "--filters", &format!("Name=association.subnet-id,Values={id}")]);
        let routes = &tables["RouteTables"][0]["Routes"];
        let to_igw = routes.as_array().unwrap().iter().any(|r| r["GatewayId"].as_str().is_some_and(|g| g.starts_with("igw-")));
        assert_eq!(to_igw, is_public, "{id}: {routes}");
        assert_eq!(private_in_emulator(&emu, &id), !is_public, "{id}");
    }
    let tagged = aws(&emu, &["ec2", "describe-subnets", "--filters", "Name=tag:Name,Values=private-*"]);
    assert_eq!(tagged["Subnets"].as_array().unwrap().len(), 3);

    // The roles EKS and Fargate need, then a cluster on those subnets.
    let trust = |service: &str| {
        format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}"#)
    };
    let cluster_role = aws(&emu, &["iam", "create-role", "--role-name", "demo-cluster", "--assume-role-policy-document", &trust("eks.amazonaws.com")]);
    assert_eq!(
        cluster_role["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"],
        "eks.amazonaws.com",
        "the CLI URL-decodes and parses the trust policy"
    );
    aws(&emu, &["iam", "attach-role-policy", "--role-name", "demo-cluster", "--policy-arn", "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]);
    aws(&emu, &["iam", "create-role", "--role-name", "demo-pods", "--assume-role-policy-document", &trust("eks-fargate-pods.amazonaws.com")]);
    aws(&emu, &["iam", "attach-role-policy", "--role-name", "demo-pods", "--policy-arn", "arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy"]);
    let all_subnets: Vec<String> = public.iter().chain(&private).cloned().collect();
    let cluster = aws(
        &emu,
        &[
            "eks", "create-cluster", "--name", "demo",
            "--role-arn", &text(&cluster_role, "/Role/Arn"),
            "--resources-vpc-config", &format!("subnetIds={}", all_subnets.join(",")),
        ],
    );
    assert_eq!(text(&cluster, "/cluster/resourcesVpcConfig/vpcId"), vpc);
    let group = text(&cluster, "/cluster/resourcesVpcConfig/clusterSecurityGroupId");
    let groups = aws(&emu, &["ec2", "describe-security-groups", "--group-ids", &group]);
    assert!(text(&groups, "/SecurityGroups/0/GroupName").starts_with("eks-cluster-sg-demo-"));
    assert_eq!(text(&groups, "/SecurityGroups/0/VpcId"), vpc);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_ec2_error_has_its_code_and_message() {
    let emu = TestEmulator::start().await;
    let vpc = text(&aws(&emu, &["ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"]), "/Vpc/VpcId");
    let subnet = text(
        &aws(&emu, &["ec2", "create-subnet", "--vpc-id", &vpc, "--cidr-block", "10.0.0.0/24", "--availability-zone", "ap-northeast-1a"]),
        "/Subnet/SubnetId",
    );
    expect_error(&emu, &["ec2", "create-subnet", "--vpc-id", "vpc-0", "--cidr-block", "10.0.1.0/24"],
        "InvalidVpcID.NotFound", "CreateSubnet", "The vpc ID 'vpc-0' does not exist");
    expect_error(&emu, &["ec2", "create-subnet", "--vpc-id", &vpc, "--cidr-block", "10.0.0.0/25"],
        "InvalidSubnet.Conflict", "CreateSubnet", "The CIDR '10.0.0.0/25' conflicts with another subnet");
    expect_error(&emu, &["ec2", "create-subnet", "--vpc-id", &vpc, "--cidr-block", "10.9.0.0/24"],
        "InvalidSubnet.Range", "CreateSubnet", "The CIDR '10.9.0.0/24' is invalid.");
    expect_error(&emu, &["ec2", "create-subnet", "--vpc-id", &vpc, "--cidr-block", "banana"],
        "InvalidParameterValue", "CreateSubnet", "Value (banana) for parameter cidrBlock is invalid. This is not a valid CIDR block.");
    expect_error(&emu, &["ec2", "create-subnet", "--vpc-id", &vpc, "--cidr-block", "10.0.1.0/24", "--availability-zone", "ap-northeast-1b"],
        "InvalidParameterValue", "CreateSubnet",
        "Value (ap-northeast-1b) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ap-northeast-1a, ap-northeast-1c, ap-northeast-1d.");
    expect_error(&emu, &["ec2", "create-vpc", "--cidr-block", "10.0.0.0/8"],
        "InvalidVpc.Range", "CreateVpc", "The CIDR '10.0.0.0/8' is invalid.");
    expect_error(&emu, &["ec2", "describe-subnets", "--subnet-ids", "subnet-0"],
        "InvalidSubnetID.NotFound", "DescribeSubnets", "The subnet ID 'subnet-0' does not exist");
    expect_error(&emu, &["ec2", "describe-subnets", "--filters", "Name=colour,Values=red"],
        "InvalidParameterValue", "DescribeSubnets", "The filter 'colour' is invalid");

    let igw = text(&aws(&emu, &["ec2", "create-internet-gateway"]), "/InternetGateway/InternetGatewayId");
    aws(&emu, &["ec2", "attach-internet-gateway", "--internet-gateway-id", &igw, "--vpc-id", &vpc]);
    expect_error(&emu, &["ec2", "attach-internet-gateway", "--internet-gateway-id", &igw, "--vpc-id", &vpc],
        "Resource.AlreadyAssociated", "AttachInternetGateway", &format!("resource {igw} is already attached to network {vpc}"));
    expect_error(&emu, &["ec2", "delete-internet-gateway", "--internet-gateway-id", &igw],
        "DependencyViolation", "DeleteInternetGateway", &format!("The internetGateway '{igw}' has dependencies and cannot be deleted."));
    expect_error(&emu, &["ec2", "delete-vpc", "--vpc-id", &vpc],
        "DependencyViolation", "DeleteVpc", &format!("The vpc '{vpc}' has dependencies and cannot be deleted."));

    let table = text(&aws(&emu, &["ec2", "create-route-table", "--vpc-id", &vpc]), "/RouteTable/RouteTableId");
    aws(&emu, &["ec2", "create-route", "--route-table-id", &table, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", &igw]);
    expect_error(&emu, &["ec2", "create-route", "--route-table-id", &table, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", &igw],
        "RouteAlreadyExists", "CreateRoute", "The route identified by 0.0.0.0/0 already exists.");
    expect_error(&emu, &["ec2", "create-route", "--route-table-id", &table, "--destination-cidr-block", "1.0.0.0/8", "--gateway-id", "igw-0"],
        "InvalidGatewayID.NotFound", "CreateRoute", "The gateway ID 'igw-0' does not exist");
    expect_error(&emu, &["ec2", "create-route", "--route-table-id", "rtb-0", "--destination-cidr-block", "1.0.0.0/8", "--gateway-id", &igw],
        "InvalidRouteTableID.NotFound", "CreateRoute", "The routeTable ID 'rtb-0' does not exist");
    aws(&emu, &["ec2", "associate-route-table", "--route-table-id", &table, "--subnet-id", &subnet]);
    expect_error(&emu, &["ec2", "delete-route-table", "--route-table-id", &table],
        "DependencyViolation", "DeleteRouteTable", &format!("The routeTable '{table}' has dependencies and cannot be deleted."));

    let allocation = text(&aws(&emu, &["ec2", "allocate-address"]), "/AllocationId");
    let nat = text(&aws(&emu, &["ec2", "create-nat-gateway", "--subnet-id", &subnet, "--allocation-id", &allocation]), "/NatGateway/NatGatewayId");
    expect_error(&emu, &["ec2", "create-nat-gateway", "--subnet-id", &subnet, "--allocation-id", &allocation],
        "Resource.AlreadyAssociated", "CreateNatGateway", &format!("Elastic IP address [{allocation}] is already associated"));
    expect_error(&emu, &["ec2", "release-address", "--allocation-id", &allocation],
        "AuthFailure", "ReleaseAddress", "You do not have permission to access the specified resource.");
    expect_error(&emu, &["ec2", "delete-subnet", "--subnet-id", &subnet],
        "DependencyViolation", "DeleteSubnet", &format!("The subnet '{subnet}' has dependencies and cannot be deleted."));
    expect_error(&emu, &["ec2", "detach-internet-gateway", "--internet-gateway-id", &igw, "--vpc-id", &vpc],
        "DependencyViolation", "DetachInternetGateway",
        &format!("Network {vpc} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway."));
    expect_error(&emu, &["ec2", "describe-nat-gateways", "--nat-gateway-ids", "nat-0"],
        "NatGatewayNotFound", "DescribeNatGateways", "NAT gateway nat-0 was not found");
    expect_error(&emu, &["ec2", "release-address", "--allocation-id", "eipalloc-0"],
        "InvalidAllocationID.NotFound", "ReleaseAddress", "The allocation ID 'eipalloc-0' does not exist");

    let group = text(&aws(&emu, &["ec2", "create-security-group", "--group-name", "web", "--description", "web", "--vpc-id", &vpc]), "/GroupId");
    expect_error(&emu, &["ec2", "create-security-group", "--group-name", "web", "--description", "web", "--vpc-id", &vpc],
        "InvalidGroup.Duplicate", "CreateSecurityGroup", &format!("The security group 'web' already exists for VPC '{vpc}'"));
    aws(&emu, &["ec2", "authorize-security-group-ingress", "--group-id", &group, "--protocol", "tcp", "--port", "443", "--cidr", "0.0.0.0/0"]);
    expect_error(&emu, &["ec2", "authorize-security-group-ingress", "--group-id", &group, "--protocol", "tcp", "--port", "443", "--cidr", "0.0.0.0/0"],
        "InvalidPermission.Duplicate", "AuthorizeSecurityGroupIngress",
        "the specified rule \"peer: 0.0.0.0/0, TCP, from port: 443, to port: 443, ALLOW\" already exists");
    let other = text(&aws(&emu, &["ec2", "create-security-group", "--group-name", "app", "--description", "app", "--vpc-id", &vpc]), "/GroupId");
    aws(&emu, &["ec2", "authorize-security-group-egress", "--group-id", &other,
        "--ip-permissions", &format!("IpProtocol=tcp,FromPort=443,ToPort=443,UserIdGroupPairs=[{{GroupId={group}}}]")]);
    expect_error(&emu, &["ec2", "delete-security-group", "--group-id", &group],
        "DependencyViolation", "DeleteSecurityGroup", &format!("resource {group} has a dependent object"));
    expect_error(&emu, &["ec2", "delete-security-group", "--group-id", "sg-0"],
        "InvalidGroup.NotFound", "DeleteSecurityGroup", "The security group 'sg-0' does not exist");
    expect_error(&emu, &["ec2", "create-tags", "--resources", "vpc-0", "--tags", "Key=a,Value=b"],
        "InvalidVpcID.NotFound", "CreateTags", "The vpc ID 'vpc-0' does not exist");
    expect_error(&emu, &["ec2", "create-tags", "--resources", "banana", "--tags", "Key=a,Value=b"],
        "InvalidID", "CreateTags", "The ID 'banana' is not valid");
    expect_error(&emu, &["ec2", "describe-vpcs", "--vpc-ids", &vpc, "--dry-run"],
        "DryRunOperation", "DescribeVpcs", "Request would have succeeded, but DryRun flag is set.");

    // Taken apart in dependency order, the VPC goes.
    aws(&emu, &["ec2", "delete-nat-gateway", "--nat-gateway-id", &nat]);
    aws(&emu, &["ec2", "release-address", "--allocation-id", &allocation]);
    aws(&emu, &["ec2", "revoke-security-group-egress", "--group-id", &other,
        "--ip-permissions", &format!("IpProtocol=tcp,FromPort=443,ToPort=443,UserIdGroupPairs=[{{GroupId={group}}}]")]);
    for group in [&group, &other] {
        aws(&emu, &["ec2", "delete-security-group", "--group-id", group]);
    }
    aws(&emu, &["ec2", "delete-subnet", "--subnet-id", &subnet]);
    aws(&emu, &["ec2", "delete-route-table", "--route-table-id", &table]);
    aws(&emu, &["ec2", "detach-internet-gateway", "--internet-gateway-id", &igw, "--vpc-id", &vpc]);
    aws(&emu, &["ec2", "delete-internet-gateway", "--internet-gateway-id", &igw]);
    aws(&emu, &["ec2", "delete-vpc", "--vpc-id", &vpc]);
    expect_error(&emu, &["ec2", "describe-vpcs", "--vpc-ids", &vpc],
        "InvalidVpcID.NotFound", "DescribeVpcs", &format!("The vpc ID '{vpc}' does not exist"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_region_has_a_public_default_vpc_of_its_own() {
    let emu = TestEmulator::start().await;
    let tokyo = aws(&emu, &["ec2", "describe-vpcs", "--filters", "Name=is-default,Values=true"]);
    assert_eq!(text(&tokyo, "/Vpcs/0/CidrBlock"), "172.31.0.0/16");
    let virginia = run_json(emu.aws("us-east-1").args(["ec2", "describe-subnets", "--filters", "Name=default-for-az,Values=true"]));
    let subnets = virginia["Subnets"].as_array().unwrap();
    assert_eq!(subnets.len(), 6, "one default subnet per us-east-1 AZ");
    assert!(subnets.iter().all(|s| s["MapPublicIpOnLaunch"] == Value::Bool(true)));
    assert_ne!(text(&tokyo, "/Vpcs/0/VpcId"), text(&virginia, "/Subnets/0/VpcId"));
    let tables = aws(&emu, &["ec2", "describe-route-tables", "--filters", "Name=association.main,Values=true"]);
    let routes = tables["RouteTables"][0]["Routes"].as_array().unwrap();
    assert!(routes.iter().any(|r| r["GatewayId"].as_str().is_some_and(|g| g.starts_with("igw-"))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_reads_the_same_networks_and_roles() {
    let emu = TestEmulator::start().await;
    let script = r#"
import json, os, boto3, botocore
session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="x", region_name="eu-west-1")
url = os.environ["ENDPOINT"]
ec2 = session.client("ec2", endpoint_url=url)
iam = session.client("iam", endpoint_url=url)
vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.0.0/24", AvailabilityZone="eu-west-1b")["Subnet"]
subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
zones = [z["ZoneId"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]
try:
    ec2.delete_vpc(VpcId=vpc)
    error = None
except botocore.exceptions.ClientError as e:
    error = [e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
print(json.dumps({"zone": subnet["AvailabilityZoneId"], "count": len(subnets), "zones": zones,
    "trust": role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"], "error": error, "vpc": vpc}))
"#;
    let out = run_json(
        std::process::Command::new("python3")
            .env("ENDPOINT", emu.url())
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .args(["-c", script]),
    );
    assert_eq!(out["zone"], "euw1-az1");
    assert_eq!(out["count"], 1);
    assert_eq!(out["zones"], serde_json::json!(["euw1-az3", "euw1-az1", "euw1-az2"]));
    assert_eq!(out["trust"], "eks.amazonaws.com", "boto3 decodes the URL-encoded policy");
    let vpc = text(&out, "/vpc");
    assert_eq!(
        out["error"],
        serde_json::json!(["DependencyViolation", format!("The vpc '{vpc}' has dependencies and cannot be deleted."), 400])
    );
}
