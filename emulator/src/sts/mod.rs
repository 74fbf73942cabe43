//! AWS STS (awsQuery, API version 2011-06-15): `GetCallerIdentity`, the one call clients and
//! `aws eks get-token` tokens need. Answers in XML, or in JSON when asked with `Accept: application/json`
//! (as aws-iam-authenticator asks).

mod dto;
mod handlers;
pub mod model;

use axum::http::HeaderMap;
use axum::response::Response;

use crate::state::Emulator;
use crate::wire::query::QueryRequest;
use crate::wire::{invalid_action, query_response, RequestContext};

/// The XML namespace of STS responses.
pub const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// Every action this STS answers.
pub const ACTIONS: &[&str] = &["GetCallerIdentity"];

/// Serves one STS request.
pub fn handle(
    emu: &Emulator,
    ctx: &RequestContext,
    req: &QueryRequest,
    headers: &HeaderMap,
) -> Response {
    let wants_json = headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    match req.action.as_str() {
        "GetCallerIdentity" => handlers::get_caller_identity(emu, ctx, wants_json),
        other => query_response(other, XMLNS, &ctx.request_id, Err(invalid_action(other))),
    }
}
