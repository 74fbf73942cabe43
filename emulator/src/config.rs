//! The emulator's settings, from flags (`eks-emulator --help`) or built by tests and the scenario runner.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

use crate::ids::DEFAULT_SEED;
use crate::lifecycle::Timing;
use crate::wire::verify::Credential;

/// The account every request belongs to unless its access key is itself a 12-digit account id.
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";

/// `eks-emulator`: an offline EKS/Fargate, CloudFormation, IAM, STS and EC2-subset endpoint.
#[derive(Debug, Clone, Parser)]
#[command(name = "eks-emulator", version, about)]
pub struct Config {
    /// Address of the AWS endpoint (every service); port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:4566")]
    pub listen: SocketAddr,
    /// Address of the clusters' Kubernetes API (HTTPS); port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:4567")]
    pub kube_listen: SocketAddr,
    /// How long transitions take: as on real AWS, a sixtieth of that, or nothing.
    #[arg(long, value_enum, default_value_t = Timing::Fast)]
    pub timing: Timing,
    /// Freeze the virtual clock: only `POST /_emulator/clock/advance` moves it.
    #[arg(long)]
    pub manual_clock: bool,
    /// Keep every acknowledged change in this directory and resume from it at start.
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// The account id of every caller (unless the access key id is itself 12 digits).
    #[arg(long, default_value = DEFAULT_ACCOUNT_ID)]
    pub account_id: String,
    /// Seed for every generated id; the same seed and requests give the same responses.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Verify SigV4 signatures (header and presigned) against --credentials and refuse the rest
    /// with AWS's errors; without it signatures are parsed, not checked.
    #[arg(long, requires = "credentials")]
    pub strict_auth: bool,
    /// A known access key and its secret, `ACCESS_KEY_ID:SECRET`; repeat for more (with --strict-auth).
    #[arg(long = "credentials", value_name = "AKID:SECRET")]
    pub credentials: Vec<Credential>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 4566)),
            kube_listen: SocketAddr::from(([127, 0, 0, 1], 4567)),
            timing: Timing::Fast,
            manual_clock: false,
            state_dir: None,
            account_id: DEFAULT_ACCOUNT_ID.to_owned(),
            seed: DEFAULT_SEED,
            strict_auth: false,
            credentials: Vec::new(),
        }
    }
}

impl Config {
    /// Settings for tests: both listeners on free loopback ports, a manual clock, seed 0.
    #[must_use]
    pub fn for_tests() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            kube_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            manual_clock: true,
            ..Self::default()
        }
    }
}
