//! Amazon EC2, the networking subset EKS needs (ec2Query, API version 2016-11-15: `<ActionResponse>`
//! with `requestId` and `item` lists): Availability Zones, VPCs, subnets, internet and NAT gateways,
//! Elastic IPs, route tables, security groups, launch templates and tags. State is per region, and every region
//! starts with a default VPC.

pub mod cidr;
mod dto;
pub mod error;
mod handlers;
pub mod model;
pub mod zones;

use axum::response::Response;

use crate::state::Emulator;
use crate::wire::query::QueryRequest;
use crate::wire::{invalid_action, RequestContext};
use error::Ec2Error;

/// The XML namespace of EC2 responses.
pub const XMLNS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";

/// Every action this EC2 answers.
pub const ACTIONS: &[&str] = &[
    "DescribeAvailabilityZones",
    "CreateVpc",
    "DescribeVpcs",
    "ModifyVpcAttribute",
    "DeleteVpc",
    "CreateSubnet",
    "DescribeSubnets",
    "ModifySubnetAttribute",
    "DeleteSubnet",
    "CreateInternetGateway",
    "AttachInternetGateway",
    "DetachInternetGateway",
    "DeleteInternetGateway",
    "DescribeInternetGateways",
    "AllocateAddress",
    "ReleaseAddress",
    "DescribeAddresses",
    "CreateNatGateway",
    "DeleteNatGateway",
    "DescribeNatGateways",
    "CreateRouteTable",
    "CreateRoute",
    "ReplaceRoute",
    "DeleteRoute",
    "AssociateRouteTable",
    "DisassociateRouteTable",
    "DeleteRouteTable",
    "DescribeRouteTables",
    "CreateSecurityGroup",
    "DescribeSecurityGroups",
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupIngress",
    "RevokeSecurityGroupEgress",
    "DeleteSecurityGroup",
    "CreateLaunchTemplate",
    "CreateLaunchTemplateVersion",
    "ModifyLaunchTemplate",
    "DescribeLaunchTemplates",
    "DescribeLaunchTemplateVersions",
    "DeleteLaunchTemplate",
    "CreateTags",
    "DeleteTags",
    "DescribeTags",
];

/// Serves one EC2 request.
pub fn handle(emu: &Emulator, ctx: &RequestContext, req: &QueryRequest) -> Response {
    if !ACTIONS.contains(&req.action.as_str()) {
        return invalid_action(&req.action).to_ec2_xml(&ctx.request_id);
    }
    if req.get_bool("DryRun") == Some(true) {
        return crate::wire::error::AwsError::from(Ec2Error::DryRun).to_ec2_xml(&ctx.request_id);
    }
    let r = handlers::Req {
        emu,
        ctx,
        query: req,
    };
    let answer = match req.action.as_str() {
        "DescribeAvailabilityZones" => handlers::describe_availability_zones(&r),
        "CreateVpc" => handlers::create_vpc(&r),
        "DescribeVpcs" => handlers::describe_vpcs(&r),
        "ModifyVpcAttribute" => handlers::modify_vpc_attribute(&r),
        "DeleteVpc" => handlers::delete_vpc(&r),
        "CreateSubnet" => handlers::create_subnet(&r),
        "DescribeSubnets" => handlers::describe_subnets(&r),
        "ModifySubnetAttribute" => handlers::modify_subnet_attribute(&r),
        "DeleteSubnet" => handlers::delete_subnet(&r),
        "CreateInternetGateway" => handlers::create_internet_gateway(&r),
        "AttachInternetGateway" => handlers::attach_internet_gateway(&r),
        "DetachInternetGateway" => handlers::detach_internet_gateway(&r),
        "DeleteInternetGateway" => handlers::delete_internet_gateway(&r),
        "DescribeInternetGateways" => handlers::describe_internet_gateways(&r),
        "AllocateAddress" => handlers::allocate_address(&r),
        "ReleaseAddress" => handlers::release_address(&r),
        "DescribeAddresses" => handlers::describe_addresses(&r),
        "CreateNatGateway" => handlers::create_nat_gateway(&r),
        "DeleteNatGateway" => handlers::delete_nat_gateway(&r),
        "DescribeNatGateways" => handlers::describe_nat_gateways(&r),
        "CreateRouteTable" => handlers::create_route_table(&r),
        "CreateRoute" => handlers::create_route(&r),
        "ReplaceRoute" => handlers::replace_route(&r),
        "DeleteRoute" => handlers::delete_route(&r),
        "AssociateRouteTable" => handlers::associate_route_table(&r),
        "DisassociateRouteTable" => handlers::disassociate_route_table(&r),
        "DeleteRouteTable" => handlers::delete_route_table(&r),
        "DescribeRouteTables" => handlers::describe_route_tables(&r),
        "CreateSecurityGroup" => handlers::create_security_group(&r),
        "DescribeSecurityGroups" => handlers::describe_security_groups(&r),
        "AuthorizeSecurityGroupIngress" => handlers::authorize(&r, false),
        "AuthorizeSecurityGroupEgress" => handlers::authorize(&r, true),
        "RevokeSecurityGroupIngress" => handlers::revoke(&r, false),
        "RevokeSecurityGroupEgress" => handlers::revoke(&r, true),
        "DeleteSecurityGroup" => handlers::delete_security_group(&r),
        "CreateLaunchTemplate" => handlers::create_launch_template(&r),
        "CreateLaunchTemplateVersion" => handlers::create_launch_template_version(&r),
        "ModifyLaunchTemplate" => handlers::modify_launch_template(&r),
        "DescribeLaunchTemplates" => handlers::describe_launch_templates(&r),
        "DescribeLaunchTemplateVersions" => handlers::describe_launch_template_versions(&r),
        "DeleteLaunchTemplate" => handlers::delete_launch_template(&r),
        "CreateTags" => handlers::create_tags(&r),
        "DeleteTags" => handlers::delete_tags(&r),
        "DescribeTags" => handlers::describe_tags(&r),
        _ => Err(Ec2Error::MissingParameter {
            parameter: "Action",
        }),
    };
    match answer {
        Ok(inner) => dto::envelope(&req.action, &ctx.request_id, &inner),
        Err(err) => crate::wire::error::AwsError::from(err).to_ec2_xml(&ctx.request_id),
    }
}
