//! eks-emulator: an offline EKS/Fargate endpoint that speaks the real AWS wire protocols of EKS,
//! CloudFormation, IAM, STS, the EC2 subset they need and SSM's public AMI parameters, plus each cluster's Kubernetes API.
//!
//! [`app`] is the one seam tests use (no socket needed); [`Emulator::start`] binds the listeners.

pub mod admin;
pub mod autoscaling;
pub mod clock;
pub mod cloudformation;
pub mod config;
pub mod directory;
pub mod durable;
pub mod ec2;
pub mod eks;
pub mod faults;
pub mod iam;
pub mod ids;
pub mod k8s;
pub mod lifecycle;
pub mod server;
pub mod ssm;
pub mod state;
pub mod sts;
pub mod tls;
pub mod wire;

use axum::Router;

pub use config::Config;
pub use server::RunningEmulator;
pub use state::Emulator;

/// The AWS endpoint: the admin API under `/_emulator/`, every AWS service on every other path.
/// A function producing the app lets tests call it without starting an HTTP server.
/// With `--state-dir`, every answer waits until what it acknowledges is on disk
/// ([`durable::persist_after`]).
pub fn app(emulator: Emulator) -> Router {
    Router::new()
        .nest("/_emulator", admin::routes())
        .fallback(wire::dispatch)
        .layer(axum::middleware::from_fn_with_state(
            emulator.clone(),
            durable::persist_after,
        ))
        .with_state(emulator)
}

/// The Kubernetes endpoint (served over TLS by [`Emulator::start`]), durable like [`app`].
pub fn kube_app(emulator: Emulator) -> Router {
    k8s::routes()
        .layer(axum::middleware::from_fn_with_state(
            emulator.clone(),
            durable::persist_after,
        ))
        .with_state(emulator)
}
