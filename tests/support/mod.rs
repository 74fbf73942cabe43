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

    /// Creates (once) the IAM role `name` trusting `service` (e.g. `eks.amazonaws.com`) through
    /// aws-sdk-iam, and returns its ARN.
    pub async fn role(&self, name: &str, service: &str) -> String {
        let iam = aws_sdk_iam::Client::new(&self.sdk_config("us-east-1").await);
        let trust = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}"#
        );
        match iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(trust)
            .send()
            .await
        {
            Ok(created) => created.role.expect("a role").arn,
            Err(_) => {
                iam.get_role()
                    .role_name(name)
                    .send()
                    .await
                    .expect("GetRole")
                    .role
                    .expect("a role")
                    .arn
            }
        }
    }

    /// What `CreateCluster` needs in `region`: a role trusting EKS and two default subnets in two zones.
    pub async fn cluster_prerequisites(&self, region: &str) -> (String, Vec<String>) {
        let role = self.role("eks-cluster-role", "eks.amazonaws.com").await;
        let subnets = self
            .default_subnets(region)
            .into_iter()
            .take(2)
            .map(|(id, _)| id)
            .collect();
        (role, subnets)
    }

    /// An SDK config for `region`, with dummy static credentials, pointed at this emulator.
    pub async fn sdk_config(&self, region: &str) -> aws_config::SdkConfig {
        sdk_config(&self.url(), region).await
    }

    /// An `aws` CLI invocation pointed at this emulator (dummy credentials, no config files).
    pub fn aws(&self, region: &str) -> Command {
        aws_cli(&self.url(), region)
    }

    /// Runs an `aws` call in `region` that must succeed: its JSON output (`null` when it prints
    /// nothing, as operations without output do).
    pub fn aws_ok(&self, region: &str, args: &[&str]) -> serde_json::Value {
        let out = run(self.aws(region).args(args));
        assert!(
            out.status.success(),
            "aws {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        if out.stdout.iter().all(u8::is_ascii_whitespace) {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&out.stdout).expect("JSON output")
        }
    }

    /// The CLI's one-line error for an `aws` call in `region` that must fail: `An error occurred
    /// (Code) when calling the Op operation: message`.
    pub fn aws_error(&self, region: &str, args: &[&str]) -> String {
        let stderr = run_err(self.aws(region).args(args));
        stderr.lines().last().unwrap_or_default().to_owned()
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

/// A raw HTTP/1.1 exchange, for what SDKs never send (malformed bodies, unsigned requests) and for
/// byte-level comparisons. Returns the status, the headers (lowercase names) and the body.
pub fn http_raw(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("write head");
    stream.write_all(body).expect("write body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head")
        + 4;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect::<Vec<_>>();
    let mut body = raw[split..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v == "chunked")
    {
        body = dechunk(&body);
    }
    (status, headers, body)
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&body[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[eol + 2..eol + 2 + size]);
        body = &body[eol + 2 + size + 2..];
    }
}

/// A SigV4-shaped `Authorization` header for `service` in `region` (not a valid signature: the
/// emulator routes by the credential scope and does not verify by default).
pub fn fake_auth(service: &str, region: &str) -> String {
    format!("AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/{region}/{service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000")
}
