//! Scenario files: the raw shape serde reads (strict: every struct denies unknown fields, and errors
//! carry the path to the offending key, `steps[3].stdout.contain`) and the validated shape the
//! runner plays (ripgrep's LowArgs → HiArgs split). Validation checks everything that can be
//! checked without a target: one action per step, known programs, durations, statuses, regexes,
//! fixture names, and that every `${var}` is defined before it is used. Nothing here runs anything.
//!
//! ```yaml
//! name: fargate-profiles            # must equal the file's stem
//! description: what it rehearses, and how eksctl differs today
//! region: ap-northeast-1            # default; `${region}` in commands and files
//! requires: [ec2-iam, fargate-profiles]
//! vars: {cluster: fargate-example-cluster}   # `${cluster}` anywhere below; `$${` is a literal `${`
//! files: {cluster.yaml: "apiVersion: …"}   # written to the work dir, usable as `-f cluster.yaml`
//! steps:
//!   - ekscli get fargateprofile --cluster ${cluster}        # a plain command must exit 0
//!   - run: ekscli create fargateprofile --namespace dev --cluster ${cluster}
//!     comment: printed as `# …` before the command
//!     exit: 0                       # or 1, nonzero, any
//!     stdout: {contains: [...], not_contains: [...], matches: [...], equals: "…", snapshot: name, empty: true}
//!     stderr: {…}
//!     capture: {profile: 'creating Fargate profile "([^"]+)"'}
//!     took: {at_least: 1m, at_most: 5m}
//!     pending: why this step is allowed to fail for now
//!   - advance: 3m
//!   - wait_for: {fargate_profile: {cluster: c, name: p}, status: ACTIVE, timeout: 10m, every: 10s}
//!   - check: {pod: {namespace: dev, name: nginx}, phase: Running, node_prefix: fargate-ip-}
//!   - admin: {method: PUT, path: eks/clusters/r/c/platform-version, body: {…}}
//! cleanup: [ … steps run even after a failure … ]
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::duration;

/// The region a scenario runs in unless it names one (the seed page's).
pub const DEFAULT_REGION: &str = "ap-northeast-1";

/// How often a `wait_for` looks unless it says.
pub const DEFAULT_EVERY: Duration = Duration::from_secs(10);

/// Variables every scenario has.
pub const BUILTIN_VARS: &[&str] = &["region", "account"];

// ---------------------------------------------------------------------------------------------
// Raw: what serde reads.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    description: String,
    #[serde(default)]
    requires: Vec<Capability>,
    region: Option<String>,
    #[serde(default)]
    vars: BTreeMap<String, String>,
    #[serde(default)]
    files: BTreeMap<String, String>,
    steps: Vec<RawStep>,
    #[serde(default)]
    cleanup: Vec<RawStep>,
}

/// A step: a bare command line, or a map.
#[derive(Debug, Default)]
struct RawStep(RawStepMap);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStepMap {
    comment: Option<String>,
    run: Option<String>,
    advance: Option<String>,
    wait_for: Option<RawCondition>,
    check: Option<RawCondition>,
    admin: Option<RawAdmin>,
    exit: Option<RawExit>,
    stdout: Option<RawText>,
    stderr: Option<RawText>,
    #[serde(default)]
    capture: BTreeMap<String, String>,
    took: Option<RawTook>,
    pending: Option<String>,
}

impl<'de> Deserialize<'de> for RawStep {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StepVisitor;
        impl<'de> Visitor<'de> for StepVisitor {
            type Value = RawStep;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a command line or a step map (run, advance, wait_for, check, admin)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawStep, E> {
                Ok(RawStep(RawStepMap {
                    run: Some(v.to_owned()),
                    ..RawStepMap::default()
                }))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawStep, A::Error> {
                RawStepMap::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawStep)
            }
        }
        deserializer.deserialize_any(StepVisitor)
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawExit {
    Code(i32),
    Word(String),
}

/// One string or a list of them.
#[derive(Debug, Default)]
struct OneOrMany(Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v.to_owned()]))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut all = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    all.push(s);
                }
                Ok(OneOrMany(all))
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawText {
    #[serde(default)]
    contains: OneOrMany,
    #[serde(default)]
    not_contains: OneOrMany,
    #[serde(default)]
    matches: OneOrMany,
    equals: Option<String>,
    snapshot: Option<String>,
    empty: Option<bool>,
    pending: Option<RawPendingText>,
}

/// Expectations allowed to fail for now, and why.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPendingText {
    reason: String,
    #[serde(default)]
    contains: OneOrMany,
    #[serde(default)]
    not_contains: OneOrMany,
    #[serde(default)]
    matches: OneOrMany,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTook {
    at_least: Option<String>,
    at_most: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    cluster: Option<RawRef>,
    fargate_profile: Option<RawRef>,
    nodegroup: Option<RawRef>,
    stack: Option<RawRef>,
    pod: Option<RawPodRef>,
    node: Option<RawNodeRef>,
    status: Option<String>,
    phase: Option<String>,
    node_prefix: Option<String>,
    timeout: Option<String>,
    every: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRef {
    name: String,
    cluster: Option<String>,
    region: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPodRef {
    namespace: String,
    name: Option<String>,
    selector: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNodeRef {
    prefix: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAdmin {
    method: String,
    path: String,
    body: Option<serde_json::Value>,
    status: Option<u16>,
}

// ---------------------------------------------------------------------------------------------
// Validated: what the runner plays.
// ---------------------------------------------------------------------------------------------

/// What a scenario needs from its target beyond EKS clusters, STS and CloudFormation. The runner
/// probes the target for each and skips (with the reason) scenarios whose needs are not met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// IAM and the EC2 networking subset, and CloudFormation resources of those types (what
    /// `create cluster` deploys).
    Ec2Iam,
    /// EKS Fargate profile operations.
    FargateProfiles,
    /// EKS managed nodegroups (the EKS API), whose instances join their cluster as nodes.
    Nodegroups,
    /// Unmanaged nodegroups (`nodeGroups` in a config file): CloudFormation Auto Scaling groups,
    /// launch templates and instance profiles.
    UnmanagedNodegroups,
    /// Each cluster's Kubernetes API (kubectl).
    KubernetesApi,
    /// Clusters from before Fargate: the admin route that sets a cluster's platform version.
    LegacyClusters,
}

impl Capability {
    /// Every capability, in order.
    pub const ALL: [Self; 6] = [
        Self::Ec2Iam,
        Self::FargateProfiles,
        Self::Nodegroups,
        Self::UnmanagedNodegroups,
        Self::KubernetesApi,
        Self::LegacyClusters,
    ];

    /// The name scenario files use.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Ec2Iam => "ec2-iam",
            Self::FargateProfiles => "fargate-profiles",
            Self::Nodegroups => "nodegroups",
            Self::UnmanagedNodegroups => "unmanaged-nodegroups",
            Self::KubernetesApi => "kubernetes-api",
            Self::LegacyClusters => "legacy-clusters",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A parsed, validated scenario file.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file it came from.
    pub path: PathBuf,
    /// Its name (the file's stem).
    pub name: String,
    /// What it rehearses and how eksctl differs.
    pub description: String,
    /// The region of `${region}` and of every command without one.
    pub region: String,
    /// What the target must offer.
    pub requires: Vec<Capability>,
    /// Its own variables.
    pub vars: BTreeMap<String, String>,
    /// Fixture files (name, content), written to the work directory before the first step.
    pub files: Vec<(String, String)>,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// Steps run after the others whatever happened (each is tried; failures are reported).
    pub cleanup: Vec<Step>,
}

impl Scenario {
    /// The programs its commands run.
    #[must_use]
    pub fn programs(&self) -> BTreeSet<Program> {
        self.steps
            .iter()
            .chain(&self.cleanup)
            .filter_map(|s| match &s.action {
                Action::Run(run) => Some(run.program),
                _ => None,
            })
            .collect()
    }

    /// Whether it talks to the emulator's admin API (so it cannot run against real AWS).
    #[must_use]
    pub fn uses_admin(&self) -> bool {
        self.steps
            .iter()
            .chain(&self.cleanup)
            .any(|s| matches!(s.action, Action::Admin(_)))
    }
}

/// One step.
#[derive(Debug, Clone)]
pub struct Step {
    /// 1-based position in `steps` (or in `cleanup`).
    pub number: usize,
    /// Prose printed before it (`# …`).
    pub comment: Option<String>,
    /// What it does.
    pub action: Action,
    /// Why it may fail for now: a failure is reported as pending, not as a failure (any step but
    /// a comment).
    pub pending: Option<String>,
}

/// What a step does.
#[derive(Debug, Clone)]
pub enum Action {
    /// Nothing but its comment.
    Comment,
    /// Runs a command line.
    Run(Box<Run>),
    /// Moves the target's clock (or waits, on a target whose clock cannot be moved).
    Advance(Duration),
    /// Waits (advancing the clock, or polling) until a condition holds.
    WaitFor(Wait),
    /// Checks a condition once.
    Check(Condition),
    /// Calls the emulator's admin API.
    Admin(Admin),
}

/// The programs a step may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Program {
    /// ekscli, in-process.
    Ekscli,
    /// kubectl, as a subprocess.
    Kubectl,
    /// The aws CLI, as a subprocess.
    Aws,
}

impl Program {
    /// Its name on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Ekscli => "ekscli",
            Self::Kubectl => "kubectl",
            Self::Aws => "aws",
        }
    }
}

/// A command step.
#[derive(Debug, Clone)]
pub struct Run {
    /// Which program.
    pub program: Program,
    /// The line as written.
    pub line: String,
    /// The words after the program (still holding `${var}`s, substituted when run).
    pub args: Vec<String>,
    /// What must hold afterwards.
    pub expect: Expect,
    /// Variables to set from the output: name and a regex whose first group is the value.
    pub captures: Vec<(String, String)>,
}

/// Expectations on a command's outcome.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// The exit code.
    pub exit: ExitExpectation,
    /// Standard output.
    pub stdout: TextExpect,
    /// Standard error.
    pub stderr: TextExpect,
    /// How long it may take (on the target's clock).
    pub took: Took,
}

/// The exit code a command must end with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExitExpectation {
    /// Exactly this code (0 unless the step says).
    Code(i32),
    /// Anything but 0.
    NonZero,
    /// Whatever.
    #[default]
    Any,
}

/// Expectations on one output stream. All given ones must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextExpect {
    /// Substrings it must contain.
    pub contains: Vec<String>,
    /// Substrings it must not contain.
    pub not_contains: Vec<String>,
    /// Regexes (multi-line: `^`/`$` match at lines) it must match.
    pub matches: Vec<String>,
    /// The whole text, exactly.
    pub equals: Option<String>,
    /// The name of a snapshot the whole text must equal (on the embedded target only).
    pub snapshot: Option<String>,
    /// It must be empty.
    pub empty: bool,
    /// Expectations allowed to fail for now: why, and what (no snapshot, equals or empty).
    pub pending: Option<(String, Box<TextExpect>)>,
}

impl TextExpect {
    /// Whether nothing is expected.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Bounds on how long a command takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Took {
    /// At least this long.
    pub at_least: Option<Duration>,
    /// At most this long.
    pub at_most: Option<Duration>,
}

/// A `wait_for` step.
#[derive(Debug, Clone)]
pub struct Wait {
    /// What to wait for.
    pub condition: Condition,
    /// How long at most (on the target's clock).
    pub timeout: Duration,
    /// How far to advance the clock (or how long to sleep) between looks.
    pub every: Duration,
}

/// Something observable about the target, and the value wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// What is looked at.
    pub subject: Subject,
    /// What it must show.
    pub want: Want,
}

/// What a condition looks at. Names may hold `${var}`s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// An EKS cluster.
    Cluster { region: String, name: String },
    /// A Fargate profile.
    FargateProfile {
        region: String,
        cluster: String,
        name: String,
    },
    /// A nodegroup.
    Nodegroup {
        region: String,
        cluster: String,
        name: String,
    },
    /// A CloudFormation stack.
    Stack { region: String, name: String },
    /// A pod by name, or every pod a label selector picks (at least one), through the current
    /// kubeconfig context.
    Pod { namespace: String, pod: PodRef },
    /// Some Ready node whose name starts with a prefix, through the current kubeconfig context.
    Node { prefix: String },
}

/// Which pods a condition looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodRef {
    /// The pod of this name.
    Name(String),
    /// Every pod this label selector picks (`k=v,k2=v2`).
    Selector(String),
}

/// The value a condition wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    /// A status (`ACTIVE`, `CREATE_COMPLETE`…), or [`GONE`].
    Status(String),
    /// A pod phase (or [`GONE`]), and optionally the start of its node's name.
    Pod {
        phase: String,
        node_prefix: Option<String>,
    },
    /// A Ready node exists.
    NodeReady,
}

/// The status of something that does not exist (any more).
pub const GONE: &str = "gone";

/// An admin API call.
#[derive(Debug, Clone)]
pub struct Admin {
    /// The HTTP method.
    pub method: http::Method,
    /// The path under `/_emulator/`.
    pub path: String,
    /// The JSON body.
    pub body: Option<serde_json::Value>,
    /// The status wanted (any 2xx if not given).
    pub status: Option<u16>,
}

// ---------------------------------------------------------------------------------------------
// Errors.
// ---------------------------------------------------------------------------------------------

/// Why a scenario file was refused: the file, the path inside it, where (if known), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The file.
    pub file: PathBuf,
    /// The path of the offending value (`steps[3].stdout`), empty for the whole file.
    pub at: String,
    /// Line and column, when the YAML parser knows them.
    pub location: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, column)) = self.location {
            write!(f, ":{line}:{column}")?;
        }
        if !self.at.is_empty() {
            write!(f, ": {}", self.at)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for SchemaError {}

// ---------------------------------------------------------------------------------------------
// Parsing and validation.
// ---------------------------------------------------------------------------------------------

/// Reads and validates a scenario file.
///
/// # Errors
/// The file cannot be read, or what [`parse`] says.
pub fn load(path: &Path) -> Result<Scenario, SchemaError> {
    let text = std::fs::read_to_string(path).map_err(|e| SchemaError {
        file: path.to_owned(),
        at: String::new(),
        location: None,
        message: format!("cannot read: {e}"),
    })?;
    parse(&text, path)
}

/// Parses and validates a scenario file's text (`path` names it in errors and gives the name the
/// scenario must have).
///
/// # Errors
/// The first problem found, with its path.
pub fn parse(text: &str, path: &Path) -> Result<Scenario, SchemaError> {
    let deserializer = yaml_serde::Deserializer::from_str(text);
    let raw: RawScenario = serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let at = e.path().to_string();
        let inner = e.into_inner();
        let location = inner.location().map(|l| (l.line(), l.column()));
        let message = strip_path(&strip_location(&inner.to_string()), &at);
        SchemaError {
            file: path.to_owned(),
            at: if at == "." { String::new() } else { at },
            location,
            message,
        }
    })?;
    Validator { file: path }.scenario(raw)
}

/// yaml_serde starts some messages with the path of the map holding the culprit; the path is
/// printed apart.
fn strip_path(message: &str, at: &str) -> String {
    match message.split_once(": ") {
        Some((head, rest)) if !head.contains(' ') && at.starts_with(head) => rest.to_owned(),
        _ => message.to_owned(),
    }
}

/// yaml_serde appends ` at line L column C` to its messages; the location is printed apart.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

struct Validator<'a> {
    file: &'a Path,
}

impl Validator<'_> {
    fn err(&self, at: impl Into<String>, message: impl Into<String>) -> SchemaError {
        SchemaError {
            file: self.file.to_owned(),
            at: at.into(),
            location: None,
            message: message.into(),
        }
    }

    fn scenario(&self, raw: RawScenario) -> Result<Scenario, SchemaError> {
        let stem = self
            .file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if !is_slug(&raw.name) {
            return Err(self.err(
                "name",
                format!(
                    "{:?} is not a name: use lowercase letters, digits and dashes",
                    raw.name
                ),
            ));
        }
        if raw.name != stem {
            return Err(self.err(
                "name",
                format!(
                    "{:?} must equal the file's name without .yaml ({stem:?})",
                    raw.name
                ),
            ));
        }
        if raw.description.trim().is_empty() {
            return Err(self.err("description", "must say what the scenario rehearses"));
        }
        let region = raw.region.unwrap_or_else(|| DEFAULT_REGION.to_owned());
        if region.is_empty() {
            return Err(self.err("region", "must not be empty"));
        }
        let mut requires = raw.requires;
        let before = requires.len();
        requires.sort_unstable();
        requires.dedup();
        if requires.len() != before {
            return Err(self.err("requires", "names a capability twice"));
        }

        let mut defined: BTreeSet<String> = BUILTIN_VARS.iter().map(|s| (*s).to_owned()).collect();
        for (name, value) in &raw.vars {
            let at = format!("vars.{name}");
            if !is_var_name(name) {
                return Err(self.err(
                    at,
                    "is not a variable name: use lowercase letters, digits and _",
                ));
            }
            if BUILTIN_VARS.contains(&name.as_str()) {
                return Err(self.err(at, "is set by the runner and cannot be redefined"));
            }
            self.check_vars(&at, value, &defined)?;
        }
        defined.extend(raw.vars.keys().cloned());

        let mut files = Vec::new();
        for (name, content) in raw.files {
            let at = format!("files.{name}");
            if !is_file_name(&name) {
                return Err(self.err(
                    at,
                    "is not a plain file name (letters, digits, '.', '_', '-'; no '/' or leading '.')",
                ));
            }
            self.check_vars(&at, &content, &defined)?;
            files.push((name, content));
        }

        if raw.steps.is_empty() {
            return Err(self.err("steps", "a scenario needs at least one step"));
        }
        let mut steps = Vec::new();
        for (i, raw_step) in raw.steps.into_iter().enumerate() {
            let at = format!("steps[{i}]");
            let step = self.step(&at, i + 1, raw_step.0, &region, &defined)?;
            if let Action::Run(run) = &step.action {
                defined.extend(run.captures.iter().map(|(n, _)| n.clone()));
            }
            steps.push(step);
        }
        let mut cleanup = Vec::new();
        for (i, raw_step) in raw.cleanup.into_iter().enumerate() {
            let at = format!("cleanup[{i}]");
            let step = self.step(&at, i + 1, raw_step.0, &region, &defined)?;
            if let Action::Run(run) = &step.action {
                if !run.captures.is_empty() {
                    return Err(self.err(format!("{at}.capture"), "cleanup steps capture nothing"));
                }
            }
            cleanup.push(step);
        }

        let mut snapshot_names = BTreeSet::new();
        for step in steps.iter().chain(&cleanup) {
            if let Action::Run(run) = &step.action {
                for name in [&run.expect.stdout.snapshot, &run.expect.stderr.snapshot]
                    .into_iter()
                    .flatten()
                {
                    if !snapshot_names.insert(name.clone()) {
                        return Err(self.err(
                            format!("steps[{}]", step.number - 1),
                            format!("snapshot {name:?} is used twice in this file"),
                        ));
                    }
                }
            }
        }

        Ok(Scenario {
            path: self.file.to_owned(),
            name: raw.name,
            description: raw.description.trim().to_owned(),
            region,
            requires,
            vars: raw.vars,
            files,
            steps,
            cleanup,
        })
    }

    fn step(
        &self,
        at: &str,
        number: usize,
        raw: RawStepMap,
        region: &str,
        defined: &BTreeSet<String>,
    ) -> Result<Step, SchemaError> {
        let actions: Vec<&str> = [
            ("run", raw.run.is_some()),
            ("advance", raw.advance.is_some()),
            ("wait_for", raw.wait_for.is_some()),
            ("check", raw.check.is_some()),
            ("admin", raw.admin.is_some()),
        ]
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(name, _)| name)
        .collect();
        if actions.len() > 1 {
            return Err(self.err(
                at,
                format!(
                    "a step does one thing, this one has {}",
                    actions.join(" and ")
                ),
            ));
        }
        let is_run = raw.run.is_some();
        let run_only: [(&str, bool); 5] = [
            ("exit", raw.exit.is_some()),
            ("stdout", raw.stdout.is_some()),
            ("stderr", raw.stderr.is_some()),
            ("capture", !raw.capture.is_empty()),
            ("took", raw.took.is_some()),
        ];
        if !is_run {
            if let Some((field, _)) = run_only.iter().find(|(_, set)| *set) {
                return Err(self.err(
                    format!("{at}.{field}"),
                    "only a command step (run) has expectations",
                ));
            }
        }
        if let Some(comment) = &raw.comment {
            self.check_vars(&format!("{at}.comment"), comment, defined)?;
        }
        let action = if let Some(line) = raw.run {
            Action::Run(Box::new(self.run(
                at,
                &line,
                raw.exit,
                raw.stdout,
                raw.stderr,
                raw.capture,
                raw.took,
                defined,
            )?))
        } else if let Some(text) = raw.advance {
            Action::Advance(
                duration::parse(&text).map_err(|e| self.err(format!("{at}.advance"), e))?,
            )
        } else if let Some(cond) = raw.wait_for {
            let at = format!("{at}.wait_for");
            let timeout = cond
                .timeout
                .as_deref()
                .ok_or_else(|| self.err(&at, "needs a timeout (e.g. timeout: 10m)"))
                .and_then(|t| {
                    duration::parse(t).map_err(|e| self.err(format!("{at}.timeout"), e))
                })?;
            let every = match cond.every.as_deref() {
                Some(e) => duration::parse(e).map_err(|m| self.err(format!("{at}.every"), m))?,
                None => DEFAULT_EVERY,
            };
            if every.is_zero() {
                return Err(self.err(format!("{at}.every"), "must be more than 0s"));
            }
            let condition = self.condition(&at, cond, region, defined)?;
            Action::WaitFor(Wait {
                condition,
                timeout,
                every,
            })
        } else if let Some(cond) = raw.check {
            let at = format!("{at}.check");
            for (field, set) in [
                ("timeout", cond.timeout.is_some()),
                ("every", cond.every.is_some()),
            ] {
                if set {
                    return Err(self.err(
                        format!("{at}.{field}"),
                        "a check looks once; use wait_for to wait",
                    ));
                }
            }
            Action::Check(self.condition(&at, cond, region, defined)?)
        } else if let Some(admin) = raw.admin {
            Action::Admin(self.admin(&format!("{at}.admin"), admin, defined)?)
        } else if raw.comment.is_some() {
            if raw.pending.is_some() {
                return Err(self.err(format!("{at}.pending"), "a comment cannot fail"));
            }
            Action::Comment
        } else {
            return Err(self.err(
                at,
                "a step needs one of run, advance, wait_for, check, admin (or at least a comment)",
            ));
        };
        Ok(Step {
            number,
            comment: raw.comment.map(|c| c.trim_end().to_owned()),
            action,
            pending: raw.pending,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        at: &str,
        line: &str,
        exit: Option<RawExit>,
        stdout: Option<RawText>,
        stderr: Option<RawText>,
        capture: BTreeMap<String, String>,
        took: Option<RawTook>,
        defined: &BTreeSet<String>,
    ) -> Result<Run, SchemaError> {
        let run_at = format!("{at}.run");
        let words = shlex::split(line)
            .ok_or_else(|| self.err(&run_at, "unbalanced quotes or a trailing backslash"))?;
        let Some((first, args)) = words.split_first() else {
            return Err(self.err(&run_at, "an empty command line"));
        };
        let program = match first.as_str() {
            "ekscli" => Program::Ekscli,
            "kubectl" => Program::Kubectl,
            "aws" => Program::Aws,
            "eksctl" => {
                return Err(self.err(
                    &run_at,
                    "scenarios run ekscli, the eksctl-compatible client: write `ekscli …`",
                ))
            }
            other => {
                return Err(self.err(
                    &run_at,
                    format!("runs {other:?}; a step runs ekscli, kubectl or aws (no shell)"),
                ))
            }
        };
        self.check_vars(&run_at, line, defined)?;
        let exit = match exit {
            None => ExitExpectation::Code(0),
            Some(RawExit::Code(code)) => ExitExpectation::Code(code),
            Some(RawExit::Word(w)) if w == "nonzero" => ExitExpectation::NonZero,
            Some(RawExit::Word(w)) if w == "any" => ExitExpectation::Any,
            Some(RawExit::Word(w)) => {
                return Err(self.err(
                    format!("{at}.exit"),
                    format!("{w:?}: expected a number, nonzero or any"),
                ))
            }
        };
        let stdout = self.text(&format!("{at}.stdout"), stdout, defined)?;
        let stderr = self.text(&format!("{at}.stderr"), stderr, defined)?;
        let mut captures = Vec::new();
        for (name, pattern) in capture {
            let cat = format!("{at}.capture.{name}");
            if !is_var_name(&name) {
                return Err(self.err(
                    cat,
                    "is not a variable name: use lowercase letters, digits and _",
                ));
            }
            if BUILTIN_VARS.contains(&name.as_str()) {
                return Err(self.err(cat, "is set by the runner and cannot be captured"));
            }
            self.check_vars(&cat, &pattern, defined)?;
            let re = regex::Regex::new(&placeholder_vars(&pattern))
                .map_err(|e| self.err(&cat, format!("invalid regex: {e}")))?;
            if re.captures_len() < 2 {
                return Err(self.err(
                    cat,
                    "needs a group: the value is what the first (…) matches",
                ));
            }
            captures.push((name, pattern));
        }
        let took = match took {
            None => Took::default(),
            Some(t) => {
                let parse = |field: &str, v: Option<String>| {
                    v.map(|v| {
                        duration::parse(&v).map_err(|e| self.err(format!("{at}.took.{field}"), e))
                    })
                    .transpose()
                };
                let took = Took {
                    at_least: parse("at_least", t.at_least)?,
                    at_most: parse("at_most", t.at_most)?,
                };
                if took.at_least.is_none() && took.at_most.is_none() {
                    return Err(self.err(format!("{at}.took"), "needs at_least or at_most"));
                }
                took
            }
        };
        Ok(Run {
            program,
            line: line.trim().to_owned(),
            args: args.to_vec(),
            expect: Expect {
                exit,
                stdout,
                stderr,
                took,
            },
            captures,
        })
    }

    fn text(
        &self,
        at: &str,
        raw: Option<RawText>,
        defined: &BTreeSet<String>,
    ) -> Result<TextExpect, SchemaError> {
        let Some(raw) = raw else {
            return Ok(TextExpect::default());
        };
        for (field, values) in [
            ("contains", &raw.contains.0),
            ("not_contains", &raw.not_contains.0),
            ("matches", &raw.matches.0),
        ] {
            for (i, v) in values.iter().enumerate() {
                let vat = if values.len() == 1 {
                    format!("{at}.{field}")
                } else {
                    format!("{at}.{field}[{i}]")
                };
                if v.is_empty() {
                    return Err(self.err(vat, "an empty string expects nothing"));
                }
                self.check_vars(&vat, v, defined)?;
                if field == "matches" {
                    regex::RegexBuilder::new(&placeholder_vars(v))
                        .multi_line(true)
                        .build()
                        .map_err(|e| self.err(&vat, format!("invalid regex: {e}")))?;
                }
            }
        }
        if let Some(eq) = &raw.equals {
            self.check_vars(&format!("{at}.equals"), eq, defined)?;
        }
        if let Some(name) = &raw.snapshot {
            if !is_slug(name) {
                return Err(self.err(
                    format!("{at}.snapshot"),
                    "is not a snapshot name: use lowercase letters, digits and dashes",
                ));
            }
        }
        let empty = raw.empty.unwrap_or(false);
        if raw.empty == Some(false) {
            return Err(self.err(format!("{at}.empty"), "say `empty: true`, or leave it out"));
        }
        let pending = match raw.pending {
            None => None,
            Some(p) => {
                let pat = format!("{at}.pending");
                if p.reason.trim().is_empty() {
                    return Err(self.err(
                        format!("{pat}.reason"),
                        "must say why this may fail for now",
                    ));
                }
                let inner = self.text(
                    &pat,
                    Some(RawText {
                        contains: p.contains,
                        not_contains: p.not_contains,
                        matches: p.matches,
                        ..RawText::default()
                    }),
                    defined,
                )?;
                Some((p.reason.trim().to_owned(), Box::new(inner)))
            }
        };
        let t = TextExpect {
            contains: raw.contains.0,
            not_contains: raw.not_contains.0,
            matches: raw.matches.0,
            equals: raw.equals,
            snapshot: raw.snapshot,
            empty,
            pending,
        };
        if t.is_empty() {
            return Err(self.err(
                at,
                "expects nothing: give contains, not_contains, matches, equals, snapshot or empty",
            ));
        }
        Ok(t)
    }

    fn condition(
        &self,
        at: &str,
        raw: RawCondition,
        region: &str,
        defined: &BTreeSet<String>,
    ) -> Result<Condition, SchemaError> {
        let subjects: Vec<&str> = [
            ("cluster", raw.cluster.is_some()),
            ("fargate_profile", raw.fargate_profile.is_some()),
            ("nodegroup", raw.nodegroup.is_some()),
            ("stack", raw.stack.is_some()),
            ("pod", raw.pod.is_some()),
            ("node", raw.node.is_some()),
        ]
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(n, _)| n)
        .collect();
        let kind = match subjects.as_slice() {
            [one] => *one,
            [] => return Err(self.err(
                at,
                "names nothing to look at: cluster, fargate_profile, nodegroup, stack, pod or node",
            )),
            many => {
                return Err(self.err(
                    at,
                    format!("looks at one thing, this one names {}", many.join(" and ")),
                ))
            }
        };
        let sat = format!("{at}.{kind}");
        // Which reference fields each kind takes.
        let check_ref = |r: &RawRef, cluster: bool| {
            match (r.cluster.is_some(), cluster) {
                (true, false) => {
                    return Err(
                        self.err(format!("{sat}.cluster"), format!("a {kind} has no cluster"))
                    )
                }
                (false, true) => return Err(self.err(&sat, "needs cluster")),
                _ => {}
            }
            for v in [Some(&r.name), r.cluster.as_ref(), r.region.as_ref()]
                .into_iter()
                .flatten()
            {
                self.check_vars(&sat, v, defined)?;
            }
            Ok(())
        };
        let region_of = |r: &RawRef| r.region.clone().unwrap_or_else(|| region.to_owned());
        let subject = if let Some(r) = &raw.cluster {
            check_ref(r, false)?;
            Subject::Cluster {
                region: region_of(r),
                name: r.name.clone(),
            }
        } else if let Some(r) = &raw.fargate_profile {
            check_ref(r, true)?;
            Subject::FargateProfile {
                region: region_of(r),
                cluster: r.cluster.clone().unwrap_or_default(),
                name: r.name.clone(),
            }
        } else if let Some(r) = &raw.nodegroup {
            check_ref(r, true)?;
            Subject::Nodegroup {
                region: region_of(r),
                cluster: r.cluster.clone().unwrap_or_default(),
                name: r.name.clone(),
            }
        } else if let Some(r) = &raw.stack {
            check_ref(r, false)?;
            Subject::Stack {
                region: region_of(r),
                name: r.name.clone(),
            }
        } else if let Some(p) = &raw.pod {
            let pod = match (&p.name, &p.selector) {
                (Some(name), None) => PodRef::Name(name.clone()),
                (None, Some(selector)) if !selector.is_empty() => {
                    PodRef::Selector(selector.clone())
                }
                (None, Some(_)) => {
                    return Err(self.err(format!("{sat}.selector"), "must not be empty"))
                }
                _ => return Err(self.err(&sat, "needs a name or a selector (one of them)")),
            };
            for v in [Some(&p.namespace), p.name.as_ref(), p.selector.as_ref()]
                .into_iter()
                .flatten()
            {
                self.check_vars(&sat, v, defined)?;
            }
            Subject::Pod {
                namespace: p.namespace.clone(),
                pod,
            }
        } else if let Some(n) = &raw.node {
            if n.prefix.is_empty() {
                return Err(self.err(format!("{sat}.prefix"), "must not be empty"));
            }
            self.check_vars(&sat, &n.prefix, defined)?;
            Subject::Node {
                prefix: n.prefix.clone(),
            }
        } else {
            unreachable!("one subject was found above")
        };

        let want = match &subject {
            Subject::Pod { .. } => {
                if raw.status.is_some() {
                    return Err(self.err(format!("{at}.status"), "a pod has a phase, not a status"));
                }
                let phase = raw.phase.ok_or_else(|| {
                    self.err(
                        at,
                        "needs the pod's phase (Pending, Running, Succeeded, Failed or gone)",
                    )
                })?;
                if !["Pending", "Running", "Succeeded", "Failed", "Unknown", GONE]
                    .contains(&phase.as_str())
                {
                    return Err(self.err(
                        format!("{at}.phase"),
                        format!("{phase:?} is not a pod phase (Pending, Running, Succeeded, Failed, Unknown, gone)"),
                    ));
                }
                if let Some(p) = &raw.node_prefix {
                    self.check_vars(&format!("{at}.node_prefix"), p, defined)?;
                }
                Want::Pod {
                    phase,
                    node_prefix: raw.node_prefix,
                }
            }
            Subject::Node { .. } => {
                for (field, set) in [
                    ("status", raw.status.is_some()),
                    ("phase", raw.phase.is_some()),
                    ("node_prefix", raw.node_prefix.is_some()),
                ] {
                    if set {
                        return Err(self.err(
                            format!("{at}.{field}"),
                            "a node condition waits for a Ready node; it takes no value",
                        ));
                    }
                }
                Want::NodeReady
            }
            other => {
                for (field, set) in [
                    ("phase", raw.phase.is_some()),
                    ("node_prefix", raw.node_prefix.is_some()),
                ] {
                    if set {
                        return Err(
                            self.err(format!("{at}.{field}"), format!("only a pod has a {field}"))
                        );
                    }
                }
                let status = raw
                    .status
                    .ok_or_else(|| self.err(at, "needs the status to wait for"))?;
                let allowed: &[&str] = match other {
                    Subject::Cluster { .. } => &[
                        "CREATING", "ACTIVE", "DELETING", "FAILED", "UPDATING", "PENDING",
                    ],
                    Subject::FargateProfile { .. } => &[
                        "CREATING",
                        "ACTIVE",
                        "DELETING",
                        "CREATE_FAILED",
                        "DELETE_FAILED",
                    ],
                    Subject::Nodegroup { .. } => &[
                        "CREATING",
                        "ACTIVE",
                        "UPDATING",
                        "DELETING",
                        "CREATE_FAILED",
                        "DELETE_FAILED",
                        "DEGRADED",
                    ],
                    _ => STACK_STATUSES,
                };
                if status != GONE && !allowed.contains(&status.as_str()) {
                    return Err(self.err(
                        format!("{at}.status"),
                        format!(
                            "{status:?} is not a {kind} status ({}, or gone)",
                            allowed.join(", ")
                        ),
                    ));
                }
                Want::Status(status)
            }
        };
        Ok(Condition { subject, want })
    }

    fn admin(
        &self,
        at: &str,
        raw: RawAdmin,
        defined: &BTreeSet<String>,
    ) -> Result<Admin, SchemaError> {
        let method = match raw.method.as_str() {
            "GET" => http::Method::GET,
            "POST" => http::Method::POST,
            "PUT" => http::Method::PUT,
            "DELETE" => http::Method::DELETE,
            other => {
                return Err(self.err(
                    format!("{at}.method"),
                    format!("{other:?}: expected GET, POST, PUT or DELETE"),
                ))
            }
        };
        let path = raw.path.trim_start_matches('/').to_owned();
        if path.is_empty() || path.starts_with("_emulator") {
            return Err(self.err(
                format!("{at}.path"),
                "is the path under /_emulator/, e.g. clock/advance",
            ));
        }
        self.check_vars(&format!("{at}.path"), &path, defined)?;
        if let Some(body) = &raw.body {
            self.check_vars(&format!("{at}.body"), &body.to_string(), defined)?;
        }
        Ok(Admin {
            method,
            path,
            body: raw.body,
            status: raw.status,
        })
    }

    fn check_vars(
        &self,
        at: &str,
        text: &str,
        defined: &BTreeSet<String>,
    ) -> Result<(), SchemaError> {
        for name in vars_in(text) {
            if !defined.contains(&name) {
                return Err(self.err(
                    at,
                    format!("uses ${{{name}}}, which is not defined before this point (vars, an earlier capture, or one of {})", BUILTIN_VARS.join(", ")),
                ));
            }
        }
        Ok(())
    }
}

/// Every CloudFormation stack status.
pub const STACK_STATUSES: &[&str] = &[
    "CREATE_IN_PROGRESS",
    "CREATE_FAILED",
    "CREATE_COMPLETE",
    "ROLLBACK_IN_PROGRESS",
    "ROLLBACK_FAILED",
    "ROLLBACK_COMPLETE",
    "DELETE_IN_PROGRESS",
    "DELETE_FAILED",
    "DELETE_COMPLETE",
    "UPDATE_IN_PROGRESS",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_COMPLETE",
    "UPDATE_FAILED",
    "UPDATE_ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE",
    "REVIEW_IN_PROGRESS",
];

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_var_name(s: &str) -> bool {
    s.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn is_file_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('.')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The `${name}` references in `text`, in order (`$${` is a literal `${`).
#[must_use]
pub fn vars_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        if rest[..i].ends_with('$') {
            rest = &rest[i + 2..];
            continue;
        }
        let after = &rest[i + 2..];
        match after.find('}') {
            Some(end) => {
                found.push(after[..end].to_owned());
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    found
}

/// `text` with every `${name}` replaced by `lookup(name)` and every `$${` by `${`; `Err(name)`
/// for the first unknown name.
///
/// # Errors
/// The name of a variable `lookup` does not know.
pub fn substitute(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        if rest[..i].ends_with('$') {
            out.push_str(&rest[..i - 1]);
            out.push_str("${");
            rest = &rest[i + 2..];
            continue;
        }
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[i..]);
            return Ok(out);
        };
        let name = &after[..end];
        out.push_str(&lookup(name).ok_or_else(|| name.to_owned())?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A regex source with each `${var}` replaced by a literal stand-in, for checking its syntax.
fn placeholder_vars(pattern: &str) -> String {
    substitute(pattern, |_| Some("v".to_owned())).unwrap_or_else(|_| pattern.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_at(text: &str) -> Result<Scenario, SchemaError> {
        parse(text, Path::new("scenarios/demo.yaml"))
    }

    const HEAD: &str = "name: demo\ndescription: a demo\n";

    #[test]
    fn a_minimal_file_reads_with_its_defaults() {
        let s = parse_at(&format!("{HEAD}steps:\n  - ekscli get cluster\n")).unwrap();
        assert_eq!(s.region, DEFAULT_REGION);
        assert!(s.requires.is_empty());
        let Action::Run(run) = &s.steps[0].action else {
            panic!("a run step")
        };
        assert_eq!(run.program, Program::Ekscli);
        assert_eq!(run.args, ["get", "cluster"]);
        assert_eq!(run.expect.exit, ExitExpectation::Code(0));
        assert!(run.expect.stdout.is_empty());
    }

    #[test]
    fn every_step_kind_reads() {
        let s = parse_at(&format!(
            r#"{HEAD}requires: [fargate-profiles, kubernetes-api]
vars: {{cluster: c1}}
files:
  cluster.yaml: "metadata: {{name: ${{cluster}}, region: ${{region}}}}"
steps:
  - comment: Prose only.
  - run: ekscli create fargateprofile --cluster ${{cluster}} --namespace "dev ns"
    exit: 1
    stdout: {{contains: [a, b], matches: '^x$', snapshot: create}}
    stderr: {{equals: "Error: x\n"}}
    capture: {{profile: 'profile "([^"]+)"'}}
    took: {{at_least: 1m}}
    pending: not yet
  - advance: 3m
  - wait_for: {{fargate_profile: {{cluster: "${{cluster}}", name: "${{profile}}"}}, status: gone, timeout: 10m, every: 5s}}
  - check: {{pod: {{namespace: dev, name: nginx}}, phase: Running, node_prefix: fargate-ip-}}
  - check: {{node: {{prefix: ip-}}}}
  - admin: {{method: PUT, path: "eks/clusters/${{region}}/c1/platform-version", body: {{platformVersion: eks.4}}}}
cleanup:
  - ekscli delete cluster --name ${{cluster}}
"#
        ))
        .unwrap();
        assert_eq!(
            s.requires,
            [Capability::FargateProfiles, Capability::KubernetesApi]
        );
        assert_eq!(s.steps.len(), 7);
        assert!(matches!(s.steps[0].action, Action::Comment));
        let Action::Run(run) = &s.steps[1].action else {
            panic!()
        };
        assert_eq!(
            run.args.last().unwrap(),
            "dev ns",
            "shell words, not whitespace"
        );
        assert_eq!(run.expect.exit, ExitExpectation::Code(1));
        assert_eq!(run.expect.stdout.contains, ["a", "b"]);
        assert_eq!(run.expect.took.at_least, Some(Duration::from_secs(60)));
        assert_eq!(s.steps[1].pending.as_deref(), Some("not yet"));
        assert!(matches!(s.steps[2].action, Action::Advance(d) if d == Duration::from_secs(180)));
        let Action::WaitFor(w) = &s.steps[3].action else {
            panic!()
        };
        assert_eq!(w.every, Duration::from_secs(5));
        assert_eq!(
            w.condition.subject,
            Subject::FargateProfile {
                region: DEFAULT_REGION.into(),
                cluster: "${cluster}".into(),
                name: "${profile}".into()
            }
        );
        assert_eq!(w.condition.want, Want::Status(GONE.into()));
        assert!(matches!(&s.steps[5].action, Action::Check(c) if c.want == Want::NodeReady));
        assert!(s.uses_admin());
        assert_eq!(s.cleanup.len(), 1);
    }

    #[track_caller]
    fn refused(body: &str) -> SchemaError {
        parse_at(&format!("{HEAD}{body}")).expect_err("should be refused")
    }

    #[test]
    fn unknown_fields_are_refused_with_their_path() {
        let e = refused("steps:\n  - run: ekscli get cluster\n    stdout: {contain: x}\n");
        assert_eq!(e.at, "steps[0].stdout.contain", "{e}");
        assert!(e.message.starts_with("unknown field `contain`"), "{e}");
        assert!(e.location.is_some(), "yaml errors carry a line: {e}");

        let e = refused("steps:\n  - ekscli get cluster\n  - wait_for: {cluster: {name: c, zone: a}, status: ACTIVE, timeout: 1m}\n");
        assert_eq!(e.at, "steps[1].wait_for.cluster.zone", "{e}");

        let e = refused("step:\n  - ekscli get cluster\n");
        assert_eq!(e.at, "step", "{e}");
        assert!(e.message.contains("unknown field `step`"), "{e}");

        let e = refused("requires: [fargate]\nsteps: [ekscli get cluster]\n");
        assert_eq!(e.at, "requires[0]", "{e}");
        assert!(e.message.contains("unknown variant `fargate`"), "{e}");
        assert!(
            e.message.contains("fargate-profiles"),
            "lists the valid ones: {e}"
        );
    }

    #[test]
    fn the_display_names_file_line_and_path() {
        let e = refused("steps:\n  - run: ekscli get cluster\n    stdout: {contain: x}\n");
        let shown = e.to_string();
        assert!(
            shown.starts_with("scenarios/demo.yaml:5:")
                && shown.contains(": steps[0].stdout.contain: unknown field `contain`"),
            "{shown}"
        );
    }

    #[test]
    fn validation_errors_carry_their_path() {
        let cases: &[(&str, &str, &str)] = &[
            ("steps: []\n", "steps", "at least one step"),
            ("steps:\n  - run: kubectl get pods\n    advance: 1m\n", "steps[0]", "run and advance"),
            ("steps:\n  - bash -c 'x'\n", "steps[0].run", "ekscli, kubectl or aws"),
            ("steps:\n  - eksctl get cluster\n", "steps[0].run", "write `ekscli"),
            ("steps:\n  - run: aws 'unbalanced\n", "steps[0].run", "unbalanced quotes"),
            ("steps:\n  - advance: 3 minutes\n", "steps[0].advance", "invalid duration"),
            ("steps:\n  - advance: 1m\n    exit: 0\n", "steps[0].exit", "only a command step"),
            ("steps:\n  - run: aws x\n    exit: sometimes\n", "steps[0].exit", "nonzero or any"),
            ("steps:\n  - run: aws x\n    stdout: {matches: '(('}\n", "steps[0].stdout.matches", "invalid regex"),
            ("steps:\n  - run: aws x\n    stdout: {}\n", "steps[0].stdout", "expects nothing"),
            ("steps:\n  - run: aws x\n    stdout: {snapshot: Bad Name}\n", "steps[0].stdout.snapshot", "not a snapshot name"),
            ("steps:\n  - run: aws x\n    capture: {p: 'no group'}\n", "steps[0].capture.p", "needs a group"),
            ("steps:\n  - ekscli get cluster --name ${nope}\n", "steps[0].run", "uses ${nope}"),
            ("steps:\n  - wait_for: {cluster: {name: c}, status: ACTIVE}\n", "steps[0].wait_for", "needs a timeout"),
            ("steps:\n  - wait_for: {cluster: {name: c}, status: READY, timeout: 1m}\n", "steps[0].wait_for.status", "not a cluster status"),
            ("steps:\n  - check: {fargate_profile: {name: p}, status: ACTIVE}\n", "steps[0].check.fargate_profile", "needs cluster"),
            ("steps:\n  - check: {cluster: {name: c, namespace: x}, status: ACTIVE}\n", "steps[0].check.cluster.namespace", "unknown field `namespace`"),
            ("steps:\n  - check: {stack: {name: s, cluster: c}, status: CREATE_COMPLETE}\n", "steps[0].check.stack.cluster", "has no cluster"),
            ("steps:\n  - check: {pod: {namespace: n}, phase: Running}\n", "steps[0].check.pod", "a name or a selector"),
            ("steps:\n  - run: aws x\n    stdout: {pending: {reason: '', contains: x}}\n", "steps[0].stdout.pending.reason", "must say why"),
            ("steps:\n  - run: aws x\n    stdout: {pending: {reason: r, equals: x}}\n", "steps[0].stdout.pending.equals", "unknown field `equals`"),
            ("steps:\n  - check: {cluster: {name: c}, stack: {name: s}, status: ACTIVE}\n", "steps[0].check", "cluster and stack"),
            ("steps:\n  - check: {pod: {name: p, namespace: n}, status: Running}\n", "steps[0].check.status", "a phase, not a status"),
            ("steps:\n  - check: {cluster: {name: c}, status: ACTIVE, timeout: 1m}\n", "steps[0].check.timeout", "looks once"),
            ("steps:\n  - admin: {method: PATCH, path: x}\n", "steps[0].admin.method", "expected GET"),
            ("files: {../x: y}\nsteps: [aws x]\n", "files.../x", "plain file name"),
            ("vars: {region: x}\nsteps: [aws x]\n", "vars.region", "cannot be redefined"),
            ("steps:\n  - run: aws x\n    stdout: {snapshot: a}\n  - run: aws y\n    stdout: {snapshot: a}\n", "steps[1]", "used twice"),
            ("steps: [aws x]\ncleanup:\n  - run: aws y\n    capture: {v: '(x)'}\n", "cleanup[0].capture", "capture nothing"),
        ];
        for (body, at, message) in cases {
            let e = refused(body);
            assert_eq!(&e.at, at, "{body}: {e}");
            assert!(e.message.contains(message), "{body}: {e}");
        }
    }

    #[test]
    fn the_name_must_be_the_file_stem() {
        let e = parse(
            "name: other\ndescription: d\nsteps: [aws x]\n",
            Path::new("a/demo.yaml"),
        )
        .unwrap_err();
        assert_eq!(e.at, "name");
        assert!(e.message.contains("\"demo\""), "{e}");
    }

    #[test]
    fn captures_define_variables_for_later_steps_only() {
        let ok = format!("{HEAD}steps:\n  - run: ekscli x\n    capture: {{p: '(fp-\\w+)'}}\n  - ekscli delete fargateprofile --name ${{p}}\n");
        parse_at(&ok).unwrap();
        let e = refused("steps:\n  - ekscli delete fargateprofile --name ${p}\n  - run: ekscli x\n    capture: {p: '(x)'}\n");
        assert_eq!(e.at, "steps[0].run");
    }

    #[test]
    fn variables_substitute_and_report_the_unknown() {
        let lookup = |n: &str| (n == "a").then(|| "1".to_owned());
        assert_eq!(substitute("x${a}y${a}", lookup), Ok("x1y1".into()));
        assert_eq!(substitute("x${b}", lookup), Err("b".into()));
        assert_eq!(
            substitute("no vars $a {b}", lookup),
            Ok("no vars $a {b}".into())
        );
        assert_eq!(vars_in("${a} and ${b_2}"), ["a", "b_2"]);
        assert_eq!(vars_in("$${AWS::StackName}-${a}"), ["a"]);
        assert_eq!(
            substitute("$${AWS::StackName}::VPC ${a}", lookup),
            Ok("${AWS::StackName}::VPC 1".into())
        );
    }
}
