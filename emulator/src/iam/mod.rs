//! AWS IAM (awsQuery, API version 2010-05-08): roles with their trust, inline and attached
//! policies and tags, instance profiles, and the AWS managed policies EKS uses. Global: one store
//! per account, whatever the region a request was signed for.

mod dto;
pub mod error;
mod handlers;
pub mod model;
pub mod policy;

use axum::response::Response;

use crate::state::Emulator;
use crate::wire::query::QueryRequest;
use crate::wire::{invalid_action, query_response, RequestContext};

/// The XML namespace of IAM responses.
pub const XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// Every action this IAM answers.
pub const ACTIONS: &[&str] = &[
    "CreateRole",
    "GetRole",
    "ListRoles",
    "DeleteRole",
    "UpdateAssumeRolePolicy",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "ListAttachedRolePolicies",
    "GetPolicy",
    "PutRolePolicy",
    "GetRolePolicy",
    "DeleteRolePolicy",
    "ListRolePolicies",
    "TagRole",
    "UntagRole",
    "ListRoleTags",
    "CreateInstanceProfile",
    "GetInstanceProfile",
    "DeleteInstanceProfile",
    "AddRoleToInstanceProfile",
    "RemoveRoleFromInstanceProfile",
    "ListInstanceProfilesForRole",
];

/// Serves one IAM request.
pub fn handle(emu: &Emulator, ctx: &RequestContext, req: &QueryRequest) -> Response {
    let r = handlers::Req {
        emu,
        ctx,
        query: req,
    };
    let answer = match req.action.as_str() {
        "CreateRole" => handlers::create_role(&r),
        "GetRole" => handlers::get_role(&r),
        "ListRoles" => handlers::list_roles(&r),
        "DeleteRole" => handlers::delete_role(&r),
        "UpdateAssumeRolePolicy" => handlers::update_assume_role_policy(&r),
        "AttachRolePolicy" => handlers::attach_role_policy(&r),
        "DetachRolePolicy" => handlers::detach_role_policy(&r),
        "ListAttachedRolePolicies" => handlers::list_attached_role_policies(&r),
        "GetPolicy" => handlers::get_policy(&r),
        "PutRolePolicy" => handlers::put_role_policy(&r),
        "GetRolePolicy" => handlers::get_role_policy(&r),
        "DeleteRolePolicy" => handlers::delete_role_policy(&r),
        "ListRolePolicies" => handlers::list_role_policies(&r),
        "TagRole" => handlers::tag_role(&r),
        "UntagRole" => handlers::untag_role(&r),
        "ListRoleTags" => handlers::list_role_tags(&r),
        "CreateInstanceProfile" => handlers::create_instance_profile(&r),
        "GetInstanceProfile" => handlers::get_instance_profile(&r),
        "DeleteInstanceProfile" => handlers::delete_instance_profile(&r),
        "AddRoleToInstanceProfile" => handlers::add_role_to_instance_profile(&r),
        "RemoveRoleFromInstanceProfile" => handlers::remove_role_from_instance_profile(&r),
        "ListInstanceProfilesForRole" => handlers::list_instance_profiles_for_role(&r),
        other => return query_response(other, XMLNS, &ctx.request_id, Err(invalid_action(other))),
    };
    query_response(
        &req.action,
        XMLNS,
        &ctx.request_id,
        answer.map_err(Into::into),
    )
}
