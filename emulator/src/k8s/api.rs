//! The verbs on objects, generic over [`Kind`]: get, list (label and field selectors, limit/continue,
//! Table or List), create (JSON, YAML or protobuf bodies; validation; admission), update, patch (JSON,
//! merge, strategic, apply), delete (graceful for pods, cascading for workloads), and the `status`,
//! `scale` and `log` subresources. Each runs inside one world lock through [`Kube`]; the controllers
//! run right after every write (in `mod.rs`). Errors are `Status` objects with the apiserver's words.

use std::any::Any;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Namespace, Pod, Secret, Service};
use serde_json::{json, Value};

use super::admission;
use super::cluster::Kube;
use super::kinds::Kind;
use super::kubelet;
use super::patch::{self, PatchType};
use super::selector::{FieldQuery, LabelQuery};
use super::status::{self, ApiError};
use super::store::{self, name_of, time, to_value};
use super::table::{self, Printable};
use super::workloads::controller_of;

/// How the caller wants objects back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain JSON objects and lists.
    Json,
    /// `meta.k8s.io/v1` Table.
    Table,
}

/// List and watch parameters.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    /// `labelSelector`.
    pub labels: LabelQuery,
    /// `fieldSelector`.
    pub fields: FieldQuery,
    /// `limit` (0 = all).
    pub limit: usize,
    /// `continue`.
    pub continue_token: Option<String>,
}

impl ListOptions {
    /// From the query string.
    ///
    /// # Errors
    /// 400 for selectors that do not parse.
    pub fn from_query(query: &[(String, String)]) -> Result<Self, ApiError> {
        let get = |k: &str| {
            query
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        Ok(Self {
            labels: LabelQuery::parse(get("labelSelector").unwrap_or_default())?,
            fields: FieldQuery::parse(get("fieldSelector").unwrap_or_default())?,
            limit: get("limit").and_then(|l| l.parse().ok()).unwrap_or(0),
            continue_token: get("continue").filter(|c| !c.is_empty()).map(str::to_owned),
        })
    }

    /// Whether an object (as JSON) is selected.
    #[must_use]
    pub fn matches(&self, obj: &Value) -> bool {
        let labels: Option<std::collections::BTreeMap<String, String>> = obj
            .pointer("/metadata/labels")
            .and_then(|l| serde_json::from_value(l.clone()).ok());
        self.labels.matches(labels.as_ref()) && self.fields.matches(obj)
    }
}

fn info_group<K: Kind>() -> &'static str {
    K::info().group
}

fn not_found<K: Kind>(name: &str) -> ApiError {
    ApiError::not_found(info_group::<K>(), K::info().plural, name)
}

/// The object, or 404.
///
/// # Errors
/// 404 when it does not exist.
pub fn get<K: Kind>(k: &Kube<'_>, namespace: Option<&str>, name: &str) -> Result<K, ApiError> {
    k.c.get::<K>(namespace, name)
        .cloned()
        .ok_or_else(|| not_found::<K>(name))
}

/// Renders one object in `format`.
#[must_use]
pub fn render<K: Kind + Printable>(k: &Kube<'_>, obj: &K, format: Format) -> Value {
    match format {
        Format::Json => to_value(obj),
        Format::Table => table::table::<K>(
            &[obj],
            k.now,
            obj.metadata()
                .resource_version
                .as_deref()
                .unwrap_or_default(),
            None,
        ),
    }
}

/// A list (or Table) of the objects in `namespace` (all when `None`) that `options` select.
#[must_use]
pub fn list<K: Kind + Printable>(
    k: &Kube<'_>,
    namespace: Option<&str>,
    options: &ListOptions,
    format: Format,
) -> Value {
    let start = options
        .continue_token
        .as_deref()
        .and_then(|t| hex::decode(t).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let mut selected: Vec<(String, &K)> = K::store(&k.c.objects)
        .0
        .iter()
        .filter(|(key, _)| start.as_ref().is_none_or(|s| key.as_str() > s.as_str()))
        .filter(|(_, o)| namespace.is_none_or(|ns| o.metadata().namespace.as_deref() == Some(ns)))
        .filter(|(_, o)| options.matches(&to_value(*o)))
        .map(|(key, o)| (key.clone(), o))
        .collect();
    let mut continue_token = None;
    let mut remaining = 0;
    if options.limit > 0 && selected.len() > options.limit {
        remaining = selected.len() - options.limit;
        selected.truncate(options.limit);
        continue_token = selected.last().map(|(key, _)| hex::encode(key));
    }
    let rv = k.c.rv.to_string();
    let objects: Vec<&K> = selected.iter().map(|(_, o)| *o).collect();
    match format {
        Format::Table => table::table::<K>(&objects, k.now, &rv, continue_token.as_deref()),
        Format::Json => {
            let mut metadata = json!({"resourceVersion": rv});
            if let Some(token) = continue_token {
                metadata["continue"] = json!(token);
                metadata["remainingItemCount"] = json!(remaining);
            }
            json!({
                "kind": format!("{}List", K::KIND),
                "apiVersion": K::API_VERSION,
                "metadata": metadata,
                "items": objects.iter().map(|o| to_value(*o)).collect::<Vec<_>>(),
            })
        }
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
}

fn invalid<K: Kind>(name: &str, cause: &str) -> ApiError {
    ApiError::invalid(info_group::<K>(), K::KIND, K::info().plural, name, cause)
}

/// Decodes a body into `K`, checking its kind and apiVersion.
///
/// # Errors
/// 400 when the body is not a `K`.
pub fn decode<K: Kind>(mut value: Value) -> Result<K, ApiError> {
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or(K::KIND)
        .to_owned();
    let api_version = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or(K::API_VERSION)
        .to_owned();
    if kind != K::KIND || api_version != K::API_VERSION {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({})",
            K::API_VERSION
        )));
    }
    if let Some(obj) = value.as_object_mut() {
        obj.insert("kind".into(), json!(K::KIND));
        obj.insert("apiVersion".into(), json!(K::API_VERSION));
    }
    serde_json::from_value(value).map_err(|e| {
        ApiError::bad_request(format!(
            "{} in version \"{}\" cannot be handled as a {}: {e}",
            K::KIND,
            K::VERSION,
            K::KIND
        ))
    })
}

/// Kind-specific checks on a new or changed object.
fn validate<K: Kind>(obj: &K) -> Result<(), ApiError> {
    let name = name_of(obj.metadata()).to_owned();
    let any = obj as &dyn Any;
    if let Some(pod) = any.downcast_ref::<Pod>() {
        if pod.spec.as_ref().is_none_or(|s| s.containers.is_empty()) {
            return Err(invalid::<K>(&name, "spec.containers: Required value"));
        }
    }
    if let Some(d) = any.downcast_ref::<Deployment>() {
        let spec = d.spec.clone().unwrap_or_default();
        let template_labels = spec
            .template
            .metadata
            .as_ref()
            .and_then(|m| m.labels.clone());
        if spec.selector.match_labels.is_none() && spec.selector.match_expressions.is_none() {
            return Err(invalid::<K>(&name, "spec.selector: Required value"));
        }
        if !LabelQuery::from_label_selector(&spec.selector).matches(template_labels.as_ref()) {
            return Err(invalid::<K>(
                &name,
                &format!(
                    "spec.template.metadata.labels: Invalid value: {}: `selector` does not match template `labels`",
                    serde_json::to_string(&template_labels.unwrap_or_default()).unwrap_or_default()
                ),
            ));
        }
    }
    Ok(())
}

/// The defaults of the kind (re-applied on updates, as the apiserver does).
fn default_object<K: Kind>(obj: &mut K, k: &Kube<'_>) {
    let any = obj as &mut dyn Any;
    if let Some(d) = any.downcast_mut::<Deployment>() {
        admission::deployment_defaults(d);
    } else if let Some(rs) = any.downcast_mut::<ReplicaSet>() {
        admission::replicaset_defaults(rs);
    } else if let Some(ds) = any.downcast_mut::<DaemonSet>() {
        admission::daemonset_defaults(ds);
    } else if let Some(ns) = any.downcast_mut::<Namespace>() {
        admission::namespace_defaults(ns);
    } else if let Some(secret) = any.downcast_mut::<Secret>() {
        admission::secret_defaults(secret);
    } else if let Some(svc) = any.downcast_mut::<Service>() {
        let ip = next_service_ip(k);
        admission::service_defaults(svc, ip);
    }
}

fn next_service_ip(k: &Kube<'_>) -> Option<String> {
    let (net, prefix) = super::nodes::parse_cidr(&k.facts.service_cidr)?;
    let used: std::collections::BTreeSet<String> =
        k.c.all::<Service>()
            .filter_map(|s| s.spec.as_ref()?.cluster_ip.clone())
            .collect();
    let size = 1u32 << (32 - prefix.min(31));
    (11..size.saturating_sub(1))
        .map(|i| std::net::Ipv4Addr::from(net + ((i * 7919) % (size - 12)) + 11).to_string())
        .find(|ip| !used.contains(ip))
}

/// Creates an object from `body` in `namespace`.
///
/// # Errors
/// 400/404/409/422 as the apiserver.
pub fn create<K: Kind>(
    k: &mut Kube<'_>,
    namespace: Option<&str>,
    body: Value,
    dry_run: bool,
) -> Result<K, ApiError> {
    let mut obj: K = decode(body)?;
    let info = K::info();
    let meta = obj.metadata_mut();
    if info.namespaced {
        let url_ns = namespace.unwrap_or("default");
        match meta.namespace.as_deref() {
            Some(ns) if !ns.is_empty() && ns != url_ns => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ))
            }
            _ => meta.namespace = Some(url_ns.to_owned()),
        }
    }
    for field in [&mut meta.uid, &mut meta.resource_version] {
        *field = None;
    }
    meta.creation_timestamp = None;
    meta.deletion_timestamp = None;
    meta.managed_fields = None;
    let name = meta.name.clone().unwrap_or_default();
    let generate = meta.generate_name.clone().filter(|g| !g.is_empty());
    if name.is_empty() && generate.is_none() {
        return Err(invalid::<K>(
            "",
            "metadata.name: Required value: name or generateName is required",
        ));
    }
    if !name.is_empty() && !valid_name(&name) {
        return Err(invalid::<K>(&name, &format!(
            "metadata.name: Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        )));
    }
    let ns = meta.namespace.clone();
    if info.namespaced {
        let ns_name = ns.clone().unwrap_or_default();
        match k.c.get::<Namespace>(None, &ns_name) {
            None => return Err(ApiError::not_found("", "namespaces", &ns_name)),
            Some(n) if n.metadata.deletion_timestamp.is_some() => {
                return Err(ApiError::forbidden(format!(
                    "{} \"{name}\" is forbidden: unable to create new content in namespace {ns_name} because it is being terminated",
                    info.plural
                )))
            }
            Some(_) => {}
        }
    }
    if !name.is_empty() && k.c.get::<K>(ns.as_deref(), &name).is_some() {
        return Err(ApiError::already_exists(info.group, info.plural, &name));
    }
    validate(&obj)?;
    default_object(&mut obj, k);
    if let Some(pod) = (&mut obj as &mut dyn Any).downcast_mut::<Pod>() {
        pod.status = None;
        admission::admit_pod(pod, k.facts);
    }
    if dry_run {
        return Ok(obj);
    }
    let now = k.now;
    Ok(k.c.create(obj, now, k.ids))
}

/// Replaces an object (or, with `subresource = Some("status")`, its status).
///
/// # Errors
/// 400/404/409/422 as the apiserver.
pub fn update<K: Kind>(
    k: &mut Kube<'_>,
    namespace: Option<&str>,
    name: &str,
    body: Value,
    subresource: Option<&str>,
) -> Result<K, ApiError> {
    let current: K = get(k, namespace, name)?;
    let mut new: K = decode(body)?;
    let meta = new.metadata_mut();
    if meta.name.as_deref().is_some_and(|n| n != name) {
        return Err(ApiError::bad_request(
            "the name of the object does not match the name on the URL",
        ));
    }
    if let Some(rv) = meta.resource_version.as_deref().filter(|rv| !rv.is_empty()) {
        if Some(rv) != current.metadata().resource_version.as_deref() {
            return Err(ApiError::conflict(
                info_group::<K>(),
                K::info().plural,
                name,
            ));
        }
    }
    store_update(k, current, new, subresource)
}

/// Writes `new` over `current`, keeping what clients cannot change.
fn store_update<K: Kind>(
    k: &mut Kube<'_>,
    current: K,
    mut new: K,
    subresource: Option<&str>,
) -> Result<K, ApiError> {
    let old_meta = current.metadata().clone();
    if subresource == Some("status") {
        let mut status_only = to_value(&current);
        status_only["status"] = to_value(&new).get("status").cloned().unwrap_or(Value::Null);
        new = serde_json::from_value(status_only)
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
    } else if K::STATUS_SUBRESOURCE {
        let mut with_old_status = to_value(&new);
        with_old_status["status"] = to_value(&current)
            .get("status")
            .cloned()
            .unwrap_or(Value::Null);
        new = serde_json::from_value(with_old_status)
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
    }
    {
        let meta = new.metadata_mut();
        meta.name = old_meta.name.clone();
        meta.namespace = old_meta.namespace.clone();
        meta.uid = old_meta.uid.clone();
        meta.creation_timestamp = old_meta.creation_timestamp.clone();
        meta.deletion_timestamp = old_meta.deletion_timestamp.clone();
        meta.deletion_grace_period_seconds = old_meta.deletion_grace_period_seconds;
        meta.generation = old_meta.generation;
        meta.managed_fields = None;
    }
    validate(&new)?;
    default_object(&mut new, k);
    if K::GENERATION && to_value(&new).get("spec") != to_value(&current).get("spec") {
        new.metadata_mut().generation = Some(old_meta.generation.unwrap_or(1) + 1);
    }
    k.c.put(new);
    Ok(k.c
        .get::<K>(old_meta.namespace.as_deref(), name_of(&old_meta))
        .cloned()
        .unwrap_or(current))
}

/// Patches an object (or its status).
///
/// # Errors
/// 400/404/409/422 as the apiserver.
pub fn patch<K: Kind>(
    k: &mut Kube<'_>,
    namespace: Option<&str>,
    name: &str,
    kind: PatchType,
    body: &[u8],
    subresource: Option<&str>,
) -> Result<(K, bool), ApiError> {
    let Some(current) = k.c.get::<K>(namespace, name).cloned() else {
        if kind == PatchType::Apply {
            let mut value: Value = serde_json::from_slice(body)
                .or_else(|_| yaml_serde::from_slice(body))
                .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?;
            let metadata = value
                .as_object_mut()
                .map(|o| o.entry("metadata").or_insert_with(|| json!({})))
                .and_then(Value::as_object_mut)
                .ok_or_else(|| {
                    ApiError::bad_request("error decoding YAML: not a Kubernetes object".to_owned())
                })?;
            metadata.insert("name".to_owned(), json!(name));
            return create::<K>(k, namespace, value, false).map(|o| (o, true));
        }
        return Err(not_found::<K>(name));
    };
    let mut value = to_value(&current);
    patch::apply(&mut value, kind, body)?;
    let new: K = decode(value)?;
    if let Some(rv) = new.metadata().resource_version.as_deref() {
        if Some(rv) != current.metadata().resource_version.as_deref() {
            return Err(ApiError::conflict(
                info_group::<K>(),
                K::info().plural,
                name,
            ));
        }
    }
    store_update(k, current, new, subresource).map(|o| (o, false))
}

/// Deletes an object; returns what the DELETE answers with.
///
/// # Errors
/// 404 when it does not exist.
pub fn delete<K: Kind>(
    k: &mut Kube<'_>,
    namespace: Option<&str>,
    name: &str,
    options: &Value,
) -> Result<Value, ApiError> {
    let current: K = get(k, namespace, name)?;
    let grace = options.get("gracePeriodSeconds").and_then(Value::as_i64);
    let orphan = options.get("propagationPolicy").and_then(Value::as_str) == Some("Orphan")
        || options.get("orphanDependents").and_then(Value::as_bool) == Some(true);
    let any = &current as &dyn Any;
    if any.is::<Pod>() {
        let ns = namespace.unwrap_or("default");
        let pod = kubelet::delete_pod(k, ns, name, grace);
        return Ok(pod.map_or(Value::Null, |p| to_value(&p)));
    }
    if let Some(ns) = any.downcast_ref::<Namespace>() {
        let mut ns = ns.clone();
        if ns.metadata.deletion_timestamp.is_none() {
            ns.metadata.deletion_timestamp = Some(time(k.now));
            ns.status.get_or_insert_with(Default::default).phase = Some("Terminating".into());
            k.c.put(ns);
        }
        return Ok(k
            .c
            .get::<Namespace>(None, name)
            .map_or(Value::Null, to_value));
    }
    if orphan {
        let uid = store::uid_of(current.metadata()).to_owned();
        orphan_dependents::<ReplicaSet>(k, &uid);
        orphan_dependents::<Pod>(k, &uid);
    }
    let gone = k.c.remove::<K>(namespace, name);
    Ok(gone.map_or(Value::Null, |o| to_value(&o)))
}

fn orphan_dependents<K: Kind>(k: &mut Kube<'_>, owner_uid: &str) {
    let dependents: Vec<K> =
        k.c.all::<K>()
            .filter(|o| controller_of(o.metadata()).is_some_and(|r| r.uid == owner_uid))
            .cloned()
            .collect();
    for mut dependent in dependents {
        if let Some(refs) = dependent.metadata_mut().owner_references.as_mut() {
            refs.retain(|r| r.uid != owner_uid);
        }
        k.c.put(dependent);
    }
}

/// The `autoscaling/v1` Scale of a Deployment or ReplicaSet.
#[must_use]
pub fn scale_of<K: Kind>(obj: &K) -> Value {
    let value = to_value(obj);
    let meta = obj.metadata();
    let selector = value
        .pointer("/spec/selector")
        .and_then(|s| serde_json::from_value(s.clone()).ok())
        .map(|s| LabelQuery::from_label_selector(&s).to_string_form())
        .unwrap_or_default();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta.name, "namespace": meta.namespace, "uid": meta.uid,
            "resourceVersion": meta.resource_version, "creationTimestamp": meta.creation_timestamp,
        },
        "spec": {"replicas": value.pointer("/spec/replicas").cloned().unwrap_or(json!(1))},
        "status": {"replicas": value.pointer("/status/replicas").cloned().unwrap_or(json!(0)), "selector": selector},
    })
}

/// Sets the replicas of a Deployment or ReplicaSet from a (patched) Scale.
///
/// # Errors
/// 404/409/422.
pub fn set_scale<K: Kind>(
    k: &mut Kube<'_>,
    namespace: Option<&str>,
    name: &str,
    scale: &Value,
) -> Result<Value, ApiError> {
    let current: K = get(k, namespace, name)?;
    let replicas = scale
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .ok_or_else(|| invalid::<K>(name, "spec.replicas: Required value"))?;
    if replicas < 0 {
        return Err(invalid::<K>(
            name,
            &format!(
                "spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"
            ),
        ));
    }
    let mut value = to_value(&current);
    value["spec"]["replicas"] = json!(replicas);
    let new: K = decode(value)?;
    let updated = store_update(k, current, new, None)?;
    Ok(scale_of(&updated))
}

/// `GET …/pods/<name>/log`.
///
/// # Errors
/// 404 for a missing pod; 400 while its container is not running.
pub fn pod_log(
    k: &Kube<'_>,
    namespace: &str,
    name: &str,
    container: Option<&str>,
) -> Result<String, ApiError> {
    let pod: Pod = get(k, Some(namespace), name)?;
    let containers: Vec<String> = pod
        .spec
        .iter()
        .flat_map(|s| &s.containers)
        .map(|c| c.name.clone())
        .collect();
    let container = match container {
        Some(c) => c.to_owned(),
        None if containers.len() == 1 => containers[0].clone(),
        None => {
            return Err(ApiError::bad_request(format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                containers.join(" ")
            )))
        }
    };
    if !containers.contains(&container) {
        return Err(ApiError::bad_request(format!(
            "container {container} is not valid for pod {name}"
        )));
    }
    let running = pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running");
    if !running {
        let reason = pod
            .status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .and_then(|cs| cs.iter().find(|c| c.name == container))
            .and_then(|c| c.state.as_ref()?.waiting.as_ref()?.reason.clone())
            .unwrap_or_else(|| "ContainerCreating".to_owned());
        return Err(ApiError::bad_request(format!(
            "container \"{container}\" in pod \"{name}\" is waiting to start: {reason}"
        )));
    }
    Ok(kubelet::log_text(&pod, &container))
}

/// The success `Status` for a delete that left nothing to show.
#[must_use]
pub fn deleted_status<K: Kind>(name: &str) -> Value {
    status::success(info_group::<K>(), K::info().plural, name, "")
}
