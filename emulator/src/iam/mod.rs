//! AWS IAM (awsQuery, API version 2010-05-08). Global: one store per account, whatever the region.
//! Its operations arrive with the IAM issue; until then every action is `InvalidAction`.

pub mod model;

use axum::response::Response;

use crate::state::Emulator;
use crate::wire::query::QueryRequest;
use crate::wire::{invalid_action, query_response, RequestContext};

/// The XML namespace of IAM responses.
pub const XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// Every action this IAM answers.
pub const ACTIONS: &[&str] = &[];

/// Serves one IAM request.
pub fn handle(_emu: &Emulator, ctx: &RequestContext, req: &QueryRequest) -> Response {
    query_response(
        &req.action,
        XMLNS,
        &ctx.request_id,
        Err(invalid_action(&req.action)),
    )
}
