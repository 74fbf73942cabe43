//! `eks-bench`: flags → one benchmark → its figure on stdout; `all` runs every one against both
//! servers and prints the markdown table of BENCHMARKS.md. Nothing here asserts a timing.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use eks_bench::aws::{prerequisites, Error};
use eks_bench::kube::{self, KubeApi, KubeResult, KubeSpec};
use eks_bench::startup::{self, Kind, Server, Startup};
use eks_bench::stats::{median, mib};
use eks_bench::workload::{self, WorkloadResult};

/// Benchmarks of eks-emulator, side by side with moto_server.
#[derive(Debug, Parser)]
#[command(name = "eks-bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start-up to first answered request and idle RSS of both servers.
    Startup {
        #[command(flatten)]
        servers: Servers,
        /// Starts per server (the median is reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// The EKS workload against a running endpoint.
    Workload {
        /// The endpoint, e.g. http://127.0.0.1:4566 (an emulator with `--timing instant`, or moto).
        #[arg(long)]
        target: String,
        /// Concurrent clients, each with its own cluster and connection.
        #[arg(long, default_value_t = 1)]
        clients: usize,
        /// Fargate profiles created, described, listed and deleted per client.
        #[arg(long, default_value_t = 500)]
        profiles: usize,
    },
    /// The EKS workload through boto3 (`bench/boto3_workload.py`) against a running endpoint.
    Boto3 {
        /// The endpoint.
        #[arg(long)]
        target: String,
        /// Fargate profiles.
        #[arg(long, default_value_t = 500)]
        profiles: usize,
        /// The script.
        #[arg(long, default_value = "bench/boto3_workload.py")]
        script: PathBuf,
    },
    /// Fargate admission and scheduling of many pods (in process; with `--emulator-bin`, also over
    /// HTTPS against that binary, reading its RSS).
    Kube {
        #[command(flatten)]
        spec: KubeArgs,
        /// Also run against this eks-emulator binary over HTTPS.
        #[arg(long)]
        emulator_bin: Option<String>,
    },
    /// Plays scenario files with the eks-scenarios binary (embedded emulator) and times each.
    Scenarios {
        /// The eks-scenarios binary.
        #[arg(long, default_value = "target/release/eks-scenarios")]
        bin: String,
        /// Scenario files.
        #[arg(default_values_t = [String::from("scenarios/create-cluster-fargate.yaml"), String::from("scenarios/scheduling-on-fargate.yaml")])]
        files: Vec<String>,
    },
    /// Everything, against both servers; prints the markdown table.
    All {
        #[command(flatten)]
        servers: Servers,
        /// Starts per server for the start-up figures.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Fargate profiles per client in the workloads.
        #[arg(long, default_value_t = 500)]
        profiles: usize,
        #[command(flatten)]
        spec: KubeArgs,
        /// The boto3 script.
        #[arg(long, default_value = "bench/boto3_workload.py")]
        script: PathBuf,
    },
}

#[derive(Debug, clap::Args)]
struct Servers {
    /// The eks-emulator binary (default: next to this one, as `cargo build --release` puts it).
    #[arg(long)]
    emulator_bin: Option<String>,
    /// The moto_server program.
    #[arg(long, default_value = "moto_server")]
    moto_bin: String,
}

impl Servers {
    fn emulator(&self) -> Kind {
        Kind::Emulator(self.emulator_bin.clone().unwrap_or_else(sibling_emulator))
    }

    fn moto(&self) -> Kind {
        Kind::Moto(self.moto_bin.clone())
    }
}

#[derive(Debug, Clone, Copy, clap::Args)]
struct KubeArgs {
    /// Pods to schedule.
    #[arg(long, default_value_t = 10_000)]
    pods: usize,
    /// Fargate profiles.
    #[arg(long, default_value_t = 10)]
    kube_profiles: usize,
    /// Selectors per profile.
    #[arg(long, default_value_t = 5)]
    selectors: usize,
}

impl KubeArgs {
    fn spec(self) -> KubeSpec {
        KubeSpec {
            profiles: self.kube_profiles,
            selectors: self.selectors,
            pods: self.pods,
        }
    }
}

fn sibling_emulator() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join("eks-emulator")))
        .map_or_else(|| "eks-emulator".into(), |p| p.display().to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Startup { servers, runs } => {
            for kind in [servers.emulator(), servers.moto()] {
                let s = startup::measure(&kind, runs, Duration::from_secs(2))?;
                println!("{kind:?}: {}", startup_line(&s));
            }
        }
        Command::Workload {
            target,
            clients,
            profiles,
        } => {
            let r = workload_on(&target, clients, profiles).await?;
            println!("{}", workload_line(&r));
        }
        Command::Boto3 {
            target,
            profiles,
            script,
        } => {
            let b = boto3(&script, &target, profiles).await?;
            println!("{b}");
        }
        Command::Kube { spec, emulator_bin } => {
            let (r, rss) = kube::in_process(spec.spec()).await?;
            println!(
                "in process: {} (bench process RSS {})",
                kube_line(&r),
                mib(rss)
            );
            if let Some(bin) = emulator_bin {
                let (r, rss) = kube_over_https(&Kind::Emulator(bin), spec.spec()).await?;
                println!("over HTTPS: {} (emulator RSS {})", kube_line(&r), mib(rss));
            }
        }
        Command::Scenarios { bin, files } => {
            for file in files {
                let took = scenario(&bin, &file)?;
                println!("{file}: {:.2} s", took.as_secs_f64());
            }
        }
        Command::All {
            servers,
            runs,
            profiles,
            spec,
            script,
        } => all(&servers, runs, profiles, spec.spec(), &script).await?,
    }
    Ok(())
}

/// A unique suffix for names made by this run.
fn run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{:x}", nanos % 0xffff_ffff)
}

async fn workload_on(
    target: &str,
    clients: usize,
    profiles: usize,
) -> Result<WorkloadResult, Error> {
    let id = run_id();
    let prereqs = prerequisites(target, &id).await?;
    workload::run(
        target,
        &prereqs,
        &format!("bench-{id}-c{clients}"),
        clients,
        profiles,
    )
    .await
}

fn startup_line(s: &Startup) -> String {
    format!(
        "first answer {:.1} ms (median of {}), idle RSS {} (median)",
        ms(median(&s.first_answer)),
        s.first_answer.len(),
        mib(median_u64(&s.idle_rss_kib))
    )
}

fn workload_line(r: &WorkloadResult) -> String {
    format!(
        "{} clients: {} requests in {:.2} s = {:.0} req/s, p50 {:.3} ms, p99 {:.3} ms",
        r.clients,
        r.requests,
        r.elapsed.as_secs_f64(),
        r.throughput(),
        ms(r.latencies.percentile(50.0)),
        ms(r.latencies.percentile(99.0)),
    )
}

fn kube_line(r: &KubeResult) -> String {
    format!(
        "{} pods ({} profiles x {} selectors) created in {:.2} s, all scheduled in {:.2} s = {:.0} pods/s",
        r.spec.pods,
        r.spec.profiles,
        r.spec.selectors,
        r.created_in.as_secs_f64(),
        r.scheduled_in.as_secs_f64(),
        r.pods_per_second()
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median_u64(v: &[u64]) -> u64 {
    let mut s = v.to_vec();
    s.sort_unstable();
    s.get(s.len().saturating_sub(1) / 2).copied().unwrap_or(0)
}

/// What the boto3 script printed.
struct Boto3 {
    requests: u64,
    seconds: f64,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl std::fmt::Display for Boto3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "boto3: {} requests in {:.2} s = {:.0} req/s, p50 {:.3} ms, p99 {:.3} ms",
            self.requests, self.seconds, self.rps, self.p50_ms, self.p99_ms
        )
    }
}

async fn boto3(script: &PathBuf, target: &str, profiles: usize) -> Result<Boto3, Error> {
    let out = tokio::process::Command::new("python3")
        .arg(script)
        .arg(target)
        .arg(profiles.to_string())
        .output()
        .await
        .map_err(|e| format!("python3 {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("{} printed no JSON: {e}", script.display()))?;
    let f = |k: &str| v[k].as_f64().unwrap_or_default();
    Ok(Boto3 {
        requests: v["requests"].as_u64().unwrap_or_default(),
        seconds: f("seconds"),
        rps: f("rps"),
        p50_ms: f("p50_ms"),
        p99_ms: f("p99_ms"),
    })
}

/// The Kubernetes bench over HTTPS against a spawned emulator; also returns its RSS after (KiB).
async fn kube_over_https(kind: &Kind, spec: KubeSpec) -> Result<(KubeResult, u64), Error> {
    let server = Server::spawn(kind)?;
    let base = server.url();
    let health = reqwest::get(format!("{base}/_emulator/health"))
        .await
        .map_err(|e| e.to_string())?
        .json::<serde_json::Value>()
        .await
        .map_err(|e| e.to_string())?;
    let kube_base = health["kubeEndpoint"]
        .as_str()
        .ok_or_else(|| format!("health names no kubeEndpoint: {health}"))?
        .to_owned();
    let prereqs = prerequisites(&base, "kube").await?;
    kube::cluster_with_profiles(&base, &prereqs, "pods", spec).await?;
    let api = KubeApi::https(&kube_base)?;
    let r = kube::schedule_pods(&api, "pods", spec).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss = server.rss_kib().unwrap_or_default();
    Ok((r, rss))
}

/// Runs `eks-scenarios run FILE` and returns how long it took (it must pass).
fn scenario(bin: &str, file: &str) -> Result<Duration, Error> {
    let started = Instant::now();
    let out = std::process::Command::new(bin)
        .args(["run", file])
        .output()
        .map_err(|e| format!("{bin}: {e}"))?;
    let took = started.elapsed();
    if !out.status.success() {
        return Err(format!(
            "{bin} run {file} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(took)
}

/// Every bench against both servers, as one markdown table.
async fn all(
    servers: &Servers,
    runs: usize,
    profiles: usize,
    spec: KubeSpec,
    script: &PathBuf,
) -> Result<(), Error> {
    let (emu, moto) = (servers.emulator(), servers.moto());
    let mut rows: Vec<[String; 4]> = Vec::new();
    eprintln!("start-up ({runs} runs each)…");
    let (se, sm) = (
        startup::measure(&emu, runs, Duration::from_secs(2))?,
        startup::measure(&moto, runs, Duration::from_secs(2))?,
    );
    eprintln!(
        "  eks-emulator: {}\n  moto_server: {}",
        startup_line(&se),
        startup_line(&sm)
    );
    let (fe, fm) = (ms(median(&se.first_answer)), ms(median(&sm.first_answer)));
    rows.push([
        format!("start-up to first answered request (median of {runs})"),
        format!("{fe:.1} ms"),
        format!("{fm:.1} ms"),
        format!("{:.0}× faster", fm / fe),
    ]);
    let (re, rm) = (median_u64(&se.idle_rss_kib), median_u64(&sm.idle_rss_kib));
    rows.push([
        "idle RSS (2 s after the first answer)".into(),
        mib(re),
        mib(rm),
        format!("{:.1}× smaller", rm as f64 / re as f64),
    ]);
    let mut results = Vec::new();
    for kind in [&emu, &moto] {
        let server = Server::spawn(kind)?;
        let mut per = Vec::new();
        for clients in [1, 16] {
            let r = workload_on(&server.url(), clients, profiles).await?;
            eprintln!("  {kind:?} {}", workload_line(&r));
            per.push(r);
        }
        let b = boto3(script, &server.url(), profiles).await?;
        eprintln!("  {kind:?} {b}");
        results.push((per, b));
    }
    let [(we, be), (wm, bm)] = <[_; 2]>::try_from(results).map_err(|_| "two servers")?;
    for (e, m) in we.iter().zip(&wm) {
        rows.push([
            format!(
                "EKS workload, {} client(s), {} requests: throughput",
                e.clients, e.requests
            ),
            format!("{:.0} req/s", e.throughput()),
            format!("{:.0} req/s", m.throughput()),
            format!("{:.1}×", e.throughput() / m.throughput()),
        ]);
        rows.push([
            format!("EKS workload, {} client(s): p50 / p99 latency", e.clients),
            format!(
                "{:.3} / {:.3} ms",
                ms(e.latencies.percentile(50.0)),
                ms(e.latencies.percentile(99.0))
            ),
            format!(
                "{:.3} / {:.3} ms",
                ms(m.latencies.percentile(50.0)),
                ms(m.latencies.percentile(99.0))
            ),
            format!(
                "{:.1}× / {:.1}×",
                ms(m.latencies.percentile(50.0)) / ms(e.latencies.percentile(50.0)),
                ms(m.latencies.percentile(99.0)) / ms(e.latencies.percentile(99.0))
            ),
        ]);
    }
    rows.push([
        format!(
            "boto3 workload, 1 client, {} requests: throughput",
            be.requests
        ),
        format!("{:.0} req/s", be.rps),
        format!("{:.0} req/s", bm.rps),
        format!("{:.1}×", be.rps / bm.rps),
    ]);
    rows.push([
        "boto3 workload: p50 / p99 latency".into(),
        format!("{:.3} / {:.3} ms", be.p50_ms, be.p99_ms),
        format!("{:.3} / {:.3} ms", bm.p50_ms, bm.p99_ms),
        format!(
            "{:.1}× / {:.1}×",
            bm.p50_ms / be.p50_ms,
            bm.p99_ms / be.p99_ms
        ),
    ]);
    eprintln!("pods…");
    let (ki, rss_in) = kube::in_process(spec).await?;
    eprintln!("  in process: {}", kube_line(&ki));
    rows.push([
        format!(
            "{} pods, {} profiles × {} selectors, in process: admitted and scheduled",
            spec.pods, spec.profiles, spec.selectors
        ),
        format!(
            "{:.2} s = {:.0} pods/s",
            ki.scheduled_in.as_secs_f64(),
            ki.pods_per_second()
        ),
        "—".into(),
        "—".into(),
    ]);
    rows.push([
        format!("RSS of the bench process after that ({} pods)", spec.pods),
        mib(rss_in),
        "—".into(),
        "—".into(),
    ]);
    let (kh, rss) = kube_over_https(&emu, spec).await?;
    eprintln!("  over HTTPS: {}", kube_line(&kh));
    rows.push([
        format!(
            "{} pods over HTTPS (one client): admitted and scheduled",
            spec.pods
        ),
        format!(
            "{:.2} s = {:.0} pods/s",
            kh.scheduled_in.as_secs_f64(),
            kh.pods_per_second()
        ),
        "—".into(),
        "—".into(),
    ]);
    rows.push([
        format!("eks-emulator process RSS with {} pods", spec.pods),
        mib(rss),
        "—".into(),
        "—".into(),
    ]);
    println!("| figure | eks-emulator | moto_server | ratio |");
    println!("|---|---|---|---|");
    for [a, b, c, d] in rows {
        println!("| {a} | {b} | {c} | {d} |");
    }
    Ok(())
}
