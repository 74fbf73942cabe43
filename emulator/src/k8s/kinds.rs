//! The resources this API serves, as data: for each, its group/version, plural, kind, scope, verbs,
//! short names and subresources (what discovery lists and the router accepts), and the [`Kind`] trait
//! that ties a k8s-openapi type to its store. Owns no behaviour beyond lookup.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, Event, Namespace, Node, Pod, Secret, Service, ServiceAccount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::store::{Objects, Store};

/// A served resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceInfo {
    /// API group (`""` for core).
    pub group: &'static str,
    /// Version (`v1`).
    pub version: &'static str,
    /// Plural, as in URLs (`pods`).
    pub plural: &'static str,
    /// Singular name (`pod`).
    pub singular: &'static str,
    /// Kind (`Pod`).
    pub kind: &'static str,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// Short names (`po`).
    pub short_names: &'static [&'static str],
    /// Categories (`all`).
    pub categories: &'static [&'static str],
    /// Subresources (`status`, `log`, `scale`).
    pub subresources: &'static [&'static str],
}

const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// Every resource served, in discovery order.
pub const RESOURCES: &[ResourceInfo] = &[
    core(
        "configmaps",
        "configmap",
        "ConfigMap",
        true,
        &["cm"],
        &[],
        &[],
    ),
    core("events", "event", "Event", true, &["ev"], &[], &[]),
    core(
        "namespaces",
        "namespace",
        "Namespace",
        false,
        &["ns"],
        &[],
        &["status"],
    ),
    core("nodes", "node", "Node", false, &["no"], &[], &["status"]),
    core(
        "pods",
        "pod",
        "Pod",
        true,
        &["po"],
        &["all"],
        &["log", "status"],
    ),
    core("secrets", "secret", "Secret", true, &[], &[], &[]),
    core(
        "serviceaccounts",
        "serviceaccount",
        "ServiceAccount",
        true,
        &["sa"],
        &[],
        &[],
    ),
    core(
        "services",
        "service",
        "Service",
        true,
        &["svc"],
        &["all"],
        &["status"],
    ),
    apps("daemonsets", "daemonset", "DaemonSet", &["ds"], &["status"]),
    apps(
        "deployments",
        "deployment",
        "Deployment",
        &["deploy"],
        &["scale", "status"],
    ),
    apps(
        "replicasets",
        "replicaset",
        "ReplicaSet",
        &["rs"],
        &["scale", "status"],
    ),
];

const fn core(
    plural: &'static str,
    singular: &'static str,
    kind: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    categories: &'static [&'static str],
    subresources: &'static [&'static str],
) -> ResourceInfo {
    ResourceInfo {
        group: "",
        version: "v1",
        plural,
        singular,
        kind,
        namespaced,
        short_names,
        categories,
        subresources,
    }
}

const fn apps(
    plural: &'static str,
    singular: &'static str,
    kind: &'static str,
    short_names: &'static [&'static str],
    subresources: &'static [&'static str],
) -> ResourceInfo {
    ResourceInfo {
        group: "apps",
        version: "v1",
        plural,
        singular,
        kind,
        namespaced: true,
        short_names,
        categories: &["all"],
        subresources,
    }
}

/// The verbs of every resource (all the same here).
#[must_use]
pub fn verbs() -> &'static [&'static str] {
    VERBS
}

/// The resource served at `group`/`version`/`plural`.
#[must_use]
pub fn find(group: &str, version: &str, plural: &str) -> Option<&'static ResourceInfo> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// A k8s-openapi object type with a store in [`Objects`].
pub trait Kind:
    k8s_openapi::Resource
    + k8s_openapi::Metadata<Ty = ObjectMeta>
    + Serialize
    + DeserializeOwned
    + Clone
    + PartialEq
    + Default
    + Send
    + super::table::Printable
    + 'static
{
    /// Its row of [`RESOURCES`].
    fn info() -> &'static ResourceInfo;
    /// Its store.
    fn store(objects: &Objects) -> &Store<Self>;
    /// Its store, to change.
    fn store_mut(objects: &mut Objects) -> &mut Store<Self>;
    /// Whether its `status` is written only through `/status` (and by the emulator's controllers).
    const STATUS_SUBRESOURCE: bool;
    /// Whether writes to its spec bump `metadata.generation`.
    const GENERATION: bool;
}

macro_rules! kind {
    ($ty:ty, $field:ident, $plural:literal, $status:literal, $generation:literal) => {
        impl Kind for $ty {
            fn info() -> &'static ResourceInfo {
                RESOURCES
                    .iter()
                    .find(|r| r.plural == $plural)
                    .expect("every Kind has a row in RESOURCES")
            }
            fn store(objects: &Objects) -> &Store<Self> {
                &objects.$field
            }
            fn store_mut(objects: &mut Objects) -> &mut Store<Self> {
                &mut objects.$field
            }
            const STATUS_SUBRESOURCE: bool = $status;
            const GENERATION: bool = $generation;
        }
    };
}

kind!(Namespace, namespaces, "namespaces", true, false);
kind!(Node, nodes, "nodes", true, false);
kind!(Pod, pods, "pods", true, false);
kind!(ConfigMap, configmaps, "configmaps", false, false);
kind!(Secret, secrets, "secrets", false, false);
kind!(
    ServiceAccount,
    serviceaccounts,
    "serviceaccounts",
    false,
    false
);
kind!(Service, services, "services", true, false);
kind!(Event, events, "events", false, false);
kind!(Deployment, deployments, "deployments", true, true);
kind!(ReplicaSet, replicasets, "replicasets", true, true);
kind!(DaemonSet, daemonsets, "daemonsets", true, true);

/// Runs `$body` with the type alias `$k` bound to the k8s-openapi type of `$plural`, or `$other`.
#[macro_export]
#[doc(hidden)]
macro_rules! with_kind {
    ($plural:expr, $k:ident => $body:expr, else $other:expr) => {{
        use k8s_openapi::api::apps::v1 as __apps;
        use k8s_openapi::api::core::v1 as __core;
        match $plural {
            "namespaces" => {
                type $k = __core::Namespace;
                $body
            }
            "nodes" => {
                type $k = __core::Node;
                $body
            }
            "pods" => {
                type $k = __core::Pod;
                $body
            }
            "configmaps" => {
                type $k = __core::ConfigMap;
                $body
            }
            "secrets" => {
                type $k = __core::Secret;
                $body
            }
            "serviceaccounts" => {
                type $k = __core::ServiceAccount;
                $body
            }
            "services" => {
                type $k = __core::Service;
                $body
            }
            "events" => {
                type $k = __core::Event;
                $body
            }
            "deployments" => {
                type $k = __apps::Deployment;
                $body
            }
            "replicasets" => {
                type $k = __apps::ReplicaSet;
                $body
            }
            "daemonsets" => {
                type $k = __apps::DaemonSet;
                $body
            }
            _ => $other,
        }
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_finds_its_row() {
        assert_eq!(Pod::info().kind, "Pod");
        assert_eq!(Deployment::info().group, "apps");
        assert_eq!(<Deployment as k8s_openapi::Resource>::KIND, "Deployment");
        for info in RESOURCES {
            let found = with_kind!(info.plural, K => K::info().plural, else "none");
            assert_eq!(found, info.plural);
            assert_eq!(find(info.group, info.version, info.plural), Some(info));
        }
    }
}
