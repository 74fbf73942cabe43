//! Amazon EKS (restJson1, API version 2017-11-01): the route table, like moto's `urls.py`. Paths are
//! matched on percent-decoded segments, so an ARN or a `%2F` stays in its one segment.

mod dto;
pub mod error;
mod handlers;
pub mod model;
pub mod versions;

use axum::http::{Method, StatusCode};
use axum::response::Response;

use crate::state::Emulator;
use crate::wire::error::AwsError;
use crate::wire::rest_json::{query_pairs, segments};
use crate::wire::RequestContext;

/// Serves one EKS request.
pub fn route(
    emu: &Emulator,
    ctx: &RequestContext,
    method: &Method,
    path: &str,
    query: Option<&str>,
    body: &[u8],
) -> Response {
    let segs = segments(path);
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let query = query_pairs(query);
    let req = handlers::Req {
        emu,
        ctx,
        query: &query,
        body,
    };
    let result = match (method.as_str(), segs.as_slice()) {
        ("POST", ["clusters"]) => handlers::create_cluster(&req),
        ("GET", ["clusters"]) => handlers::list_clusters(&req),
        ("GET", ["clusters", name]) => handlers::describe_cluster(&req, name),
        ("DELETE", ["clusters", name]) => handlers::delete_cluster(&req, name),
        ("GET", ["cluster-versions"]) => handlers::describe_cluster_versions(&req),
        ("POST", ["clusters", cluster, "fargate-profiles"]) => {
            handlers::create_fargate_profile(&req, cluster)
        }
        ("GET", ["clusters", cluster, "fargate-profiles"]) => {
            handlers::list_fargate_profiles(&req, cluster)
        }
        ("GET", ["clusters", cluster, "fargate-profiles", name]) => {
            handlers::describe_fargate_profile(&req, cluster, name)
        }
        ("DELETE", ["clusters", cluster, "fargate-profiles", name]) => {
            handlers::delete_fargate_profile(&req, cluster, name)
        }
        ("POST", ["clusters", cluster, "node-groups"]) => handlers::create_nodegroup(&req, cluster),
        ("GET", ["clusters", cluster, "node-groups"]) => handlers::list_nodegroups(&req, cluster),
        ("GET", ["clusters", cluster, "node-groups", name]) => {
            handlers::describe_nodegroup(&req, cluster, name)
        }
        ("DELETE", ["clusters", cluster, "node-groups", name]) => {
            handlers::delete_nodegroup(&req, cluster, name)
        }
        ("POST", ["clusters", cluster, "node-groups", name, "update-config"]) => {
            handlers::update_nodegroup_config(&req, cluster, name)
        }
        ("GET", ["clusters", cluster, "updates"]) => handlers::list_updates(&req, cluster),
        ("GET", ["clusters", cluster, "updates", id]) => {
            handlers::describe_update(&req, cluster, id)
        }
        ("POST", ["tags", arn]) => handlers::tag_resource(&req, arn),
        ("DELETE", ["tags", arn]) => handlers::untag_resource(&req, arn),
        ("GET", ["tags", arn]) => handlers::list_tags_for_resource(&req, arn),
        _ => Err(unknown_operation(method, path)),
    };
    result.unwrap_or_else(|err| err.to_rest_json())
}

/// A method and path EKS has no operation for. API Gateway, EKS's front end, answers such requests
/// with 404; the code and wording here are chosen to say what happened.
fn unknown_operation(method: &Method, path: &str) -> AwsError {
    AwsError::new(
        StatusCode::NOT_FOUND,
        "UnknownOperationException",
        format!("EKS has no operation at {method} {path}"),
    )
}
