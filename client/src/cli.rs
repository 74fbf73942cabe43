//! The command line, as clap definitions only (uv-cli's rule): every command and flag `ekscli`
//! accepts, with eksctl's names and help texts. Nothing here does anything; `commands/` does, and
//! checks the combinations eksctl checks (in eksctl's order, with eksctl's messages), which is why
//! most flags are plain `Option`s rather than clap constraints.

use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// The help text eksctl gives `-f`.
const CONFIG_FILE_HELP: &str = "load configuration from a file (or stdin if set to '-')";

/// ekscli: the official CLI for Amazon EKS, as eksctl, on the AWS SDK for Rust
#[derive(Debug, Parser)]
#[command(
    name = "ekscli",
    version,
    about = "The official CLI for Amazon EKS (an eksctl-compatible client)",
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes (eksctl's "AWS client" and "Common" groups, and `--endpoint-url`).
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// AWS region. Defaults to the value set in your AWS config (~/.aws/config)
    #[arg(
        help_heading = "AWS client",
        short = 'r',
        long,
        global = true,
        value_name = "string"
    )]
    pub region: Option<String>,
    /// AWS credentials profile to use (defaults to the value of the AWS_PROFILE environment variable)
    #[arg(
        help_heading = "AWS client",
        short = 'p',
        long,
        global = true,
        value_name = "string"
    )]
    pub profile: Option<String>,
    /// Send every AWS API request to this endpoint, e.g. the emulator (defaults to the value of the AWS_ENDPOINT_URL environment variable)
    #[arg(help_heading = "AWS client", long, global = true, value_name = "url")]
    pub endpoint_url: Option<String>,
    /// set log level, use 0 to silence, 4 for debugging and 5 for debugging with AWS debug logging
    #[arg(
        help_heading = "Common",
        short = 'v',
        long,
        global = true,
        default_value_t = 3,
        value_name = "int"
    )]
    pub verbose: u8,
    /// toggle colorized logs (valid options: true, false, fabulous)
    #[arg(
        help_heading = "Common",
        short = 'C',
        long,
        global = true,
        default_value = "true",
        value_name = "string"
    )]
    pub color: String,
    /// maximum waiting time for any long-running operation
    #[arg(help_heading = "AWS client", long, global = true, default_value = "25m0s", value_parser = parse_duration, value_name = "duration")]
    pub timeout: Duration,
    /// dump logs to disk on failure if set to true
    #[arg(help_heading = "Common", short = 'd', long = "dumpLogs", global = true)]
    pub dump_logs: bool,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create resource(s)
    #[command(subcommand)]
    Create(CreateCommand),
    /// Get resource(s)
    #[command(subcommand)]
    Get(GetCommand),
    /// Delete resource(s)
    #[command(subcommand)]
    Delete(DeleteCommand),
    /// Update resource(s)
    #[command(subcommand)]
    Update(UpdateCommand),
    /// Various utils
    #[command(subcommand)]
    Utils(UtilsCommand),
    /// Output the version of ekscli
    Version,
}

/// `create …`.
#[derive(Debug, Subcommand)]
pub enum CreateCommand {
    /// Create a cluster
    Cluster(CreateClusterArgs),
    /// Create a Fargate profile
    #[command(name = "fargateprofile")]
    FargateProfile(CreateFargateProfileArgs),
}

/// `get …`.
#[derive(Debug, Subcommand)]
pub enum GetCommand {
    /// Get cluster(s)
    #[command(alias = "clusters")]
    Cluster(GetClusterArgs),
    /// Get Fargate profile(s)
    #[command(name = "fargateprofile", alias = "fargateprofiles")]
    FargateProfile(GetFargateProfileArgs),
}

/// `delete …`.
#[derive(Debug, Subcommand)]
pub enum DeleteCommand {
    /// Delete a cluster
    Cluster(DeleteClusterArgs),
    /// Delete Fargate profile
    #[command(name = "fargateprofile")]
    FargateProfile(DeleteFargateProfileArgs),
}

/// `update …`.
#[derive(Debug, Subcommand)]
pub enum UpdateCommand {
    /// Update a cluster's stack with the resources this version of ekscli adds (the Fargate pod execution role)
    Cluster(UpdateClusterArgs),
}

/// `utils …`.
#[derive(Debug, Subcommand)]
pub enum UtilsCommand {
    /// Write kubeconfig file for a given cluster
    #[command(name = "write-kubeconfig")]
    WriteKubeconfig(WriteKubeconfigArgs),
    /// Describe CloudFormation stack for a given cluster
    #[command(name = "describe-stacks")]
    DescribeStacks(DescribeStacksArgs),
}

/// `create cluster`.
#[derive(Debug, Args)]
pub struct CreateClusterArgs {
    /// The cluster name, as an argument
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// EKS cluster name (generated if unspecified, e.g. "unique-creature-1561094398")
    #[arg(short = 'n', long, value_name = "string")]
    pub name: Option<String>,
    /// Kubernetes version
    #[arg(long, value_name = "string")]
    pub version: Option<String>,
    /// A list of KV pairs used to tag the AWS resources (e.g. "Owner=John Doe,Team=Some Team")
    #[arg(long, value_name = "stringToString", value_parser = parse_kv_list)]
    pub tags: Option<KvList>,
    /// (auto-select if unspecified)
    #[arg(long, value_name = "strings", value_delimiter = ',')]
    pub zones: Option<Vec<String>>,
    /// Create a Fargate profile scheduling pods in the default and kube-system namespaces onto Fargate
    #[arg(long)]
    pub fargate: bool,
    /// Create EKS-managed nodegroup
    #[arg(long, value_name = "bool", num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub managed: Option<bool>,
    /// if set, initial nodegroup will not be created
    #[arg(long)]
    pub without_nodegroup: bool,
    /// name of the nodegroup (generated if unspecified, e.g. "ng-4c1b7a2e")
    #[arg(long, value_name = "string")]
    pub nodegroup_name: Option<String>,
    /// node instance type
    #[arg(long, value_name = "string")]
    pub node_type: Option<String>,
    /// total number of nodes (for a static ASG) (default 2)
    #[arg(short = 'N', long, value_name = "int")]
    pub nodes: Option<i32>,
    /// minimum nodes in ASG (default 2)
    #[arg(short = 'm', long, value_name = "int")]
    pub nodes_min: Option<i32>,
    /// maximum nodes in ASG (default 2)
    #[arg(short = 'M', long, value_name = "int")]
    pub nodes_max: Option<i32>,
    #[arg(short = 'f', long = "config-file", value_name = "string", help = CONFIG_FILE_HELP)]
    pub config_file: Option<String>,
    #[command(flatten)]
    pub kubeconfig: KubeconfigArgs,
    /// if true then a kubeconfig is written
    #[arg(long, value_name = "bool", num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub write_kubeconfig: Option<bool>,
}

/// The flags that say where and how a kubeconfig is written.
#[derive(Debug, Clone, Args)]
pub struct KubeconfigArgs {
    /// path to write kubeconfig (incompatible with --auto-kubeconfig)
    #[arg(long, value_name = "string")]
    pub kubeconfig: Option<String>,
    /// AWS IAM role to assume for authenticator
    #[arg(long, value_name = "string")]
    pub authenticator_role_arn: Option<String>,
    /// if true then current-context will be set in kubeconfig; if a context is already set then it will be overwritten
    #[arg(long, value_name = "bool", num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub set_kubeconfig_context: Option<bool>,
    /// save kubeconfig file by cluster name, e.g. "~/.kube/eksctl/clusters/<name>"
    #[arg(long)]
    pub auto_kubeconfig: bool,
}

/// `create fargateprofile`.
#[derive(Debug, Args)]
pub struct CreateFargateProfileArgs {
    /// The profile name, as an argument
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Fargate profile's name
    #[arg(long, value_name = "string")]
    pub name: Option<String>,
    /// Kubernetes namespace of the workloads to schedule on Fargate
    #[arg(long, value_name = "string")]
    pub namespace: Option<String>,
    /// Kubernetes selector labels of the workloads to schedule on Fargate. List of comma separated KV pairs "k1=v1,k2=v2"
    #[arg(short = 'l', long, value_name = "stringToString", value_parser = parse_kv_list)]
    pub labels: Option<KvList>,
    /// Used to tag the AWS resources. List of comma separated KV pairs "k1=v1,k2=v2"
    #[arg(short = 't', long, value_name = "stringToString", value_parser = parse_kv_list)]
    pub tags: Option<KvList>,
    /// EKS cluster name
    #[arg(short = 'c', long, value_name = "string")]
    pub cluster: Option<String>,
    #[arg(short = 'f', long = "config-file", value_name = "string", help = CONFIG_FILE_HELP)]
    pub config_file: Option<String>,
}

/// `get fargateprofile`.
#[derive(Debug, Args)]
pub struct GetFargateProfileArgs {
    /// The profile name, as an argument
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Fargate profile's name
    #[arg(long, value_name = "string")]
    pub name: Option<String>,
    /// EKS cluster name
    #[arg(short = 'c', long, value_name = "string")]
    pub cluster: Option<String>,
    #[arg(short = 'f', long = "config-file", value_name = "string", help = CONFIG_FILE_HELP)]
    pub config_file: Option<String>,
    /// specifies the output format (valid option: table, json, yaml)
    #[arg(short = 'o', long, default_value = "table", value_name = "string")]
    pub output: String,
    /// return large lists in chunks rather than all at once, pass 0 to disable
    #[arg(long, default_value_t = 100, value_name = "int")]
    pub chunk_size: i32,
}

/// `delete fargateprofile`.
#[derive(Debug, Args)]
pub struct DeleteFargateProfileArgs {
    /// The profile name, as an argument
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Fargate profile's name
    #[arg(long, value_name = "string")]
    pub name: Option<String>,
    /// EKS cluster name
    #[arg(short = 'c', long, value_name = "string")]
    pub cluster: Option<String>,
    #[arg(short = 'f', long = "config-file", value_name = "string", help = CONFIG_FILE_HELP)]
    pub config_file: Option<String>,
    /// wait for wait for the deletion of the Fargate profile, which may take from a couple seconds to a couple minutes. before exiting
    #[arg(short = 'w', long)]
    pub wait: bool,
}

/// `get cluster`.
#[derive(Debug, Args)]
pub struct GetClusterArgs {
    /// The cluster name, as an argument
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// EKS cluster name
    #[arg(short = 'n', long, value_name = "string")]
    pub name: Option<String>,
    /// List clusters across all supported regions
    #[arg(short = 'A', long)]
    pub all_regions: bool,
    /// specifies the output format (valid option: table, json, yaml)
    #[arg(short = 'o', long, default_value = "table", value_name = "string")]
    pub output: String,
    /// return large lists in chunks rather than all at once, pass 0 to disable
    #[arg(long, default_value_t = 100, value_name = "int")]
    pub chunk_size: i32,
}

/// `delete cluster`.
#[derive(Debug, Args)]
pub struct DeleteClusterArgs {
    /// The cluster name, as an argument
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// EKS cluster name
    #[arg(short = 'n', long, value_name = "string")]
    pub name: Option<String>,
    #[arg(short = 'f', long = "config-file", value_name = "string", help = CONFIG_FILE_HELP)]
    pub config_file: Option<String>,
    /// wait for deletion of all resources before exiting
    #[arg(short = 'w', long)]
    pub wait: bool,
}

/// `update cluster`.
#[derive(Debug, Args)]
pub struct UpdateClusterArgs {
    /// The cluster name, as an argument
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// EKS cluster name
    #[arg(short = 'n', long, value_name = "string")]
    pub name: Option<String>,
    #[arg(short = 'f', long = "config-file", value_name = "string", help = CONFIG_FILE_HELP)]
    pub config_file: Option<String>,
    /// Apply the changes
    #[arg(long)]
    pub approve: bool,
}

/// `utils write-kubeconfig`.
#[derive(Debug, Args)]
pub struct WriteKubeconfigArgs {
    /// The cluster name, as an argument
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// EKS cluster name
    #[arg(short = 'c', long, visible_alias = "name", value_name = "string")]
    pub cluster: Option<String>,
    #[command(flatten)]
    pub kubeconfig: KubeconfigArgs,
}

/// `utils describe-stacks`.
#[derive(Debug, Args)]
pub struct DescribeStacksArgs {
    /// The cluster name, as an argument
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// EKS cluster name
    #[arg(short = 'c', long, visible_alias = "name", value_name = "string")]
    pub cluster: Option<String>,
    /// include deleted stacks
    #[arg(long)]
    pub all: bool,
    /// include stack events
    #[arg(long)]
    pub events: bool,
    /// specifies the output formats (valid option: json and yaml)
    #[arg(short = 'o', long, value_name = "string")]
    pub output: Option<String>,
    #[arg(short = 'f', long = "config-file", value_name = "string", help = CONFIG_FILE_HELP)]
    pub config_file: Option<String>,
}

/// A `k1=v1,k2=v2` flag value (pflag's `stringToString`), in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KvList(pub Vec<(String, String)>);

/// Parses pflag's `stringToString`: comma-separated `k=v` pairs; an empty string is no pairs.
///
/// # Errors
/// pflag's message for a pair without `=`.
pub fn parse_kv_list(s: &str) -> Result<KvList, String> {
    if s.is_empty() {
        return Ok(KvList::default());
    }
    let mut pairs = Vec::new();
    for part in s.split(',') {
        let Some((k, v)) = part.split_once('=') else {
            return Err(format!("{part} must be formatted as key=value"));
        };
        pairs.push((k.to_owned(), v.to_owned()));
    }
    Ok(KvList(pairs))
}

/// Parses a Go duration (`25m0s`, `1h10m`, `90s`, `1.5h`, `300ms`).
///
/// # Errors
/// Go's `time: invalid duration "x"`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let invalid = || format!("time: invalid duration {s:?}");
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let mut rest = s;
    let mut total = 0f64;
    if rest.is_empty() {
        return Err(invalid());
    }
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(invalid)?;
        if number_len == 0 {
            return Err(invalid());
        }
        let value: f64 = rest[..number_len].parse().map_err(|_| invalid())?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(invalid()),
        };
        total += value * seconds;
        rest = &rest[unit_len..];
    }
    Ok(Duration::from_secs_f64(total))
}

/// Formats a duration as Go prints one (`25m0s`, `1h10m0s`, `30s`).
#[must_use]
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_duration("25m0s"), Ok(Duration::from_secs(1500)));
        assert_eq!(parse_duration("1h10m"), Ok(Duration::from_secs(4200)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("300ms"), Ok(Duration::from_millis(300)));
        assert_eq!(
            parse_duration("10"),
            Err("time: invalid duration \"10\"".into())
        );
        assert_eq!(format_duration(Duration::from_secs(1500)), "25m0s");
        assert_eq!(format_duration(Duration::from_secs(4200)), "1h10m0s");
    }

    #[test]
    fn kv_lists() {
        assert_eq!(
            parse_kv_list("env=dev,name=fp-default"),
            Ok(KvList(vec![
                ("env".into(), "dev".into()),
                ("name".into(), "fp-default".into())
            ]))
        );
        assert_eq!(parse_kv_list(""), Ok(KvList::default()));
        assert!(parse_kv_list("novalue").is_err());
    }
}
