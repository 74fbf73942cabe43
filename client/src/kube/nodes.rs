//! A nodegroup's nodes joining the cluster, as eksctl's `create cluster` handles them
//! (`pkg/authconfigmap`, `pkg/eks/nodegroup.go`):
//!
//! - Self-managed nodes may only join once their instance role is in the `aws-auth` ConfigMap
//!   (`kube-system`): `adding identity "ARN" to auth ConfigMap` appends a `mapRoles` entry with
//!   the node username and groups, creating the ConfigMap if there is none.
//! - Then `create cluster` waits for at least `minSize` Ready nodes carrying the label
//!   `alpha.eksctl.io/nodegroup-name=<ng>`, listing them before and after (`nodegroup "ng-1" has
//!   1 node(s)`, `node "ip-…" is ready`). eksctl watches; ekscli polls with the same backoff as
//!   its other waits (1 s, 2 s, 4 s … up to `--timeout`).

use std::time::Duration;

use serde_json::{json, Value};

use super::Kube;
use crate::config::NODEGROUP_NAME_LABEL;
use crate::output::Output;
use crate::wait::{Backoff, Sleeper};
use crate::Error;

const AWS_AUTH_PATH: &str = "/api/v1/namespaces/kube-system/configmaps/aws-auth";
const CONFIGMAPS_PATH: &str = "/api/v1/namespaces/kube-system/configmaps";
/// The username a node's role maps to.
pub const NODE_USERNAME: &str = "system:node:{{EC2PrivateDNSName}}";
/// The groups a node's role maps to.
pub const NODE_GROUPS: [&str; 2] = ["system:bootstrappers", "system:nodes"];

/// Adds a nodegroup's instance role to `aws-auth` (eksctl's `authconfigmap.AddNodeGroup`).
///
/// # Errors
/// A Kubernetes API error, or a `mapRoles` that is not YAML.
pub async fn add_nodegroup_role(
    kube: &Kube,
    role_arn: &str,
    out: &mut Output<'_>,
) -> Result<(), Error> {
    let existing = kube.get_optional(AWS_AUTH_PATH).await?;
    let mut config_map = existing.clone().unwrap_or_else(|| {
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "aws-auth", "namespace": "kube-system"},
            "data": {},
        })
    });
    let map_roles = config_map["data"]["mapRoles"].as_str().unwrap_or_default();
    let mut roles: Vec<Value> = if map_roles.trim().is_empty() {
        Vec::new()
    } else {
        yaml_serde::from_str(map_roles)
            .map_err(|e| Error::new(format!("unmarshalling mapRoles: {e}")))?
    };
    out.info(format!("adding identity {role_arn:?} to auth ConfigMap"));
    roles.push(json!({
        "groups": NODE_GROUPS,
        "rolearn": role_arn,
        "username": NODE_USERNAME,
    }));
    let text = yaml_serde::to_string(&roles)
        .map_err(|e| Error::new(format!("marshalling mapRoles: {e}")))?;
    if !config_map["data"].is_object() {
        config_map["data"] = json!({});
    }
    config_map["data"]["mapRoles"] = Value::String(text);
    if existing.is_some() {
        kube.put(AWS_AUTH_PATH, &config_map)
            .await
            .map_err(|e| e.wrap("updating auth ConfigMap"))?;
    } else {
        kube.post(CONFIGMAPS_PATH, &config_map)
            .await
            .map_err(|e| e.wrap("creating auth ConfigMap"))?;
    }
    Ok(())
}

fn nodes_path(nodegroup: &str) -> String {
    let selector: String = url_encode(&format!("{NODEGROUP_NAME_LABEL}={nodegroup}"));
    format!("/api/v1/nodes?labelSelector={selector}")
}

fn url_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC)
        .to_string()
        .replace("%2D", "-")
        .replace("%2E", ".")
        .replace("%5F", "_")
}

fn is_ready(node: &Value) -> bool {
    node["status"]["conditions"].as_array().is_some_and(|c| {
        c.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    })
}

fn node_name(node: &Value) -> &str {
    node["metadata"]["name"].as_str().unwrap_or_default()
}

/// Lists the nodegroup's nodes and says how many there are and which are ready.
async fn get_nodes(kube: &Kube, nodegroup: &str, out: &mut Output<'_>) -> Result<usize, Error> {
    let list = kube.get(&nodes_path(nodegroup)).await?;
    let empty = Vec::new();
    let nodes = list["items"].as_array().unwrap_or(&empty);
    out.info(format!(
        "nodegroup {nodegroup:?} has {} node(s)",
        nodes.len()
    ));
    for node in nodes {
        let ready = if is_ready(node) { "ready" } else { "not ready" };
        out.info(format!("node {:?} is {ready}", node_name(node)));
    }
    Ok(nodes.len())
}

/// Waits for at least `min_size` Ready nodes of `nodegroup` (eksctl's `WaitForNodes`).
///
/// # Errors
/// `listing nodes: …`, `re-listing nodes: …`, or `timed out (after 25m0s) waiting for at least N
/// nodes to join the cluster and become ready in "ng"`.
pub async fn wait_for_nodes(
    kube: &Kube,
    nodegroup: &str,
    min_size: usize,
    out: &mut Output<'_>,
    sleeper: &Sleeper,
    timeout: Duration,
) -> Result<(), Error> {
    if min_size == 0 {
        return Ok(());
    }
    get_nodes(kube, nodegroup, out)
        .await
        .map_err(|e| e.wrap("listing nodes"))?;
    out.info(format!(
        "waiting for at least {min_size} node(s) to become ready in {nodegroup:?}"
    ));
    let mut backoff = Backoff::new(timeout);
    loop {
        let list = kube
            .get(&nodes_path(nodegroup))
            .await
            .map_err(|e| e.wrap("listing nodes"))?;
        let empty = Vec::new();
        let mut ready = 0;
        for node in list["items"].as_array().unwrap_or(&empty) {
            if is_ready(node) {
                ready += 1;
                out.debug(format!(
                    "node {:?} is ready in {nodegroup:?}",
                    node_name(node)
                ));
            } else {
                out.debug(format!(
                    "node {:?} seen in {nodegroup:?}, but not ready yet",
                    node_name(node)
                ));
            }
        }
        if ready >= min_size {
            break;
        }
        if !backoff.wait(sleeper).await {
            return Err(Error::new(format!(
                "timed out (after {}) waiting for at least {min_size} nodes to join the cluster and become ready in {nodegroup:?}",
                crate::cli::format_duration(timeout)
            )));
        }
    }
    get_nodes(kube, nodegroup, out)
        .await
        .map_err(|e| e.wrap("re-listing nodes"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_label_selector_is_url_encoded() {
        assert_eq!(
            nodes_path("ng-1"),
            "/api/v1/nodes?labelSelector=alpha.eksctl.io%2Fnodegroup-name%3Dng-1"
        );
    }

    #[test]
    fn readiness_is_the_ready_condition() {
        assert!(is_ready(
            &json!({"status": {"conditions": [{"type": "Ready", "status": "True"}]}})
        ));
        assert!(!is_ready(
            &json!({"status": {"conditions": [{"type": "Ready", "status": "False"}]}})
        ));
        assert!(!is_ready(&json!({})));
    }
}
