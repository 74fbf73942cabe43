//! Every scenario file (`scenarios/*.yaml`) played on the embedded emulator exactly as
//! `cargo run -p eks-scenarios -- run scenarios/` plays them: a fresh in-process emulator per file
//! (manual clock, fixed seed), ekscli in-process, aws and kubectl as subprocesses, a few files at
//! once. The test fails on any failed step; a scenario needing what the emulator does not offer
//! yet is skipped, and skips are printed with their reason. Snapshots are compared, never written
//! (`cargo run -p eks-scenarios -- run scenarios/ --accept` records them).
//!
//! The whole transcript is printed (`cargo test --test scenarios -- --nocapture` to read it).

use std::path::Path;

use eks_scenarios::{Options, TargetSpec, Verdict};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_plays_on_the_embedded_emulator() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let options = Options {
        target: TargetSpec::Embedded,
        jobs: 4,
        ..Options::default()
    };
    let mut transcript = Vec::new();
    let summary = eks_scenarios::run(&[dir], &options, &mut transcript, &mut || false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let transcript = String::from_utf8_lossy(&transcript);
    println!("{transcript}");
    assert!(!summary.reports.is_empty(), "no scenario files");
    assert!(
        transcript.ends_with(&format!("\n{}\n", summary.line())),
        "the summary line comes last"
    );
    let failed: Vec<&str> = summary
        .reports
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Failed(_)))
        .map(|r| r.name.as_str())
        .collect();
    assert!(
        failed.is_empty(),
        "failed scenarios: {failed:?} (transcript above)"
    );
}
