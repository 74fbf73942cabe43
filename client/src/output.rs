//! Everything `ekscli` writes: eksctl's log lines and its printers. Commands decide *what* to say;
//! this module owns *how* it looks, and writes to whatever `Write` it was given (never to the
//! process's streams directly), so every format is testable as a string.
//!
//! - **Log lines** are eksctl 0.11's, the era of the seed page: `[ℹ]  message` (icon, two spaces),
//!   with no timestamp below `-v 4`; from `-v 4` on an RFC 3339 local timestamp comes first
//!   (`2019-11-27T19:04:26+09:00 [ℹ]  …`). Levels and icons: Always `✿`, Success `✔`, Critical
//!   `✖`, Warning `!`, Info `ℹ`, Debug `▶`; `-v N` shows the levels up to N (0 Always and Success,
//!   1 +Critical, 2 +Warning, 3 +Info, the default, 4 +Debug). Lines are coloured only when
//!   `--color` allows it and the stream they go to is a terminal. They go to stdout, or to stderr
//!   when a command prints data as YAML or JSON.
//! - **Fargate printers** follow the seed page (eksctl 0.11): the table has the columns `NAME
//!   SELECTOR_NAMESPACE SELECTOR_LABELS POD_EXECUTION_ROLE_ARN SUBNETS`, one row per selector, rows
//!   sorted by their cells, laid out by Go's `text/tabwriter` rules with TAB padding; YAML has the
//!   keys in alphabetical order; JSON is indented by four spaces with no trailing newline. Neither
//!   prints `status` (eksctl added it in v0.34, after the page). `tags` appear in YAML and JSON
//!   only when a profile has some, so `--tags` stays visible without changing the page's outputs.
//! - **Cluster printers** are eksctl's `get cluster` tables (HEAD, which the page does not show).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

/// The log levels, most important first; `-v N` shows every level whose number is at most N.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Shown even at `-v 0`.
    Always,
    /// `[✔]`, shown even at `-v 0`.
    Success,
    /// `[✖]`, from `-v 1`.
    Critical,
    /// `[!]`, from `-v 2`.
    Warning,
    /// `[ℹ]`, from `-v 3` (the default).
    Info,
    /// `[▶]`, from `-v 4`.
    Debug,
}

impl Level {
    fn threshold(self) -> u8 {
        match self {
            Self::Always | Self::Success => 0,
            Self::Critical => 1,
            Self::Warning => 2,
            Self::Info => 3,
            Self::Debug => 4,
        }
    }

    fn icon(self) -> &'static str {
        match self {
            Self::Always => "✿",
            Self::Success => "✔",
            Self::Critical => "✖",
            Self::Warning => "!",
            Self::Info => "ℹ",
            Self::Debug => "▶",
        }
    }

    /// eksctl's colours: cyan for Info and Success, red for Critical, green for the rest.
    fn colour(self) -> &'static str {
        match self {
            Self::Info | Self::Success => "\x1b[36m",
            Self::Critical => "\x1b[31m",
            Self::Always | Self::Warning | Self::Debug => "\x1b[32m",
        }
    }
}

/// How log lines look; resolved once from the global flags and the terminal.
#[derive(Debug, Clone)]
pub struct LogStyle {
    /// `-v`.
    pub verbosity: u8,
    /// `--color` allows colour (`true` or `fabulous`).
    pub colour_allowed: bool,
    /// stdout is a terminal.
    pub stdout_is_terminal: bool,
    /// stderr is a terminal.
    pub stderr_is_terminal: bool,
    /// The timestamp shown from `-v 4` on; `None` uses the local clock.
    pub fixed_time: Option<chrono::DateTime<chrono::FixedOffset>>,
}

impl Default for LogStyle {
    fn default() -> Self {
        Self {
            verbosity: 3,
            colour_allowed: true,
            stdout_is_terminal: false,
            stderr_is_terminal: false,
            fixed_time: None,
        }
    }
}

/// The two streams and the log settings: the `Printer` every command writes through.
pub struct Output<'a> {
    stdout: &'a mut (dyn Write + Send),
    stderr: &'a mut (dyn Write + Send),
    style: LogStyle,
    logs_to_stderr: bool,
}

impl<'a> Output<'a> {
    /// An output over two streams.
    pub fn new(
        stdout: &'a mut (dyn Write + Send),
        stderr: &'a mut (dyn Write + Send),
        style: LogStyle,
    ) -> Self {
        Self {
            stdout,
            stderr,
            style,
            logs_to_stderr: false,
        }
    }

    /// Sends log lines to stderr from now on (eksctl does so when data is printed as YAML/JSON).
    pub fn logs_to_stderr(&mut self) {
        self.logs_to_stderr = true;
    }

    /// The log settings.
    #[must_use]
    pub fn style(&self) -> &LogStyle {
        &self.style
    }

    /// Whether `level` is shown at the current verbosity.
    #[must_use]
    pub fn enabled(&self, level: Level) -> bool {
        level.threshold() <= self.style.verbosity
    }

    /// Writes one log line if its level is shown. Write errors on a log line are ignored, as a
    /// logger's are.
    pub fn log(&mut self, level: Level, message: &str) {
        if !self.enabled(level) {
            return;
        }
        let to_terminal = if self.logs_to_stderr {
            self.style.stderr_is_terminal
        } else {
            self.style.stdout_is_terminal
        };
        let line = format_log_line(
            level,
            message,
            self.style.verbosity >= 4,
            self.style.fixed_time,
            self.style.colour_allowed && to_terminal,
        );
        let stream: &mut dyn Write = if self.logs_to_stderr {
            &mut *self.stderr
        } else {
            &mut *self.stdout
        };
        let _ = stream.write_all(line.as_bytes());
        let _ = stream.flush();
    }

    /// `[ℹ]  message`.
    pub fn info(&mut self, message: impl AsRef<str>) {
        self.log(Level::Info, message.as_ref());
    }

    /// `[✔]  message`.
    pub fn success(&mut self, message: impl AsRef<str>) {
        self.log(Level::Success, message.as_ref());
    }

    /// `[!]  message`.
    pub fn warning(&mut self, message: impl AsRef<str>) {
        self.log(Level::Warning, message.as_ref());
    }

    /// `[✖]  message`.
    pub fn critical(&mut self, message: impl AsRef<str>) {
        self.log(Level::Critical, message.as_ref());
    }

    /// `[▶]  message`.
    pub fn debug(&mut self, message: impl AsRef<str>) {
        self.log(Level::Debug, message.as_ref());
    }

    /// Writes command output (a table, YAML, JSON, help) to stdout as is.
    ///
    /// # Errors
    /// If stdout cannot be written.
    pub fn data(&mut self, text: &str) -> io::Result<()> {
        self.stdout.write_all(text.as_bytes())?;
        self.stdout.flush()
    }

    /// Writes `Error: message` to stderr, as cobra prints a command's error.
    pub fn error(&mut self, message: &str) {
        let _ = writeln!(self.stderr, "Error: {message}");
        let _ = self.stderr.flush();
    }

    /// Writes raw text to stderr (clap's usage errors).
    pub fn raw_stderr(&mut self, text: &str) {
        let _ = self.stderr.write_all(text.as_bytes());
        let _ = self.stderr.flush();
    }
}

/// One log line, newline included.
#[must_use]
pub fn format_log_line(
    level: Level,
    message: &str,
    timestamps: bool,
    fixed_time: Option<chrono::DateTime<chrono::FixedOffset>>,
    colour: bool,
) -> String {
    let mut line = String::new();
    if timestamps {
        let now = fixed_time.unwrap_or_else(|| chrono::Local::now().fixed_offset());
        line.push_str(&now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        line.push(' ');
    }
    line.push('[');
    line.push_str(level.icon());
    line.push_str("]  ");
    line.push_str(message);
    if colour {
        line = format!("{}{line}\x1b[0m", level.colour());
    }
    if !line.ends_with('\n') {
        line.push('\n');
    }
    line
}

/// The `-o` formats of the `get` commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Tab-aligned columns.
    Table,
    /// `sigs.k8s.io/yaml`-style YAML.
    Yaml,
    /// `json.MarshalIndent` with four spaces.
    Json,
}

impl Format {
    /// Parses `-o`, with eksctl's message for anything else.
    ///
    /// # Errors
    /// `unknown output printer type: expected {"yaml","json","table"} but got "foo"`.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Self::Table),
            "yaml" => Ok(Self::Yaml),
            "json" => Ok(Self::Json),
            other => Err(format!(
                "unknown output printer type: expected {{\"yaml\",\"json\",\"table\"}} but got {other:?}"
            )),
        }
    }
}

/// Lays out rows as Go's `text/tabwriter` does with minwidth 0, tabwidth 8, padding 1 and TAB as
/// the pad character (kops' `tables.Table` over it): a column is as wide as its widest cell plus
/// one, rounded up to a multiple of 8; every cell but the last in its row is followed by enough
/// TABs to reach that width; the last cell is unpadded and each line ends with `\n`.
#[must_use]
pub fn tabwrite(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; columns];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i + 1 < row.len() {
                widths[i] = widths[i].max(cell.chars().count() + 1);
            }
        }
    }
    let mut out = String::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < row.len() {
                let width = widths[i].div_ceil(8) * 8;
                let gap = width - cell.chars().count();
                out.push_str(&"\t".repeat(gap.div_ceil(8)));
            }
        }
        out.push('\n');
    }
    out
}

/// k8s `labels.FormatLabels`: `k=v` sorted by key and joined with `,`, or `<none>`.
#[must_use]
pub fn format_labels(labels: &BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        return "<none>".into();
    }
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// A Fargate profile as the printers show it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileView {
    /// `name`.
    pub name: String,
    /// `podExecutionRoleARN`.
    pub pod_execution_role_arn: String,
    /// `selectors`.
    pub selectors: Vec<SelectorView>,
    /// `subnets`.
    pub subnets: Vec<String>,
    /// `tags`.
    pub tags: BTreeMap<String, String>,
    /// `status` (not printed; see the module header).
    pub status: String,
}

/// One selector of a [`ProfileView`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelectorView {
    /// `namespace`.
    pub namespace: String,
    /// `labels`.
    pub labels: BTreeMap<String, String>,
}

/// The YAML shape: keys in alphabetical order, empty members left out.
#[derive(Serialize)]
struct ProfileYaml<'a> {
    name: &'a str,
    #[serde(rename = "podExecutionRoleARN", skip_serializing_if = "str::is_empty")]
    pod_execution_role_arn: &'a str,
    selectors: Vec<SelectorYaml<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    subnets: &'a [String],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    tags: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
struct SelectorYaml<'a> {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: &'a BTreeMap<String, String>,
    namespace: &'a str,
}

/// The JSON shape: eksctl's struct order.
#[derive(Serialize)]
struct ProfileJson<'a> {
    name: &'a str,
    #[serde(rename = "podExecutionRoleARN", skip_serializing_if = "str::is_empty")]
    pod_execution_role_arn: &'a str,
    selectors: Vec<SelectorJson<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    subnets: &'a [String],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    tags: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
struct SelectorJson<'a> {
    namespace: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: &'a BTreeMap<String, String>,
}

/// Renders profiles in `format`, exactly as `eksctl get fargateprofile` prints them.
#[must_use]
pub fn render_profiles(profiles: &[ProfileView], format: Format) -> String {
    match format {
        Format::Table => profiles_table(profiles),
        Format::Yaml => {
            let items: Vec<ProfileYaml<'_>> = profiles
                .iter()
                .map(|p| ProfileYaml {
                    name: &p.name,
                    pod_execution_role_arn: &p.pod_execution_role_arn,
                    selectors: p
                        .selectors
                        .iter()
                        .map(|s| SelectorYaml {
                            labels: &s.labels,
                            namespace: &s.namespace,
                        })
                        .collect(),
                    subnets: &p.subnets,
                    tags: &p.tags,
                })
                .collect();
            to_yaml(&items)
        }
        Format::Json => {
            let items: Vec<ProfileJson<'_>> = profiles
                .iter()
                .map(|p| ProfileJson {
                    name: &p.name,
                    pod_execution_role_arn: &p.pod_execution_role_arn,
                    selectors: p
                        .selectors
                        .iter()
                        .map(|s| SelectorJson {
                            namespace: &s.namespace,
                            labels: &s.labels,
                        })
                        .collect(),
                    subnets: &p.subnets,
                    tags: &p.tags,
                })
                .collect();
            to_json(&items)
        }
    }
}

fn profiles_table(profiles: &[ProfileView]) -> String {
    if profiles.is_empty() {
        return "No fargateprofiles found\n".into();
    }
    let mut body: Vec<Vec<String>> = Vec::new();
    for p in profiles {
        let subnets = if p.subnets.is_empty() {
            "<none>".to_owned()
        } else {
            p.subnets.join(",")
        };
        for s in &p.selectors {
            body.push(vec![
                p.name.clone(),
                s.namespace.clone(),
                format_labels(&s.labels),
                p.pod_execution_role_arn.clone(),
                subnets.clone(),
            ]);
        }
    }
    body.sort();
    let mut rows = vec![[
        "NAME",
        "SELECTOR_NAMESPACE",
        "SELECTOR_LABELS",
        "POD_EXECUTION_ROLE_ARN",
        "SUBNETS",
    ]
    .iter()
    .map(|h| (*h).to_owned())
    .collect::<Vec<_>>()];
    rows.extend(body);
    tabwrite(&rows)
}

/// `json.MarshalIndent(v, "", "    ")`: four-space indent, no trailing newline.
#[must_use]
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    if value.serialize(&mut ser).is_err() {
        return String::new();
    }
    String::from_utf8(buf).unwrap_or_default()
}

/// YAML as `sigs.k8s.io/yaml` writes it: sequences under a key not indented.
#[must_use]
pub fn to_yaml<T: Serialize + ?Sized>(value: &T) -> String {
    yaml_serde::to_string(value).unwrap_or_default()
}

/// One row of `get cluster` without a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterSummary {
    /// `Name`.
    #[serde(rename = "Name")]
    pub name: String,
    /// `Region`.
    #[serde(rename = "Region")]
    pub region: String,
    /// `Owned`: `True`, `False` or `Unknown` (whether an eksctl cluster stack exists).
    #[serde(rename = "Owned")]
    pub owned: String,
}

/// `get cluster`: `NAME REGION EKSCTL CREATED`, or `No clusters found`.
#[must_use]
pub fn render_cluster_summaries(clusters: &[ClusterSummary], format: Format) -> String {
    match format {
        Format::Table => {
            if clusters.is_empty() {
                return "No clusters found\n".into();
            }
            let mut rows = vec![vec![
                "NAME".to_owned(),
                "REGION".to_owned(),
                "EKSCTL CREATED".to_owned(),
            ]];
            let mut body: Vec<Vec<String>> = clusters
                .iter()
                .map(|c| vec![c.name.clone(), c.region.clone(), c.owned.clone()])
                .collect();
            body.sort();
            rows.extend(body);
            tabwrite(&rows)
        }
        Format::Yaml => to_yaml(clusters),
        Format::Json => to_json(clusters),
    }
}

/// One cluster as `get cluster --name` shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ClusterDetail {
    /// `Arn`.
    pub arn: String,
    /// `CreatedAt`, RFC 3339 in UTC to the second.
    pub created_at: String,
    /// `Endpoint`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    /// `Name`.
    pub name: String,
    /// `PlatformVersion`.
    pub platform_version: String,
    /// `ResourcesVpcConfig`.
    pub resources_vpc_config: VpcView,
    /// `RoleArn`.
    pub role_arn: String,
    /// `Status`.
    pub status: String,
    /// `Tags`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// `Version`.
    pub version: String,
    /// The `PROVIDER` column: `EKS`, or a connected cluster's provider.
    #[serde(skip)]
    pub provider: String,
}

/// `ResourcesVpcConfig` of a [`ClusterDetail`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcView {
    /// `ClusterSecurityGroupId`.
    pub cluster_security_group_id: String,
    /// `EndpointPrivateAccess`.
    pub endpoint_private_access: bool,
    /// `EndpointPublicAccess`.
    pub endpoint_public_access: bool,
    /// `SecurityGroupIds`.
    pub security_group_ids: Vec<String>,
    /// `SubnetIds`.
    pub subnet_ids: Vec<String>,
    /// `VpcId`.
    pub vpc_id: String,
}

/// `get cluster --name N`: `NAME VERSION STATUS CREATED VPC SUBNETS SECURITYGROUPS PROVIDER`.
#[must_use]
pub fn render_cluster_details(clusters: &[ClusterDetail], format: Format) -> String {
    match format {
        Format::Table => {
            if clusters.is_empty() {
                return "No clusters found\n".into();
            }
            let mut rows = vec![[
                "NAME",
                "VERSION",
                "STATUS",
                "CREATED",
                "VPC",
                "SUBNETS",
                "SECURITYGROUPS",
                "PROVIDER",
            ]
            .iter()
            .map(|h| (*h).to_owned())
            .collect::<Vec<_>>()];
            let mut body: Vec<Vec<String>> = clusters
                .iter()
                .map(|c| {
                    vec![
                        dash(&c.name),
                        dash(&c.version),
                        dash(&c.status),
                        dash(&c.created_at),
                        dash(&c.resources_vpc_config.vpc_id),
                        sorted_join(&c.resources_vpc_config.subnet_ids),
                        sorted_join(&c.resources_vpc_config.security_group_ids),
                        c.provider.clone(),
                    ]
                })
                .collect();
            body.sort();
            rows.extend(body);
            tabwrite(&rows)
        }
        Format::Yaml => to_yaml(clusters),
        Format::Json => to_json(clusters),
    }
}

fn dash(s: &str) -> String {
    if s.is_empty() {
        "-".into()
    } else {
        s.to_owned()
    }
}

/// k8s `sets.NewString(..).List()` joined with `,`: sorted, deduplicated, empties dropped.
fn sorted_join(items: &[String]) -> String {
    let mut set: Vec<&String> = items.iter().filter(|s| !s.is_empty()).collect();
    set.sort();
    set.dedup();
    set.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// The profile every `get fargateprofile` example on the seed page shows.
    fn seed_profile() -> ProfileView {
        ProfileView {
            name: "fp-9bfc77ad".into(),
            pod_execution_role_arn: "arn:aws:iam::123456789012:role/eksctl-fargate-example-cluster-ServiceRole-1T5F78E5FSH79".into(),
            selectors: vec![SelectorView {
                namespace: "dev".into(),
                labels: BTreeMap::new(),
            }],
            subnets: vec![
                "subnet-00adf1d8c99f83381".into(),
                "subnet-04affb163ffab17d4".into(),
                "subnet-035b34379d5ef5473".into(),
            ],
            tags: BTreeMap::new(),
            status: "ACTIVE".into(),
        }
    }

    #[test]
    fn seed_page_table_is_tab_aligned() {
        let expected = "NAME\t\tSELECTOR_NAMESPACE\tSELECTOR_LABELS\tPOD_EXECUTION_ROLE_ARN\t\t\t\t\t\t\t\t\tSUBNETS\n\
fp-9bfc77ad\tdev\t\t\t<none>\t\tarn:aws:iam::123456789012:role/eksctl-fargate-example-cluster-ServiceRole-1T5F78E5FSH79\tsubnet-00adf1d8c99f83381,subnet-04affb163ffab17d4,subnet-035b34379d5ef5473\n";
        assert_eq!(render_profiles(&[seed_profile()], Format::Table), expected);
    }

    #[test]
    fn seed_page_table_renders_as_the_page_shows_it_on_a_terminal() {
        // Expanding the TABs to 8-column stops gives the page's aligned columns.
        let table = render_profiles(&[seed_profile()], Format::Table);
        let expanded: Vec<String> = table.lines().map(expand_tabs).collect();
        let header = &expanded[0];
        let row = &expanded[1];
        for (column, value) in [
            ("SELECTOR_NAMESPACE", "dev"),
            ("SELECTOR_LABELS", "<none>"),
            ("POD_EXECUTION_ROLE_ARN", "arn:aws:iam::"),
            ("SUBNETS", "subnet-00adf1d8c99f83381"),
        ] {
            assert_eq!(header.find(column), row.find(value), "{column}");
        }
    }

    fn expand_tabs(line: &str) -> String {
        let mut out = String::new();
        for c in line.chars() {
            if c == '\t' {
                out.push(' ');
                while !out.len().is_multiple_of(8) {
                    out.push(' ');
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn seed_page_yaml() {
        let expected = "- name: fp-9bfc77ad
  podExecutionRoleARN: arn:aws:iam::123456789012:role/eksctl-fargate-example-cluster-ServiceRole-1T5F78E5FSH79
  selectors:
  - namespace: dev
  subnets:
  - subnet-00adf1d8c99f83381
  - subnet-04affb163ffab17d4
  - subnet-035b34379d5ef5473
";
        assert_eq!(render_profiles(&[seed_profile()], Format::Yaml), expected);
    }

    #[test]
    fn seed_page_json() {
        let expected = r#"[
    {
        "name": "fp-9bfc77ad",
        "podExecutionRoleARN": "arn:aws:iam::123456789012:role/eksctl-fargate-example-cluster-ServiceRole-1T5F78E5FSH79",
        "selectors": [
            {
                "namespace": "dev"
            }
        ],
        "subnets": [
            "subnet-00adf1d8c99f83381",
            "subnet-04affb163ffab17d4",
            "subnet-035b34379d5ef5473"
        ]
    }
]"#;
        assert_eq!(render_profiles(&[seed_profile()], Format::Json), expected);
    }

    #[test]
    fn seed_page_default_profile_yaml_lists_both_selectors() {
        let profile = ProfileView {
            name: "fp-default".into(),
            pod_execution_role_arn: "arn:aws:iam::123456789012:role/eksctl-ridiculous-painting-1574859263-ServiceRole-EIFQOH0S1GE7".into(),
            selectors: vec![
                SelectorView { namespace: "default".into(), labels: BTreeMap::new() },
                SelectorView { namespace: "kube-system".into(), labels: BTreeMap::new() },
            ],
            subnets: vec![
                "subnet-0b3a5522f3b48a742".into(),
                "subnet-0c35f1497067363f3".into(),
                "subnet-0a29aa00b25082021".into(),
            ],
            ..ProfileView::default()
        };
        let expected = "- name: fp-default
  podExecutionRoleARN: arn:aws:iam::123456789012:role/eksctl-ridiculous-painting-1574859263-ServiceRole-EIFQOH0S1GE7
  selectors:
  - namespace: default
  - namespace: kube-system
  subnets:
  - subnet-0b3a5522f3b48a742
  - subnet-0c35f1497067363f3
  - subnet-0a29aa00b25082021
";
        assert_eq!(render_profiles(&[profile], Format::Yaml), expected);
    }

    /// eksctl's own print_test.go profiles, minus the columns and keys eksctl added after the page.
    fn eksctl_sample() -> Vec<ProfileView> {
        vec![
            ProfileView {
                name: "fp-test".into(),
                pod_execution_role_arn: "arn:aws:iam::123:role/root".into(),
                selectors: vec![
                    SelectorView {
                        namespace: "kube-system".into(),
                        labels: map(&[("app", "my-app"), ("env", "test")]),
                    },
                    SelectorView {
                        namespace: "default".into(),
                        labels: BTreeMap::new(),
                    },
                ],
                tags: map(&[("app", "my-app"), ("env", "test")]),
                status: "ACTIVE".into(),
                ..ProfileView::default()
            },
            ProfileView {
                name: "fp-prod".into(),
                pod_execution_role_arn: "arn:aws:iam::123:role/root".into(),
                selectors: vec![SelectorView {
                    namespace: "prod".into(),
                    labels: map(&[("env", "prod")]),
                }],
                subnets: vec!["subnet-prod".into(), "subnet-d34dc0w".into()],
                status: "ACTIVE".into(),
                ..ProfileView::default()
            },
        ]
    }

    #[test]
    fn table_has_one_row_per_selector_sorted_by_cells() {
        let expected =
            "NAME\tSELECTOR_NAMESPACE\tSELECTOR_LABELS\t\tPOD_EXECUTION_ROLE_ARN\t\tSUBNETS\n\
fp-prod\tprod\t\t\tenv=prod\t\tarn:aws:iam::123:role/root\tsubnet-prod,subnet-d34dc0w\n\
fp-test\tdefault\t\t\t<none>\t\t\tarn:aws:iam::123:role/root\t<none>\n\
fp-test\tkube-system\t\tapp=my-app,env=test\tarn:aws:iam::123:role/root\t<none>\n";
        assert_eq!(render_profiles(&eksctl_sample(), Format::Table), expected);
    }

    #[test]
    fn yaml_puts_labels_before_namespace_and_keeps_list_order() {
        let expected = "- name: fp-test
  podExecutionRoleARN: arn:aws:iam::123:role/root
  selectors:
  - labels:
      app: my-app
      env: test
    namespace: kube-system
  - namespace: default
  tags:
    app: my-app
    env: test
- name: fp-prod
  podExecutionRoleARN: arn:aws:iam::123:role/root
  selectors:
  - labels:
      env: prod
    namespace: prod
  subnets:
  - subnet-prod
  - subnet-d34dc0w
";
        assert_eq!(render_profiles(&eksctl_sample(), Format::Yaml), expected);
    }

    #[test]
    fn json_keeps_struct_order_with_labels_after_namespace() {
        let json = render_profiles(&eksctl_sample(), Format::Json);
        assert!(json.starts_with("[\n    {\n        \"name\": \"fp-test\",\n"));
        assert!(json.contains(
            "                \"namespace\": \"kube-system\",\n                \"labels\": {\n                    \"app\": \"my-app\","
        ));
        assert!(json.contains("        \"tags\": {\n            \"app\": \"my-app\",\n            \"env\": \"test\"\n        }\n    },"));
        assert!(json.ends_with("}\n]"));
    }

    #[test]
    fn empty_results() {
        assert_eq!(
            render_profiles(&[], Format::Table),
            "No fargateprofiles found\n"
        );
        assert_eq!(render_profiles(&[], Format::Yaml), "[]\n");
        assert_eq!(render_profiles(&[], Format::Json), "[]");
    }

    #[test]
    fn unknown_printer_message() {
        assert_eq!(
            Format::parse("foo").unwrap_err(),
            r#"unknown output printer type: expected {"yaml","json","table"} but got "foo""#
        );
    }

    #[test]
    fn log_lines_have_two_spaces_after_the_icon() {
        assert_eq!(
            format_log_line(Level::Info, "using region us-west-2", false, None, false),
            "[ℹ]  using region us-west-2\n"
        );
        assert_eq!(
            format_log_line(Level::Success, "done", false, None, false),
            "[✔]  done\n"
        );
        assert_eq!(
            format_log_line(Level::Warning, "w", false, None, false),
            "[!]  w\n"
        );
        assert_eq!(
            format_log_line(Level::Critical, "c", false, None, false),
            "[✖]  c\n"
        );
    }

    #[test]
    fn debug_level_lines_carry_an_rfc3339_timestamp() {
        let t = chrono::DateTime::parse_from_rfc3339("2019-11-27T19:04:26+09:00").unwrap();
        assert_eq!(
            format_log_line(Level::Info, "deleting", true, Some(t), false),
            "2019-11-27T19:04:26+09:00 [ℹ]  deleting\n"
        );
    }

    #[test]
    fn colour_wraps_the_whole_line() {
        assert_eq!(
            format_log_line(Level::Info, "x", false, None, true),
            "\x1b[36m[ℹ]  x\x1b[0m\n"
        );
    }

    #[test]
    fn verbosity_filters_levels() {
        let mut out = Vec::new();
        let mut err = Vec::new();
        {
            let style = LogStyle {
                verbosity: 2,
                ..LogStyle::default()
            };
            let mut o = Output::new(&mut out, &mut err, style);
            o.info("hidden");
            o.warning("shown");
            o.success("shown too");
            o.debug("hidden");
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "[!]  shown\n[✔]  shown too\n"
        );
    }

    #[test]
    fn tabwriter_matches_go_for_eksctl_cluster_golden() {
        let rows = vec![
            vec!["NAME".into(), "ARN".into()],
            vec!["test-cluster-1".into(), "arn-12345678".into()],
            vec!["test-cluster-2".into(), "arn-87654321".into()],
        ];
        assert_eq!(
            tabwrite(&rows),
            "NAME\t\tARN\ntest-cluster-1\tarn-12345678\ntest-cluster-2\tarn-87654321\n"
        );
    }
}
