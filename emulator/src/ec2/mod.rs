//! Amazon EC2, the subset EKS needs (ec2Query, API version 2016-11-15: `<ActionResponse>` with
//! `requestId` and `item` lists). Its operations arrive with the EC2 issue; until then every action
//! is `InvalidAction`.

pub mod model;

use axum::response::Response;

use crate::state::Emulator;
use crate::wire::query::QueryRequest;
use crate::wire::{invalid_action, RequestContext};

/// The XML namespace of EC2 responses.
pub const XMLNS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";

/// Every action this EC2 answers.
pub const ACTIONS: &[&str] = &[];

/// Serves one EC2 request.
pub fn handle(_emu: &Emulator, ctx: &RequestContext, req: &QueryRequest) -> Response {
    invalid_action(&req.action).to_ec2_xml(&ctx.request_id)
}
