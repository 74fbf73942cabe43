//! The admin API under `/_emulator/` (JSON): health, reset, the virtual clock, a dump of the state,
//! putting an EKS cluster on an older platform version, and fault injection (handlers in
//! `faults.rs`). Test and scenario control lives here, apart from the AWS routes, and is the same
//! HTTP in tests and in manual runs.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
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
            "/eks/clusters/{region}/{name}/platform-version",
            put(set_platform_version),
        )
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
    services: [&'static str; 6],
    aws_endpoint: String,
    kube_endpoint: String,
}

async fn health(State(emu): State<Emulator>) -> Json<Health> {
    let addresses = emu.addresses();
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        services: ["eks", "cloudformation", "iam", "sts", "ec2", "ssm"],
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

/// The body of `PUT eks/clusters/{region}/{name}/platform-version`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PlatformVersion {
    /// `eks.<n>`.
    platform_version: String,
    /// The Kubernetes minor version (`1.14`); unchanged when absent.
    version: Option<String>,
}

/// What the platform-version route answers: the cluster's versions after the change.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ClusterVersions {
    /// The cluster.
    pub name: String,
    /// Its Kubernetes minor version.
    pub version: String,
    /// Its platform version.
    pub platform_version: String,
}

/// Puts a cluster of the emulator's account on another platform (and Kubernetes) version, to
/// emulate clusters from before Fargate (`{"platformVersion": "eks.4", "version": "1.14"}`).
async fn set_platform_version(
    State(emu): State<Emulator>,
    Path((region_name, name)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<ClusterVersions>, AdminError> {
    let wanted: PlatformVersion = serde_json::from_slice(&body).map_err(|e| {
        AdminError(
            StatusCode::BAD_REQUEST,
            format!("expected {{\"platformVersion\": \"eks.N\", \"version\": \"1.N\"}}: {e}"),
        )
    })?;
    let well_formed_platform = wanted
        .platform_version
        .strip_prefix("eks.")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if !well_formed_platform {
        return Err(AdminError(
            StatusCode::BAD_REQUEST,
            format!(
                "platformVersion must look like eks.<number>, got {:?}",
                wanted.platform_version
            ),
        ));
    }
    let well_formed_version = wanted.version.as_deref().is_none_or(|v| {
        v.split_once('.').is_some_and(|(major, minor)| {
            [major, minor]
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        })
    });
    if !well_formed_version {
        return Err(AdminError(
            StatusCode::BAD_REQUEST,
            format!(
                "version must look like <major>.<minor>, got {:?}",
                wanted.version.unwrap_or_default()
            ),
        ));
    }
    let account = emu.config().account_id.clone();
    emu.with_world(|world, _| {
        let (_, region) = world.region(&account, &region_name);
        region
            .eks
            .set_platform_version(&name, wanted.platform_version, wanted.version)
            .map(|cluster| {
                Json(ClusterVersions {
                    name: cluster.name.clone(),
                    version: cluster.version.clone(),
                    platform_version: cluster.platform_version.clone(),
                })
            })
            .map_err(|e| AdminError(StatusCode::NOT_FOUND, e.to_string()))
    })
}
