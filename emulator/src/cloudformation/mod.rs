//! AWS CloudFormation (awsQuery, API version 2010-05-15). Its operations arrive with the
//! CloudFormation issue; until then every action is `InvalidAction`.

pub mod model;

use axum::response::Response;

use crate::state::Emulator;
use crate::wire::query::QueryRequest;
use crate::wire::{invalid_action, query_response, RequestContext};

/// The XML namespace of CloudFormation responses.
pub const XMLNS: &str = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

/// Every action this CloudFormation answers.
pub const ACTIONS: &[&str] = &[];

/// Serves one CloudFormation request.
pub fn handle(_emu: &Emulator, ctx: &RequestContext, req: &QueryRequest) -> Response {
    query_response(
        &req.action,
        XMLNS,
        &ctx.request_id,
        Err(invalid_action(&req.action)),
    )
}
