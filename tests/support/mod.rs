//! Test support shared by the cross-crate tests: an emulator on `127.0.0.1:0` with a manual clock and
//! seed 0, AWS SDK configs pointed at it, and a runner for the real `aws` CLI.
#![allow(dead_code)] // each test binary uses its own part of this module

use std::process::{Command, Output};
use std::time::Duration;

use aws_credential_types::Credentials;
use eks_emulator::{Config, Emulator, RunningEmulator};

/// The account every test request belongs to (the emulator's default).
pub const ACCOUNT: &str = "123456789012";

/// A running emulator for one test.
pub struct TestEmulator {
    pub running: RunningEmulator,
}

impl TestEmulator {
    /// Starts an emulator with a manual clock, seed 0 and realistic timing.
    pub async fn start() -> Self {
        Self::start_with(Config {
            timing: eks_emulator::lifecycle::Timing::Realistic,
            ..Config::for_tests()
        })
        .await
    }

    /// Starts an emulator with `config`.
    pub async fn start_with(config: Config) -> Self {
        let running = Emulator::start(config).await.expect("emulator starts");
        Self { running }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        self.running.aws_url()
    }

    /// The state handle (clock, world).
    pub fn emulator(&self) -> &Emulator {
        self.running.emulator()
    }

    /// Moves the manual clock forward.
    pub fn advance(&self, seconds: u64) {
        assert!(
            self.emulator()
                .clock()
                .advance(Duration::from_secs(seconds)),
            "the test emulator has a manual clock"
        );
    }

    /// The default subnets of `region` in the test account, as (subnet id, Availability Zone), made
    /// on first use as a real account has them.
    pub fn default_subnets(&self, region: &str) -> Vec<(String, String)> {
        self.emulator().with_world(|world, _| {
            let scope = world.scope(ACCOUNT, region);
            let ec2 = &mut scope.region.ec2;
            ec2.ensure_default_vpc(scope.ids, region);
            ec2.subnets
                .values()
                .filter(|s| s.default_for_az)
                .map(|s| (s.id.clone(), s.availability_zone.clone()))
                .collect()
        })
    }

    /// An SDK config for `region`, with dummy static credentials, pointed at this emulator.
    pub async fn sdk_config(&self, region: &str) -> aws_config::SdkConfig {
        sdk_config(&self.url(), region).await
    }

    /// An `aws` CLI invocation pointed at this emulator (dummy credentials, no config files).
    pub fn aws(&self, region: &str) -> Command {
        aws_cli(&self.url(), region)
    }
}

/// An SDK config with the slim rustls/ring HTTP client, dummy credentials and `endpoint`.
pub async fn sdk_config(endpoint: &str, region: &str) -> aws_config::SdkConfig {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http)
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(region.to_owned()))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "static"))
        .load()
        .await
}

/// The real `aws` CLI with only the endpoint, a region and dummy credentials set.
pub fn aws_cli(endpoint: &str, region: &str) -> Command {
    let mut cmd = Command::new("aws");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_DEFAULT_REGION", region)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_PAGER", "")
        .arg("--output")
        .arg("json");
    cmd
}

/// Runs a command to completion and returns its output.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("could not run {cmd:?}: {e}"))
}

/// Runs a command that must succeed and returns its stdout parsed as JSON.
pub fn run_json(cmd: &mut Command) -> serde_json::Value {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{cmd:?} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Runs a command that must fail and returns its stderr.
pub fn run_err(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        !out.status.success(),
        "{cmd:?} should have failed but printed {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).trim().to_owned()
}
