//! `eks-scenarios`: plays scenario files. Flags in, exit code out; everything else is the library.
//!
//! Exit codes: 0 every scenario passed (or was skipped), 1 some failed, 2 nothing was played
//! (invalid files, no credentials for AWS, no confirmation, bad flags), 130 interrupted.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use eks_scenarios::{Options, TargetSpec, Verdict};

/// Plays the seed page's walkthroughs (scenario files) against the emulator or real AWS.
#[derive(Debug, Parser)]
#[command(name = "eks-scenarios", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Play scenario files (a file, or every *.yaml of a directory; default: scenarios/)
    Run {
        /// Scenario files or directories
        paths: Vec<PathBuf>,
        /// embedded (an in-process emulator per scenario), http://HOST:PORT (a running emulator) or aws (real AWS)
        #[arg(long, default_value = "embedded", value_name = "TARGET")]
        target: TargetSpec,
        /// Do not ask before creating resources on real AWS
        #[arg(long)]
        yes: bool,
        /// Play every scenario in this region instead of its own
        #[arg(long, value_name = "REGION")]
        region: Option<String>,
        /// Record snapshots instead of comparing them (embedded target)
        #[arg(long)]
        accept: bool,
        /// How many scenarios to play at once (default: the number of CPUs, at most 4, on an
        /// emulator; 1 on AWS)
        #[arg(long, short = 'j', value_name = "N")]
        jobs: Option<usize>,
    },
    /// Validate scenario files without playing them
    Check {
        /// Scenario files or directories
        paths: Vec<PathBuf>,
    },
}

fn paths_or_default(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![eks_scenarios::run::default_dir()]
    } else {
        paths
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { paths } => match eks_scenarios::load_all(&paths_or_default(paths)) {
            Ok(all) => {
                for s in &all {
                    let needs: Vec<&str> = s.requires.iter().map(|c| c.name()).collect();
                    println!(
                        "{:<32} {} step(s); requires [{}]",
                        s.name,
                        s.steps.len(),
                        needs.join(", ")
                    );
                }
                println!("{} scenario file(s) are valid", all.len());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(2)
            }
        },
        Command::Run {
            paths,
            target,
            yes,
            region,
            accept,
            jobs,
        } => {
            let jobs = jobs.unwrap_or_else(|| {
                if target == TargetSpec::Aws {
                    1
                } else {
                    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
                }
            });
            let options = Options {
                target,
                yes,
                accept,
                region,
                handle_interrupts: true,
                jobs: jobs.max(1),
            };
            let mut confirm = || {
                if !std::io::stdin().is_terminal() {
                    eprintln!("(stdin is not a terminal)");
                    return false;
                }
                let mut answer = String::new();
                let _ = std::io::stdin().lock().read_line(&mut answer);
                matches!(answer.trim(), "y" | "Y" | "yes")
            };
            let mut stdout = LineFlushing(std::io::stdout());
            match eks_scenarios::run(
                &paths_or_default(paths),
                &options,
                &mut stdout,
                &mut confirm,
            )
            .await
            {
                Ok(summary) => {
                    let interrupted = summary
                        .reports
                        .iter()
                        .any(|r| matches!(&r.verdict, Verdict::Failed(w) if w.starts_with("interrupted")));
                    if interrupted {
                        ExitCode::from(130)
                    } else if summary.failed() > 0 {
                        ExitCode::FAILURE
                    } else {
                        ExitCode::SUCCESS
                    }
                }
                Err(e) => {
                    let _ = stdout.flush();
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// Stdout flushed at every newline, so a transcript shows as it is played.
struct LineFlushing(std::io::Stdout);

impl Write for LineFlushing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.0.write(buf)?;
        if buf[..n].contains(&b'\n') {
            self.0.flush()?;
        }
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}
