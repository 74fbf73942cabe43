//! Server-side `meta.k8s.io/v1` Tables: kubectl prints READY, STATUS, IP, NODE… only from these. The
//! columns and cell rules are the real apiserver's printers (`pkg/printers/internalversion`), with
//! ages from the virtual clock; every kind gets its real columns (Name/Age for the plain ones).
//! Pure: objects and an instant in, JSON out.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, Event, Namespace, Node, Pod, PodSpec, Secret, Service, ServiceAccount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, Time};
use serde_json::{json, Value};

use super::kinds::Kind;
use super::selector::LabelQuery;
use super::store::instant;
use crate::clock::Timestamp;

/// A column: name, type, priority (1 = only with `-o wide`).
pub type Column = (&'static str, &'static str, u8);

/// What a kind prints as a table row.
pub trait Printable {
    /// The column definitions, in order.
    fn columns() -> &'static [Column];
    /// The row's cells at virtual time `now`.
    fn cells(&self, now: Timestamp) -> Vec<Value>;
}

/// The Table of `objects` (a list or one watch event), with the list's resourceVersion and continue.
#[must_use]
pub fn table<K: Kind + Printable>(
    objects: &[&K],
    now: Timestamp,
    resource_version: &str,
    continue_token: Option<&str>,
) -> Value {
    let columns: Vec<Value> = K::columns()
        .iter()
        .map(|(name, ty, priority)| {
            json!({
                "name": name,
                "type": ty,
                "format": if *name == "Name" { "name" } else { "" },
                "description": "",
                "priority": priority,
            })
        })
        .collect();
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            json!({
                "cells": o.cells(now),
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": o.metadata(),
                }
            })
        })
        .collect();
    let mut metadata = json!({ "resourceVersion": resource_version });
    if let Some(token) = continue_token {
        metadata["continue"] = json!(token);
    }
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": columns,
        "rows": rows,
    })
}

/// Kubernetes' `duration.HumanDuration`: `75s`, `5m3s`, `21m`, `3h12m`, `2d4h`.
#[must_use]
pub fn human_duration(d: std::time::Duration) -> String {
    let seconds = d.as_secs();
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// The age of a timestamp at `now`, or `<unknown>`.
#[must_use]
pub fn since(t: Option<&Time>, now: Timestamp) -> String {
    t.map_or_else(
        || "<unknown>".to_owned(),
        |t| human_duration(now.since(instant(t))),
    )
}

fn age(meta: &ObjectMeta, now: Timestamp) -> Value {
    json!(since(meta.creation_timestamp.as_ref(), now))
}

fn name(meta: &ObjectMeta) -> Value {
    json!(meta.name.clone().unwrap_or_default())
}

fn none_if_empty(s: &str) -> String {
    if s.is_empty() {
        "<none>".to_owned()
    } else {
        s.to_owned()
    }
}

fn containers_and_images(spec: Option<&PodSpec>) -> (Value, Value) {
    let containers: &[Container] = spec.map_or(&[], |s| s.containers.as_slice());
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    let images: Vec<&str> = containers
        .iter()
        .map(|c| c.image.as_deref().unwrap_or_default())
        .collect();
    (json!(names.join(",")), json!(images.join(",")))
}

fn selector_text(selector: &LabelSelector) -> Value {
    json!(none_if_empty(
        &LabelQuery::from_label_selector(selector).to_string_form()
    ))
}

impl Printable for Pod {
    fn columns() -> &'static [Column] {
        &[
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Status", "string", 0),
            ("Restarts", "string", 0),
            ("Age", "string", 0),
            ("IP", "string", 1),
            ("Node", "string", 1),
            ("Nominated Node", "string", 1),
            ("Readiness Gates", "string", 1),
        ]
    }

    fn cells(&self, now: Timestamp) -> Vec<Value> {
        let status = self.status.clone().unwrap_or_default();
        let total = self.spec.as_ref().map_or(0, |s| s.containers.len());
        let statuses = status.container_statuses.clone().unwrap_or_default();
        let ready = statuses.iter().filter(|c| c.ready).count();
        let restarts: i32 = statuses.iter().map(|c| c.restart_count).sum();
        let mut reason = status
            .reason
            .clone()
            .or_else(|| status.phase.clone())
            .unwrap_or_else(|| "Pending".into());
        for cs in statuses.iter().rev() {
            let state = cs.state.clone().unwrap_or_default();
            if let Some(r) = state.waiting.and_then(|w| w.reason) {
                reason = r;
            } else if let Some(t) = state.terminated {
                reason = t
                    .reason
                    .unwrap_or_else(|| format!("ExitCode:{}", t.exit_code));
            }
        }
        if self.metadata.deletion_timestamp.is_some() {
            reason = "Terminating".into();
        }
        let node = self
            .spec
            .as_ref()
            .and_then(|s| s.node_name.clone())
            .unwrap_or_default();
        vec![
            name(&self.metadata),
            json!(format!("{ready}/{total}")),
            json!(reason),
            json!(restarts.to_string()),
            age(&self.metadata, now),
            json!(none_if_empty(status.pod_ip.as_deref().unwrap_or_default())),
            json!(none_if_empty(&node)),
            json!(none_if_empty(
                status.nominated_node_name.as_deref().unwrap_or_default()
            )),
            json!("<none>"),
        ]
    }
}

impl Printable for Node {
    fn columns() -> &'static [Column] {
        &[
            ("Name", "string", 0),
            ("Status", "string", 0),
            ("Roles", "string", 0),
            ("Age", "string", 0),
            ("Version", "string", 0),
            ("Internal-IP", "string", 1),
            ("External-IP", "string", 1),
            ("OS-Image", "string", 1),
            ("Kernel-Version", "string", 1),
            ("Container-Runtime", "string", 1),
        ]
    }

    fn cells(&self, now: Timestamp) -> Vec<Value> {
        let status = self.status.clone().unwrap_or_default();
        let ready = status
            .conditions
            .iter()
            .flatten()
            .find(|c| c.type_ == "Ready")
            .is_some_and(|c| c.status == "True");
        let mut state = if ready { "Ready" } else { "NotReady" }.to_owned();
        if self
            .spec
            .as_ref()
            .and_then(|s| s.unschedulable)
            .unwrap_or(false)
        {
            state.push_str(",SchedulingDisabled");
        }
        let address = |ty: &str| {
            none_if_empty(
                status
                    .addresses
                    .iter()
                    .flatten()
                    .find(|a| a.type_ == ty)
                    .map_or("", |a| a.address.as_str()),
            )
        };
        let mut roles: Vec<&str> = self
            .metadata
            .labels
            .iter()
            .flatten()
            .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/"))
            .collect();
        roles.sort_unstable();
        let info = status.node_info.unwrap_or_default();
        vec![
            name(&self.metadata),
            json!(state),
            json!(none_if_empty(&roles.join(","))),
            age(&self.metadata, now),
            json!(info.kubelet_version),
            json!(address("InternalIP")),
            json!(address("ExternalIP")),
            json!(info.os_image),
            json!(info.kernel_version),
            json!(info.container_runtime_version),
        ]
    }
}

impl Printable for Namespace {
    fn columns() -> &'static [Column] {
        &[
            ("Name", "string", 0),
            ("Status", "string", 0),
            ("Age", "string", 0),
        ]
    }

    fn cells(&self, now: Timestamp) -> Vec<Value> {
        let phase = self
            .status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_else(|| "Active".into());
        vec![name(&self.metadata), json!(phase), age(&self.metadata, now)]
    }
}

impl Printable for Deployment {
    fn columns() -> &'static [Column] {
        &[
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ]
    }

    fn cells(&self, now: Timestamp) -> Vec<Value> {
        let spec = self.spec.clone().unwrap_or_default();
        let status = self.status.clone().unwrap_or_default();
        let (containers, images) = containers_and_images(spec.template.spec.as_ref());
        vec![
            name(&self.metadata),
            json!(format!(
                "{}/{}",
                status.ready_replicas.unwrap_or(0),
                spec.replicas.unwrap_or(1)
            )),
            json!(status.updated_replicas.unwrap_or(0)),
            json!(status.available_replicas.unwrap_or(0)),
            age(&self.metadata, now),
            containers,
            images,
            selector_text(&spec.selector),
        ]
    }
}

impl Printable for ReplicaSet {
    fn columns() -> &'static [Column] {
        &[
            ("Name", "string", 0),
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ]
    }

    fn cells(&self, now: Timestamp) -> Vec<Value> {
        let spec = self.spec.clone().unwrap_or_default();
        let status = self.status.clone().unwrap_or_default();
        let (containers, images) =
            containers_and_images(spec.template.as_ref().and_then(|t| t.spec.as_ref()));
        vec![
            name(&self.metadata),
            json!(spec.replicas.unwrap_or(1)),
            json!(status.replicas),
            json!(status.ready_replicas.unwrap_or(0)),
            age(&self.metadata, now),
            containers,
            images,
            selector_text(&spec.selector),
        ]
    }
}

impl Printable for DaemonSet {
    fn columns() -> &'static [Column] {
        &[
            ("Name", "string", 0),
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            ("Node Selector", "string", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ]
    }

    fn cells(&self, now: Timestamp) -> Vec<Value> {
        let spec = self.spec.clone().unwrap_or_default();
        let status = self.status.clone().unwrap_or_default();
        let (containers, images) = containers_and_images(spec.template.spec.as_ref());
        let node_selector: Vec<String> = spec
            .template
            .spec
            .as_ref()
            .and_then(|s| s.node_selector.clone())
            .unwrap_or_default()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        vec![
            name(&self.metadata),
            json!(status.desired_number_scheduled),
            json!(status.current_number_scheduled),
            json!(status.number_ready),
            json!(status.updated_number_scheduled.unwrap_or(0)),
            json!(status.number_available.unwrap_or(0)),
            json!(none_if_empty(&node_selector.join(","))),
            age(&self.metadata, now),
            containers,
            images,
            selector_text(&spec.selector),
        ]
    }
}

impl Printable for Service {
    fn columns() -> &'static [Column] {
        &[
            ("Name", "string", 0),
            ("Type", "string", 0),
            ("Cluster-IP", "string", 0),
            ("External-IP", "string", 0),
            ("Port(s)", "string", 0),
            ("Age", "string", 0),
            ("Selector", "string", 1),
        ]
    }

    fn cells(&self, now: Timestamp) -> Vec<Value> {
        let spec = self.spec.clone().unwrap_or_default();
        let ports: Vec<String> = spec
            .ports
            .iter()
            .flatten()
            .map(|p| {
                let proto = p.protocol.as_deref().unwrap_or("TCP");
                match p.node_port {
                    Some(np) => format!("{}:{np}/{proto}", p.port),
                    None => format!("{}/{proto}", p.port),
                }
            })
            .collect();
        let selector: Vec<String> = spec
            .selector
            .iter()
            .flatten()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        vec![
            name(&self.metadata),
            json!(spec.type_.unwrap_or_else(|| "ClusterIP".into())),
            json!(none_if_empty(
                spec.cluster_ip.as_deref().unwrap_or_default()
            )),
            json!("<none>"),
            json!(none_if_empty(&ports.join(","))),
            age(&self.metadata, now),
            json!(none_if_empty(&selector.join(","))),
        ]
    }
}

impl Printable for ConfigMap {
    fn columns() -> &'static [Column] {
        &[
            ("Name", "string", 0),
            ("Data", "integer", 0),
            ("Age", "string", 0),
        ]
    }

    fn cells(&self, now: Timestamp) -> Vec<Value> {
        let n = self.data.as_ref().map_or(0, |d| d.len())
            + self.binary_data.as_ref().map_or(0, |d| d.len());
        vec![name(&self.metadata), json!(n), age(&self.metadata, now)]
    }
}

impl Printable for Secret {
    fn columns() -> &'static [Column] {
        &[
            ("Name", "string", 0),
            ("Type", "string", 0),
            ("Data", "integer", 0),
            ("Age", "string", 0),
        ]
    }

    fn cells(&self, now: Timestamp) -> Vec<Value> {
        let n = self.data.as_ref().map_or(0, |d| d.len());
        vec![
            name(&self.metadata),
            json!(self.type_.clone().unwrap_or_else(|| "Opaque".into())),
            json!(n),
            age(&self.metadata, now),
        ]
    }
}

impl Printable for ServiceAccount {
    fn columns() -> &'static [Column] {
        &[
            ("Name", "string", 0),
            ("Secrets", "integer", 0),
            ("Age", "string", 0),
        ]
    }

    fn cells(&self, now: Timestamp) -> Vec<Value> {
        let n = self.secrets.as_ref().map_or(0, Vec::len);
        vec![name(&self.metadata), json!(n), age(&self.metadata, now)]
    }
}

impl Printable for Event {
    fn columns() -> &'static [Column] {
        &[
            ("Last Seen", "string", 0),
            ("Type", "string", 0),
            ("Reason", "string", 0),
            ("Object", "string", 0),
            ("Subobject", "string", 1),
            ("Source", "string", 1),
            ("Message", "string", 0),
            ("First Seen", "string", 1),
            ("Count", "integer", 1),
            ("Name", "string", 1),
        ]
    }

    fn cells(&self, now: Timestamp) -> Vec<Value> {
        let first = since(self.first_timestamp.as_ref(), now);
        let last = self
            .last_timestamp
            .as_ref()
            .map_or_else(|| first.clone(), |t| since(Some(t), now));
        let object = &self.involved_object;
        let kind = object.kind.clone().unwrap_or_default().to_lowercase();
        let target = match object.name.as_deref() {
            Some(n) if !n.is_empty() => format!("{kind}/{n}"),
            _ => kind,
        };
        let source = self.source.clone().unwrap_or_default();
        let component = source
            .component
            .or_else(|| self.reporting_component.clone())
            .unwrap_or_default();
        let source_text = match source.host {
            Some(h) if !h.is_empty() => format!("{component}, {h}"),
            _ => component,
        };
        vec![
            json!(last),
            json!(self.type_.clone().unwrap_or_default()),
            json!(self.reason.clone().unwrap_or_default()),
            json!(target),
            json!(object.field_path.clone().unwrap_or_default()),
            json!(source_text),
            json!(self.message.clone().unwrap_or_default().trim()),
            json!(first),
            json!(self.count.unwrap_or(1)),
            name(&self.metadata),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn durations_print_as_kubectl_prints_them() {
        let table = [
            (0, "0s"),
            (75, "75s"),
            (119, "119s"),
            (120, "2m"),
            (303, "5m3s"),
            (21 * 60 + 5, "21m"),
            (3 * 3600 + 12 * 60, "3h12m"),
            (10 * 3600, "10h"),
            (2 * 86400 + 4 * 3600, "2d4h"),
            (30 * 86400, "30d"),
            (3 * 365 * 86400, "3y"),
        ];
        for (secs, want) in table {
            assert_eq!(human_duration(Duration::from_secs(secs)), want, "{secs}s");
        }
    }
}
