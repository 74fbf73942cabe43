//! CloudFormation as eksctl uses it (`pkg/cfn/manager`): finding a cluster's stacks, reading their
//! outputs, creating, updating and deleting them, and waiting on them. Templates are in
//! [`templates`].
//!
//! - A cluster's stacks are the live ones (`ListStacks` with every non-deleted status) whose names
//!   match `^(eksctl|EKS)-<cluster>-(cluster|nodegroup-.+|addon-.+|podidentityrole-.+|fargate|
//!   karpenter|capability-.+|VPC|ServiceRole|ControlPlane|DefaultNodeGroup)$`; each is then
//!   described.
//! - The cluster stack is the one ending in `-cluster` that carries the cluster-name tag.
//! - Every stack gets the tags `alpha.eksctl.io/cluster-name`,
//!   `eksctl.cluster.k8s.io/v1alpha1/cluster-name` and `alpha.eksctl.io/eksctl-version` (plus
//!   `metadata.tags`), `CAPABILITY_IAM`/`CAPABILITY_NAMED_IAM` and termination protection, which
//!   deletion turns off first.
//! - Waiting polls `DescribeStacks` (at once, then after 30 s, 30 s and every 60 s, as eksctl's
//!   waiters do), logging `waiting for CloudFormation stack "X"` each time; a failed stack logs its
//!   failed resources' events as `[✖]` lines.

pub mod templates;

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_cloudformation::types::{Capability, StackStatus, Tag};

use crate::aws::{describe, Aws};
use crate::output::Output;
use crate::wait::Sleeper;
use crate::Error;

/// The cluster-name tag eksctl reads.
pub const CLUSTER_NAME_TAG: &str = "alpha.eksctl.io/cluster-name";
/// The older cluster-name tag eksctl also writes.
pub const OLD_CLUSTER_NAME_TAG: &str = "eksctl.cluster.k8s.io/v1alpha1/cluster-name";
/// The version tag.
pub const VERSION_TAG: &str = "alpha.eksctl.io/eksctl-version";
/// The output holding the pod execution role.
pub const FARGATE_ROLE_OUTPUT: &str = "FargatePodExecutionRoleARN";

/// A stack as ekscli needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StackInfo {
    /// `StackName`.
    pub name: String,
    /// `StackId`.
    pub id: String,
    /// `StackStatus`.
    pub status: String,
    /// `StackStatusReason`.
    pub reason: String,
    /// `Description`.
    pub description: String,
    /// `CreationTime`, RFC 3339.
    pub created: String,
    /// `Outputs` by key.
    pub outputs: BTreeMap<String, String>,
    /// `Tags` by key.
    pub tags: BTreeMap<String, String>,
}

impl StackInfo {
    fn from_sdk(stack: &aws_sdk_cloudformation::types::Stack) -> Self {
        Self {
            name: stack.stack_name().unwrap_or_default().to_owned(),
            id: stack.stack_id().unwrap_or_default().to_owned(),
            status: stack
                .stack_status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            reason: stack.stack_status_reason().unwrap_or_default().to_owned(),
            description: stack.description().unwrap_or_default().to_owned(),
            created: stack
                .creation_time()
                .and_then(|t| {
                    aws_smithy_types::DateTime::from_secs(t.secs())
                        .fmt(aws_smithy_types::date_time::Format::DateTime)
                        .ok()
                })
                .unwrap_or_default(),
            outputs: stack
                .outputs()
                .iter()
                .filter_map(|o| {
                    Some((
                        o.output_key()?.to_owned(),
                        o.output_value().unwrap_or_default().to_owned(),
                    ))
                })
                .collect(),
            tags: stack
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                .collect(),
        }
    }

    /// Whether the stack carries one of the cluster-name tags with this cluster's name.
    #[must_use]
    pub fn belongs_to(&self, cluster: &str) -> bool {
        [CLUSTER_NAME_TAG, OLD_CLUSTER_NAME_TAG]
            .iter()
            .any(|k| self.tags.get(*k).is_some_and(|v| v == cluster))
    }
}

/// `eksctl-<cluster>-cluster`.
#[must_use]
pub fn cluster_stack_name(cluster: &str) -> String {
    format!("eksctl-{cluster}-cluster")
}

/// `eksctl-<cluster>-fargate`.
#[must_use]
pub fn fargate_stack_name(cluster: &str) -> String {
    format!("eksctl-{cluster}-fargate")
}

/// `eksctl-<cluster>-nodegroup-<ng>`.
#[must_use]
pub fn nodegroup_stack_name(cluster: &str, nodegroup: &str) -> String {
    format!("eksctl-{cluster}-nodegroup-{nodegroup}")
}

/// Whether `name` is one of `cluster`'s stacks by eksctl's naming rule.
#[must_use]
pub fn is_cluster_stack_name(name: &str, cluster: &str) -> bool {
    let rest = name
        .strip_prefix(&format!("eksctl-{cluster}-"))
        .or_else(|| name.strip_prefix(&format!("EKS-{cluster}-")));
    let Some(rest) = rest else {
        return false;
    };
    let prefixed = |p: &str| rest.strip_prefix(p).is_some_and(|r| !r.is_empty());
    matches!(
        rest,
        "cluster"
            | "fargate"
            | "karpenter"
            | "VPC"
            | "ServiceRole"
            | "ControlPlane"
            | "DefaultNodeGroup"
    ) || prefixed("nodegroup-")
        || prefixed("addon-")
        || prefixed("podidentityrole-")
        || prefixed("capability-")
}

/// Every status but `DELETE_COMPLETE`: the `ListStacks` filter eksctl uses.
fn live_statuses() -> Vec<StackStatus> {
    [
        "CREATE_IN_PROGRESS",
        "CREATE_FAILED",
        "CREATE_COMPLETE",
        "ROLLBACK_IN_PROGRESS",
        "ROLLBACK_FAILED",
        "ROLLBACK_COMPLETE",
        "DELETE_IN_PROGRESS",
        "DELETE_FAILED",
        "UPDATE_IN_PROGRESS",
        "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_COMPLETE",
        "UPDATE_FAILED",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_FAILED",
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE",
        "REVIEW_IN_PROGRESS",
        "IMPORT_IN_PROGRESS",
        "IMPORT_COMPLETE",
        "IMPORT_ROLLBACK_IN_PROGRESS",
        "IMPORT_ROLLBACK_FAILED",
        "IMPORT_ROLLBACK_COMPLETE",
    ]
    .iter()
    .map(|s| StackStatus::from(*s))
    .collect()
}

/// One cluster's stacks.
pub struct Stacks<'a> {
    aws: &'a Aws,
    cluster: String,
}

impl<'a> Stacks<'a> {
    /// The stacks of `cluster`.
    #[must_use]
    pub fn new(aws: &'a Aws, cluster: &str) -> Self {
        Self {
            aws,
            cluster: cluster.to_owned(),
        }
    }

    /// The names of the cluster's live stacks, in `ListStacks` order.
    ///
    /// # Errors
    /// The `ListStacks` error as `Code: message`.
    pub async fn list_names(&self) -> Result<Vec<String>, Error> {
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .aws
                .cfn
                .list_stacks()
                .set_stack_status_filter(Some(live_statuses()))
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| Error::new(describe(&e)))?;
            for summary in page.stack_summaries() {
                if let Some(name) = summary.stack_name() {
                    if is_cluster_stack_name(name, &self.cluster) {
                        names.push(name.to_owned());
                    }
                }
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(names);
            }
        }
    }

    /// Describes one stack; `None` when it does not exist.
    ///
    /// # Errors
    /// Any other `DescribeStacks` error.
    pub async fn describe(&self, name: &str) -> Result<Option<StackInfo>, Error> {
        match self.aws.cfn.describe_stacks().stack_name(name).send().await {
            Ok(out) => Ok(out.stacks().first().map(StackInfo::from_sdk)),
            Err(e) => {
                let text = describe(&e);
                if text.contains("does not exist") {
                    Ok(None)
                } else {
                    Err(Error::new(text))
                }
            }
        }
    }

    /// Every live stack of the cluster, described.
    ///
    /// # Errors
    /// A `ListStacks` or `DescribeStacks` error.
    pub async fn describe_all(&self) -> Result<Vec<StackInfo>, Error> {
        let mut stacks = Vec::new();
        for name in self.list_names().await? {
            if let Some(stack) = self.describe(&name).await? {
                stacks.push(stack);
            }
        }
        Ok(stacks)
    }

    /// The cluster stack, if the cluster has one (eksctl's `DescribeClusterStackIfExists`).
    ///
    /// # Errors
    /// A `ListStacks` or `DescribeStacks` error.
    pub async fn cluster_stack(&self) -> Result<Option<StackInfo>, Error> {
        for name in self.list_names().await? {
            if name.ends_with("-cluster") {
                if let Some(stack) = self.describe(&name).await? {
                    if stack.belongs_to(&self.cluster) {
                        return Ok(Some(stack));
                    }
                }
            }
        }
        Ok(None)
    }

    /// The `-fargate` stack, if there is a live one.
    ///
    /// # Errors
    /// A `ListStacks` or `DescribeStacks` error.
    pub async fn fargate_stack(&self) -> Result<Option<StackInfo>, Error> {
        for name in self.list_names().await? {
            if name.ends_with("-fargate") {
                return self.describe(&name).await;
            }
        }
        Ok(None)
    }

    /// The tags every stack of this cluster gets.
    #[must_use]
    pub fn tags(&self, extra: &BTreeMap<String, String>) -> Vec<Tag> {
        let mut tags = BTreeMap::new();
        tags.insert(CLUSTER_NAME_TAG.to_owned(), self.cluster.clone());
        tags.insert(OLD_CLUSTER_NAME_TAG.to_owned(), self.cluster.clone());
        tags.insert(
            VERSION_TAG.to_owned(),
            format!("ekscli-{}", env!("CARGO_PKG_VERSION")),
        );
        for (k, v) in extra {
            tags.insert(k.clone(), v.clone());
        }
        tags.into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect()
    }

    /// `CreateStack` with eksctl's capabilities, tags and termination protection; logs
    /// `deploying stack "X"`.
    ///
    /// # Errors
    /// The `CreateStack` error.
    pub async fn create(
        &self,
        out: &mut Output<'_>,
        name: &str,
        template: &serde_json::Value,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), Error> {
        out.info(format!("deploying stack {name:?}"));
        self.aws
            .cfn
            .create_stack()
            .stack_name(name)
            .template_body(template.to_string())
            .capabilities(Capability::CapabilityIam)
            .capabilities(Capability::CapabilityNamedIam)
            .enable_termination_protection(true)
            .set_tags(Some(self.tags(tags)))
            .send()
            .await
            .map_err(|e| Error::new(describe(&e)))?;
        Ok(())
    }

    /// `UpdateStack` with a new template.
    ///
    /// # Errors
    /// The `UpdateStack` error.
    pub async fn update(&self, name: &str, template: &serde_json::Value) -> Result<(), Error> {
        self.aws
            .cfn
            .update_stack()
            .stack_name(name)
            .template_body(template.to_string())
            .capabilities(Capability::CapabilityIam)
            .capabilities(Capability::CapabilityNamedIam)
            .send()
            .await
            .map_err(|e| Error::new(describe(&e)))?;
        Ok(())
    }

    /// The template of a stack, as JSON.
    ///
    /// # Errors
    /// The `GetTemplate` error, or a template that is not JSON.
    pub async fn template(&self, name: &str) -> Result<serde_json::Value, Error> {
        let out = self
            .aws
            .cfn
            .get_template()
            .stack_name(name)
            .send()
            .await
            .map_err(|e| Error::new(describe(&e)))?;
        let body = out.template_body().unwrap_or_default();
        serde_json::from_str(body)
            .or_else(|_| yaml_serde::from_str(body))
            .map_err(|e| Error::new(format!("couldn't parse the template of {name:?}: {e}")))
    }

    /// Turns termination protection off, then `DeleteStack`; logs `will delete stack "X"`. It
    /// refuses stacks without this cluster's name tag, as eksctl's `DeleteStackBySpec` does.
    ///
    /// # Errors
    /// A stack that is not ours, or an AWS error.
    pub async fn delete(&self, out: &mut Output<'_>, stack: &StackInfo) -> Result<(), Error> {
        if !stack.belongs_to(&self.cluster) {
            return Err(Error::new(format!(
                "cannot delete stack {:?} as it doesn't bear our \"{OLD_CLUSTER_NAME_TAG}:{c}\", \"{CLUSTER_NAME_TAG}:{c}\" tags",
                stack.name,
                c = self.cluster
            )));
        }
        out.info(format!("will delete stack {:?}", stack.name));
        self.aws
            .cfn
            .update_termination_protection()
            .stack_name(&stack.name)
            .enable_termination_protection(false)
            .send()
            .await
            .map_err(|e| Error::new(describe(&e)))?;
        self.aws
            .cfn
            .delete_stack()
            .stack_name(&stack.name)
            .send()
            .await
            .map_err(|e| Error::new(describe(&e)))?;
        Ok(())
    }

    /// Polls a stack until it settles. `Ok` with the stack on a `*_COMPLETE` status that is not a
    /// rollback, `Ok(None)` once a deleted stack is gone.
    ///
    /// # Errors
    /// A failed or rolled-back stack (its failed events are logged), a timeout, an AWS error.
    pub async fn wait(
        &self,
        out: &mut Output<'_>,
        sleeper: &Sleeper,
        timeout: Duration,
        name: &str,
        deleting: bool,
    ) -> Result<Option<StackInfo>, Error> {
        let mut elapsed = Duration::ZERO;
        let mut polls = 0u32;
        loop {
            out.info(format!("waiting for CloudFormation stack {name:?}"));
            let stack = self.describe(name).await?;
            match &stack {
                None if deleting => return Ok(None),
                None => {
                    return Err(Error::new(format!("stack {name:?} does not exist")));
                }
                Some(s) if deleting && s.status == "DELETE_COMPLETE" => return Ok(None),
                Some(s) if !deleting && is_success(&s.status) => return Ok(stack),
                Some(s) if s.status.ends_with("_IN_PROGRESS") => {}
                Some(s) => {
                    self.log_failures(out, name).await;
                    let verb = if deleting { "delete" } else { "create" };
                    let mut msg =
                        format!("failed to {verb} stack {name:?}: the stack is {}", s.status);
                    if !s.reason.is_empty() {
                        msg.push_str(&format!(" ({})", s.reason));
                    }
                    return Err(Error::new(msg));
                }
            }
            let step = match polls {
                0 | 1 => Duration::from_secs(30),
                _ => Duration::from_secs(60),
            };
            if elapsed >= timeout {
                return Err(Error::new(format!(
                    "timed out waiting for CloudFormation stack {name:?} after {}",
                    crate::cli::format_duration(timeout)
                )));
            }
            let step = step.min(timeout - elapsed);
            sleeper.sleep(step).await;
            elapsed += step;
            polls += 1;
        }
    }

    /// Logs the failed resources of a stack, as eksctl does after a failed waiter.
    async fn log_failures(&self, out: &mut Output<'_>, name: &str) {
        let Ok(events) = self
            .aws
            .cfn
            .describe_stack_events()
            .stack_name(name)
            .send()
            .await
        else {
            return;
        };
        for event in events.stack_events() {
            let status = event
                .resource_status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default();
            if status.ends_with("_FAILED") {
                out.critical(format!(
                    "{}/{}: {} – {:?}",
                    event.resource_type().unwrap_or_default(),
                    event.logical_resource_id().unwrap_or_default(),
                    status,
                    event.resource_status_reason().unwrap_or_default()
                ));
            }
        }
    }
}

/// A status a create or update ends well on.
fn is_success(status: &str) -> bool {
    matches!(
        status,
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_names_of_a_cluster() {
        for name in [
            "eksctl-c-cluster",
            "eksctl-c-fargate",
            "eksctl-c-nodegroup-ng-1",
            "eksctl-c-addon-vpc-cni",
            "EKS-c-ServiceRole",
        ] {
            assert!(is_cluster_stack_name(name, "c"), "{name}");
        }
        for name in [
            "eksctl-c-nodegroup-",
            "eksctl-cd-cluster",
            "eksctl-c-other",
            "something-c-cluster",
        ] {
            assert!(!is_cluster_stack_name(name, "c"), "{name}");
        }
    }
}
