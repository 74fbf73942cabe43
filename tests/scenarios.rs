//! Every scenario file (`scenarios/*.yaml`) played on the embedded emulator, as
//! `cargo run -p eks-scenarios -- run scenarios/` plays them: a fresh in-process emulator per file
//! (manual clock, fixed seed), ekscli in-process, aws and kubectl as subprocesses. The test fails on
//! any failed step; a scenario the emulator cannot run yet (a capability it lacks) is skipped, and
//! skips are printed with their reason. Snapshots are compared, never written (`cargo run -p
//! eks-scenarios -- run scenarios/ --accept` records them).
//!
//! The files are played concurrently, each into its own transcript; the transcripts are printed in
//! file order (`cargo test --test scenarios -- --nocapture` to read them).

use std::path::Path;

use eks_scenarios::{Capabilities, Options, Summary, TargetSpec, Verdict};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_plays_on_the_embedded_emulator() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let scenarios = eks_scenarios::load_all(&[dir]).unwrap_or_else(|e| panic!("{e}"));
    assert!(!scenarios.is_empty(), "no scenario files");
    let capabilities = Capabilities::probe(&TargetSpec::Embedded).await;
    let options = Options::default();

    let mut tasks = tokio::task::JoinSet::new();
    for (i, scenario) in scenarios.into_iter().enumerate() {
        let capabilities = capabilities.clone();
        let options = options.clone();
        tasks.spawn(async move {
            let mut transcript = Vec::new();
            let report =
                eks_scenarios::play(&scenario, &capabilities, &options, &mut transcript).await;
            (i, report, String::from_utf8_lossy(&transcript).into_owned())
        });
    }
    let mut results = Vec::new();
    while let Some(done) = tasks.join_next().await {
        results.push(done.expect("a scenario task panicked"));
    }
    results.sort_by_key(|(i, _, _)| *i);

    let mut summary = Summary::default();
    for capability in capabilities.describe() {
        println!("{capability}");
    }
    for (_, report, transcript) in results {
        println!("\n{transcript}");
        summary.reports.push(report);
    }
    println!();
    for r in &summary.reports {
        match &r.verdict {
            Verdict::Passed => println!("  {:<32} passed ({} pending)", r.name, r.pending.len()),
            Verdict::Failed(why) => println!("  {:<32} FAILED: {why}", r.name),
            Verdict::Skipped(why) => println!("  {:<32} skipped: needs {why}", r.name),
        }
    }
    println!("{}", summary.line());
    let failed: Vec<&str> = summary
        .reports
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Failed(_)))
        .map(|r| r.name.as_str())
        .collect();
    assert!(
        failed.is_empty(),
        "failed scenarios: {failed:?} (transcripts above)"
    );
}
