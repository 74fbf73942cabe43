//! `create`, `get` and `delete fargateprofile`, as eksctl does them (reference/eksctl.md §1–§5):
//! eksctl's input rules in its order, the STS check, `DescribeCluster` and the eks.5 check, then
//! the EKS profile calls. Creation finds the pod execution role (the config, the cluster stack's
//! `FargatePodExecutionRoleARN` output, or an `eksctl-<c>-fargate` stack, created for clusters
//! ekscli did not make), then creates the profiles one at a time, each waited to ACTIVE.
//!
//! When a profile covers `kube-system`, coredns is then moved onto Fargate through the cluster's
//! Kubernetes API ([`crate::kube::coredns`]).

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_eks::types::{FargateProfileSelector as SdkSelector, FargateProfileStatus};

use super::{
    can_operate, check_auth, check_config_file, check_fargate_support, connect, existing_cluster,
    flag_and_arg, load_config, name_arg, Caller,
};
use crate::aws::{code, describe, Aws};
use crate::cfn::{self, templates, Stacks, FARGATE_ROLE_OUTPUT};
use crate::cli::{
    CreateFargateProfileArgs, DeleteFargateProfileArgs, GetFargateProfileArgs, GlobalArgs,
};
use crate::config::{
    self, validate_create_options, validate_profile, ClusterConfig, ClusterMeta, FargateProfile,
    FargateProfileSelector,
};
use crate::kube::{coredns, Kube};
use crate::output::{render_profiles, Format, Output, ProfileView, SelectorView};
use crate::wait::{Backoff, Sleeper};
use crate::{names, Context, Error, ExitStatus};

/// `create fargateprofile`.
///
/// # Errors
/// eksctl's messages; see the module header.
pub async fn create(
    ctx: &Context,
    g: &GlobalArgs,
    args: &CreateFargateProfileArgs,
    out: &mut Output<'_>,
) -> Result<ExitStatus, Error> {
    let Some(arg) = name_arg(out, &args.names) else {
        return Ok(ExitStatus::Failure);
    };
    let config = if let Some(file) = &args.config_file {
        let config = load_config(ctx, file)?;
        check_config_file(
            &config,
            &[
                ("cluster", args.cluster.is_some()),
                ("labels", args.labels.is_some()),
                ("name", args.name.is_some()),
                ("namespace", args.namespace.is_some()),
                ("region", g.region.is_some()),
            ],
        )?;
        if arg.is_some() {
            return Err("cannot use name argument when --config-file/-f is set".into());
        }
        for profile in config.profiles() {
            validate_profile(profile)?;
        }
        config
    } else {
        let cluster = args.cluster.clone().unwrap_or_default();
        if cluster.is_empty() {
            return Err("--cluster must be set".into());
        }
        if let (Some(flag), Some(arg)) = (&args.name, &arg) {
            return Err(flag_and_arg("name", flag, arg));
        }
        let name = args.name.clone().or(arg).unwrap_or_default();
        let namespace = args.namespace.clone().unwrap_or_default();
        validate_create_options(&name, &namespace)?;
        let name = if name.is_empty() {
            names::fargate_profile_name(&mut ctx.rng())
        } else {
            name
        };
        let labels: BTreeMap<String, String> = args
            .labels
            .clone()
            .unwrap_or_default()
            .0
            .into_iter()
            .collect();
        let tags: BTreeMap<String, String> = args
            .tags
            .clone()
            .unwrap_or_default()
            .0
            .into_iter()
            .collect();
        let profile = FargateProfile {
            name,
            selectors: vec![FargateProfileSelector {
                namespace,
                labels: (!labels.is_empty()).then_some(labels),
            }],
            tags: (!tags.is_empty()).then_some(tags),
            ..FargateProfile::default()
        };
        validate_profile(&profile)?;
        ClusterConfig {
            metadata: Some(ClusterMeta {
                name: Some(cluster),
                region: g.region.clone(),
                ..ClusterMeta::default()
            }),
            fargate_profiles: Some(vec![profile]),
            ..ClusterConfig::default()
        }
    };

    let aws = connect(ctx, g, Some(config.region())).await;
    let caller = check_auth(&aws).await?;
    let cluster_name = config.name().to_owned();
    let cluster = existing_cluster(&aws, &cluster_name).await?;
    can_operate(&cluster, &aws.region)
        .map_err(|e| e.wrap("couldn't check cluster operable status"))?;
    check_fargate_support(&cluster, out)?;

    let mut profiles = config.profiles().to_vec();
    if profiles.iter().any(|p| {
        p.pod_execution_role_arn
            .as_deref()
            .is_none_or(str::is_empty)
    }) {
        let role = pod_execution_role(ctx, g, &aws, &caller, &config, out).await?;
        for p in &mut profiles {
            if p.pod_execution_role_arn
                .as_deref()
                .is_none_or(str::is_empty)
            {
                p.pod_execution_role_arn = Some(role.clone());
            }
        }
    }
    create_profiles(&aws, out, &ctx.sleeper, g.timeout, &cluster_name, &profiles)
        .await
        .map_err(|e| e.wrap("could not create fargate profiles"))?;
    coredns::schedule_if_relevant(
        &profiles,
        Kube::connect(ctx, &aws, &cluster),
        out,
        &ctx.sleeper,
        g.timeout,
    )
    .await
    .map_err(|e| e.wrap("failed to schedule core-dns on fargate"))?;
    Ok(ExitStatus::Success)
}

/// The role for profiles that name none: the config's `iam.fargatePodExecutionRoleARN`, the
/// cluster stack's output, or the `-fargate` stack's (created when the cluster has no stack).
async fn pod_execution_role(
    ctx: &Context,
    g: &GlobalArgs,
    aws: &Aws,
    caller: &Caller,
    config: &ClusterConfig,
    out: &mut Output<'_>,
) -> Result<String, Error> {
    if let Some(arn) = config.fargate_role_arn() {
        return Ok(arn.to_owned());
    }
    let cluster = config.name();
    let stacks = Stacks::new(aws, cluster);
    let cluster_stack = stacks
        .cluster_stack()
        .await
        .map_err(|e| e.wrap("couldn't check cluster stack"))?;
    if let Some(stack) = cluster_stack {
        if let Some(arn) = stack.outputs.get(FARGATE_ROLE_OUTPUT) {
            return Ok(arn.clone());
        }
        if let Some(arn) = stacks
            .fargate_stack()
            .await
            .map_err(|e| e.wrap("couldn't check cluster stack"))?
            .and_then(|s| s.outputs.get(FARGATE_ROLE_OUTPUT).cloned())
        {
            return Ok(arn);
        }
        return Err(Error::new(format!(
            "couldn't refresh role arn: no output {FARGATE_ROLE_OUTPUT:?} in stack {:?}; the cluster was created with a version of eksctl or ekscli without Fargate support, run 'ekscli update cluster --name={cluster} --region={} --approve' to add the Fargate pod execution role, then try again",
            stack.name, aws.region
        )));
    }
    ensure_fargate_stack(ctx, g, aws, caller, config, out)
        .await
        .map_err(|e| e.wrap("couldn't ensure unowned cluster is ready for fargate"))
}

/// eksctl's `ensureFargateRoleStackExists` for a cluster without a cluster stack.
async fn ensure_fargate_stack(
    ctx: &Context,
    g: &GlobalArgs,
    aws: &Aws,
    caller: &Caller,
    config: &ClusterConfig,
    out: &mut Output<'_>,
) -> Result<String, Error> {
    let cluster = config.name();
    let stacks = Stacks::new(aws, cluster);
    let existing = stacks.fargate_stack().await?;
    let stack = match existing {
        Some(stack) if stack.status.ends_with("_IN_PROGRESS") => {
            stacks
                .wait(out, &ctx.sleeper, g.timeout, &stack.name, false)
                .await?
        }
        Some(stack) => Some(stack),
        None => {
            let name = cfn::fargate_stack_name(cluster);
            let template = templates::fargate_stack(config, &aws.region, &caller.account);
            let tags = config
                .metadata
                .as_ref()
                .and_then(|m| m.tags.clone())
                .unwrap_or_default();
            let created = async {
                stacks.create(out, &name, &template, &tags).await?;
                stacks
                    .wait(out, &ctx.sleeper, g.timeout, &name, false)
                    .await
            }
            .await;
            match created {
                Ok(stack) => stack,
                Err(e) => {
                    out.critical(e.message());
                    return Err("couldn't create fargate stack".into());
                }
            }
        }
    };
    stack
        .and_then(|s| s.outputs.get(FARGATE_ROLE_OUTPUT).cloned())
        .ok_or_else(|| {
            Error::new(format!(
                "no output {FARGATE_ROLE_OUTPUT:?} in stack {:?}",
                cfn::fargate_stack_name(cluster)
            ))
        })
}

/// Every profile name of a cluster (`ListFargateProfiles`, following `nextToken`).
///
/// # Errors
/// The EKS error as `Code: message`.
pub async fn list_profile_names(aws: &Aws, cluster: &str) -> Result<Vec<String>, Error> {
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = aws
            .eks
            .list_fargate_profiles()
            .cluster_name(cluster)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| Error::new(describe(&e)))?;
        names.extend(page.fargate_profile_names().iter().cloned());
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(names);
        }
    }
}

/// eksctl's `DoCreateFargateProfiles`: one `ListFargateProfiles`, then each profile in order,
/// skipped if it exists, else created and waited to ACTIVE before the next.
///
/// # Errors
/// eksctl's messages (see reference/eksctl.md §4).
pub async fn create_profiles(
    aws: &Aws,
    out: &mut Output<'_>,
    sleeper: &Sleeper,
    timeout: Duration,
    cluster: &str,
    profiles: &[FargateProfile],
) -> Result<(), Error> {
    let existing = list_profile_names(aws, cluster)
        .await
        .map_err(|e| e.wrap("failed to get Fargate Profile list"))?;
    for profile in profiles {
        let name = &profile.name;
        if existing.contains(name) {
            out.info(format!(
                "Fargate profile {name:?} already exists on EKS cluster {cluster:?}"
            ));
            continue;
        }
        out.info(format!(
            "creating Fargate profile {name:?} on EKS cluster {cluster:?}"
        ));
        let selectors = profile
            .selectors
            .iter()
            .map(|s| {
                SdkSelector::builder()
                    .namespace(&s.namespace)
                    .set_labels(
                        s.labels
                            .clone()
                            .filter(|l| !l.is_empty())
                            .map(|l| l.into_iter().collect()),
                    )
                    .build()
            })
            .collect();
        let request = aws
            .eks
            .create_fargate_profile()
            .cluster_name(cluster)
            .fargate_profile_name(name)
            .set_selectors(Some(selectors))
            .set_pod_execution_role_arn(
                profile
                    .pod_execution_role_arn
                    .clone()
                    .filter(|r| !r.is_empty()),
            )
            .set_subnets(profile.subnets.clone().filter(|s| !s.is_empty()))
            .set_tags(
                profile
                    .tags
                    .clone()
                    .filter(|t| !t.is_empty())
                    .map(|t| t.into_iter().collect()),
            );
        if let Err(err) = request.send().await {
            let message = describe(&err);
            match code(&err) {
                Some("ResourceInUseException") => {
                    out.info(format!(
                        "either Fargate profile {name:?} already exists on EKS cluster {cluster:?} or another profile is being created/deleted, no action taken"
                    ));
                    continue;
                }
                Some("AccessDenied" | "AccessDeniedException") => {
                    return Err(Error::new(format!(
                        "either account is not authorized to use Fargate or region {} is not supported: {message}",
                        aws.region
                    )));
                }
                Some("InvalidParameterException")
                    if err
                        .as_service_error()
                        .and_then(aws_sdk_eks::error::ProvideErrorMetadata::message)
                        .is_some_and(|m| {
                            m.starts_with("Fargate Profile creation for the Availability Zone")
                        }) =>
                {
                    let aws_message =
                        aws_sdk_eks::error::ProvideErrorMetadata::message(&err).unwrap_or_default();
                    return Err(Error::new(format!(
                        "{aws_message}; please rerun the command by supplying subnets in the Fargate Profile that do not exist in the unsupported AZ, or recreate the cluster after specifying supported AZs in `availabilityZones`"
                    )));
                }
                _ => {
                    return Err(Error::new(format!(
                        "failed to create Fargate profile {name:?} on EKS cluster {cluster:?}: failed to create Fargate profile {name:?}: {message}"
                    )));
                }
            }
        }
        wait_for_active(aws, sleeper, timeout, cluster, name)
            .await
            .map_err(|e| {
                e.wrap(format!(
                    "failed to create Fargate profile {name:?} on EKS cluster {cluster:?}"
                ))
            })?;
        out.info(format!(
            "created Fargate profile {name:?} on EKS cluster {cluster:?}"
        ));
    }
    Ok(())
}

/// Polls `DescribeFargateProfile` until ACTIVE. CREATE_FAILED is not special, as in eksctl: it
/// runs into the timeout.
async fn wait_for_active(
    aws: &Aws,
    sleeper: &Sleeper,
    timeout: Duration,
    cluster: &str,
    name: &str,
) -> Result<(), Error> {
    let mut backoff = Backoff::new(timeout);
    loop {
        let status = aws
            .eks
            .describe_fargate_profile()
            .cluster_name(cluster)
            .fargate_profile_name(name)
            .send()
            .await
            .map_err(|e| {
                Error::new(format!(
                    "failed while waiting for Fargate profile {name:?}'s creation: {}",
                    describe(&e)
                ))
            })?
            .fargate_profile
            .and_then(|p| p.status);
        if status == Some(FargateProfileStatus::Active) {
            return Ok(());
        }
        if !backoff.wait(sleeper).await {
            return Err(Error::new(format!(
                "timed out while waiting for Fargate profile {name:?}'s creation"
            )));
        }
    }
}

/// `get fargateprofile`.
///
/// # Errors
/// eksctl's messages.
pub async fn get(
    ctx: &Context,
    g: &GlobalArgs,
    args: &GetFargateProfileArgs,
    out: &mut Output<'_>,
) -> Result<ExitStatus, Error> {
    let Some(arg) = name_arg(out, &args.names) else {
        return Ok(ExitStatus::Failure);
    };
    let (cluster, region) =
        cluster_and_region(ctx, g, args.config_file.as_deref(), args.cluster.as_deref())?;
    if let (Some(flag), Some(arg)) = (&args.name, &arg) {
        return Err(flag_and_arg("name", flag, arg));
    }
    let name = args.name.clone().or(arg).unwrap_or_default();
    if args.output != "table" {
        out.logs_to_stderr();
    }
    let aws = connect(ctx, g, region.as_deref()).await;
    check_auth(&aws).await?;
    let eks_cluster = existing_cluster(&aws, &cluster).await?;
    check_fargate_support(&eks_cluster, out)?;

    let profiles = if name.is_empty() {
        let names = list_profile_names(&aws, &cluster).await.map_err(|e| {
            e.wrap(format!(
                "failed to get Fargate profile(s) for cluster {cluster:?}"
            ))
        })?;
        let mut profiles = Vec::new();
        for n in names {
            profiles.push(describe_profile(&aws, &cluster, &n).await?);
        }
        profiles
    } else {
        vec![describe_profile(&aws, &cluster, &name).await?]
    };
    let format = Format::parse(&args.output)?;
    out.data(&render_profiles(&profiles, format))
        .map_err(|e| Error::new(e.to_string()))?;
    Ok(ExitStatus::Success)
}

async fn describe_profile(aws: &Aws, cluster: &str, name: &str) -> Result<ProfileView, Error> {
    let profile = aws
        .eks
        .describe_fargate_profile()
        .cluster_name(cluster)
        .fargate_profile_name(name)
        .send()
        .await
        .map_err(|e| {
            Error::new(format!(
                "failed to get Fargate profile {name:?}: {}",
                describe(&e)
            ))
        })?
        .fargate_profile
        .unwrap_or_else(|| aws_sdk_eks::types::FargateProfile::builder().build());
    Ok(ProfileView {
        name: profile
            .fargate_profile_name()
            .unwrap_or_default()
            .to_owned(),
        pod_execution_role_arn: profile
            .pod_execution_role_arn()
            .unwrap_or_default()
            .to_owned(),
        selectors: profile
            .selectors()
            .iter()
            .map(|s| SelectorView {
                namespace: s.namespace().unwrap_or_default().to_owned(),
                labels: s
                    .labels()
                    .map(|l| l.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
            })
            .collect(),
        subnets: profile.subnets().to_vec(),
        tags: profile
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        status: profile
            .status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
    })
}

/// The cluster and region of `get`/`delete fargateprofile`: from `-f` (which excludes
/// `--cluster` and `--region`) or from `--cluster`.
fn cluster_and_region(
    ctx: &Context,
    g: &GlobalArgs,
    file: Option<&str>,
    cluster: Option<&str>,
) -> Result<(String, Option<String>), Error> {
    if let Some(file) = file {
        let config = load_config(ctx, file)?;
        check_config_file(
            &config,
            &[
                ("cluster", cluster.is_some()),
                ("region", g.region.is_some()),
            ],
        )?;
        return Ok((config.name().to_owned(), Some(config.region().to_owned())));
    }
    match cluster.filter(|c| !c.is_empty()) {
        Some(c) => Ok((c.to_owned(), g.region.clone())),
        None => Err("--cluster must be set".into()),
    }
}

/// `delete fargateprofile`.
///
/// # Errors
/// eksctl's messages.
pub async fn delete(
    ctx: &Context,
    g: &GlobalArgs,
    args: &DeleteFargateProfileArgs,
    out: &mut Output<'_>,
) -> Result<ExitStatus, Error> {
    let Some(arg) = name_arg(out, &args.names) else {
        return Ok(ExitStatus::Failure);
    };
    let (cluster, region) =
        cluster_and_region(ctx, g, args.config_file.as_deref(), args.cluster.as_deref())?;
    if let (Some(flag), Some(arg)) = (&args.name, &arg) {
        return Err(flag_and_arg("name", flag, arg));
    }
    let name = args.name.clone().or(arg).unwrap_or_default();
    if name.is_empty() {
        return Err("invalid Fargate profile: empty name".into());
    }
    let aws = connect(ctx, g, region.as_deref()).await;
    check_auth(&aws).await?;
    let eks_cluster = existing_cluster(&aws, &cluster).await?;
    check_fargate_support(&eks_cluster, out)?;

    let line = format!("deleting Fargate profile {name:?} on EKS cluster {cluster:?}");
    if args.wait {
        out.info(line);
    } else {
        out.debug(line);
    }
    aws.eks
        .delete_fargate_profile()
        .cluster_name(&cluster)
        .fargate_profile_name(&name)
        .send()
        .await
        .map_err(|e| {
            Error::new(format!(
                "failed to delete Fargate profile {name:?}: {}",
                describe(&e)
            ))
        })?;
    if args.wait {
        wait_for_deletion(ctx, &aws, g.timeout, &cluster, &name).await?;
    } else {
        delete_unused_fargate_stack(&aws, out, &cluster, &name).await;
    }
    out.info(format!(
        "deleted Fargate profile {name:?} on EKS cluster {cluster:?}"
    ));
    Ok(ExitStatus::Success)
}

/// Polls `ListFargateProfiles` until `name` is gone, with a spinner when stderr is a terminal.
///
/// # Errors
/// `timed out while waiting for Fargate profile "N"'s deletion`, or the list error.
pub async fn wait_for_deletion(
    ctx: &Context,
    aws: &Aws,
    timeout: Duration,
    cluster: &str,
    name: &str,
) -> Result<(), Error> {
    let spinner = ctx.stderr_is_terminal.then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        bar.set_message(format!(
            "waiting for Fargate profile {name:?} to be deleted"
        ));
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let mut backoff = Backoff::new(timeout);
    let result = loop {
        match list_profile_names(aws, cluster).await {
            Ok(names) if !names.iter().any(|n| n == name) => break Ok(()),
            Ok(_) => {}
            Err(e) => {
                break Err(e.wrap(format!(
                    "failed while waiting for Fargate profile {name:?}'s deletion"
                )))
            }
        }
        if !backoff.wait(&ctx.sleeper).await {
            break Err(Error::new(format!(
                "timed out while waiting for Fargate profile {name:?}'s deletion"
            )));
        }
    };
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    result
}

/// eksctl's no-wait cleanup: when no other profile is left, delete the `-fargate` role stack.
async fn delete_unused_fargate_stack(
    aws: &Aws,
    out: &mut Output<'_>,
    cluster: &str,
    deleted: &str,
) {
    let Ok(names) = list_profile_names(aws, cluster).await else {
        out.debug("failed to list Fargate profiles, skipping deletion of the fargate stack");
        return;
    };
    if !names.iter().all(|n| n == deleted) {
        return;
    }
    let stacks = Stacks::new(aws, cluster);
    match stacks.fargate_stack().await {
        Ok(Some(stack)) => {
            out.info("deleting unused fargate role");
            if let Err(e) = stacks.delete(out, &stack).await {
                out.debug(format!("failed to delete stack {:?}: {e}", stack.name));
            }
        }
        Ok(None) => out.info("no fargate stack to delete"),
        Err(_) => out.debug("failed to fetch fargate stack to delete, skipping deletion"),
    }
}

/// The default profile for `create cluster --fargate`.
#[must_use]
pub fn default_profile() -> FargateProfile {
    config::default_fargate_profile()
}
