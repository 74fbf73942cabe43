//! Kubernetes API errors as `metav1.Status` objects, with the apiserver's reasons, codes and message
//! shapes (`pods "x" not found`), so kubectl prints `Error from server (NotFound): …`. Owns no HTTP
//! routing; a handler returns an [`ApiError`] and [`ApiError::into_response`] renders it.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// A failed Kubernetes API call: the `Status` the apiserver would send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status and `Status.code`.
    pub code: u16,
    /// `Status.reason` (`NotFound`, `AlreadyExists`, …).
    pub reason: &'static str,
    /// `Status.message`.
    pub message: String,
    /// `Status.details` (`name`, `group`, `kind`), when the error is about one object.
    pub details: Option<Value>,
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    fn about(mut self, group: &str, resource: &str, name: &str) -> Self {
        let mut details = json!({ "name": name, "kind": resource });
        if !group.is_empty() {
            details["group"] = json!(group);
        }
        self.details = Some(details);
        self
    }

    /// 404 `pods "x" not found` (`deployments.apps "x" not found` for a named group).
    #[must_use]
    pub fn not_found(group: &str, resource: &str, name: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", qualified(group, resource)),
        )
        .about(group, resource, name)
    }

    /// 409 `pods "x" already exists`.
    #[must_use]
    pub fn already_exists(group: &str, resource: &str, name: &str) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", qualified(group, resource)),
        )
        .about(group, resource, name)
    }

    /// 409 on a stale `resourceVersion`.
    #[must_use]
    pub fn conflict(group: &str, resource: &str, name: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                qualified(group, resource)
            ),
        )
        .about(group, resource, name)
    }

    /// 422 `Pod "x" is invalid: <field>: <problem>`.
    #[must_use]
    pub fn invalid(group: &str, kind: &str, resource: &str, name: &str, cause: &str) -> Self {
        Self::new(
            422,
            "Invalid",
            format!("{kind} \"{name}\" is invalid: {cause}"),
        )
        .about(group, resource, name)
    }

    /// 400 with a free message.
    #[must_use]
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// 401, as for a missing, expired or foreign token.
    #[must_use]
    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    /// 403 with a free message.
    #[must_use]
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, "Forbidden", message)
    }

    /// 404 for a path the API does not serve.
    #[must_use]
    pub fn no_route() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
    }

    /// 405 for a verb a resource does not support.
    #[must_use]
    pub fn method_not_allowed(method: &str) -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            format!("the server does not allow this method on the requested resource ({method})"),
        )
    }

    /// 410 for a watch from a resourceVersion older than the change log keeps.
    #[must_use]
    pub fn gone(rv: &str) -> Self {
        Self::new(410, "Expired", format!("too old resource version: {rv}"))
    }

    /// 415 for a body format the endpoint does not read.
    #[must_use]
    pub fn unsupported_media_type(content_type: &str) -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            format!("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got {content_type:?})"),
        )
    }

    /// The `Status` object.
    #[must_use]
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(details) = &self.details {
            status["details"] = details.clone();
        }
        status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.to_status()).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

/// `pods`, or `deployments.apps` for a resource of a named group, as messages spell it.
#[must_use]
pub fn qualified(group: &str, resource: &str) -> String {
    if group.is_empty() {
        resource.to_owned()
    } else {
        format!("{resource}.{group}")
    }
}

/// The `Status` a successful delete of a gone object answers with.
#[must_use]
pub fn success(group: &str, resource: &str, name: &str, uid: &str) -> Value {
    let mut details = json!({ "name": name, "kind": resource, "uid": uid });
    if !group.is_empty() {
        details["group"] = json!(group);
    }
    json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_the_apiserver_writes_them() {
        assert_eq!(
            ApiError::not_found("", "pods", "x").message,
            r#"pods "x" not found"#
        );
        assert_eq!(
            ApiError::already_exists("apps", "deployments", "web").message,
            r#"deployments.apps "web" already exists"#
        );
        let status = ApiError::not_found("", "pods", "x").to_status();
        assert_eq!(status["details"], json!({"name": "x", "kind": "pods"}));
        assert_eq!(status["code"], 404);
    }
}
