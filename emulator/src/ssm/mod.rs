//! AWS Systems Manager Parameter Store (awsJson1.1, `X-Amz-Target: AmazonSSM.<Operation>`), reduced to
//! what eksctl asks of it: `GetParameter` and `GetParameters` over AWS's public parameters that name
//! EKS-optimised AMIs (`model.rs`).

mod dto;
pub mod error;
mod handlers;
pub mod model;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::wire::error::AwsError;
use crate::wire::RequestContext;
use error::SsmError;

/// The `X-Amz-Target` prefix of SSM operations.
pub const TARGET_PREFIX: &str = "AmazonSSM.";

/// The awsJson1.1 content type.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Every operation this SSM answers.
pub const OPERATIONS: &[&str] = &["GetParameter", "GetParameters"];

/// The operation an `X-Amz-Target` header names (`AmazonSSM.GetParameter` → `GetParameter`).
#[must_use]
pub fn target_operation(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix(TARGET_PREFIX))
}

/// An awsJson1.1 error: `{"__type", "message"}` with the JSON 1.1 content type.
#[must_use]
pub fn error_response(err: &AwsError) -> Response {
    let mut response = err.to_rest_json();
    response.headers_mut().insert(
        "content-type",
        axum::http::HeaderValue::from_static(CONTENT_TYPE),
    );
    response
}

fn respond<T: Serialize>(result: Result<T, SsmError>) -> Response {
    match result.map(|v| serde_json::to_string(&v)) {
        Ok(Ok(body)) => (StatusCode::OK, [("content-type", CONTENT_TYPE)], body).into_response(),
        Ok(Err(e)) => error_response(&AwsError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            e.to_string(),
        )),
        Err(err) => error_response(&err.into()),
    }
}

/// Serves one SSM request.
pub fn handle(ctx: &RequestContext, headers: &HeaderMap, body: &[u8]) -> Response {
    match target_operation(headers) {
        Some("GetParameter") => respond(handlers::get_parameter(ctx, body)),
        Some("GetParameters") => respond(handlers::get_parameters(ctx, body)),
        other => {
            let target = other.map_or_else(
                || {
                    headers
                        .get("x-amz-target")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                },
                str::to_owned,
            );
            error_response(&SsmError::UnknownOperation(target).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Service;
    use http_body_util::BodyExt;

    fn ctx() -> RequestContext {
        RequestContext {
            service: Service::Ssm,
            region: "us-west-2".into(),
            access_key: "AKID".into(),
            account: "000000000000".into(),
            request_id: "rid".into(),
        }
    }

    fn target(op: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-amz-target", format!("AmazonSSM.{op}").parse().unwrap());
        h
    }

    async fn call(op: &str, body: &str) -> (u16, serde_json::Value) {
        let response = handle(&ctx(), &target(op), body.as_bytes());
        let status = response.status().as_u16();
        assert_eq!(response.headers()["content-type"], CONTENT_TYPE);
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    const NAME: &str =
        "/aws/service/eks/optimized-ami/1.32/amazon-linux-2023/x86_64/standard/recommended/image_id";

    #[tokio::test]
    async fn get_parameter_returns_the_ami_parameter() {
        let (status, json) = call("GetParameter", &format!(r#"{{"Name":"{NAME}"}}"#)).await;
        assert_eq!(status, 200);
        let p = &json["Parameter"];
        assert_eq!(p["Name"], NAME);
        assert_eq!(p["Type"], "String");
        assert_eq!(p["Value"], model::image_id("us-west-2", NAME));
        assert_eq!(p["Version"], 1);
        assert_eq!(p["DataType"], "aws:ec2:image");
        assert_eq!(p["ARN"], format!("arn:aws:ssm:us-west-2::parameter{NAME}"));
        assert!(p["LastModifiedDate"].is_number());
    }

    #[tokio::test]
    async fn unknown_names_are_parameter_not_found() {
        let (status, json) = call("GetParameter", r#"{"Name":"/nope"}"#).await;
        assert_eq!(status, 400);
        assert_eq!(
            json,
            serde_json::json!({"__type": "ParameterNotFound", "message": ""})
        );
    }

    #[tokio::test]
    async fn get_parameters_lists_invalid_names() {
        let (status, json) = call(
            "GetParameters",
            &format!(r#"{{"Names":["{NAME}","/nope"],"WithDecryption":true}}"#),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(json["Parameters"][0]["Name"], NAME);
        assert_eq!(json["InvalidParameters"], serde_json::json!(["/nope"]));
        let eleven: Vec<String> = (0..11).map(|i| format!("/n{i}")).collect();
        let (status, json) = call(
            "GetParameters",
            &serde_json::json!({ "Names": eleven }).to_string(),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(json["__type"], "ValidationException");
    }

    #[tokio::test]
    async fn bad_bodies_and_operations_are_refused() {
        let (status, json) = call("GetParameter", "{").await;
        assert_eq!(
            (status, json["__type"].as_str()),
            (400, Some("SerializationException"))
        );
        let (status, json) = call("GetParameter", "{}").await;
        assert_eq!(
            (status, json["__type"].as_str()),
            (400, Some("ValidationException"))
        );
        let (status, json) = call("PutParameter", "{}").await;
        assert_eq!(
            (status, json["__type"].as_str()),
            (400, Some("UnknownOperationException"))
        );
    }
}
