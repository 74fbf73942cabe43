//! A scenario's session on its target: where commands run (a temporary work directory with the
//! fixture files, a temporary home and kubeconfig), how they reach the target (environment,
//! credentials), how time moves, and how conditions are observed. One session per scenario file,
//! so scenarios never see each other's state on the embedded target.
//!
//! | target            | ekscli                     | aws, kubectl                  | time                          |
//! |-------------------|----------------------------|-------------------------------|-------------------------------|
//! | embedded          | in-process, fixed seed     | subprocesses, clean env       | the emulator's manual clock   |
//! | `http://…`        | in-process, fixed seed     | subprocesses, clean env       | admin API if manual, else real|
//! | aws               | in-process, real randomness| subprocesses, the user's env  | real                          |
//!
//! On the emulator targets the environment is `AWS_ENDPOINT_URL`, dummy credentials and the
//! scenario's region, nothing from the user's; on real AWS it is the user's environment with the
//! region and `KUBECONFIG` replaced. Durations in scenario files are AWS durations: against an
//! emulator whose real clock runs `fast`, waits and advances are divided by its speedup, and the
//! times reported are real.
//!
//! Conditions are observed through the AWS SDK (clusters, profiles, nodegroups, stacks) and
//! `kubectl` (pods, nodes). kubectl uses a kubeconfig of the runner's own, copied from the current
//! context of the scenario's with the exec plugin replaced by a token it ran once, because
//! `aws eks get-token` costs half a second and a wait may look dozens of times.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use ::http::Method;
use aws_credential_types::Credentials;
use eks_emulator::{Config, Emulator, RunningEmulator};
use ekscli::{Context, Sleeper};

use crate::http;
use crate::schema::{Admin, Condition, PodRef, Program, Subject, Want, GONE};

/// The emulator's default account (`--account-id`).
pub const EMULATOR_ACCOUNT: &str = eks_emulator::config::DEFAULT_ACCOUNT_ID;

/// The dummy credentials every emulator request carries.
const DUMMY_KEY: &str = "test";

/// How long one aws or kubectl command may take on an emulator target before it is killed.
const SUBPROCESS_TIMEOUT_EMULATOR: Duration = Duration::from_secs(120);
/// … and on real AWS.
const SUBPROCESS_TIMEOUT_AWS: Duration = Duration::from_secs(1800);

/// How long a token from `aws eks get-token` is reused (it lives 15 minutes).
const TOKEN_REUSE: Duration = Duration::from_secs(300);

/// Where scenarios run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSpec {
    /// A fresh in-process emulator per scenario (manual clock, fixed seed, realistic timing).
    Embedded,
    /// A running emulator at `http://HOST:PORT`.
    Http(String),
    /// Real AWS, with the default credential chain.
    Aws,
}

impl TargetSpec {
    /// Whether the target is an emulator (so the admin API exists and nothing costs money).
    #[must_use]
    pub fn is_emulator(&self) -> bool {
        !matches!(self, Self::Aws)
    }
}

impl std::str::FromStr for TargetSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "embedded" => Ok(Self::Embedded),
            "aws" => Ok(Self::Aws),
            url if url.starts_with("http://") => {
                let base = url.trim_end_matches('/');
                let authority = &base["http://".len()..];
                if authority.is_empty() || authority.contains('/') {
                    return Err(format!("{url:?}: expected http://HOST:PORT"));
                }
                Ok(Self::Http(base.to_owned()))
            }
            other => Err(format!(
                "{other:?}: expected embedded, http://HOST:PORT or aws"
            )),
        }
    }
}

impl std::fmt::Display for TargetSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Embedded => f.write_str("embedded"),
            Self::Http(url) => f.write_str(url),
            Self::Aws => f.write_str("aws"),
        }
    }
}

/// The settings of the embedded emulator: a manual clock, the default seed, realistic timing
/// (so ages and waits read as on AWS; a manual clock makes them free), free ports.
#[must_use]
pub fn embedded_config() -> Config {
    Config {
        timing: eks_emulator::lifecycle::Timing::Realistic,
        ..Config::for_tests()
    }
}

/// How the session moves time.
#[derive(Debug, Clone)]
enum ClockControl {
    /// The embedded emulator's manual clock.
    Manual(Emulator),
    /// A running emulator's manual clock, through its admin API.
    AdminManual(String),
    /// Real time. `scale` turns AWS durations into the target's (1/60 for a `fast` emulator).
    Real { scale: f64, start: Instant },
}

/// What a command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The exit code (127: could not be started; 124: killed after too long).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// How long it took on the target's clock.
    pub took: Duration,
}

/// What a condition showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// What was seen (`ACTIVE`, `gone`, `Running on fargate-ip-…`).
    pub value: String,
    /// Whether it is what the condition wants.
    pub holds: bool,
}

struct Clients {
    eks: aws_sdk_eks::Client,
    cfn: aws_sdk_cloudformation::Client,
    sts: aws_sdk_sts::Client,
}

struct KubeToken {
    source: String,
    path: PathBuf,
    minted: Instant,
}

/// One scenario's session.
pub struct Session {
    spec: TargetSpec,
    running: Option<RunningEmulator>,
    endpoint: Option<String>,
    clock: ClockControl,
    tmp: tempfile::TempDir,
    work: PathBuf,
    home: PathBuf,
    kubeconfig: PathBuf,
    region: String,
    seed: u64,
    clients: BTreeMap<String, Clients>,
    kube: Option<KubeToken>,
}

impl Session {
    /// Starts a session for a scenario in `region`: an emulator of its own on the embedded target,
    /// the clock of a running emulator, or real AWS.
    ///
    /// # Errors
    /// An emulator that cannot start or does not answer, or a temporary directory that cannot be
    /// made.
    pub async fn start(spec: &TargetSpec, region: &str) -> Result<Self, String> {
        let tmp = tempfile::Builder::new()
            .prefix("eks-scenario-")
            .tempdir()
            .map_err(|e| format!("cannot make a temporary directory: {e}"))?;
        let work = tmp.path().join("work");
        let home = tmp.path().join("home");
        for dir in [&work, &home.join(".kube")] {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
        }
        let kubeconfig = home.join(".kube").join("config");
        let (running, endpoint, clock) = match spec {
            TargetSpec::Embedded => {
                let running = Emulator::start(embedded_config())
                    .await
                    .map_err(|e| format!("the embedded emulator did not start: {e}"))?;
                let endpoint = running.aws_url();
                let clock = ClockControl::Manual(running.emulator().clone());
                (Some(running), Some(endpoint), clock)
            }
            TargetSpec::Http(base) => {
                let clock = remote_clock(base).await?;
                (None, Some(base.clone()), clock)
            }
            TargetSpec::Aws => (
                None,
                None,
                ClockControl::Real {
                    scale: 1.0,
                    start: Instant::now(),
                },
            ),
        };
        Ok(Self {
            spec: spec.clone(),
            running,
            endpoint,
            clock,
            tmp,
            work,
            home,
            kubeconfig,
            region: region.to_owned(),
            seed: eks_emulator::ids::DEFAULT_SEED,
            clients: BTreeMap::new(),
            kube: None,
        })
    }

    /// The target.
    #[must_use]
    pub fn spec(&self) -> &TargetSpec {
        &self.spec
    }

    /// The work directory (fixture files; the commands' working directory).
    #[must_use]
    pub fn work(&self) -> &Path {
        &self.work
    }

    /// The scenario's home directory.
    #[must_use]
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The temporary directory holding both.
    #[must_use]
    pub fn root(&self) -> &Path {
        self.tmp.path()
    }

    /// The AWS endpoint of an emulator target.
    #[must_use]
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// Whether time is moved rather than waited for.
    #[must_use]
    pub fn clock_is_manual(&self) -> bool {
        !matches!(self.clock, ClockControl::Real { .. })
    }

    /// How much faster than AWS the target's real clock runs its transitions (1 for AWS and for
    /// manual clocks, 60 for a `fast` emulator): scenario durations are divided by it.
    #[must_use]
    pub fn speedup(&self) -> f64 {
        match &self.clock {
            ClockControl::Real { scale, .. } => 1.0 / scale,
            _ => 1.0,
        }
    }

    /// The target's now, as a duration since an arbitrary origin (real time on a real clock).
    pub async fn now(&self) -> Duration {
        match &self.clock {
            ClockControl::Manual(emu) => Duration::from_millis(emu.clock().now().0),
            ClockControl::AdminManual(base) => {
                let millis = http::admin(base, Method::GET, "clock", None)
                    .await
                    .ok()
                    .and_then(|r| serde_json::from_str::<serde_json::Value>(&r.body).ok())
                    .and_then(|v| v["epochMillis"].as_u64())
                    .unwrap_or_default();
                Duration::from_millis(millis)
            }
            ClockControl::Real { start, .. } => start.elapsed(),
        }
    }

    /// Moves the target's clock by `d` of AWS time, or waits that long (divided by the target's
    /// [`speedup`](Self::speedup)) on a real clock.
    ///
    /// # Errors
    /// A running emulator that refuses to move its clock.
    pub async fn advance(&self, d: Duration) -> Result<(), String> {
        match &self.clock {
            ClockControl::Manual(emu) => {
                emu.clock().advance(d);
                Ok(())
            }
            ClockControl::AdminManual(base) => admin_advance(base, d).await,
            ClockControl::Real { scale, .. } => {
                tokio::time::sleep(d.mul_f64(*scale).max(Duration::from_millis(100))).await;
                Ok(())
            }
        }
    }

    /// Runs `ekscli ARGS` in-process. Arguments naming files of the work directory are made
    /// absolute (the process has no working directory of its own to give it).
    pub async fn ekscli(&self, args: &[String], step: usize) -> Outcome {
        let ctx = self.ekscli_context(step);
        let mut argv = vec!["ekscli".to_owned()];
        argv.extend(args.iter().map(|a| self.absolutize(a)));
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let start = self.now().await;
        let status = ekscli::run_with(&ctx, argv, &mut stdout, &mut stderr).await;
        let took = self.now().await.saturating_sub(start);
        Outcome {
            code: i32::from(status.code()),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            took,
        }
    }

    fn absolutize(&self, arg: &str) -> String {
        if arg.is_empty() || arg.starts_with('-') || Path::new(arg).is_absolute() {
            return arg.to_owned();
        }
        let candidate = self.work.join(arg);
        if candidate.is_file() {
            candidate.display().to_string()
        } else {
            arg.to_owned()
        }
    }

    /// The context in-process ekscli runs with.
    fn ekscli_context(&self, step: usize) -> Context {
        let mut ctx = match &self.spec {
            TargetSpec::Aws => {
                let mut ctx = Context::from_process();
                ctx.stdout_is_terminal = false;
                ctx.stderr_is_terminal = false;
                ctx.stdin = Some(Vec::new());
                ctx
            }
            TargetSpec::Embedded | TargetSpec::Http(_) => {
                let mut ctx = Context::isolated();
                ctx.credentials = Some(Credentials::new(
                    DUMMY_KEY, DUMMY_KEY, None, None, "scenario",
                ));
                if let Some(endpoint) = &self.endpoint {
                    ctx.env.insert("AWS_ENDPOINT_URL".into(), endpoint.clone());
                }
                ctx.env
                    .insert("HOME".into(), self.home.display().to_string());
                // Each command draws its own names, as separate eksctl runs do; the same each time.
                ctx.seed = Some(self.seed.wrapping_add(step as u64));
                ctx
            }
        };
        ctx.env.insert("AWS_REGION".into(), self.region.clone());
        ctx.env
            .insert("AWS_DEFAULT_REGION".into(), self.region.clone());
        ctx.env
            .insert("KUBECONFIG".into(), self.kubeconfig.display().to_string());
        ctx.sleeper = match &self.clock {
            ClockControl::Manual(emu) => {
                let emu = emu.clone();
                Sleeper::new(move |d| {
                    emu.clock().advance(d);
                    Box::pin(async {})
                })
            }
            ClockControl::AdminManual(base) => {
                let base = base.clone();
                Sleeper::new(move |d| {
                    let base = base.clone();
                    Box::pin(async move {
                        let _ = admin_advance(&base, d).await;
                    })
                })
            }
            ClockControl::Real { .. } => Sleeper::tokio(),
        };
        ctx
    }

    /// The environment of subprocesses (and whether the process's own is cleared first).
    fn subprocess_env(&self) -> (bool, Vec<(String, String)>) {
        let mut env = vec![
            (
                "KUBECONFIG".to_owned(),
                self.kubeconfig.display().to_string(),
            ),
            ("AWS_REGION".to_owned(), self.region.clone()),
            ("AWS_DEFAULT_REGION".to_owned(), self.region.clone()),
            ("AWS_PAGER".to_owned(), String::new()),
        ];
        let Some(endpoint) = &self.endpoint else {
            return (false, env);
        };
        for name in [
            "PATH",
            "PYENV_ROOT",
            "PYENV_VERSION",
            "LANG",
            "LC_ALL",
            "TMPDIR",
        ] {
            if let Some(value) = std::env::var_os(name) {
                env.push((name.to_owned(), value.to_string_lossy().into_owned()));
            }
        }
        env.extend([
            ("HOME".to_owned(), self.home.display().to_string()),
            ("AWS_ENDPOINT_URL".to_owned(), endpoint.clone()),
            ("AWS_ACCESS_KEY_ID".to_owned(), DUMMY_KEY.to_owned()),
            ("AWS_SECRET_ACCESS_KEY".to_owned(), DUMMY_KEY.to_owned()),
            ("AWS_EC2_METADATA_DISABLED".to_owned(), "true".to_owned()),
        ]);
        (true, env)
    }

    /// Runs `program ARGS` as a subprocess in the work directory.
    pub async fn subprocess(&self, program: Program, args: &[String]) -> Outcome {
        let start = self.now().await;
        let mut outcome = self.command(program.name(), args, &[]).await;
        outcome.took = self.now().await.saturating_sub(start);
        outcome
    }

    async fn command(
        &self,
        program: &str,
        args: &[String],
        extra_env: &[(String, String)],
    ) -> Outcome {
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(args)
            .current_dir(&self.work)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        let (clear, env) = self.subprocess_env();
        if clear {
            cmd.env_clear();
        }
        cmd.envs(env.iter().chain(extra_env).map(|(k, v)| (k, v)));
        let limit = if self.spec.is_emulator() {
            SUBPROCESS_TIMEOUT_EMULATOR
        } else {
            SUBPROCESS_TIMEOUT_AWS
        };
        let blank = |code: i32, stderr: String| Outcome {
            code,
            stdout: String::new(),
            stderr,
            took: Duration::ZERO,
        };
        match tokio::time::timeout(limit, cmd.output()).await {
            Ok(Ok(out)) => Outcome {
                code: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                took: Duration::ZERO,
            },
            Ok(Err(e)) => blank(127, format!("cannot run {program}: {e}\n")),
            Err(_) => blank(
                124,
                format!("{program} was killed after {}s\n", limit.as_secs()),
            ),
        }
    }

    /// Calls the emulator's admin API.
    ///
    /// # Errors
    /// Not an emulator target, or the call failed.
    pub async fn admin(&self, admin: &Admin) -> Result<http::Response, String> {
        let base = self
            .endpoint
            .as_deref()
            .ok_or("the admin API exists only on emulator targets")?;
        http::admin(base, admin.method.clone(), &admin.path, admin.body.as_ref()).await
    }

    async fn clients(&mut self, region: &str) -> &Clients {
        if !self.clients.contains_key(region) {
            let http_client = ekscli::aws::default_http_client();
            let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
                .http_client(http_client)
                .region(aws_config::Region::new(region.to_owned()));
            if let Some(endpoint) = &self.endpoint {
                loader = loader
                    .endpoint_url(endpoint)
                    .credentials_provider(Credentials::new(
                        DUMMY_KEY, DUMMY_KEY, None, None, "scenario",
                    ));
            }
            let sdk = loader.load().await;
            self.clients.insert(
                region.to_owned(),
                Clients {
                    eks: aws_sdk_eks::Client::new(&sdk),
                    cfn: aws_sdk_cloudformation::Client::new(&sdk),
                    sts: aws_sdk_sts::Client::new(&sdk),
                },
            );
        }
        &self.clients[region]
    }

    /// The caller's account.
    ///
    /// # Errors
    /// STS `GetCallerIdentity` failed.
    pub async fn account(&mut self) -> Result<String, String> {
        let region = self.region.clone();
        let out = self
            .clients(&region)
            .await
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| ekscli::aws::describe(&e))?;
        Ok(out.account().unwrap_or_default().to_owned())
    }

    /// The status of a cluster, profile, nodegroup or stack, or [`GONE`].
    ///
    /// # Errors
    /// An error other than "not found".
    pub async fn status(&mut self, subject: &Subject) -> Result<String, String> {
        use ekscli::aws::{code, describe};
        match subject {
            Subject::Cluster { region, name } => {
                let c = self.clients(region).await;
                eks_status(c.eks.describe_cluster().name(name).send().await, |out| {
                    out.cluster()?.status().map(|s| s.as_str().to_owned())
                })
            }
            Subject::FargateProfile {
                region,
                cluster,
                name,
            } => {
                let c = self.clients(region).await;
                let result = c
                    .eks
                    .describe_fargate_profile()
                    .cluster_name(cluster)
                    .fargate_profile_name(name)
                    .send()
                    .await;
                eks_status(result, |out| {
                    out.fargate_profile()?
                        .status()
                        .map(|s| s.as_str().to_owned())
                })
            }
            Subject::Nodegroup {
                region,
                cluster,
                name,
            } => {
                let c = self.clients(region).await;
                let result = c
                    .eks
                    .describe_nodegroup()
                    .cluster_name(cluster)
                    .nodegroup_name(name)
                    .send()
                    .await;
                eks_status(result, |out| {
                    out.nodegroup()?.status().map(|s| s.as_str().to_owned())
                })
            }
            Subject::Stack { region, name } => {
                let c = self.clients(region).await;
                match c.cfn.describe_stacks().stack_name(name).send().await {
                    Ok(out) => Ok(out
                        .stacks()
                        .first()
                        .and_then(|s| s.stack_status())
                        .map_or_else(|| GONE.to_owned(), |s| s.as_str().to_owned())),
                    Err(e)
                        if code(&e) == Some("ValidationError")
                            && describe(&e).contains("does not exist") =>
                    {
                        Ok(GONE.into())
                    }
                    Err(e) => Err(describe(&e)),
                }
            }
            Subject::Pod { .. } | Subject::Node { .. } => {
                Err("pods and nodes have no status; observe them".into())
            }
        }
    }

    /// Deletes a stack (termination protection off first) without waiting.
    ///
    /// # Errors
    /// The CloudFormation error.
    pub async fn delete_stack(&mut self, region: &str, name: &str) -> Result<(), String> {
        use ekscli::aws::describe;
        let c = self.clients(region).await;
        let _ = c
            .cfn
            .update_termination_protection()
            .stack_name(name)
            .enable_termination_protection(false)
            .send()
            .await;
        c.cfn
            .delete_stack()
            .stack_name(name)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        Ok(())
    }

    /// Deletes a Fargate profile without waiting.
    ///
    /// # Errors
    /// The EKS error.
    pub async fn delete_profile(
        &mut self,
        region: &str,
        cluster: &str,
        name: &str,
    ) -> Result<(), String> {
        let c = self.clients(region).await;
        c.eks
            .delete_fargate_profile()
            .cluster_name(cluster)
            .fargate_profile_name(name)
            .send()
            .await
            .map_err(|e| ekscli::aws::describe(&e))?;
        Ok(())
    }

    /// Deletes a nodegroup without waiting.
    ///
    /// # Errors
    /// The EKS error.
    pub async fn delete_nodegroup(
        &mut self,
        region: &str,
        cluster: &str,
        name: &str,
    ) -> Result<(), String> {
        let c = self.clients(region).await;
        c.eks
            .delete_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name(name)
            .send()
            .await
            .map_err(|e| ekscli::aws::describe(&e))?;
        Ok(())
    }

    /// Whether an IAM role exists (asked through the aws CLI).
    ///
    /// # Errors
    /// The CLI failed for another reason than "no such role".
    pub async fn role_exists(&self, name: &str) -> Result<bool, String> {
        let args: Vec<String> = ["iam", "get-role", "--role-name", name]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let out = self.command("aws", &args, &[]).await;
        match out.code {
            0 => Ok(true),
            _ if out.stderr.contains("NoSuchEntity") => Ok(false),
            code => Err(format!(
                "aws iam get-role exited {code}: {}",
                out.stderr.trim()
            )),
        }
    }

    /// Deletes an IAM role, detaching its managed policies and removing its inline ones first
    /// (through the aws CLI).
    ///
    /// # Errors
    /// A CLI call failed.
    pub async fn delete_role(&self, name: &str) -> Result<(), String> {
        let run = |args: &[&str]| {
            let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
            async move {
                let out = self.command("aws", &args, &[]).await;
                if out.code == 0 {
                    Ok(out.stdout)
                } else {
                    Err(format!("aws {}: {}", args.join(" "), out.stderr.trim()))
                }
            }
        };
        let attached = run(&[
            "iam",
            "list-attached-role-policies",
            "--role-name",
            name,
            "--query",
            "AttachedPolicies[].PolicyArn",
            "--output",
            "text",
        ])
        .await?;
        for arn in attached.split_whitespace() {
            run(&[
                "iam",
                "detach-role-policy",
                "--role-name",
                name,
                "--policy-arn",
                arn,
            ])
            .await?;
        }
        let inline = run(&[
            "iam",
            "list-role-policies",
            "--role-name",
            name,
            "--query",
            "PolicyNames",
            "--output",
            "text",
        ])
        .await?;
        for policy in inline.split_whitespace() {
            run(&[
                "iam",
                "delete-role-policy",
                "--role-name",
                name,
                "--policy-name",
                policy,
            ])
            .await?;
        }
        run(&["iam", "delete-role", "--role-name", name])
            .await
            .map(|_| ())
    }

    /// The names of the live clusters and stacks of `region` (what existed before a run).
    ///
    /// # Errors
    /// A failed list.
    pub async fn inventory(&mut self, region: &str) -> Result<(Vec<String>, Vec<String>), String> {
        use ekscli::aws::describe;
        let c = self.clients(region).await;
        let mut clusters = Vec::new();
        let mut token = None;
        loop {
            let page = c
                .eks
                .list_clusters()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| describe(&e))?;
            clusters.extend(page.clusters().iter().cloned());
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        let mut stacks = Vec::new();
        let mut token = None;
        loop {
            let page = c
                .cfn
                .list_stacks()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| describe(&e))?;
            stacks.extend(
                page.stack_summaries()
                    .iter()
                    .filter(|s| {
                        s.stack_status()
                            .is_none_or(|st| st.as_str() != "DELETE_COMPLETE")
                    })
                    .filter_map(|s| s.stack_name().map(str::to_owned)),
            );
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        Ok((clusters, stacks))
    }

    /// Looks at a condition once.
    ///
    /// # Errors
    /// The target could not be asked (an error other than "not found").
    pub async fn observe(&mut self, condition: &Condition) -> Result<Observed, String> {
        match (&condition.subject, &condition.want) {
            (Subject::Pod { namespace, pod }, Want::Pod { phase, node_prefix }) => {
                let describe = |p: &serde_json::Value| {
                    let seen = p["status"]["phase"]
                        .as_str()
                        .unwrap_or("Unknown")
                        .to_owned();
                    let node = p["spec"]["nodeName"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    let holds = &seen == phase
                        && node_prefix
                            .as_deref()
                            .is_none_or(|pre| node.starts_with(pre));
                    let text = if node.is_empty() {
                        format!("{seen} (not scheduled)")
                    } else {
                        format!("{seen} on {node}")
                    };
                    (text, holds)
                };
                match pod {
                    PodRef::Name(name) => {
                        let args = [
                            "get",
                            "pod",
                            name.as_str(),
                            "-n",
                            namespace.as_str(),
                            "-o",
                            "json",
                        ];
                        let Some(p) = self.kubectl_json(&args).await? else {
                            return Ok(Observed {
                                value: GONE.into(),
                                holds: phase == GONE,
                            });
                        };
                        let (value, holds) = describe(&p);
                        Ok(Observed { value, holds })
                    }
                    PodRef::Selector(selector) => {
                        let args = [
                            "get",
                            "pods",
                            "-n",
                            namespace.as_str(),
                            "-l",
                            selector.as_str(),
                            "-o",
                            "json",
                        ];
                        let list = self.kubectl_json(&args).await?.unwrap_or_default();
                        let items: Vec<&serde_json::Value> =
                            list["items"].as_array().into_iter().flatten().collect();
                        if items.is_empty() {
                            return Ok(Observed {
                                value: format!("no pod matches {selector}"),
                                holds: phase == GONE,
                            });
                        }
                        let mut all = true;
                        let mut seen = Vec::new();
                        for p in items {
                            let (text, holds) = describe(p);
                            all &= holds;
                            seen.push(format!(
                                "{} {text}",
                                p["metadata"]["name"].as_str().unwrap_or_default()
                            ));
                        }
                        Ok(Observed {
                            value: seen.join("; "),
                            holds: all,
                        })
                    }
                }
            }
            (Subject::Node { prefix }, _) => {
                let nodes = self
                    .kubectl_json(&["get", "nodes", "-o", "json"])
                    .await?
                    .unwrap_or_default();
                let mut seen = Vec::new();
                let mut ready = false;
                for node in nodes["items"].as_array().into_iter().flatten() {
                    let name = node["metadata"]["name"].as_str().unwrap_or_default();
                    if !name.starts_with(prefix.as_str()) {
                        continue;
                    }
                    let is_ready = node["status"]["conditions"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|c| c["type"] == "Ready" && c["status"] == "True");
                    ready |= is_ready;
                    seen.push(format!("{name}{}", if is_ready { " (Ready)" } else { "" }));
                }
                Ok(Observed {
                    value: if seen.is_empty() {
                        format!("no node named {prefix}…")
                    } else {
                        seen.join(", ")
                    },
                    holds: ready,
                })
            }
            (subject, Want::Status(want)) => {
                let seen = self.status(subject).await?;
                let holds = &seen == want || (want == "DELETE_COMPLETE" && seen == GONE);
                Ok(Observed { value: seen, holds })
            }
            (subject, want) => Err(format!("cannot observe {want:?} of {subject:?}")),
        }
    }

    /// `kubectl ARGS` with the runner's kubeconfig, parsed as JSON; `None` for NotFound.
    async fn kubectl_json(&mut self, args: &[&str]) -> Result<Option<serde_json::Value>, String> {
        let kubeconfig = self.runner_kubeconfig().await?;
        let mut argv = vec!["--kubeconfig".to_owned(), kubeconfig.display().to_string()];
        argv.extend(args.iter().map(|a| (*a).to_owned()));
        let out = self.command("kubectl", &argv, &[]).await;
        if out.code != 0 {
            if out.stderr.contains("(NotFound)") {
                return Ok(None);
            }
            if out.stderr.contains("Unauthorized") {
                self.kube = None;
            }
            return Err(format!("kubectl {}: {}", args.join(" "), out.stderr.trim()));
        }
        serde_json::from_str(&out.stdout)
            .map(Some)
            .map_err(|e| format!("kubectl {} printed no JSON: {e}", args.join(" ")))
    }

    /// A kubeconfig for the current context of the scenario's, with a token instead of the exec
    /// plugin (minted once by running the plugin, reused for a few minutes).
    async fn runner_kubeconfig(&mut self) -> Result<PathBuf, String> {
        let source = std::fs::read_to_string(&self.kubeconfig).map_err(|e| {
            format!(
                "no kubeconfig to reach the cluster with ({}: {e}); write one first (ekscli create cluster, ekscli utils write-kubeconfig)",
                self.kubeconfig.display()
            )
        })?;
        if let Some(cached) = &self.kube {
            if cached.source == source && cached.minted.elapsed() < TOKEN_REUSE {
                return Ok(cached.path.clone());
            }
        }
        let current = CurrentContext::read(&source)?;
        let token = match &current.auth {
            Auth::Token(token) => token.clone(),
            Auth::Exec { command, args, env } => {
                let out = self.command(command, args, env).await;
                if out.code != 0 {
                    return Err(format!(
                        "the kubeconfig's credential plugin `{command} {}` failed: {}",
                        args.join(" "),
                        out.stderr.trim()
                    ));
                }
                let v: serde_json::Value = serde_json::from_str(&out.stdout).map_err(|e| {
                    format!("the kubeconfig's credential plugin printed no ExecCredential: {e}")
                })?;
                v["status"]["token"]
                    .as_str()
                    .ok_or("the kubeconfig's credential plugin gave no token")?
                    .to_owned()
            }
        };
        let doc = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "c", "cluster": {
                "server": current.server,
                "certificate-authority-data": current.ca_data,
            }}],
            "users": [{"name": "u", "user": {"token": token}}],
            "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
            "current-context": "x",
        });
        let path = self.tmp.path().join("runner-kubeconfig.json");
        std::fs::write(&path, doc.to_string())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        self.kube = Some(KubeToken {
            source,
            path: path.clone(),
            minted: Instant::now(),
        });
        Ok(path)
    }

    /// Stops the embedded emulator (if any) and removes the temporary directory.
    pub async fn finish(mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await;
        }
    }
}

/// The clock of a running emulator: manual (moved through the admin API) or real (scaled by its
/// timing).
async fn remote_clock(base: &str) -> Result<ClockControl, String> {
    let health = http::admin(base, Method::GET, "health", None)
        .await
        .map_err(|e| format!("no emulator answers at {base}: {e}"))?;
    if health.status != 200 {
        return Err(format!(
            "{base} is not an eks-emulator: GET /_emulator/health answered {}",
            health.status
        ));
    }
    let clock = http::admin(base, Method::GET, "clock", None).await?;
    let v: serde_json::Value = serde_json::from_str(&clock.body)
        .map_err(|e| format!("{base}: GET /_emulator/clock gave no JSON: {e}"))?;
    if v["manual"].as_bool() == Some(true) {
        return Ok(ClockControl::AdminManual(base.to_owned()));
    }
    let scale = match v["timing"].as_str() {
        Some("instant") => 0.0,
        Some("realistic") => 1.0,
        _ => 1.0 / 60.0,
    };
    Ok(ClockControl::Real {
        scale: if scale == 0.0 { 1.0 / 600.0 } else { scale },
        start: Instant::now(),
    })
}

async fn admin_advance(base: &str, d: Duration) -> Result<(), String> {
    let body = serde_json::json!({ "seconds": d.as_secs_f64() });
    let r = http::admin(base, Method::POST, "clock/advance", Some(&body)).await?;
    if r.status == 200 {
        Ok(())
    } else {
        Err(format!(
            "the emulator did not move its clock: {} {}",
            r.status, r.body
        ))
    }
}

/// How the current context authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Auth {
    Token(String),
    Exec {
        command: String,
        args: Vec<String>,
        env: Vec<(String, String)>,
    },
}

/// The current context of a kubeconfig.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CurrentContext {
    server: String,
    ca_data: String,
    auth: Auth,
}

impl CurrentContext {
    fn read(text: &str) -> Result<Self, String> {
        let doc: serde_json::Value = yaml_serde::from_str(text)
            .map_err(|e| format!("the kubeconfig does not parse: {e}"))?;
        let current = doc["current-context"]
            .as_str()
            .filter(|c| !c.is_empty())
            .ok_or("the kubeconfig has no current-context")?;
        let named = |list: &str, name: &str, field: &str| {
            doc[list]
                .as_array()
                .into_iter()
                .flatten()
                .find(|e| e["name"] == name)
                .map(|e| e[field].clone())
                .ok_or_else(|| format!("the kubeconfig has no {list} entry {name:?}"))
        };
        let context = named("contexts", current, "context")?;
        let cluster = named(
            "clusters",
            context["cluster"].as_str().unwrap_or_default(),
            "cluster",
        )?;
        let user = named(
            "users",
            context["user"].as_str().unwrap_or_default(),
            "user",
        )?;
        let auth = if let Some(token) = user["token"].as_str() {
            Auth::Token(token.to_owned())
        } else if let Some(command) = user["exec"]["command"].as_str() {
            Auth::Exec {
                command: command.to_owned(),
                args: user["exec"]["args"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|a| a.as_str().map(str::to_owned))
                    .collect(),
                env: user["exec"]["env"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| {
                        Some((
                            e["name"].as_str()?.to_owned(),
                            e["value"].as_str()?.to_owned(),
                        ))
                    })
                    .collect(),
            }
        } else {
            return Err(format!(
                "the kubeconfig's user for context {current:?} has neither a token nor an exec plugin"
            ));
        };
        Ok(Self {
            server: cluster["server"].as_str().unwrap_or_default().to_owned(),
            ca_data: cluster["certificate-authority-data"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            auth,
        })
    }
}

/// The status an EKS `Describe…` call reports (`status_of` reads it from the output), or [`GONE`]
/// when EKS answers `ResourceNotFoundException`.
fn eks_status<T, E>(
    result: Result<T, E>,
    status_of: impl FnOnce(&T) -> Option<String>,
) -> Result<String, String>
where
    E: aws_sdk_eks::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Ok(out) => Ok(status_of(&out).unwrap_or_default()),
        Err(e) if ekscli::aws::code(&e) == Some("ResourceNotFoundException") => Ok(GONE.into()),
        Err(e) => Err(ekscli::aws::describe(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        assert_eq!("embedded".parse(), Ok(TargetSpec::Embedded));
        assert_eq!("aws".parse(), Ok(TargetSpec::Aws));
        assert_eq!(
            "http://127.0.0.1:4566/".parse(),
            Ok(TargetSpec::Http("http://127.0.0.1:4566".into()))
        );
        assert!("https://x".parse::<TargetSpec>().is_err());
        assert!("http://h/path".parse::<TargetSpec>().is_err());
    }

    #[test]
    fn the_current_context_of_an_ekscli_kubeconfig() {
        let text = r"apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:4567/k8s/ap-northeast-1/c1
  name: c1.ap-northeast-1.eksctl.io
contexts:
- context:
    cluster: c1.ap-northeast-1.eksctl.io
    user: u@c1.ap-northeast-1.eksctl.io
  name: u@c1.ap-northeast-1.eksctl.io
current-context: u@c1.ap-northeast-1.eksctl.io
kind: Config
users:
- name: u@c1.ap-northeast-1.eksctl.io
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args: [eks, get-token, --output, json, --cluster-name, c1, --region, ap-northeast-1]
      command: aws
      env:
      - name: AWS_STS_REGIONAL_ENDPOINTS
        value: regional
";
        let c = CurrentContext::read(text).unwrap();
        assert_eq!(c.server, "https://127.0.0.1:4567/k8s/ap-northeast-1/c1");
        assert_eq!(c.ca_data, "Q0E=");
        let Auth::Exec { command, args, env } = c.auth else {
            panic!("exec")
        };
        assert_eq!(command, "aws");
        assert_eq!(args[5], "c1");
        assert_eq!(
            env,
            [("AWS_STS_REGIONAL_ENDPOINTS".into(), "regional".into())]
        );
        assert!(CurrentContext::read("kind: Config\n").is_err());
    }
}
