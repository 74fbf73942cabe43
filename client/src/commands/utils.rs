//! `utils write-kubeconfig` and `utils describe-stacks`.
//!
//! `describe-stacks` prints each stack as one `[ℹ]  stack/NAME = {…}` line (eksctl prints Go's
//! `%#v` of the SDK struct there; ekscli prints the same fields in a readable form), or the list
//! as YAML/JSON with `-o`.

use serde::Serialize;

use super::{check_auth, connect, existing_cluster, flag_and_arg, load_config, name_arg};
use crate::cfn::{StackInfo, Stacks};
use crate::cli::{DescribeStacksArgs, GlobalArgs, WriteKubeconfigArgs};
use crate::output::{to_json, to_yaml, Format, Output};
use crate::{Context, Error, ExitStatus};

/// `utils write-kubeconfig`.
///
/// # Errors
/// eksctl's messages.
pub async fn write_kubeconfig(
    ctx: &Context,
    g: &GlobalArgs,
    args: &WriteKubeconfigArgs,
    out: &mut Output<'_>,
) -> Result<ExitStatus, Error> {
    let Some(arg) = name_arg(out, &args.names) else {
        return Ok(ExitStatus::Failure);
    };
    if let (Some(flag), Some(arg)) = (&args.cluster, &arg) {
        return Err(flag_and_arg("cluster", flag, arg));
    }
    let cluster = args.cluster.clone().or(arg).unwrap_or_default();
    if cluster.is_empty() {
        return Err("--cluster must be set".into());
    }
    if args.kubeconfig.auto_kubeconfig && args.kubeconfig.kubeconfig.is_some() {
        return Err("--kubeconfig and --auto-kubeconfig cannot be used at the same time".into());
    }
    let aws = connect(ctx, g, None).await;
    let caller = check_auth(&aws).await?;
    let eks_cluster = existing_cluster(&aws, &cluster).await?;
    let path = super::cluster::write_kubeconfig_for(
        ctx,
        &aws,
        &caller,
        &eks_cluster,
        &args.kubeconfig,
        &cluster,
    )?;
    out.success(format!(
        "saved kubeconfig as {:?}",
        path.display().to_string()
    ));
    Ok(ExitStatus::Success)
}

/// A stack as `-o yaml|json` prints it (the SDK's field names).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct StackOut<'a> {
    stack_name: &'a str,
    stack_id: &'a str,
    stack_status: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    stack_status_reason: &'a str,
    description: &'a str,
    creation_time: &'a str,
    outputs: Vec<OutputOut<'a>>,
    tags: Vec<TagOut<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct OutputOut<'a> {
    output_key: &'a str,
    output_value: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TagOut<'a> {
    key: &'a str,
    value: &'a str,
}

fn stack_out(s: &StackInfo) -> StackOut<'_> {
    StackOut {
        stack_name: &s.name,
        stack_id: &s.id,
        stack_status: &s.status,
        stack_status_reason: &s.reason,
        description: &s.description,
        creation_time: &s.created,
        outputs: s
            .outputs
            .iter()
            .map(|(k, v)| OutputOut {
                output_key: k,
                output_value: v,
            })
            .collect(),
        tags: s
            .tags
            .iter()
            .map(|(k, v)| TagOut { key: k, value: v })
            .collect(),
    }
}

/// The one-line form of a stack.
#[must_use]
pub fn stack_line(s: &StackInfo) -> String {
    let outputs: Vec<String> = s.outputs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut line = format!(
        "stack/{} = {{StackName: {:?}, StackId: {:?}, StackStatus: {:?}",
        s.name, s.name, s.id, s.status
    );
    if !s.reason.is_empty() {
        line.push_str(&format!(", StackStatusReason: {:?}", s.reason));
    }
    line.push_str(&format!(
        ", Description: {:?}, CreationTime: {:?}, Outputs: [{}]}}",
        s.description,
        s.created,
        outputs.join(" ")
    ));
    line
}

/// `utils describe-stacks`.
///
/// # Errors
/// eksctl's messages.
pub async fn describe_stacks(
    ctx: &Context,
    g: &GlobalArgs,
    args: &DescribeStacksArgs,
    out: &mut Output<'_>,
) -> Result<ExitStatus, Error> {
    let Some(arg) = name_arg(out, &args.names) else {
        return Ok(ExitStatus::Failure);
    };
    let format = match args.output.as_deref() {
        None => None,
        Some(o) => {
            if args.all || args.events {
                return Err("since the output flag is specified, the flags `all`, `events` and `trail` cannot be used".into());
            }
            if o == "table" {
                return Err(Error::new(format!("output type {o:?} is not supported")));
            }
            Some(Format::parse(o)?)
        }
    };
    let (cluster, region) = if let Some(file) = &args.config_file {
        let config = load_config(ctx, file)?;
        super::check_config_file(
            &config,
            &[
                ("cluster", args.cluster.is_some()),
                ("region", g.region.is_some()),
            ],
        )?;
        (config.name().to_owned(), Some(config.region().to_owned()))
    } else {
        (String::new(), None)
    };
    if format.is_some() {
        out.logs_to_stderr();
    }
    if let (Some(flag), Some(arg)) = (&args.cluster, &arg) {
        return Err(flag_and_arg("cluster", flag, arg));
    }
    let cluster = if cluster.is_empty() {
        args.cluster.clone().or(arg).unwrap_or_default()
    } else {
        cluster
    };
    if cluster.is_empty() {
        return Err("--cluster must be set".into());
    }
    let aws = connect(ctx, g, region.as_deref()).await;
    check_auth(&aws).await?;
    let stacks = Stacks::new(&aws, &cluster);
    let all = stacks.describe_all().await?;
    if all.len() < 2 {
        out.warning(format!(
            "only {} stacks found, for a ready-to-use cluster there should be at least 2",
            all.len()
        ));
    }
    if let Some(format) = format {
        let items: Vec<StackOut<'_>> = all.iter().map(stack_out).collect();
        let text = match format {
            Format::Json => to_json(&items),
            _ => to_yaml(&items),
        };
        out.data(&text).map_err(|e| Error::new(e.to_string()))?;
        return Ok(ExitStatus::Success);
    }
    for s in &all {
        if !args.all && s.status == "DELETE_COMPLETE" {
            continue;
        }
        out.info(stack_line(s));
        if args.events {
            match aws
                .cfn
                .describe_stack_events()
                .stack_name(&s.name)
                .send()
                .await
            {
                Ok(events) => {
                    for (i, e) in events.stack_events().iter().enumerate() {
                        out.info(format!(
                            "CloudFormation.events/{}[{i}] = {{LogicalResourceId: {:?}, ResourceType: {:?}, ResourceStatus: {:?}, ResourceStatusReason: {:?}}}",
                            s.name,
                            e.logical_resource_id().unwrap_or_default(),
                            e.resource_type().unwrap_or_default(),
                            e.resource_status().map(|r| r.as_str()).unwrap_or_default(),
                            e.resource_status_reason().unwrap_or_default(),
                        ));
                    }
                }
                Err(e) => out.critical(crate::aws::describe(&e)),
            }
        }
    }
    let _ = existing_cluster;
    Ok(ExitStatus::Success)
}
