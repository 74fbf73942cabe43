//! Playing scenarios: each step in order, printed as a transcript in the seed page's shape
//! (`$ command`, then what it printed; the runner's own lines start with `#`), every expectation
//! checked, the first failing step shown with what was expected and what came, then the cleanup
//! steps, and on a target that outlives the run, the deletion of whatever the scenario created
//! (also after a failure or Ctrl-C). A run ends with one line, `N passed, N failed[, N skipped]`.
//!
//! What is compared is what is shown: outputs are compared after the scenario's temporary
//! directories are written as `~` (its home) and nothing (its work directory, where fixture files
//! are), so files can expect `saved kubeconfig as "~/.kube/config"`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::aws_target::{identity, Plan};
use crate::duration;
use crate::expect::{self, Mismatch};
use crate::ledger::{Ledger, Resource};
use crate::probe::Capabilities;
use crate::schema::{
    self, substitute, Action, Condition, PodRef, Program, Scenario, SchemaError, Step, Subject,
    Want, GONE,
};
use crate::session::{Session, TargetSpec};
use crate::snapshot::{self, Snapshots};

/// How to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where.
    pub target: TargetSpec,
    /// Do not ask before creating resources on AWS.
    pub yes: bool,
    /// Record snapshots instead of comparing them.
    pub accept: bool,
    /// Run every scenario in this region instead of its own.
    pub region: Option<String>,
    /// Clean up and stop on Ctrl-C.
    pub handle_interrupts: bool,
    /// How many scenarios to play at once (each on its own emulator, or its own resources); 1
    /// prints each transcript as it is played.
    pub jobs: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            target: TargetSpec::Embedded,
            yes: false,
            accept: false,
            region: None,
            handle_interrupts: false,
            jobs: 1,
        }
    }
}

/// How a scenario ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every step held.
    Passed,
    /// A step (or a cleanup) failed: the first failure, in one line.
    Failed(String),
    /// Not played: why.
    Skipped(String),
}

/// One scenario's result.
#[derive(Debug, Clone)]
pub struct Report {
    /// Its name.
    pub name: String,
    /// How it ended.
    pub verdict: Verdict,
    /// Pending steps that failed (allowed for now): step number and reason.
    pub pending: Vec<(usize, String)>,
    /// The time that passed on the target's clock.
    pub target_time: Duration,
    /// The real time it took.
    pub real_time: Duration,
}

/// A whole run's result.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Each scenario's.
    pub reports: Vec<Report>,
}

impl Summary {
    fn count(&self, f: impl Fn(&Verdict) -> bool) -> usize {
        self.reports.iter().filter(|r| f(&r.verdict)).count()
    }

    /// Scenarios that passed.
    #[must_use]
    pub fn passed(&self) -> usize {
        self.count(|v| matches!(v, Verdict::Passed))
    }

    /// Scenarios that failed.
    #[must_use]
    pub fn failed(&self) -> usize {
        self.count(|v| matches!(v, Verdict::Failed(_)))
    }

    /// Scenarios that were skipped.
    #[must_use]
    pub fn skipped(&self) -> usize {
        self.count(|v| matches!(v, Verdict::Skipped(_)))
    }

    /// `N passed, N failed` (and `, N skipped` when some were).
    #[must_use]
    pub fn line(&self) -> String {
        let mut line = format!("{} passed, {} failed", self.passed(), self.failed());
        if self.skipped() > 0 {
            line.push_str(&format!(", {} skipped", self.skipped()));
        }
        line
    }
}

/// The scenario files of `paths`: each file, and each `*.yaml` directly in each directory, sorted.
///
/// # Errors
/// A path that does not exist, or a directory without scenarios.
pub fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect();
            if found.is_empty() {
                return Err(format!(
                    "{}: no scenario files (*.yaml) here",
                    path.display()
                ));
            }
            found.sort();
            files.extend(found);
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            return Err(format!("{}: no such file or directory", path.display()));
        }
    }
    Ok(files)
}

/// Loads every scenario of `paths`, reporting every file that does not validate.
///
/// # Errors
/// The paths' problem, or each invalid file's error (one per line).
pub fn load_all(paths: &[PathBuf]) -> Result<Vec<Scenario>, String> {
    let files = scenario_files(paths)?;
    let mut scenarios = Vec::new();
    let mut errors: Vec<SchemaError> = Vec::new();
    for file in &files {
        match schema::load(file) {
            Ok(s) => scenarios.push(s),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(scenarios)
    } else {
        Err(errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"))
    }
}

/// Runs `paths` as the CLI does: load and validate everything, check credentials and confirm on
/// AWS, probe the target, play each scenario in order, print the summary line last.
///
/// # Errors
/// Invalid files, no credentials, no confirmation, or an unreachable target (nothing was run).
pub async fn run(
    paths: &[PathBuf],
    options: &Options,
    out: &mut (dyn Write + Send),
    confirm: &mut (dyn FnMut() -> bool + Send),
) -> Result<Summary, String> {
    let scenarios = load_all(paths)?;
    if options.target == TargetSpec::Aws {
        let region = options
            .region
            .clone()
            .or_else(|| scenarios.first().map(|s| s.region.clone()))
            .unwrap_or_else(|| schema::DEFAULT_REGION.to_owned());
        let who = identity(&region).await?;
        let _ = writeln!(
            out,
            "Playing {} scenario(s) on real AWS as {} (account {}). They will create:",
            scenarios.len(),
            who.arn,
            who.account
        );
        let mut total = 0.0;
        for s in &scenarios {
            let plan = Plan::of(s);
            total += plan.cost();
            let _ = writeln!(
                out,
                "  {} ({}): {}",
                s.name,
                options.region.as_deref().unwrap_or(&s.region),
                plan.line()
            );
        }
        let _ = writeln!(
            out,
            "Estimated cost: about ${total:.2} (on-demand us-east-1 prices; the run is billed while it lasts).\n\
             Everything created is deleted at the end, also after a failure or Ctrl-C."
        );
        if !options.yes {
            let _ = write!(out, "Proceed? [y/N] ");
            let _ = out.flush();
            if !confirm() {
                return Err(
                    "not confirmed; nothing was created (pass --yes to skip this question)".into(),
                );
            }
        }
    }
    let capabilities = Capabilities::probe(&options.target).await;
    let _ = writeln!(out, "target: {}", options.target);
    for line in capabilities.describe() {
        let _ = writeln!(out, "  {line}");
    }
    let mut summary = Summary::default();
    if options.jobs <= 1 {
        for scenario in &scenarios {
            let _ = writeln!(out);
            let report = play(scenario, &capabilities, options, out).await;
            let interrupted = matches!(&report.verdict, Verdict::Failed(why) if why == INTERRUPTED);
            summary.reports.push(report);
            if interrupted {
                break;
            }
        }
    } else {
        summary.reports = play_concurrently(scenarios, &capabilities, options, out).await;
    }
    let _ = writeln!(out);
    for r in &summary.reports {
        let what = match &r.verdict {
            Verdict::Passed => "passed".to_owned(),
            Verdict::Failed(why) => format!("FAILED: {why}"),
            Verdict::Skipped(why) => format!("skipped: needs {why}"),
        };
        let mut notes = Vec::new();
        if !r.pending.is_empty() {
            notes.push(format!("{} pending expectation(s) failed", r.pending.len()));
        }
        if !matches!(r.verdict, Verdict::Skipped(_)) {
            notes.push(format!(
                "{} on the target's clock, {:.1}s",
                duration::format(r.target_time),
                r.real_time.as_secs_f64()
            ));
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join("; "))
        };
        let _ = writeln!(out, "  {:<28} {what}{notes}", r.name);
    }
    let _ = writeln!(out, "{}", summary.line());
    let _ = out.flush();
    Ok(summary)
}

/// Plays up to `options.jobs` scenarios at once, each into its own transcript, and prints the
/// transcripts in file order as soon as each one and those before it are done. After a Ctrl-C no
/// further scenario starts.
async fn play_concurrently(
    scenarios: Vec<Scenario>,
    capabilities: &Capabilities,
    options: &Options,
    out: &mut (dyn Write + Send),
) -> Vec<Report> {
    let mut pending = scenarios.into_iter().enumerate();
    let mut running = tokio::task::JoinSet::new();
    let mut done: BTreeMap<usize, (Report, Vec<u8>)> = BTreeMap::new();
    let mut next_to_print = 0;
    let mut reports = Vec::new();
    let mut interrupted = false;
    loop {
        while !interrupted && running.len() < options.jobs {
            let Some((i, scenario)) = pending.next() else {
                break;
            };
            let capabilities = capabilities.clone();
            let options = options.clone();
            running.spawn(async move {
                let mut transcript = Vec::new();
                let report = play(&scenario, &capabilities, &options, &mut transcript).await;
                (i, report, transcript)
            });
        }
        let Some(finished) = running.join_next().await else {
            break;
        };
        match finished {
            Ok((i, report, transcript)) => {
                interrupted |=
                    matches!(&report.verdict, Verdict::Failed(why) if why == INTERRUPTED);
                done.insert(i, (report, transcript));
            }
            Err(e) => {
                let _ = writeln!(out, "✖ a scenario task ended abnormally: {e}");
            }
        }
        while let Some((report, transcript)) = done.remove(&next_to_print) {
            let _ = writeln!(out);
            let _ = out.write_all(&transcript);
            let _ = out.flush();
            reports.push(report);
            next_to_print += 1;
        }
    }
    // Whatever finished out of order after an interruption.
    for (_, (report, transcript)) in done {
        let _ = writeln!(out);
        let _ = out.write_all(&transcript);
        reports.push(report);
    }
    reports
}

const INTERRUPTED: &str = "interrupted (Ctrl-C)";

/// Past this many lines, a mismatch refers to the output printed above it instead of repeating it.
const LONG_OUTPUT: usize = 12;

/// What one step came to.
enum StepResult {
    Passed,
    Failed(Vec<Mismatch>),
}

/// Plays one scenario on `options.target`.
pub async fn play(
    scenario: &Scenario,
    capabilities: &Capabilities,
    options: &Options,
    out: &mut (dyn Write + Send),
) -> Report {
    let real_start = Instant::now();
    let mut report = Report {
        name: scenario.name.clone(),
        verdict: Verdict::Passed,
        pending: Vec::new(),
        target_time: Duration::ZERO,
        real_time: Duration::ZERO,
    };
    let _ = writeln!(
        out,
        "=== {} ({}) ===",
        scenario.name,
        scenario.path.display()
    );
    for line in scenario.description.lines() {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out);
    let missing = capabilities.missing_for(scenario);
    if !missing.is_empty() {
        let why = missing.join("; ");
        let _ = writeln!(out, "⊘ skipped: needs {why}");
        report.verdict = Verdict::Skipped(why);
        return report;
    }
    let region = options
        .region
        .clone()
        .unwrap_or_else(|| scenario.region.clone());
    let mut session = match Session::start(&options.target, &region).await {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(out, "✖ {e}");
            report.verdict = Verdict::Failed(e);
            return report;
        }
    };
    let mode = match &options.target {
        TargetSpec::Embedded if options.accept => snapshot::Mode::Accept,
        TargetSpec::Embedded if std::env::var("INSTA_UPDATE").as_deref() == Ok("always") => {
            snapshot::Mode::Accept
        }
        TargetSpec::Embedded => snapshot::Mode::Compare,
        other => snapshot::Mode::Ignore(format!(
            "snapshots hold the embedded emulator's output, not {other}'s"
        )),
    };
    let mut player = Player {
        snapshots: Snapshots::new(&scenario.path, &scenario.name, mode),
        vars: scenario.vars.clone(),
        ledger: Ledger::default(),
        region,
        out,
        session: &mut session,
        pending_notes: Vec::new(),
    };
    let verdict = player.play_all(scenario, options, &mut report).await;
    report.verdict = verdict;
    match &report.verdict {
        Verdict::Passed => {
            let _ = writeln!(out, "✔ {} passed", scenario.name);
        }
        Verdict::Failed(why) => {
            let _ = writeln!(out, "✖ {} failed: {why}", scenario.name);
        }
        Verdict::Skipped(_) => {}
    }
    report.real_time = real_start.elapsed();
    session.finish().await;
    report
}

struct Player<'a> {
    session: &'a mut Session,
    out: &'a mut (dyn Write + Send),
    snapshots: Snapshots,
    vars: BTreeMap<String, String>,
    ledger: Ledger,
    region: String,
    /// Pending expectations that did not hold (step, reason).
    pending_notes: Vec<(usize, String)>,
}

impl Player<'_> {
    fn say(&mut self, text: impl AsRef<str>) {
        let _ = writeln!(self.out, "{}", text.as_ref());
    }

    fn comment(&mut self, text: &str) {
        for line in text.lines() {
            self.say(format!("# {line}").trim_end());
        }
    }

    /// Output as shown and compared: the temporary directories written short.
    fn shown(&self, text: &str) -> String {
        let root = self.session.root().display().to_string();
        text.replace(&format!("{root}/work/"), "")
            .replace(&format!("{root}/work"), ".")
            .replace(&format!("{root}/home"), "~")
            .replace(&root, "$TMP")
    }

    async fn play_all(
        &mut self,
        scenario: &Scenario,
        options: &Options,
        report: &mut Report,
    ) -> Verdict {
        let clock_start = self.session.now().await;
        let mut verdict = Verdict::Passed;
        match self.prepare(scenario).await {
            Ok(()) => {
                let steps = self.play_steps(&scenario.steps, report);
                let result = if options.handle_interrupts {
                    tokio::select! {
                        r = steps => r,
                        _ = tokio::signal::ctrl_c() => Err(INTERRUPTED.to_owned()),
                    }
                } else {
                    steps.await
                };
                if let Err(why) = result {
                    verdict = Verdict::Failed(why);
                }
            }
            Err(why) => {
                self.say(format!("✖ {why}"));
                verdict = Verdict::Failed(why);
            }
        }
        if verdict == Verdict::Failed(INTERRUPTED.to_owned()) {
            self.say("");
            self.say("✖ interrupted: cleaning up (Ctrl-C again to abandon the cleanup)");
        }
        let cleanup = self.cleanup(scenario, report);
        let cleaned = if options.handle_interrupts {
            tokio::select! {
                r = cleanup => r,
                _ = tokio::signal::ctrl_c() => Err("the cleanup was interrupted".to_owned()),
            }
        } else {
            cleanup.await
        };
        let embedded = matches!(self.session.spec(), TargetSpec::Embedded);
        if !embedded && !self.ledger.created().is_empty() {
            self.say("! these may still exist (and cost money on AWS); delete them by hand:");
            let left: Vec<String> = self
                .ledger
                .created()
                .iter()
                .map(ToString::to_string)
                .collect();
            for r in left {
                self.say(format!("!   {r}"));
            }
        }
        if let Err(why) = cleaned {
            if verdict == Verdict::Passed {
                verdict = Verdict::Failed(why);
            }
        }
        report.target_time = self.session.now().await.saturating_sub(clock_start);
        report.pending.append(&mut self.pending_notes);
        verdict
    }

    async fn prepare(&mut self, scenario: &Scenario) -> Result<(), String> {
        self.vars.insert("region".into(), self.region.clone());
        let account = self
            .session
            .account()
            .await
            .map_err(|e| format!("cannot ask STS who the caller is: {e}"))?;
        self.vars.insert("account".into(), account);
        if !matches!(self.session.spec(), TargetSpec::Embedded) {
            let region = self.region.clone();
            let (clusters, stacks) = self
                .session
                .inventory(&region)
                .await
                .map_err(|e| format!("cannot list what exists before the scenario: {e}"))?;
            self.ledger = Ledger::new(&region, clusters, stacks);
        }
        for (name, content) in &scenario.files {
            let text = substitute(content, lookup(&self.vars))
                .map_err(|v| format!("files.{name}: ${{{v}}} has no value"))?;
            let path = self.session.work().join(name);
            std::fs::write(&path, text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        Ok(())
    }

    async fn play_steps(&mut self, steps: &[Step], report: &mut Report) -> Result<(), String> {
        for step in steps {
            match self.play_step(step).await {
                StepResult::Passed => {
                    if let Some(reason) = &step.pending {
                        self.say(format!(
                            "# note: step {} is marked pending ({reason}) but passed: remove the mark",
                            step.number
                        ));
                    }
                }
                StepResult::Failed(mismatches) => {
                    if let Some(reason) = &step.pending {
                        self.say(format!(
                            "⚠ step {} is pending ({reason}); it failed:",
                            step.number
                        ));
                        self.show_mismatches(&mismatches);
                        report.pending.push((step.number, reason.clone()));
                        continue;
                    }
                    self.say(format!("✖ step {} failed:", step.number));
                    self.show_mismatches(&mismatches);
                    let rest = steps.len() - step.number;
                    if rest > 0 {
                        self.say(format!("# the {rest} step(s) after it were not played"));
                    }
                    let first = mismatches
                        .first()
                        .map(|m| format!("{}: expected {}", m.what, one_line(&m.expected)))
                        .unwrap_or_default();
                    return Err(format!("step {}: {first}", step.number));
                }
            }
        }
        Ok(())
    }

    fn show_mismatches(&mut self, mismatches: &[Mismatch]) {
        for m in mismatches {
            self.say(format!("  {}", m.what));
            if let Some(diff) = &m.diff {
                self.say("    diff (- expected, + actual):");
                for line in diff.lines() {
                    self.say(format!("      {line}"));
                }
                continue;
            }
            self.say("    expected:");
            for line in m.expected.lines() {
                self.say(format!("      | {line}"));
            }
            self.say("    actual:");
            let lines = m.actual.lines().count();
            if m.actual.is_empty() {
                self.say("      (nothing)");
            } else if (lines > LONG_OUTPUT && m.what.starts_with("std"))
                || m.what.starts_with("snapshot")
            {
                self.say(format!("      (the {lines} line(s) above)"));
            } else {
                for line in m.actual.lines() {
                    self.say(format!("      | {line}"));
                }
            }
        }
    }

    async fn play_step(&mut self, step: &Step) -> StepResult {
        if let Some(comment) = &step.comment {
            let text = substitute(comment, lookup(&self.vars)).unwrap_or_else(|_| comment.clone());
            self.say("");
            self.comment(&text);
        }
        let fail = |what: &str, expected: String, actual: String| {
            StepResult::Failed(vec![Mismatch {
                what: what.to_owned(),
                expected,
                actual,
                diff: None,
            }])
        };
        match &step.action {
            Action::Comment => StepResult::Passed,
            Action::Advance(d) => {
                if self.session.clock_is_manual() {
                    self.say(format!("# advance the clock by {}", duration::format(*d)));
                } else {
                    self.say(format!("# wait {}", duration::format(*d)));
                }
                match self.session.advance(*d).await {
                    Ok(()) => StepResult::Passed,
                    Err(e) => fail("advance", "the clock to move".into(), e),
                }
            }
            Action::Admin(admin) => {
                let mut admin = admin.clone();
                let resolved = substitute(&admin.path, lookup(&self.vars)).and_then(|p| {
                    admin.path = p;
                    admin
                        .body
                        .as_ref()
                        .map(|b| substitute(&b.to_string(), lookup(&self.vars)))
                        .transpose()
                });
                match resolved {
                    Ok(body) => admin.body = body.and_then(|b| serde_json::from_str(&b).ok()),
                    Err(v) => return fail("admin", format!("a value for ${{{v}}}"), "none".into()),
                }
                let body = admin
                    .body
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                self.say(
                    format!("# admin {} /_emulator/{} {body}", admin.method, admin.path).trim_end(),
                );
                match self.session.admin(&admin).await {
                    Ok(r) => {
                        self.say(format!("#   {} {}", r.status, one_line(&r.body)));
                        let ok = admin
                            .status
                            .map_or((200..300).contains(&r.status), |s| s == r.status);
                        if ok {
                            StepResult::Passed
                        } else {
                            fail(
                                "admin status",
                                admin
                                    .status
                                    .map_or_else(|| "2xx".to_owned(), |s| s.to_string()),
                                format!("{} {}", r.status, r.body),
                            )
                        }
                    }
                    Err(e) => fail("admin", "an answer".into(), e),
                }
            }
            Action::Check(condition) => {
                let condition = match self.resolve_condition(condition) {
                    Ok(c) => c,
                    Err(v) => return fail("check", format!("a value for ${{{v}}}"), "none".into()),
                };
                let what = describe_condition(&condition);
                match self.session.observe(&condition).await {
                    Ok(seen) => {
                        self.say(format!("# check {what}: {}", seen.value));
                        if seen.holds {
                            StepResult::Passed
                        } else {
                            fail(
                                &format!("check {what}"),
                                want_text(&condition.want),
                                seen.value,
                            )
                        }
                    }
                    Err(e) => {
                        self.say(format!("# check {what}: {e}"));
                        fail(&format!("check {what}"), want_text(&condition.want), e)
                    }
                }
            }
            Action::WaitFor(wait) => {
                let condition = match self.resolve_condition(&wait.condition) {
                    Ok(c) => c,
                    Err(v) => {
                        return fail("wait_for", format!("a value for ${{{v}}}"), "none".into())
                    }
                };
                let what = describe_condition(&condition);
                // On a real clock faster than AWS, waits shrink with it.
                let speedup = self.session.speedup();
                let timeout = wait.timeout.div_f64(speedup);
                let every = wait.every.div_f64(speedup);
                if speedup > 1.0 {
                    self.say(format!(
                        "# wait for {what} (timeout {}, {} at this emulator's speed)",
                        duration::format(wait.timeout),
                        duration::format(timeout)
                    ));
                } else {
                    self.say(format!(
                        "# wait for {what} (timeout {})",
                        duration::format(timeout)
                    ));
                }
                let start = self.session.now().await;
                let mut last: String;
                loop {
                    let elapsed = self.session.now().await.saturating_sub(start);
                    match self.session.observe(&condition).await {
                        Ok(seen) if seen.holds => {
                            self.say(format!(
                                "#   {} after {}",
                                seen.value,
                                duration::format(elapsed)
                            ));
                            return StepResult::Passed;
                        }
                        Ok(seen) => last = seen.value,
                        Err(e) => last = e,
                    }
                    if elapsed >= timeout {
                        return fail(
                            &format!("wait for {what}"),
                            format!(
                                "{} within {}",
                                want_text(&condition.want),
                                duration::format(timeout)
                            ),
                            format!("still {last} after {}", duration::format(elapsed)),
                        );
                    }
                    let step = every.min(timeout - elapsed).mul_f64(speedup);
                    if let Err(e) = self
                        .session
                        .advance(step.max(Duration::from_millis(1)))
                        .await
                    {
                        return fail("wait_for", "the clock to move".into(), e);
                    }
                }
            }
            Action::Run(run) => self.play_run(step, run).await,
        }
    }

    fn resolve_condition(&self, c: &Condition) -> Result<Condition, String> {
        let s = |t: &String| substitute(t, lookup(&self.vars));
        let subject = match &c.subject {
            Subject::Cluster { region, name } => Subject::Cluster {
                region: s(region)?,
                name: s(name)?,
            },
            Subject::FargateProfile {
                region,
                cluster,
                name,
            } => Subject::FargateProfile {
                region: s(region)?,
                cluster: s(cluster)?,
                name: s(name)?,
            },
            Subject::Nodegroup {
                region,
                cluster,
                name,
            } => Subject::Nodegroup {
                region: s(region)?,
                cluster: s(cluster)?,
                name: s(name)?,
            },
            Subject::Stack { region, name } => Subject::Stack {
                region: s(region)?,
                name: s(name)?,
            },
            Subject::Pod { namespace, pod } => Subject::Pod {
                namespace: s(namespace)?,
                pod: match pod {
                    PodRef::Name(n) => PodRef::Name(s(n)?),
                    PodRef::Selector(l) => PodRef::Selector(s(l)?),
                },
            },
            Subject::Node { prefix } => Subject::Node { prefix: s(prefix)? },
        };
        let want = match &c.want {
            Want::Pod { phase, node_prefix } => Want::Pod {
                phase: phase.clone(),
                node_prefix: node_prefix.as_ref().map(s).transpose()?,
            },
            other => other.clone(),
        };
        Ok(Condition { subject, want })
    }

    async fn play_run(&mut self, step: &Step, run: &schema::Run) -> StepResult {
        let args: Result<Vec<String>, String> = run
            .args
            .iter()
            .map(|a| substitute(a, lookup(&self.vars)))
            .collect();
        let line = substitute(&run.line, lookup(&self.vars)).unwrap_or_else(|_| run.line.clone());
        self.say(format!("$ {line}"));
        let args = match args {
            Ok(a) => a,
            Err(v) => {
                return StepResult::Failed(vec![Mismatch {
                    what: "command line".into(),
                    expected: format!("a value for ${{{v}}}"),
                    actual: "none (the step that captures it did not run or found nothing)".into(),
                    diff: None,
                }])
            }
        };
        let outcome = match run.program {
            Program::Ekscli => self.session.ekscli(&args, step.number).await,
            program => self.session.subprocess(program, &args).await,
        };
        let region = self.region.clone();
        self.ledger
            .observe(run.program, &args, &outcome.stdout, &region);
        let stdout = self.shown(&outcome.stdout);
        let stderr = self.shown(&outcome.stderr);
        for text in [&stdout, &stderr] {
            if !text.is_empty() {
                let _ = write!(self.out, "{text}");
                if !text.ends_with('\n') {
                    let _ = writeln!(self.out);
                }
            }
        }
        let mut notes = Vec::new();
        if outcome.code != 0 {
            notes.push(format!("exit status {}", outcome.code));
        }
        if outcome.took >= Duration::from_secs(1) {
            notes.push(format!("took {}", duration::format(outcome.took)));
        }
        if !notes.is_empty() {
            self.say(format!("# {}", notes.join(", ")));
        }

        let mut mismatches = Vec::new();
        mismatches.extend(expect::check_exit(run.expect.exit, outcome.code));
        for (name, expectation, text) in [
            ("stdout", &run.expect.stdout, &stdout),
            ("stderr", &run.expect.stderr, &stderr),
        ] {
            let resolved = match expect::resolve(expectation, &lookup(&self.vars)) {
                Ok(r) => r,
                Err(v) => {
                    mismatches.push(Mismatch {
                        what: format!("{name} expectation"),
                        expected: format!("a value for ${{{v}}}"),
                        actual: "none".into(),
                        diff: None,
                    });
                    continue;
                }
            };
            mismatches.extend(expect::check_text(name, &resolved, text));
            if let Some((reason, pending)) = &resolved.pending {
                let found = expect::check_text(name, pending, text);
                if found.is_empty() {
                    self.say(format!(
                        "# note: the pending {name} expectations ({reason}) hold now: make them plain"
                    ));
                } else {
                    self.say(format!(
                        "⚠ step {}: pending {name} expectations ({reason}) do not hold yet:",
                        step.number
                    ));
                    for m in &found {
                        if m.expected.lines().count() > 1 {
                            self.say(format!("    {}:", m.what));
                            for line in m.expected.lines() {
                                self.say(format!("      | {line}"));
                            }
                        } else {
                            self.say(format!("    {}: {}", m.what, m.expected));
                        }
                    }
                    self.pending_notes.push((step.number, reason.clone()));
                }
            }
            if let Some(snap) = &resolved.snapshot {
                let normalized = normalize_for_snapshot(text);
                match self.snapshots.check(snap, &line, &normalized) {
                    Ok(snapshot::Outcome::Written(path)) => {
                        self.say(format!("# recorded snapshot {}", path.display()));
                    }
                    Ok(snapshot::Outcome::Matched | snapshot::Outcome::Ignored(_)) => {}
                    Err(m) => mismatches.push(m),
                }
            }
        }
        let took = run.expect.took;
        if took != schema::Took::default() && self.session.speedup() > 1.0 {
            self.say("# (time taken not checked: this emulator's clock runs faster than AWS in real time)");
        } else {
            mismatches.extend(expect::check_took(took, outcome.took));
        }
        if mismatches.is_empty() {
            let captured = expect::capture(&run.captures, &lookup(&self.vars), &stdout, &stderr);
            match captured {
                Ok(values) => {
                    for (name, value) in values {
                        self.vars.insert(name, value);
                    }
                }
                Err(m) => mismatches.push(m),
            }
        }
        if mismatches.is_empty() {
            StepResult::Passed
        } else {
            StepResult::Failed(mismatches)
        }
    }

    /// The cleanup steps, then (on a target that outlives the run) whatever is left of what the
    /// scenario created.
    async fn cleanup(&mut self, scenario: &Scenario, _report: &mut Report) -> Result<(), String> {
        let mut first_failure: Option<String> = None;
        if !scenario.cleanup.is_empty() {
            self.say("# cleanup");
        }
        for step in &scenario.cleanup {
            if let Action::Run(run) = &step.action {
                let unset: Vec<String> = schema::vars_in(&run.line)
                    .into_iter()
                    .filter(|v| !self.vars.contains_key(v))
                    .collect();
                if let Some(v) = unset.first() {
                    self.say(format!("# skipped `{}`: ${{{v}}} has no value", run.line));
                    continue;
                }
            }
            if let StepResult::Failed(m) = self.play_step(step).await {
                self.say(format!("✖ cleanup step {} failed:", step.number));
                self.show_mismatches(&m);
                first_failure.get_or_insert_with(|| format!("cleanup step {} failed", step.number));
            }
        }
        if matches!(self.session.spec(), TargetSpec::Embedded) {
            return first_failure.map_or(Ok(()), Err);
        }
        let created: Vec<Resource> = self.ledger.created().to_vec();
        let mut announced = false;
        for resource in created.iter().rev() {
            match self.still_exists(resource).await {
                Ok(false) => {
                    self.ledger.forget(resource);
                    continue;
                }
                Ok(true) => {}
                Err(e) => self.say(format!("# cannot tell whether {resource} exists: {e}")),
            }
            if !announced {
                self.say("# deleting what this scenario created and left behind");
                announced = true;
            }
            match self.delete(resource).await {
                Ok(()) => self.ledger.forget(resource),
                Err(e) => {
                    self.say(format!("✖ could not delete {resource}: {e}"));
                    first_failure.get_or_insert_with(|| format!("could not delete {resource}"));
                }
            }
        }
        first_failure.map_or(Ok(()), Err)
    }

    /// Deletes one resource and waits until it is gone. Dependents come first: the ledger is
    /// walked from the newest.
    async fn delete(&mut self, resource: &Resource) -> Result<(), String> {
        let timeout = Duration::from_secs(45 * 60);
        let subject = subject_of(resource);
        match resource {
            Resource::Cluster { region, name } => {
                let args: Vec<String> = [
                    "delete", "cluster", "--name", name, "--region", region, "--wait",
                ]
                .iter()
                .map(|s| (*s).to_owned())
                .collect();
                self.say(format!("$ ekscli {}", args.join(" ")));
                let out = self.session.ekscli(&args, 0).await;
                let shown = format!("{}{}", self.shown(&out.stdout), self.shown(&out.stderr));
                let _ = write!(self.out, "{shown}");
                if out.code != 0 {
                    return Err(format!("ekscli delete cluster exited {}", out.code));
                }
            }
            Resource::Stack { region, name } => {
                self.say(format!("# delete stack {name:?}"));
                self.session.delete_stack(region, name).await?;
            }
            Resource::FargateProfile {
                region,
                cluster,
                name,
            } => {
                let status = self
                    .session
                    .status(subject.as_ref().expect("a subject"))
                    .await?;
                if status != "DELETING" {
                    self.say(format!("# delete Fargate profile {name:?} of {cluster:?}"));
                    self.session.delete_profile(region, cluster, name).await?;
                }
            }
            Resource::Nodegroup {
                region,
                cluster,
                name,
            } => {
                let status = self
                    .session
                    .status(subject.as_ref().expect("a subject"))
                    .await?;
                if status != "DELETING" {
                    self.say(format!("# delete nodegroup {name:?} of {cluster:?}"));
                    self.session.delete_nodegroup(region, cluster, name).await?;
                }
            }
            Resource::Role { name } => {
                self.say(format!("# delete IAM role {name:?}"));
                return self.session.delete_role(name).await;
            }
        }
        match subject {
            Some(subject) => self.wait_gone(&subject, timeout).await,
            None => Ok(()),
        }
    }

    async fn still_exists(&mut self, resource: &Resource) -> Result<bool, String> {
        match (resource, subject_of(resource)) {
            (Resource::Role { name }, _) => self.session.role_exists(name).await,
            (_, Some(subject)) => Ok(self
                .session
                .status(&subject)
                .await
                .map(|s| s != GONE && s != "DELETE_COMPLETE")?),
            (_, None) => Ok(true),
        }
    }

    async fn wait_gone(&mut self, subject: &Subject, timeout: Duration) -> Result<(), String> {
        let start = self.session.now().await;
        loop {
            let status = self.session.status(subject).await?;
            if status == GONE || status == "DELETE_COMPLETE" {
                return Ok(());
            }
            if status.ends_with("FAILED") {
                return Err(format!("{subject:?} is {status}"));
            }
            if self.session.now().await.saturating_sub(start) > timeout {
                return Err(format!(
                    "{subject:?} still {status} after {}",
                    duration::format(timeout)
                ));
            }
            self.session.advance(Duration::from_secs(15)).await?;
        }
    }
}

/// The condition subject whose status tells whether `resource` still exists.
fn subject_of(resource: &Resource) -> Option<Subject> {
    Some(match resource {
        Resource::Cluster { region, name } => Subject::Cluster {
            region: region.clone(),
            name: name.clone(),
        },
        Resource::Stack { region, name } => Subject::Stack {
            region: region.clone(),
            name: name.clone(),
        },
        Resource::FargateProfile {
            region,
            cluster,
            name,
        } => Subject::FargateProfile {
            region: region.clone(),
            cluster: cluster.clone(),
            name: name.clone(),
        },
        Resource::Nodegroup {
            region,
            cluster,
            name,
        } => Subject::Nodegroup {
            region: region.clone(),
            cluster: cluster.clone(),
            name: name.clone(),
        },
        Resource::Role { .. } => return None,
    })
}

/// What a snapshot stores: the text with the emulator's port hidden (it is picked at random).
fn normalize_for_snapshot(text: &str) -> String {
    let re = regex::Regex::new(r"(127\.0\.0\.1|localhost):\d+").expect("a valid regex");
    re.replace_all(text, "$1:[PORT]").into_owned()
}

/// Variable values by name.
fn lookup(vars: &BTreeMap<String, String>) -> impl Fn(&str) -> Option<String> + '_ {
    |name: &str| vars.get(name).cloned()
}

fn one_line(text: &str) -> String {
    let first = text.lines().next().unwrap_or_default();
    if text.lines().count() > 1 {
        format!("{first} …")
    } else {
        first.to_owned()
    }
}

fn describe_condition(c: &Condition) -> String {
    let subject = match &c.subject {
        Subject::Cluster { name, .. } => format!("cluster {name:?}"),
        Subject::FargateProfile { cluster, name, .. } => {
            format!("Fargate profile {name:?} of cluster {cluster:?}")
        }
        Subject::Nodegroup { cluster, name, .. } => {
            format!("nodegroup {name:?} of cluster {cluster:?}")
        }
        Subject::Stack { name, .. } => format!("stack {name:?}"),
        Subject::Pod {
            namespace,
            pod: PodRef::Name(name),
        } => format!("pod {namespace}/{name}"),
        Subject::Pod {
            namespace,
            pod: PodRef::Selector(selector),
        } => {
            format!("the pods {selector} in {namespace}")
        }
        Subject::Node { prefix } => format!("a Ready node {prefix}…"),
    };
    match &c.want {
        Want::NodeReady => subject,
        want => format!("{subject} to be {}", want_text(want)),
    }
}

fn want_text(want: &Want) -> String {
    match want {
        Want::Status(s) => s.clone(),
        Want::Pod {
            phase,
            node_prefix: Some(p),
        } => format!("{phase} on {p}…"),
        Want::Pod {
            phase,
            node_prefix: None,
        } => phase.clone(),
        Want::NodeReady => "Ready".into(),
    }
}

/// The scenarios directory next to the crate (`cargo run -p eks-scenarios -- run` without a path
/// from anywhere in the workspace).
#[must_use]
pub fn default_dir() -> PathBuf {
    let here = Path::new("scenarios");
    if here.is_dir() {
        here.to_owned()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line() {
        let report = |verdict| Report {
            name: "x".into(),
            verdict,
            pending: vec![],
            target_time: Duration::ZERO,
            real_time: Duration::ZERO,
        };
        let mut s = Summary::default();
        s.reports.push(report(Verdict::Passed));
        s.reports.push(report(Verdict::Passed));
        s.reports.push(report(Verdict::Failed("x".into())));
        assert_eq!(s.line(), "2 passed, 1 failed");
        s.reports.push(report(Verdict::Skipped("y".into())));
        assert_eq!(s.line(), "2 passed, 1 failed, 1 skipped");
    }

    #[test]
    fn ports_are_hidden_in_snapshots() {
        assert_eq!(
            normalize_for_snapshot("server: https://127.0.0.1:40123/k8s/r/c\nhttp://localhost:9/x"),
            "server: https://127.0.0.1:[PORT]/k8s/r/c\nhttp://localhost:[PORT]/x"
        );
    }
}
