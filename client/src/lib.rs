//! ekscli: an eksctl-compatible client for EKS Fargate, on the AWS SDK for Rust. It talks to real
//! AWS or, with `--endpoint-url`/`AWS_ENDPOINT_URL`, to anything that speaks the same wire
//! protocols (the emulator); nothing in it knows which.
//!
//! [`run`] is the whole program without a process: it parses arguments, runs the command and
//! returns an [`ExitStatus`], writing only to the two streams it is given. It is `async` so that
//! tests can await it inside the runtime that also serves an in-process emulator; `main.rs` makes
//! a runtime and blocks on it. [`run_with`] takes a [`Context`] that replaces what a process
//! would read from its surroundings (environment, stdin, terminal, HTTP client, credentials,
//! randomness, the clock and sleeping), so tests are deterministic and never sleep.
//!
//! Layout (uv's): `cli` holds the clap definitions, `commands/` the behaviour, `output` the
//! rendering; `config` is the ClusterConfig schema, `aws` the SDK setup, `cfn` the CloudFormation
//! stacks and templates, `kubeconfig` the kubeconfig file, `kube` the clusters' Kubernetes API
//! (coredns onto Fargate), `names` generated names, `wait` the polling.

pub mod aws;
pub mod cfn;
pub mod cli;
pub mod commands;
pub mod config;
pub mod kube;
pub mod kubeconfig;
pub mod names;
pub mod output;
pub mod ssm;
pub mod wait;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_sdk_eks::config::SharedHttpClient;
use clap::Parser;

use crate::output::{LogStyle, Output};
pub use crate::wait::{Sleeper, WallClock};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Exit code 0.
    Success,
    /// Exit code 1: the command failed (eksctl uses 1 for every failure).
    Failure,
}

impl ExitStatus {
    /// The process exit code.
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Failure => 1,
        }
    }
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        Self::from(status.code())
    }
}

/// A command's failure: the message printed after `Error: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
}

impl Error {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// Wraps the error as Go's `errors.Wrap` does: `context: message`.
    #[must_use]
    pub fn wrap(self, context: impl std::fmt::Display) -> Self {
        Self {
            message: format!("{context}: {}", self.message),
        }
    }

    /// The message.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Self { message }
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Self::new(message)
    }
}

/// What a run reads from its surroundings. [`Context::from_process`] is the real thing;
/// tests build one by hand.
#[derive(Clone)]
pub struct Context {
    /// The environment variables ekscli consults (`AWS_ENDPOINT_URL`, `KUBECONFIG`, `HOME`).
    pub env: BTreeMap<String, String>,
    /// Replaces the HTTP client under the SDK.
    pub http_client: Option<SharedHttpClient>,
    /// Replaces the default credential chain.
    pub credentials: Option<Credentials>,
    /// What `-f -` reads; `None` reads the process's stdin.
    pub stdin: Option<Vec<u8>>,
    /// How waiting is done.
    pub sleeper: Sleeper,
    /// The time Kubernetes API tokens are signed at.
    pub wall_clock: WallClock,
    /// Whether stdout is a terminal (colour).
    pub stdout_is_terminal: bool,
    /// Whether stderr is a terminal (colour, progress spinner).
    pub stderr_is_terminal: bool,
    /// Seeds generated names; `None` uses fresh randomness.
    pub seed: Option<u64>,
    /// Pins the clock (log timestamps at `-v 4`, generated cluster names).
    pub fixed_time: Option<chrono::DateTime<chrono::FixedOffset>>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("env", &self.env)
            .field("stdout_is_terminal", &self.stdout_is_terminal)
            .field("stderr_is_terminal", &self.stderr_is_terminal)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// The process's environment, terminal and stdin; real sleeping and randomness.
    #[must_use]
    pub fn from_process() -> Self {
        Self {
            env: std::env::vars().collect(),
            http_client: None,
            credentials: None,
            stdin: None,
            sleeper: Sleeper::tokio(),
            wall_clock: WallClock::system(),
            stdout_is_terminal: std::io::stdout().is_terminal(),
            stderr_is_terminal: std::io::stderr().is_terminal(),
            seed: None,
            fixed_time: None,
        }
    }

    /// An empty environment, no terminal, a fixed seed and clock, and real (tokio) sleeping.
    #[must_use]
    pub fn isolated() -> Self {
        Self {
            env: BTreeMap::new(),
            http_client: None,
            credentials: None,
            stdin: Some(Vec::new()),
            sleeper: Sleeper::tokio(),
            wall_clock: WallClock::system(),
            stdout_is_terminal: false,
            stderr_is_terminal: false,
            seed: Some(0),
            fixed_time: chrono::DateTime::parse_from_rfc3339("2019-11-27T19:04:26+09:00").ok(),
        }
    }

    /// An environment variable, if set and not empty.
    #[must_use]
    pub fn var(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The home directory (`HOME`).
    #[must_use]
    pub fn home(&self) -> Option<PathBuf> {
        self.var("HOME").map(PathBuf::from)
    }

    /// The current time.
    #[must_use]
    pub fn now(&self) -> chrono::DateTime<chrono::FixedOffset> {
        self.fixed_time
            .unwrap_or_else(|| chrono::Local::now().fixed_offset())
    }

    /// A random number generator: seeded when the context pins one.
    #[must_use]
    pub fn rng(&self) -> rand::rngs::StdRng {
        use rand::SeedableRng;
        match self.seed {
            Some(seed) => rand::rngs::StdRng::seed_from_u64(seed),
            None => rand::rngs::StdRng::from_rng(&mut rand::rng()),
        }
    }

    /// Reads stdin (for `-f -`).
    ///
    /// # Errors
    /// If the process's stdin cannot be read.
    pub fn read_stdin(&self) -> std::io::Result<Vec<u8>> {
        match &self.stdin {
            Some(bytes) => Ok(bytes.clone()),
            None => {
                use std::io::Read;
                let mut buf = Vec::new();
                std::io::stdin().read_to_end(&mut buf)?;
                Ok(buf)
            }
        }
    }
}

/// Runs `ekscli` with `args` (the program name first) in the process's context.
pub async fn run<I, T>(
    args: I,
    stdout: &mut (dyn Write + Send),
    stderr: &mut (dyn Write + Send),
) -> ExitStatus
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    run_with(&Context::from_process(), args, stdout, stderr).await
}

/// Runs `ekscli` with `args` (the program name first) in `ctx`.
pub async fn run_with<I, T>(
    ctx: &Context,
    args: I,
    stdout: &mut (dyn Write + Send),
    stderr: &mut (dyn Write + Send),
) -> ExitStatus
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err, stdout, stderr),
    };
    let style = LogStyle {
        verbosity: cli.global.verbose,
        colour_allowed: cli.global.color != "false",
        stdout_is_terminal: ctx.stdout_is_terminal,
        stderr_is_terminal: ctx.stderr_is_terminal,
        fixed_time: ctx.fixed_time,
    };
    let mut out = Output::new(stdout, stderr, style);
    match commands::run(ctx, cli, &mut out).await {
        Ok(status) => status,
        Err(err) => {
            out.error(err.message());
            ExitStatus::Failure
        }
    }
}

/// `--help` and `--version` print to stdout and succeed; any other parse error is
/// `Error: <clap's message>` on stderr with exit code 1, as eksctl's cobra reports flag errors.
fn usage_error(
    err: &clap::Error,
    stdout: &mut (dyn Write + Send),
    stderr: &mut (dyn Write + Send),
) -> ExitStatus {
    use clap::error::ErrorKind;
    let text = err.render().to_string();
    match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let status = if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                ExitStatus::Failure
            } else {
                ExitStatus::Success
            };
            let stream: &mut dyn Write = if status == ExitStatus::Success {
                stdout
            } else {
                stderr
            };
            let _ = stream.write_all(text.as_bytes());
            status
        }
        _ => {
            let message = text.strip_prefix("error: ").unwrap_or(&text);
            let _ = write!(stderr, "Error: {message}");
            ExitStatus::Failure
        }
    }
}

/// The default `--timeout` (eksctl's `DefaultWaitTimeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(25 * 60);
