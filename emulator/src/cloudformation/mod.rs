//! AWS CloudFormation (awsQuery, API version 2010-05-15): stacks from JSON or YAML templates whose
//! resources are made through the other services' models, on the virtual clock.
//!
//! ```text
//!  handlers ─▶ model (stacks, events, exports; the operation engine)
//!                 ├─ template  (parse, parameters, conditions, intrinsics, dependency order)
//!                 └─ resources (one provider per type → eks/iam/ec2 model functions)
//! ```

pub mod dto;
pub mod error;
mod handlers;
pub mod model;
pub mod resources;
pub mod template;

use axum::response::Response;

use crate::state::Emulator;
use crate::wire::query::QueryRequest;
use crate::wire::{invalid_action, query_response, RequestContext};

/// The XML namespace of CloudFormation responses.
pub const XMLNS: &str = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

/// Every action this CloudFormation answers.
pub const ACTIONS: &[&str] = &[
    "CreateStack",
    "UpdateStack",
    "DeleteStack",
    "DescribeStacks",
    "ListStacks",
    "DescribeStackEvents",
    "DescribeStackResources",
    "DescribeStackResource",
    "ListStackResources",
    "GetTemplate",
    "ValidateTemplate",
    "ListExports",
    "ListImports",
    "UpdateTerminationProtection",
];

/// Serves one CloudFormation request.
pub fn handle(emu: &Emulator, ctx: &RequestContext, query: &QueryRequest) -> Response {
    let req = handlers::Req { emu, ctx, query };
    let result = match query.action.as_str() {
        "CreateStack" => handlers::create_stack(&req),
        "UpdateStack" => handlers::update_stack(&req),
        "DeleteStack" => handlers::delete_stack(&req),
        "DescribeStacks" => handlers::describe_stacks(&req),
        "ListStacks" => handlers::list_stacks(&req),
        "DescribeStackEvents" => handlers::describe_stack_events(&req),
        "DescribeStackResources" => handlers::describe_stack_resources(&req),
        "DescribeStackResource" => handlers::describe_stack_resource(&req),
        "ListStackResources" => handlers::list_stack_resources(&req),
        "GetTemplate" => handlers::get_template(&req),
        "ValidateTemplate" => handlers::validate_template(&req),
        "ListExports" => handlers::list_exports(&req),
        "ListImports" => handlers::list_imports(&req),
        "UpdateTerminationProtection" => handlers::update_termination_protection(&req),
        other => Err(invalid_action(other)),
    };
    query_response(&query.action, XMLNS, &ctx.request_id, result)
}
