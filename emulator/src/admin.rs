//! The admin API under `/_emulator/` (JSON): health, reset, the virtual clock, a dump of the
//! state and fault injection (handlers in `faults.rs`). Test and scenario control lives here, apart from the AWS routes, and is the same HTTP in
//! tests and in manual runs.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::state::Emulator;

/// The admin routes, to be nested under `/_emulator`.
pub fn routes() -> Router<Emulator> {
    Router::new()
        .route("/health", get(health))
        .route("/reset", post(reset))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance_clock))
        .route("/state", get(state))
        .route(
            "/faults",
            get(crate::faults::list)
                .post(crate::faults::add)
                .delete(crate::faults::clear),
        )
        .route("/faults/{id}", delete(crate::faults::remove))
        .fallback(not_found)
}

/// An admin API error: `{"message": …}` with a status.
#[derive(Debug)]
pub struct AdminError(StatusCode, String);

impl AdminError {
    /// An error with this status and message.
    #[must_use]
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self(status, message.into())
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "message": self.1 }))).into_response()
    }
}

async fn not_found() -> AdminError {
    AdminError(
        StatusCode::NOT_FOUND,
        "No such admin route; see DESIGN.md for /_emulator/…".into(),
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Health {
    status: &'static str,
    version: &'static str,
    services: [&'static str; 5],
    aws_endpoint: String,
    kube_endpoint: String,
}

async fn health(State(emu): State<Emulator>) -> Json<Health> {
    let addresses = emu.addresses();
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        services: ["eks", "cloudformation", "iam", "sts", "ec2"],
        aws_endpoint: format!("http://{}", addresses.aws),
        kube_endpoint: format!("https://{}", addresses.kube),
    })
}

async fn reset(State(emu): State<Emulator>) -> Json<serde_json::Value> {
    emu.reset();
    Json(serde_json::json!({ "reset": true }))
}

/// The clock as the admin API reports it.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ClockView {
    /// The virtual now, ISO 8601.
    pub now: String,
    /// The virtual now, milliseconds since the epoch.
    pub epoch_millis: u64,
    /// Whether only the admin API moves the clock.
    pub manual: bool,
    /// The timing profile.
    pub timing: crate::lifecycle::Timing,
}

fn clock_view(emu: &Emulator) -> ClockView {
    let now = emu.clock().now();
    ClockView {
        now: now.iso8601_millis(),
        epoch_millis: now.0,
        manual: emu.clock().is_manual(),
        timing: emu.timing(),
    }
}

async fn clock(State(emu): State<Emulator>) -> Json<ClockView> {
    Json(clock_view(&emu))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: f64,
}

async fn advance_clock(
    State(emu): State<Emulator>,
    body: axum::body::Bytes,
) -> Result<Json<ClockView>, AdminError> {
    let advance: Advance = serde_json::from_slice(&body).map_err(|e| {
        AdminError(
            StatusCode::BAD_REQUEST,
            format!("expected {{\"seconds\": N}}: {e}"),
        )
    })?;
    if !advance.seconds.is_finite() || advance.seconds < 0.0 {
        return Err(AdminError(
            StatusCode::BAD_REQUEST,
            "seconds must be a finite number, zero or more".into(),
        ));
    }
    let by = Duration::from_secs_f64(advance.seconds.min(1e12));
    if !emu.clock().advance(by) {
        return Err(AdminError(
            StatusCode::CONFLICT,
            "the clock follows real time; start the emulator with --manual-clock to move it".into(),
        ));
    }
    // Apply what the new time makes due now, so that a state dump right after shows it.
    emu.with_world(|_, _| ());
    Ok(Json(clock_view(&emu)))
}

async fn state(State(emu): State<Emulator>) -> Response {
    emu.with_world(|world, _| match serde_json::to_value(&*world) {
        Ok(value) => Json(value).into_response(),
        Err(e) => AdminError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    })
}
