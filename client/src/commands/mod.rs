//! The commands: one module per noun (`fargate`, `cluster`, `utils`), dispatched from here. A
//! command takes its clap arguments, the [`Context`] and the [`Output`], talks to AWS through the
//! SDK, logs progress through the output, hands data to `output.rs` to render, and returns an
//! [`ExitStatus`] or an [`Error`] (printed as `Error: …` by the caller). Commands never exit.
//!
//! The helpers below are the steps most commands share, with eksctl's messages: the positional
//! name, the config file and the flags it excludes, the STS check, and describing an existing
//! cluster (its status and the Fargate platform-version check).

pub mod cluster;
pub mod fargate;
pub mod utils;

use aws_sdk_eks::types::Cluster;

use crate::aws::{describe, Aws, Target};
use crate::cli::{
    Cli, Command, CreateCommand, DeleteCommand, GetCommand, GlobalArgs, UpdateCommand, UtilsCommand,
};
use crate::config::{self, ClusterConfig};
use crate::output::Output;
use crate::{Context, Error, ExitStatus};

/// Runs the parsed command line.
///
/// # Errors
/// The command's error, to be printed as `Error: …`.
pub async fn run(ctx: &Context, cli: Cli, out: &mut Output<'_>) -> Result<ExitStatus, Error> {
    let g = &cli.global;
    match cli.command {
        Command::Create(CreateCommand::FargateProfile(args)) => {
            fargate::create(ctx, g, &args, out).await
        }
        Command::Create(CreateCommand::Cluster(args)) => cluster::create(ctx, g, &args, out).await,
        Command::Get(GetCommand::FargateProfile(args)) => fargate::get(ctx, g, &args, out).await,
        Command::Get(GetCommand::Cluster(args)) => cluster::get(ctx, g, &args, out).await,
        Command::Delete(DeleteCommand::FargateProfile(args)) => {
            fargate::delete(ctx, g, &args, out).await
        }
        Command::Delete(DeleteCommand::Cluster(args)) => cluster::delete(ctx, g, &args, out).await,
        Command::Update(UpdateCommand::Cluster(args)) => cluster::update(ctx, g, &args, out).await,
        Command::Utils(UtilsCommand::WriteKubeconfig(args)) => {
            utils::write_kubeconfig(ctx, g, &args, out).await
        }
        Command::Utils(UtilsCommand::DescribeStacks(args)) => {
            utils::describe_stacks(ctx, g, &args, out).await
        }
        Command::Version => {
            out.data(&format!("{}\n", env!("CARGO_PKG_VERSION")))
                .map_err(|e| Error::new(e.to_string()))?;
            Ok(ExitStatus::Success)
        }
    }
}

/// The positional NAME: `Some(None)` without one, `Some(Some(n))` with one, `None` (after
/// logging eksctl's critical line) with more than one.
pub fn name_arg(out: &mut Output<'_>, names: &[String]) -> Option<Option<String>> {
    match names {
        [] => Some(None),
        [one] => Some(Some(one.trim().to_owned())),
        _ => {
            out.critical("only one argument is allowed to be used as a name");
            None
        }
    }
}

/// `--<flag>=A and argument B cannot be used at the same time`.
#[must_use]
pub fn flag_and_arg(flag: &str, value: &str, arg: &str) -> Error {
    Error::new(format!(
        "--{flag}={value} and argument {arg} cannot be used at the same time"
    ))
}

/// Reads and parses `-f FILE` (`-` is stdin), with eksctl's wrapping.
///
/// # Errors
/// `reading config file "F": open F: no such file or directory`, `loading config file "F": …`.
pub fn load_config(ctx: &Context, path: &str) -> Result<ClusterConfig, Error> {
    let bytes = if path == "-" {
        ctx.read_stdin().map_err(|e| {
            Error::new(format!(
                "reading config file {path:?}: read /dev/stdin: {e}"
            ))
        })?
    } else {
        std::fs::read(path).map_err(|e| {
            let reason = match e.kind() {
                std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
                std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
                _ if std::path::Path::new(path).is_dir() => {
                    return Error::new(format!(
                        "reading config file {path:?}: read {path}: is a directory"
                    ))
                }
                _ => e.to_string(),
            };
            Error::new(format!(
                "reading config file {path:?}: open {path}: {reason}"
            ))
        })?
    };
    config::parse(&bytes).map_err(|e| Error::new(format!("loading config file {path:?}: {e}")))
}

/// The checks eksctl's config loader makes once a file is read: `metadata` present, none of the
/// excluded flags given (the first in sorted order is reported), then name and region.
///
/// # Errors
/// `metadata must be set`, `cannot use --F when --config-file/-f is set`,
/// `metadata.name must be set`, `metadata.region must be set`.
pub fn check_config_file(config: &ClusterConfig, flags: &[(&str, bool)]) -> Result<(), Error> {
    if config.metadata.is_none() {
        return Err("metadata must be set".into());
    }
    let mut given: Vec<&str> = flags
        .iter()
        .filter(|(_, set)| *set)
        .map(|(f, _)| *f)
        .collect();
    given.sort_unstable();
    if let Some(flag) = given.first() {
        return Err(Error::new(format!(
            "cannot use --{flag} when --config-file/-f is set"
        )));
    }
    if config.name().is_empty() {
        return Err("metadata.name must be set".into());
    }
    if config.region().is_empty() {
        return Err("metadata.region must be set".into());
    }
    Ok(())
}

/// Connects to AWS in `region` (or the global `--region`, or the default chain).
pub async fn connect(ctx: &Context, g: &GlobalArgs, region: Option<&str>) -> Aws {
    let target = Target {
        region: region
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .or_else(|| g.region.clone().filter(|r| !r.is_empty()))
            // The SDK's own environment lookup reads the process's; a context's wins.
            .or_else(|| ctx.var("AWS_REGION").map(str::to_owned))
            .or_else(|| ctx.var("AWS_DEFAULT_REGION").map(str::to_owned)),
        profile: g
            .profile
            .clone()
            .or_else(|| ctx.var("AWS_PROFILE").map(str::to_owned)),
        endpoint_url: g
            .endpoint_url
            .clone()
            .or_else(|| ctx.var("AWS_ENDPOINT_URL").map(str::to_owned)),
    };
    Aws::connect(ctx, &target).await
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The caller's ARN.
    pub arn: String,
    /// The account.
    pub account: String,
}

/// eksctl's `CheckAuth`: STS `GetCallerIdentity`.
///
/// # Errors
/// `checking AWS STS access – cannot get role ARN for current session: …`.
pub async fn check_auth(aws: &Aws) -> Result<Caller, Error> {
    let out = aws.sts.get_caller_identity().send().await.map_err(|e| {
        Error::new(format!(
            "checking AWS STS access – cannot get role ARN for current session: {}",
            describe(&e)
        ))
    })?;
    Ok(Caller {
        arn: out.arn().unwrap_or_default().to_owned(),
        account: out.account().unwrap_or_default().to_owned(),
    })
}

/// `DescribeCluster` for a command on an existing cluster.
///
/// # Errors
/// `couldn't create cluster provider from command line options: unable to describe cluster
/// control plane: <Code: message>`.
pub async fn existing_cluster(aws: &Aws, name: &str) -> Result<Cluster, Error> {
    let out = aws
        .eks
        .describe_cluster()
        .name(name)
        .send()
        .await
        .map_err(|e| {
            Error::new(format!(
                "couldn't create cluster provider from command line options: unable to describe cluster control plane: {}",
                describe(&e)
            ))
        })?;
    out.cluster
        .ok_or_else(|| Error::new("unable to describe cluster control plane: empty response"))
}

/// eksctl's `CanOperate`: Kubernetes API operations need a cluster that is not being created,
/// deleted, or failed.
///
/// # Errors
/// `cannot perform Kubernetes API operations on cluster "C" in "R" region due to status "S"`.
pub fn can_operate(cluster: &Cluster, region: &str) -> Result<(), Error> {
    let status = cluster.status().map(|s| s.as_str()).unwrap_or_default();
    if matches!(status, "CREATING" | "DELETING" | "FAILED") {
        return Err(Error::new(format!(
            "cannot perform Kubernetes API operations on cluster {:?} in {region:?} region due to status {status:?}",
            cluster.name().unwrap_or_default()
        )));
    }
    Ok(())
}

/// The minimum platform version of a 1.14 cluster for Fargate.
pub const MIN_PLATFORM_VERSION: u32 = 5;

/// eksctl 0.11's `ClusterSupportsFargate`: Kubernetes 1.15 and later always; 1.14 from platform
/// `eks.5`; nothing older. A 1.14 cluster without a platform version is unsupported (with a
/// warning).
///
/// # Errors
/// `failed to parse cluster's platform version: "eks.invalid"`, or a version that does not parse.
pub fn supports_fargate(
    version: &str,
    platform_version: Option<&str>,
    out: &mut Output<'_>,
) -> Result<bool, Error> {
    let (major, minor) = parse_minor(version).ok_or_else(|| {
        Error::new(format!(
            "failed to parse cluster's Kubernetes version: {version:?}"
        ))
    })?;
    if (major, minor) < (1, 14) {
        return Ok(false);
    }
    if (major, minor) > (1, 14) {
        return Ok(true);
    }
    let Some(platform) = platform_version.filter(|p| !p.is_empty()) else {
        out.warning("could not find cluster's platform version");
        return Ok(false);
    };
    let number: u32 = platform
        .strip_prefix("eks.")
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| {
            Error::new(format!(
                "failed to parse cluster's platform version: {platform:?}"
            ))
        })?;
    Ok(number >= MIN_PLATFORM_VERSION)
}

fn parse_minor(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// The eks.5 check the profile commands make before anything else on the cluster.
///
/// # Errors
/// `Fargate is not supported for this cluster version. Please update the cluster to be at least
/// eks.5`, or `couldn't check fargate support: …`.
pub fn check_fargate_support(cluster: &Cluster, out: &mut Output<'_>) -> Result<(), Error> {
    let supported = supports_fargate(
        cluster.version().unwrap_or_default(),
        cluster.platform_version(),
        out,
    )
    .map_err(|e| e.wrap("couldn't check fargate support"))?;
    if supported {
        Ok(())
    } else {
        Err(Error::new(format!(
            "Fargate is not supported for this cluster version. Please update the cluster to be at least eks.{MIN_PLATFORM_VERSION}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::LogStyle;

    fn check(version: &str, platform: Option<&str>) -> Result<bool, Error> {
        let mut o = Vec::new();
        let mut e = Vec::new();
        let mut out = Output::new(&mut o, &mut e, LogStyle::default());
        supports_fargate(version, platform, &mut out)
    }

    /// eksctl's removed `pkg/eks/eks_test.go` table.
    #[test]
    fn the_eks5_table() {
        for p in ["eks.1", "eks.2", "eks.3", "eks.4"] {
            assert_eq!(check("1.14", Some(p)), Ok(false), "{p}");
        }
        for p in ["eks.5", "eks.6", "eks.7", "eks.10"] {
            assert_eq!(check("1.14", Some(p)), Ok(true), "{p}");
        }
        assert_eq!(check("1.13", Some("eks.5")), Ok(false));
        assert_eq!(check("1.15", Some("eks.1")), Ok(true));
        assert_eq!(check("1.16", Some("eks.1")), Ok(true));
        assert_eq!(check("1.32", Some("eks.30")), Ok(true));
        assert_eq!(check("1.14", None), Ok(false));
        assert_eq!(
            check("1.14", Some("eks.invalid")).unwrap_err().message(),
            "failed to parse cluster's platform version: \"eks.invalid\""
        );
        assert!(check("1.14", Some("eks.")).is_err());
        assert!(check("1.", Some("eks.5")).is_err());
    }

    #[test]
    fn config_file_checks_in_order() {
        let mut c = ClusterConfig::default();
        assert_eq!(
            check_config_file(&c, &[]).unwrap_err().message(),
            "metadata must be set"
        );
        c.metadata = Some(config::ClusterMeta::default());
        assert_eq!(
            check_config_file(&c, &[("region", true), ("cluster", true)])
                .unwrap_err()
                .message(),
            "cannot use --cluster when --config-file/-f is set"
        );
        assert_eq!(
            check_config_file(&c, &[]).unwrap_err().message(),
            "metadata.name must be set"
        );
        c.metadata.as_mut().unwrap().name = Some("c".into());
        assert_eq!(
            check_config_file(&c, &[]).unwrap_err().message(),
            "metadata.region must be set"
        );
    }
}
