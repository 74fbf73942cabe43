//! The runner as its users meet it: the binary against real AWS without credentials (fails at
//! once, clearly, creating nothing), and the transcript of a failing and of a skipped scenario on the
//! embedded target (expected vs actual, the summary line last).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use eks_scenarios::{Capabilities, Options, TargetSpec, Verdict};

fn write_scenario(dir: &std::path::Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, format!("name: {name}\ndescription: a test\n{body}")).unwrap();
    path
}

#[test]
fn aws_without_credentials_fails_fast_and_creates_nothing() {
    let home = tempfile::tempdir().unwrap();
    let file = write_scenario(home.path(), "demo", "steps:\n  - ekscli get cluster\n");
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_eks-scenarios"))
        .args(["run", "--target", "aws"])
        .arg(&file)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("none"))
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stderr.contains("--target aws needs AWS credentials")
            && stderr.contains("Nothing was created."),
        "{stderr}"
    );
    assert!(
        !stdout.contains("Proceed?"),
        "asked before checking credentials: {stdout}"
    );
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
}

#[tokio::test]
async fn a_failing_step_shows_expected_and_actual() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_scenario(
        dir.path(),
        "failing",
        "steps:
  - run: ekscli create fargateprofile --namespace dev
    exit: 1
    stderr: {contains: '--cluster must be set'}
  - run: ekscli create fargateprofile --namespace dev --cluster c --name eks-x
    stderr:
      contains: this text is not there
      pending: {reason: a known gap, contains: nor is this}
  - ekscli create fargateprofile --namespace dev
",
    );
    let scenario = eks_scenarios::schema::load(&file).unwrap();
    let mut out = Vec::new();
    let report = eks_scenarios::play(
        &scenario,
        &Capabilities::all(),
        &Options::default(),
        &mut out,
    )
    .await;
    let transcript = String::from_utf8(out).unwrap();
    assert_eq!(
        report.verdict,
        Verdict::Failed("step 2: exit code: expected 0".into()),
        "{transcript}"
    );
    for expected in [
        "$ ekscli create fargateprofile --namespace dev\nError: --cluster must be set\n# exit status 1\n",
        "$ ekscli create fargateprofile --namespace dev --cluster c --name eks-x\n",
        "⚠ step 2: pending stderr expectations (a known gap) do not hold yet:",
        "✖ step 2 failed:\n  exit code\n    expected:\n      | 0\n    actual:\n      | 1\n",
        "  stderr contains\n    expected:\n      | this text is not there\n    actual:\n      | Error: invalid Fargate profile: name should NOT start with \"eks-\"\n",
        "# the 1 step(s) after it were not played\n",
        "✖ failing failed: step 2: exit code: expected 0\n",
    ] {
        assert!(transcript.contains(expected), "missing {expected:?} in:\n{transcript}");
    }
}

#[tokio::test]
async fn a_scenario_needing_what_the_target_lacks_is_skipped_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let skipped = write_scenario(
        dir.path(),
        "needs-legacy",
        "requires: [legacy-clusters]\nsteps:\n  - admin: {method: GET, path: health}\n",
    );
    let passing = write_scenario(
        dir.path(),
        "passing",
        "steps:\n  - run: ekscli create fargateprofile --namespace dev\n    exit: 1\n  - admin: {method: GET, path: health}\n  - advance: 3m\n",
    );
    let mut out = Vec::new();
    let summary = eks_scenarios::run(
        &[skipped, passing],
        &Options {
            target: TargetSpec::Embedded,
            ..Options::default()
        },
        &mut out,
        &mut || false,
    )
    .await
    .unwrap();
    let transcript = String::from_utf8(out).unwrap();
    let (passed, failed, skips) = (summary.passed(), summary.failed(), summary.skipped());
    let legacy = Capabilities::probe(&TargetSpec::Embedded)
        .await
        .describe()
        .into_iter()
        .any(|l| l == "legacy-clusters: yes");
    if legacy {
        assert_eq!((passed, failed, skips), (2, 0, 0), "{transcript}");
        assert!(
            transcript.ends_with("\n2 passed, 0 failed\n"),
            "{transcript}"
        );
    } else {
        assert_eq!((passed, failed, skips), (1, 0, 1), "{transcript}");
        assert!(
            transcript.contains("⊘ skipped: needs legacy-clusters ("),
            "{transcript}"
        );
        assert!(
            transcript.ends_with("\n1 passed, 0 failed, 1 skipped\n"),
            "{transcript}"
        );
    }
    assert!(
        transcript.contains("# advance the clock by 3m0s\n"),
        "{transcript}"
    );
    assert!(
        transcript.contains("# admin GET /_emulator/health\n#   200 {"),
        "{transcript}"
    );
}
