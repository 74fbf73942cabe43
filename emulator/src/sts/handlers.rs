//! STS handlers. API reference: <https://docs.aws.amazon.com/STS/latest/APIReference/>.

use axum::response::Response;

use super::dto::{caller_identity_xml, CallerIdentityJson};
use super::model::CallerIdentity;
use super::XMLNS;
use crate::state::Emulator;
use crate::wire::{query_response, rest_json, RequestContext};

/// [GetCallerIdentity](https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html)
pub fn get_caller_identity(_emu: &Emulator, ctx: &RequestContext, wants_json: bool) -> Response {
    let identity = CallerIdentity::root(&ctx.account);
    if wants_json {
        rest_json::ok(&CallerIdentityJson::new(identity, &ctx.request_id))
    } else {
        query_response(
            "GetCallerIdentity",
            XMLNS,
            &ctx.request_id,
            Ok(Some(caller_identity_xml(&identity))),
        )
    }
}
