//! Each cluster's Kubernetes API, served over TLS under `/k8s/<region>/<cluster>/…`. Until the
//! Kubernetes issue lands it answers every request with a Kubernetes `Status` 404.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};

use crate::state::Emulator;

/// The Kubernetes API routes.
pub fn routes() -> Router<Emulator> {
    Router::new().fallback(not_found)
}

async fn not_found(uri: axum::http::Uri) -> Response {
    let body = serde_json::json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": format!("the server could not find the requested resource ({})", uri.path()),
        "reason": "NotFound", "details": {}, "code": 404
    });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}
