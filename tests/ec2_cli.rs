//! EC2 (and the IAM/EKS calls that build on it) through the real `aws` CLI and boto3, which speak
//! EC2's own query protocol: a VPC with three public and three private subnets across three AZs,
//! an EKS cluster on them, every EC2 error's code and message, and the default VPC. The CLI blocks its
//! thread, so the emulator runs on a multi-threaded runtime beside it.

mod support;

use serde_json::Value;
use support::{run_json, TestEmulator, ACCOUNT};

const REGION: &str = "ap-northeast-1";

fn expect_error(emu: &TestEmulator, args: &[&str], code: &str, operation: &str, message: &str) {
    assert_eq!(
        emu.aws_error(REGION, args),
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
    let zones = emu.aws_ok(REGION, &["ec2", "describe-availability-zones"]);
    let zones: Vec<String> = zones["AvailabilityZones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| text(z, "/ZoneName"))
        .collect();
    assert_eq!(
        zones,
        ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]
    );

    let vpc = emu.aws_ok(
        REGION,
        &[
            "ec2",
            "create-vpc",
            "--cidr-block",
            "10.0.0.0/16",
            "--tag-specifications",
            "ResourceType=vpc,Tags=[{Key=Name,Value=demo}]",
        ],
    );
    let vpc = text(&vpc, "/Vpc/VpcId");
    emu.aws_ok(
        REGION,
        &[
            "ec2",
            "modify-vpc-attribute",
            "--vpc-id",
            &vpc,
            "--enable-dns-hostnames",
            "{\"Value\":true}",
        ],
    );
    let igw = text(
        &emu.aws_ok(REGION, &["ec2", "create-internet-gateway"]),
        "/InternetGateway/InternetGatewayId",
    );
    emu.aws_ok(
        REGION,
        &[
            "ec2",
            "attach-internet-gateway",
            "--internet-gateway-id",
            &igw,
            "--vpc-id",
            &vpc,
        ],
    );

    let mut public = Vec::new();
    let mut private = Vec::new();
    for (i, zone) in zones.iter().enumerate() {
        for (list, offset, kind) in [(&mut public, 0, "public"), (&mut private, 96, "private")] {
            let cidr = format!("10.0.{}.0/19", offset + 32 * i);
            let tags = format!("ResourceType=subnet,Tags=[{{Key=Name,Value={kind}-{zone}}}]");
            let subnet = emu.aws_ok(
                REGION,
                &[
                    "ec2",
                    "create-subnet",
                    "--vpc-id",
                    &vpc,
                    "--cidr-block",
                    &cidr,
                    "--availability-zone",
                    zone,
                    "--tag-specifications",
                    &tags,
                ],
            );
            list.push(text(&subnet, "/Subnet/SubnetId"));
        }
    }
    for subnet in &public {
        emu.aws_ok(
            REGION,
            &[
                "ec2",
                "modify-subnet-attribute",
                "--subnet-id",
                subnet,
                "--map-public-ip-on-launch",
            ],
        );
    }

    let public_table = text(
        &emu.aws_ok(REGION, &["ec2", "create-route-table", "--vpc-id", &vpc]),
        "/RouteTable/RouteTableId",
    );
    emu.aws_ok(
        REGION,
        &[
            "ec2",
            "create-route",
            "--route-table-id",
            &public_table,
            "--destination-cidr-block",
            "0.0.0.0/0",
            "--gateway-id",
            &igw,
        ],
    );
    for subnet in &public {
        let association = emu.aws_ok(
            REGION,
            &[
                "ec2",
                "associate-route-table",
                "--route-table-id",
                &public_table,
                "--subnet-id",
                subnet,
            ],
        );
        assert!(text(&association, "/AssociationId").starts_with("rtbassoc-"));
    }

    let eip = emu.aws_ok(REGION, &["ec2", "allocate-address", "--domain", "vpc"]);
    let allocation = text(&eip, "/AllocationId");
    let nat = emu.aws_ok(
        REGION,
        &[
            "ec2",
            "create-nat-gateway",
            "--subnet-id",
            &public[0],
            "--allocation-id",
            &allocation,
        ],
    );
    assert_eq!(text(&nat, "/NatGateway/State"), "pending");
    let nat = text(&nat, "/NatGateway/NatGatewayId");
    emu.advance(90);
    let described = emu.aws_ok(
        REGION,
        &["ec2", "describe-nat-gateways", "--nat-gateway-ids", &nat],
    );
    assert_eq!(text(&described, "/NatGateways/0/State"), "available");
    assert_eq!(
        text(&described, "/NatGateways/0/NatGatewayAddresses/0/PublicIp"),
        text(&eip, "/PublicIp")
    );

    let private_table = text(
        &emu.aws_ok(REGION, &["ec2", "create-route-table", "--vpc-id", &vpc]),
        "/RouteTable/RouteTableId",
    );
    emu.aws_ok(
        REGION,
        &[
            "ec2",
            "create-route",
            "--route-table-id",
            &private_table,
            "--destination-cidr-block",
            "0.0.0.0/0",
            "--nat-gateway-id",
            &nat,
        ],
    );
    for subnet in &private {
        emu.aws_ok(
            REGION,
            &[
                "ec2",
                "associate-route-table",
                "--route-table-id",
                &private_table,
                "--subnet-id",
                subnet,
            ],
        );
    }

    // describe-subnets tells them apart as AWS does: MapPublicIpOnLaunch, and each subnet's route table.
    let subnets = emu.aws_ok(
        REGION,
        &[
            "ec2",
            "describe-subnets",
            "--filters",
            &format!("Name=vpc-id,Values={vpc}"),
        ],
    );
    let subnets = subnets["Subnets"].as_array().unwrap();
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
    for subnet in subnets {
        let id = text(subnet, "/SubnetId");
        let is_public = public.contains(&id);
        assert_eq!(
            subnet["MapPublicIpOnLaunch"],
            Value::Bool(is_public),
            "{id}"
        );
        assert_eq!(subnet["DefaultForAz"], Value::Bool(false));
        let table = tables
            .iter()
            .find(|t| {
                t["Associations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|a| a["SubnetId"] == id.as_str())
            })
            .expect("an explicit association");
        let routes = table["Routes"].as_array().unwrap();
        let to_igw = routes.iter().any(|r| {
            r["GatewayId"]
                .as_str()
                .is_some_and(|g| g.starts_with("igw-"))
        });
        let to_nat = routes.iter().any(|r| r["NatGatewayId"] == nat.as_str());
        assert_eq!(
            (to_igw, to_nat),
            (is_public, !is_public),
            "{id}: {routes:?}"
        );
        assert_eq!(private_in_emulator(&emu, &id), !is_public, "{id}");
    }
    let tagged = emu.aws_ok(
        REGION,
        &[
            "ec2",
            "describe-subnets",
            "--filters",
            "Name=tag:Name,Values=private-*",
        ],
    );
    assert_eq!(tagged["Subnets"].as_array().unwrap().len(), 3);

    // The roles EKS and Fargate need, then a cluster on those subnets.
    let trust = |service: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}"#
        )
    };
    let cluster_role = emu.aws_ok(
        REGION,
        &[
            "iam",
            "create-role",
            "--role-name",
            "demo-cluster",
            "--assume-role-policy-document",
            &trust("eks.amazonaws.com"),
        ],
    );
    assert_eq!(
        cluster_role["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"],
        "eks.amazonaws.com",
        "the CLI URL-decodes and parses the trust policy"
    );
    emu.aws_ok(
        REGION,
        &[
            "iam",
            "attach-role-policy",
            "--role-name",
            "demo-cluster",
            "--policy-arn",
            "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
        ],
    );
    emu.aws_ok(
        REGION,
        &[
            "iam",
            "create-role",
            "--role-name",
            "demo-pods",
            "--assume-role-policy-document",
            &trust("eks-fargate-pods.amazonaws.com"),
        ],
    );
    emu.aws_ok(
        REGION,
        &[
            "iam",
            "attach-role-policy",
            "--role-name",
            "demo-pods",
            "--policy-arn",
            "arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy",
        ],
    );
    let all_subnets: Vec<String> = public.iter().chain(&private).cloned().collect();
    let cluster = emu.aws_ok(
        REGION,
        &[
            "eks",
            "create-cluster",
            "--name",
            "demo",
            "--role-arn",
            &text(&cluster_role, "/Role/Arn"),
            "--resources-vpc-config",
            &format!("subnetIds={}", all_subnets.join(",")),
        ],
    );
    assert_eq!(text(&cluster, "/cluster/resourcesVpcConfig/vpcId"), vpc);
    let group = text(
        &cluster,
        "/cluster/resourcesVpcConfig/clusterSecurityGroupId",
    );
    let groups = emu.aws_ok(
        REGION,
        &["ec2", "describe-security-groups", "--group-ids", &group],
    );
    assert!(text(&groups, "/SecurityGroups/0/GroupName").starts_with("eks-cluster-sg-demo-"));
    assert_eq!(text(&groups, "/SecurityGroups/0/VpcId"), vpc);
}

/// Drives EC2 through boto3 in one Python process (botocore is what the `aws` CLI runs on, and one
/// process instead of one per call keeps this test fast): each error case, then a teardown in
/// dependency order. Prints the ids it made and, per case, `[code, message, HTTP status]`.
const ERRORS_SCRIPT: &str = r#"
import json, os, boto3, botocore
session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="x", region_name="ap-northeast-1")
ec2 = session.client("ec2", endpoint_url=os.environ["ENDPOINT"])
out, ids = {}, {}
def err(name, op, **kw):
    try:
        getattr(ec2, op)(**kw)
        out[name] = None
    except botocore.exceptions.ClientError as e:
        out[name] = [e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
vpc = ids["vpc"] = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
subnet = ids["subnet"] = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24", AvailabilityZone="ap-northeast-1a")["Subnet"]["SubnetId"]
err("vpc-missing", "create_subnet", VpcId="vpc-0", CidrBlock="10.0.1.0/24")
err("subnet-conflict", "create_subnet", VpcId=vpc, CidrBlock="10.0.0.0/25")
err("subnet-range", "create_subnet", VpcId=vpc, CidrBlock="10.9.0.0/24")
err("subnet-cidr", "create_subnet", VpcId=vpc, CidrBlock="banana")
err("subnet-zone", "create_subnet", VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="ap-northeast-1b")
err("vpc-range", "create_vpc", CidrBlock="10.0.0.0/8")
err("subnet-missing", "describe_subnets", SubnetIds=["subnet-0"])
err("bad-filter", "describe_subnets", Filters=[{"Name": "colour", "Values": ["red"]}])
igw = ids["igw"] = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
err("igw-attached", "attach_internet_gateway", InternetGatewayId=igw, VpcId=vpc)
err("igw-in-use", "delete_internet_gateway", InternetGatewayId=igw)
err("vpc-in-use", "delete_vpc", VpcId=vpc)
table = ids["table"] = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
err("route-exists", "create_route", RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
err("gateway-missing", "create_route", RouteTableId=table, DestinationCidrBlock="1.0.0.0/8", GatewayId="igw-0")
err("table-missing", "create_route", RouteTableId="rtb-0", DestinationCidrBlock="1.0.0.0/8", GatewayId=igw)
err("route-missing", "delete_route", RouteTableId=table, DestinationCidrBlock="1.0.0.0/8")
association = ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)["AssociationId"]
err("table-in-use", "delete_route_table", RouteTableId=table)
err("association-missing", "disassociate_route_table", AssociationId="rtbassoc-0")
allocation = ids["allocation"] = ec2.allocate_address(Domain="vpc")["AllocationId"]
nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
err("eip-associated", "create_nat_gateway", SubnetId=subnet, AllocationId=allocation)
err("eip-in-use", "release_address", AllocationId=allocation)
err("subnet-in-use", "delete_subnet", SubnetId=subnet)
err("mapped-addresses", "detach_internet_gateway", InternetGatewayId=igw, VpcId=vpc)
err("nat-missing", "describe_nat_gateways", NatGatewayIds=["nat-0"])
err("eip-missing", "release_address", AllocationId="eipalloc-0")
group = ids["group"] = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
err("group-exists", "create_security_group", GroupName="web", Description="web", VpcId=vpc)
https = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=https)
err("rule-exists", "authorize_security_group_ingress", GroupId=group, IpPermissions=https)
other = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
to_web = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": group}]}]
ec2.authorize_security_group_egress(GroupId=other, IpPermissions=to_web)
err("group-in-use", "delete_security_group", GroupId=group)
err("group-missing", "delete_security_group", GroupId="sg-0")
default_group = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"]
ids["default-group"] = default_group
err("default-group", "delete_security_group", GroupId=default_group)
err("tag-missing", "create_tags", Resources=["vpc-0"], Tags=[{"Key": "a", "Value": "b"}])
err("tag-bad-id", "create_tags", Resources=["banana"], Tags=[{"Key": "a", "Value": "b"}])
err("dry-run", "describe_vpcs", VpcIds=[vpc], DryRun=True)
# Taken apart in dependency order, the VPC goes.
ec2.delete_nat_gateway(NatGatewayId=nat)
ec2.release_address(AllocationId=allocation)
ec2.revoke_security_group_egress(GroupId=other, IpPermissions=to_web)
ec2.delete_security_group(GroupId=group)
ec2.delete_security_group(GroupId=other)
ec2.disassociate_route_table(AssociationId=association)
ec2.delete_subnet(SubnetId=subnet)
ec2.delete_route_table(RouteTableId=table)
ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
ec2.delete_internet_gateway(InternetGatewayId=igw)
ec2.delete_vpc(VpcId=vpc)
err("vpc-gone", "describe_vpcs", VpcIds=[vpc])
print(json.dumps({"ids": ids, "errors": out}))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_ec2_error_has_its_code_and_message() {
    let emu = TestEmulator::start().await;
    let out = run_json(
        std::process::Command::new("python3")
            .env("ENDPOINT", emu.url())
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .args(["-c", ERRORS_SCRIPT]),
    );
    let id = |name: &str| text(&out, &format!("/ids/{name}"));
    let (vpc, subnet, igw, table, allocation, group) = (
        id("vpc"),
        id("subnet"),
        id("igw"),
        id("table"),
        id("allocation"),
        id("group"),
    );
    let default_group = id("default-group");
    let cases: Vec<(&str, &str, String)> = vec![
        ("vpc-missing", "InvalidVpcID.NotFound", "The vpc ID 'vpc-0' does not exist".into()),
        ("subnet-conflict", "InvalidSubnet.Conflict", "The CIDR '10.0.0.0/25' conflicts with another subnet".into()),
        ("subnet-range", "InvalidSubnet.Range", "The CIDR '10.9.0.0/24' is invalid.".into()),
        ("subnet-cidr", "InvalidParameterValue", "Value (banana) for parameter cidrBlock is invalid. This is not a valid CIDR block.".into()),
        ("subnet-zone", "InvalidParameterValue", "Value (ap-northeast-1b) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ap-northeast-1a, ap-northeast-1c, ap-northeast-1d.".into()),
        ("vpc-range", "InvalidVpc.Range", "The CIDR '10.0.0.0/8' is invalid.".into()),
        ("subnet-missing", "InvalidSubnetID.NotFound", "The subnet ID 'subnet-0' does not exist".into()),
        ("bad-filter", "InvalidParameterValue", "The filter 'colour' is invalid".into()),
        ("igw-attached", "Resource.AlreadyAssociated", format!("resource {igw} is already attached to network {vpc}")),
        ("igw-in-use", "DependencyViolation", format!("The internetGateway '{igw}' has dependencies and cannot be deleted.")),
        ("vpc-in-use", "DependencyViolation", format!("The vpc '{vpc}' has dependencies and cannot be deleted.")),
        ("route-exists", "RouteAlreadyExists", "The route identified by 0.0.0.0/0 already exists.".into()),
        ("gateway-missing", "InvalidGatewayID.NotFound", "The gateway ID 'igw-0' does not exist".into()),
        ("table-missing", "InvalidRouteTableID.NotFound", "The routeTable ID 'rtb-0' does not exist".into()),
        ("route-missing", "InvalidRoute.NotFound", format!("no route with destination-cidr-block 1.0.0.0/8 in route table {table}")),
        ("table-in-use", "DependencyViolation", format!("The routeTable '{table}' has dependencies and cannot be deleted.")),
        ("association-missing", "InvalidAssociationID.NotFound", "The association ID 'rtbassoc-0' does not exist".into()),
        ("eip-associated", "Resource.AlreadyAssociated", format!("Elastic IP address [{allocation}] is already associated")),
        ("eip-in-use", "AuthFailure", "You do not have permission to access the specified resource.".into()),
        ("subnet-in-use", "DependencyViolation", format!("The subnet '{subnet}' has dependencies and cannot be deleted.")),
        ("mapped-addresses", "DependencyViolation", format!("Network {vpc} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.")),
        ("nat-missing", "NatGatewayNotFound", "NAT gateway nat-0 was not found".into()),
        ("eip-missing", "InvalidAllocationID.NotFound", "The allocation ID 'eipalloc-0' does not exist".into()),
        ("group-exists", "InvalidGroup.Duplicate", format!("The security group 'web' already exists for VPC '{vpc}'")),
        ("rule-exists", "InvalidPermission.Duplicate", "the specified rule \"peer: 0.0.0.0/0, TCP, from port: 443, to port: 443, ALLOW\" already exists".into()),
        ("group-in-use", "DependencyViolation", format!("resource {group} has a dependent object")),
        ("group-missing", "InvalidGroup.NotFound", "The security group 'sg-0' does not exist".into()),
        ("default-group", "CannotDelete", format!("the specified group: \"{default_group}\" name: \"default\" cannot be deleted by a user")),
        ("tag-missing", "InvalidVpcID.NotFound", "The vpc ID 'vpc-0' does not exist".into()),
        ("tag-bad-id", "InvalidID", "The ID 'banana' is not valid".into()),
        ("vpc-gone", "InvalidVpcID.NotFound", format!("The vpc ID '{vpc}' does not exist")),
    ];
    for (case, code, message) in cases {
        assert_eq!(
            out["errors"][case],
            serde_json::json!([code, message, 400]),
            "{case}"
        );
    }
    assert_eq!(
        out["errors"]["dry-run"],
        serde_json::json!([
            "DryRunOperation",
            "Request would have succeeded, but DryRun flag is set.",
            412
        ])
    );

    // And as the CLI prints one of them.
    expect_error(
        &emu,
        &["ec2", "describe-subnets", "--subnet-ids", "subnet-0"],
        "InvalidSubnetID.NotFound",
        "DescribeSubnets",
        "The subnet ID 'subnet-0' does not exist",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_region_has_a_public_default_vpc_of_its_own() {
    let emu = TestEmulator::start().await;
    let tokyo = emu.aws_ok(
        REGION,
        &[
            "ec2",
            "describe-vpcs",
            "--filters",
            "Name=is-default,Values=true",
        ],
    );
    assert_eq!(text(&tokyo, "/Vpcs/0/CidrBlock"), "172.31.0.0/16");
    let virginia = run_json(emu.aws("us-east-1").args([
        "ec2",
        "describe-subnets",
        "--filters",
        "Name=default-for-az,Values=true",
    ]));
    let subnets = virginia["Subnets"].as_array().unwrap();
    assert_eq!(subnets.len(), 6, "one default subnet per us-east-1 AZ");
    assert!(subnets
        .iter()
        .all(|s| s["MapPublicIpOnLaunch"] == Value::Bool(true)));
    assert_ne!(
        text(&tokyo, "/Vpcs/0/VpcId"),
        text(&virginia, "/Subnets/0/VpcId")
    );
    let tables = emu.aws_ok(
        REGION,
        &[
            "ec2",
            "describe-route-tables",
            "--filters",
            "Name=association.main,Values=true",
        ],
    );
    let routes = tables["RouteTables"][0]["Routes"].as_array().unwrap();
    assert!(routes.iter().any(|r| r["GatewayId"]
        .as_str()
        .is_some_and(|g| g.starts_with("igw-"))));
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
    assert_eq!(
        out["zones"],
        serde_json::json!(["euw1-az3", "euw1-az1", "euw1-az2"])
    );
    assert_eq!(
        out["trust"], "eks.amazonaws.com",
        "boto3 decodes the URL-encoded policy"
    );
    let vpc = text(&out, "/vpc");
    assert_eq!(
        out["error"],
        serde_json::json!([
            "DependencyViolation",
            format!("The vpc '{vpc}' has dependencies and cannot be deleted."),
            400
        ])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_templates_keep_versions_and_routes_can_be_replaced() {
    let emu = TestEmulator::start().await;
    let created = emu.aws_ok(REGION, &[
            "ec2",
            "create-launch-template",
            "--launch-template-name",
            "nodes",
            "--version-description",
            "first",
            "--launch-template-data",
            r#"{"InstanceType":"m5.large","SecurityGroupIds":["sg-1","sg-2"],"IamInstanceProfile":{"Name":"node"},"MetadataOptions":{"HttpTokens":"required"}}"#,
            "--tag-specifications",
            "ResourceType=launch-template,Tags=[{Key=team,Value=a}]",
        ],
    );
    let id = text(&created, "/LaunchTemplate/LaunchTemplateId");
    assert!(id.starts_with("lt-"), "{created}");
    assert_eq!(created["LaunchTemplate"]["LatestVersionNumber"], 1);
    assert_eq!(
        created["LaunchTemplate"]["CreatedBy"],
        format!("arn:aws:iam::{ACCOUNT}:root")
    );
    assert_eq!(created["LaunchTemplate"]["Tags"][0]["Key"], "team");
    expect_error(
        &emu,
        &[
            "ec2",
            "create-launch-template",
            "--launch-template-name",
            "nodes",
            "--launch-template-data",
            "{}",
        ],
        "InvalidLaunchTemplateName.AlreadyExistsException",
        "CreateLaunchTemplate",
        "Launch template name already in use.",
    );
    let version = emu.aws_ok(
        REGION,
        &[
            "ec2",
            "create-launch-template-version",
            "--launch-template-id",
            &id,
            "--launch-template-data",
            r#"{"InstanceType":"m5.xlarge"}"#,
        ],
    );
    assert_eq!(version["LaunchTemplateVersion"]["VersionNumber"], 2);
    assert_eq!(version["LaunchTemplateVersion"]["DefaultVersion"], false);
    let modified = emu.aws_ok(
        REGION,
        &[
            "ec2",
            "modify-launch-template",
            "--launch-template-name",
            "nodes",
            "--default-version",
            "2",
        ],
    );
    assert_eq!(modified["LaunchTemplate"]["DefaultVersionNumber"], 2);
    let versions = emu.aws_ok(
        REGION,
        &[
            "ec2",
            "describe-launch-template-versions",
            "--launch-template-id",
            &id,
        ],
    );
    let versions = versions["LaunchTemplateVersions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    let first = &versions[0]["LaunchTemplateData"];
    assert_eq!(first["InstanceType"], "m5.large");
    assert_eq!(
        first["SecurityGroupIds"],
        serde_json::json!(["sg-1", "sg-2"])
    );
    assert_eq!(first["IamInstanceProfile"]["Name"], "node");
    assert_eq!(versions[1]["DefaultVersion"], true);
    let listed = emu.aws_ok(
        REGION,
        &[
            "ec2",
            "describe-launch-templates",
            "--launch-template-names",
            "nodes",
        ],
    );
    assert_eq!(listed["LaunchTemplates"][0]["LaunchTemplateId"], id);
    emu.aws_ok(
        REGION,
        &["ec2", "delete-launch-template", "--launch-template-id", &id],
    );
    expect_error(
        &emu,
        &[
            "ec2",
            "describe-launch-templates",
            "--launch-template-ids",
            &id,
        ],
        "InvalidLaunchTemplateId.NotFound",
        "DescribeLaunchTemplates",
        &format!("The specified launch template, with template ID {id}, does not exist."),
    );

    // ReplaceRoute: the default VPC's route to the internet moves to a NAT gateway and back.
    let tables = emu.aws_ok(
        REGION,
        &[
            "ec2",
            "describe-route-tables",
            "--filters",
            "Name=association.main,Values=true",
        ],
    );
    let table = text(&tables, "/RouteTables/0/RouteTableId");
    let igw = text(&tables, "/RouteTables/0/Routes/1/GatewayId");
    let subnets = emu.default_subnets(REGION);
    let allocation = emu.aws_ok(REGION, &["ec2", "allocate-address"]);
    let nat = emu.aws_ok(
        REGION,
        &[
            "ec2",
            "create-nat-gateway",
            "--subnet-id",
            &subnets[0].0,
            "--allocation-id",
            &text(&allocation, "/AllocationId"),
        ],
    );
    let nat = text(&nat, "/NatGateway/NatGatewayId");
    let replace = |target: &[&str]| {
        let mut args = vec![
            "ec2",
            "replace-route",
            "--route-table-id",
            &table,
            "--destination-cidr-block",
            "0.0.0.0/0",
        ];
        args.extend_from_slice(target);
        emu.aws_ok(REGION, &args);
        let tables = emu.aws_ok(
            REGION,
            &["ec2", "describe-route-tables", "--route-table-ids", &table],
        );
        tables["RouteTables"][0]["Routes"][1].clone()
    };
    assert_eq!(replace(&["--nat-gateway-id", &nat])["NatGatewayId"], nat);
    assert_eq!(replace(&["--gateway-id", &igw])["GatewayId"], igw);
    expect_error(
        &emu,
        &[
            "ec2",
            "replace-route",
            "--route-table-id",
            &table,
            "--destination-cidr-block",
            "10.9.0.0/16",
            "--gateway-id",
            &igw,
        ],
        "InvalidRoute.NotFound",
        "ReplaceRoute",
        &format!("no route with destination-cidr-block 10.9.0.0/16 in route table {table}"),
    );
}
