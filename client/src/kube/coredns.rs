//! Moving coredns onto Fargate, as eksctl does it (`pkg/fargate/coredns`, reference/eksctl.md §4)
//! once a profile covers `kube-system`:
//!
//! 1. Is it already there? Two checks, both always made and each logging when it passes: the
//!    Deployment's pod template carries `eks.amazonaws.com/compute-type: fargate` and all its
//!    replicas are ready (`"coredns" is now scheduled onto Fargate`); every coredns pod carries
//!    the annotation, is Running and is on a `fargate-` node (`"coredns" pods are now scheduled
//!    onto Fargate`, also said of an empty list).
//! 2. If not, set the pod-template annotation to `fargate` (a merge PATCH whose body is the whole
//!    Deployment, as eksctl sends it) and check the patched object (`"coredns" is now schedulable
//!    onto Fargate`).
//! 3. Poll step 1 at once and after 1 s, 2 s, 4 s … until both pass or `--timeout` is spent.

use std::time::Duration;

use serde_json::Value;

use super::Kube;
use crate::config::FargateProfile;
use crate::output::Output;
use crate::wait::{Backoff, Sleeper};
use crate::Error;

/// coredns's namespace.
pub const NAMESPACE: &str = "kube-system";
/// coredns's Deployment.
pub const NAME: &str = "coredns";
/// The annotation that drives where EKS schedules a pod.
pub const COMPUTE_TYPE: &str = "eks.amazonaws.com/compute-type";
/// Its Fargate value.
pub const FARGATE: &str = "fargate";

const DEPLOYMENT_PATH: &str = "/apis/apps/v1/namespaces/kube-system/deployments/coredns";
/// `eks.amazonaws.com/component = coredns`, as eksctl writes the selector.
const PODS_PATH: &str =
    "/api/v1/namespaces/kube-system/pods?labelSelector=eks.amazonaws.com%2Fcomponent%20%3D%20coredns";

/// Whether these profiles should carry coredns: a selector of `kube-system` with no labels, or
/// with `eks.amazonaws.com/component: coredns` (other labels are not looked at).
#[must_use]
pub fn is_schedulable_on_fargate(profiles: &[FargateProfile]) -> bool {
    profiles.iter().flat_map(|p| &p.selectors).any(|s| {
        s.namespace == NAMESPACE
            && s.labels.as_ref().is_none_or(|l| {
                l.is_empty()
                    || l.get("eks.amazonaws.com/component").map(String::as_str) == Some(NAME)
            })
    })
}

fn annotation<'a>(annotations: &'a Value, key: &str) -> Option<&'a str> {
    annotations.get(key).and_then(Value::as_str)
}

/// Step 1: both checks, both always made.
///
/// # Errors
/// A Kubernetes API error, or `nil spec.replicas in coredns deployment`.
pub async fn is_scheduled(kube: &Kube, out: &mut Output<'_>) -> Result<bool, Error> {
    let deployment = is_deployment_scheduled(kube, out).await?;
    let pods = are_pods_scheduled(kube, out).await?;
    Ok(deployment && pods)
}

async fn is_deployment_scheduled(kube: &Kube, out: &mut Output<'_>) -> Result<bool, Error> {
    let coredns = kube.get(DEPLOYMENT_PATH).await?;
    let Some(replicas) = coredns["spec"]["replicas"].as_i64() else {
        return Err("nil spec.replicas in coredns deployment".into());
    };
    let compute_type = annotation(
        &coredns["spec"]["template"]["metadata"]["annotations"],
        COMPUTE_TYPE,
    );
    let ready = coredns["status"]["readyReplicas"].as_i64().unwrap_or(0);
    out.debug(format!(
        "deployment {NAME:?} with compute type {:?} currently has {ready}/{replicas} replicas running",
        compute_type.unwrap_or_default()
    ));
    let scheduled = compute_type == Some(FARGATE) && replicas == ready;
    if scheduled {
        out.info(format!("{NAME:?} is now scheduled onto Fargate"));
    }
    Ok(scheduled)
}

async fn are_pods_scheduled(kube: &Kube, out: &mut Output<'_>) -> Result<bool, Error> {
    let pods = kube.get(PODS_PATH).await?;
    let empty = Vec::new();
    for pod in pods["items"].as_array().unwrap_or(&empty) {
        let compute_type = annotation(&pod["metadata"]["annotations"], COMPUTE_TYPE);
        let phase = pod["status"]["phase"].as_str().unwrap_or_default();
        let node = pod["spec"]["nodeName"].as_str().unwrap_or_default();
        out.debug(format!(
            "pod {:?} with compute type {:?} and status {phase:?} is scheduled on {node:?}",
            pod["metadata"]["name"].as_str().unwrap_or_default(),
            compute_type.unwrap_or_default()
        ));
        if !(compute_type == Some(FARGATE) && phase == "Running" && node.starts_with("fargate-")) {
            return Ok(false);
        }
    }
    out.info(format!("{NAME:?} pods are now scheduled onto Fargate"));
    Ok(true)
}

/// Step 2.
///
/// # Errors
/// `failed to make "coredns" deployment schedulable on Fargate: …`.
pub async fn schedule(kube: &Kube, out: &mut Output<'_>) -> Result<(), Error> {
    patch(kube).await.map_err(|e| {
        e.wrap(format!(
            "failed to make {NAME:?} deployment schedulable on Fargate"
        ))
    })?;
    out.info(format!("{NAME:?} is now schedulable onto Fargate"));
    Ok(())
}

async fn patch(kube: &Kube) -> Result<(), Error> {
    let mut coredns = kube.get(DEPLOYMENT_PATH).await?;
    let template_meta = &mut coredns["spec"]["template"]["metadata"];
    if !template_meta["annotations"].is_object() {
        template_meta["annotations"] = Value::Object(serde_json::Map::new());
    }
    template_meta["annotations"][COMPUTE_TYPE] = Value::String(FARGATE.to_owned());
    let patched = kube
        .merge_patch(DEPLOYMENT_PATH, &coredns)
        .await
        .map_err(|e| e.wrap("failed to patch deployment"))?;
    match annotation(
        &patched["spec"]["template"]["metadata"]["annotations"],
        COMPUTE_TYPE,
    ) {
        None => Err(Error::new(format!(
            "could not find annotation {COMPUTE_TYPE:?} on patched deployment {NAME:?}: patching must have failed"
        ))),
        Some(FARGATE) => Ok(()),
        Some(other) => Err(Error::new(format!(
            "unexpected value {other:?} for annotation {COMPUTE_TYPE:?} on {NAME:?} patched deployment"
        ))),
    }
}

/// Step 3.
///
/// # Errors
/// A Kubernetes API error, or `timed out while waiting for "coredns" to be scheduled on
/// Fargate`.
pub async fn wait_for_schedule(
    kube: &Kube,
    out: &mut Output<'_>,
    sleeper: &Sleeper,
    timeout: Duration,
) -> Result<(), Error> {
    let mut backoff = Backoff::new(timeout);
    loop {
        if is_scheduled(kube, out).await? {
            return Ok(());
        }
        if !backoff.wait(sleeper).await {
            return Err(Error::new(format!(
                "timed out while waiting for {NAME:?} to be scheduled on Fargate"
            )));
        }
    }
}

/// Steps 1–3 when the profiles cover coredns (eksctl's `ScheduleCoreDNSOnFargateIfRelevant`).
/// `kube` is only made when needed.
///
/// # Errors
/// See the steps.
pub async fn schedule_if_relevant<F>(
    profiles: &[FargateProfile],
    kube: F,
    out: &mut Output<'_>,
    sleeper: &Sleeper,
    timeout: Duration,
) -> Result<(), Error>
where
    F: std::future::Future<Output = Result<Kube, Error>>,
{
    if !is_schedulable_on_fargate(profiles) {
        return Ok(());
    }
    let kube = kube.await?;
    if !is_scheduled(&kube, out).await? {
        schedule(&kube, out).await?;
        wait_for_schedule(&kube, out, sleeper, timeout).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FargateProfileSelector;

    fn profile(namespace: &str, labels: &[(&str, &str)]) -> FargateProfile {
        FargateProfile {
            name: "p".into(),
            selectors: vec![FargateProfileSelector {
                namespace: namespace.into(),
                labels: (!labels.is_empty()).then(|| {
                    labels
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect()
                }),
            }],
            ..FargateProfile::default()
        }
    }

    /// eksctl's `pkg/fargate/coredns/coredns_test.go` relevance cases.
    #[test]
    fn relevance() {
        assert!(is_schedulable_on_fargate(&[profile("kube-system", &[])]));
        assert!(is_schedulable_on_fargate(&[
            profile("default", &[]),
            profile("kube-system", &[])
        ]));
        assert!(is_schedulable_on_fargate(&[
            crate::config::default_fargate_profile()
        ]));
        assert!(is_schedulable_on_fargate(&[profile(
            "kube-system",
            &[("eks.amazonaws.com/component", "coredns")]
        )]));
        assert!(is_schedulable_on_fargate(&[profile(
            "kube-system",
            &[("eks.amazonaws.com/component", "coredns"), ("foo", "bar")]
        )]));
        assert!(!is_schedulable_on_fargate(&[profile(
            "kube-system",
            &[("foo", "bar")]
        )]));
        assert!(!is_schedulable_on_fargate(&[profile("default", &[])]));
        assert!(!is_schedulable_on_fargate(&[]));
    }
}
