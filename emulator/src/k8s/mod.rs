//! Each cluster's Kubernetes API, served over TLS under `/k8s/<region>/<cluster>/…`: the router,
//! bearer-token check, content negotiation (JSON or Table out; JSON, YAML or protobuf in) and dispatch
//! of every verb to `api.rs` inside one world lock, after which the controllers run. The objects live
//! in the world (`state::Region::kube`, [`K8sRegion`]); only the watch signal and known credentials
//! ([`Hub`]) are runtime.
//!
//! ```text
//!  kubectl ─TLS─▶ routes() ─ auth.rs (token) ─▶ discovery.rs (/version, /api, /apis, /openapi)
//!                                             └▶ api.rs (verbs, generic over kinds.rs)
//!                                                  │  admission.rs (defaults, Fargate mutation)
//!                                                  ▼
//!   store.rs (objects, resourceVersions, change log, index.rs) ◀── cluster.rs (control loop on the clock)
//!        │                                                  ├ stages.rs/kubelet.rs (pod steps)
//!        └▶ watch.rs (streams) ◀─ hub.rs (wake-ups)         ├ scheduler.rs + fargate.rs (both schedulers)
//!                                                           ├ workloads.rs (deployments, rs, ds, gc)
//!                                                           ├ nodes.rs (EC2 and Fargate nodes)
//!                                                           └ bootstrap.rs (a new cluster's objects)
//!   facts.rs: the one read of EKS/EC2 state (ClusterFacts)
//! ```

mod admission;
pub mod api;
pub mod auth;
mod bootstrap;
pub mod cluster;
mod discovery;
pub mod events;
pub mod facts;
pub mod fargate;
mod hub;
pub mod index;
pub mod kinds;
pub mod kubelet;
pub mod nodes;
pub mod patch;
pub mod proto;
pub mod scheduler;
pub mod selector;
pub mod stages;
pub mod status;
pub mod store;
pub mod table;
#[cfg(test)]
mod tests;
mod watch;
pub mod workloads;

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::Value;

pub use cluster::{advance, K8sRegion};
pub use hub::Hub;

use api::{Format, ListOptions};
use cluster::Kube;
use facts::cluster_facts;
use patch::PatchType;
use status::ApiError;

use crate::state::Emulator;
use crate::with_kind;

/// The Kubernetes API routes.
pub fn routes() -> Router<Emulator> {
    Router::new().fallback(handle)
}

/// One request, parsed.
struct Call {
    account: String,
    region: String,
    cluster: String,
    method: Method,
    rest: Vec<String>,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
}

impl Call {
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn format(&self) -> Format {
        let accept = self
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if accept.contains("as=Table") {
            Format::Table
        } else {
            Format::Json
        }
    }

    fn content_type(&self) -> &str {
        self.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
    }

    /// The body as JSON, whatever it came as.
    fn body_json(&self) -> Result<Value, ApiError> {
        let content_type = self.content_type();
        if content_type.starts_with(proto::CONTENT_TYPE) {
            return proto::decode(&self.body);
        }
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body)
            .or_else(|_| yaml_serde::from_slice(&self.body))
            .map_err(|e| {
                ApiError::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
            })
    }
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

async fn handle(
    State(emu): State<Emulator>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let segments = crate::wire::rest_json::segments(uri.path());
    let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
    let ["k8s", region, cluster, rest @ ..] = parts.as_slice() else {
        return ApiError::no_route().into_response();
    };
    let (region, cluster) = (*region, *cluster);
    let authorization = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let is_version = rest == ["version"];
    let config = emu.config();
    let caller = auth::verify(authorization, cluster, crate::clock::wall_now(), |key| {
        config
            .credentials
            .iter()
            .find(|c| c.access_key == key)
            .map(|c| c.secret.clone())
            .or_else(|| emu.kube_hub().secret_for(key))
    });
    // Under --strict-auth a token must be signed by a configured key and its signature must match
    // (as aws-iam-authenticator checks it through STS); otherwise an unknown key passes unchecked.
    let caller = caller.and_then(|c| {
        if config.strict_auth && !c.signature_checked {
            Err(auth::TokenError::UnknownKey(c.access_key))
        } else {
            Ok(c)
        }
    });
    let access_key = match caller {
        Ok(caller) => Some(caller.access_key),
        Err(_) if is_version => None,
        Err(err) => {
            tracing::debug!("refused a Kubernetes request for {region}/{cluster}: {err}");
            return ApiError::unauthorized().into_response();
        }
    };
    let account = match access_key {
        Some(key) if key.len() == 12 && key.chars().all(|c| c.is_ascii_digit()) => key,
        _ => emu.config().account_id.clone(),
    };
    let call = Call {
        account,
        region: region.to_owned(),
        cluster: cluster.to_owned(),
        method,
        rest: rest.iter().map(|s| (*s).to_owned()).collect(),
        query: crate::wire::rest_json::query_pairs(uri.query()),
        headers,
        body,
    };
    match route(&emu, &call) {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

/// Runs `f` on the cluster (after bringing it up to now), then the controllers.
fn with_cluster<R>(
    emu: &Emulator,
    call: &Call,
    f: impl FnOnce(&mut Kube<'_>) -> Result<R, ApiError>,
) -> Result<R, ApiError> {
    emu.with_world(|world, now| {
        let scope = world.scope(&call.account, &call.region);
        let facts = cluster_facts(scope.region, &call.region, &call.cluster)
            .ok_or_else(ApiError::no_route)?;
        let c = scope
            .region
            .kube
            .clusters
            .get_mut(&call.cluster)
            .ok_or_else(ApiError::no_route)?;
        let timing = emu.timing();
        let mut ids = std::mem::replace(&mut c.ids, crate::ids::IdGen::new(0));
        let result = f(&mut Kube {
            c: &mut *c,
            facts: &facts,
            ids: &mut ids,
            now,
            timing,
        });
        c.ids = ids;
        cluster::reconcile(c, &facts, now, timing, true);
        result
    })
}

fn route(emu: &Emulator, call: &Call) -> Result<Response, ApiError> {
    let rest: Vec<&str> = call.rest.iter().map(String::as_str).collect();
    match rest.as_slice() {
        ["version"] => {
            let facts = with_cluster(emu, call, |k| Ok(k.facts.clone()))?;
            Ok(json_response(StatusCode::OK, &discovery::version(&facts)))
        }
        ["api"] => {
            with_cluster(emu, call, |_| Ok(()))?;
            let address = emu.addresses().kube.to_string();
            Ok(json_response(
                StatusCode::OK,
                &discovery::api_versions(&address),
            ))
        }
        ["apis"] => Ok(json_response(StatusCode::OK, &discovery::api_group_list())),
        ["apis", group] => discovery::api_group(group)
            .map(|doc| json_response(StatusCode::OK, &doc))
            .ok_or_else(ApiError::no_route),
        ["api", "v1"] => discovery::resource_list("", "v1")
            .map(|doc| json_response(StatusCode::OK, &doc))
            .ok_or_else(ApiError::no_route),
        ["apis", group, version] => discovery::resource_list(group, version)
            .map(|doc| json_response(StatusCode::OK, &doc))
            .ok_or_else(ApiError::no_route),
        ["openapi", "v3"] => Ok(json_response(StatusCode::OK, &discovery::openapi_root())),
        ["openapi", "v3", path @ ..] => discovery::openapi_document(&path.join("/"))
            .map(|doc| json_response(StatusCode::OK, &doc))
            .ok_or_else(ApiError::no_route),
        ["api", "v1", tail @ ..] => resource(emu, call, "", "v1", tail),
        ["apis", group, version, tail @ ..] => resource(emu, call, group, version, tail),
        _ => Err(ApiError::no_route()),
    }
}

/// `[namespaces, ns, plural, name?, sub?]` or `[plural, name?, sub?]`.
fn resource(
    emu: &Emulator,
    call: &Call,
    group: &str,
    version: &str,
    tail: &[&str],
) -> Result<Response, ApiError> {
    let (namespace, rest) = match tail {
        ["namespaces", ns, plural, rest @ ..] => {
            let info = kinds::find(group, version, plural).ok_or_else(ApiError::no_route)?;
            if !info.namespaced {
                return Err(ApiError::no_route());
            }
            (
                Some((*ns).to_owned()),
                std::iter::once(*plural)
                    .chain(rest.iter().copied())
                    .collect::<Vec<_>>(),
            )
        }
        _ => (None, tail.to_vec()),
    };
    let (plural, name, sub) = match rest.as_slice() {
        [plural] => (*plural, None, None),
        [plural, name] => (*plural, Some(*name), None),
        [plural, name, sub] => (*plural, Some(*name), Some(*sub)),
        _ => return Err(ApiError::no_route()),
    };
    let info = kinds::find(group, version, plural).ok_or_else(ApiError::no_route)?;
    if let Some(sub) = sub {
        if !info.subresources.contains(&sub) {
            return Err(ApiError::no_route());
        }
    }
    // A cluster-scoped kind never has a namespace; a namespaced one listed without is "all".
    let namespace = if info.namespaced { namespace } else { None };
    with_kind!(info.plural, K => verb::<K>(emu, call, namespace.as_deref(), name, sub), else Err(ApiError::no_route()))
}

fn verb<K: kinds::Kind>(
    emu: &Emulator,
    call: &Call,
    namespace: Option<&str>,
    name: Option<&str>,
    sub: Option<&str>,
) -> Result<Response, ApiError> {
    let format = call.format();
    let dry_run = call.param("dryRun").is_some();
    let is_watch = matches!(call.param("watch"), Some("true" | "1"));
    match (&call.method, name, sub) {
        (&Method::GET, None, None) if is_watch => {
            let resource_version = call.param("resourceVersion").and_then(|rv| rv.parse().ok());
            let timeout = call
                .param("timeoutSeconds")
                .and_then(|t| t.parse().ok())
                .map_or(Duration::from_secs(1800), Duration::from_secs);
            // The cluster must exist before the stream starts.
            with_cluster(emu, call, |_| Ok(()))?;
            let target = watch::WatchTarget {
                account: call.account.clone(),
                region: call.region.clone(),
                cluster: call.cluster.clone(),
                namespace: namespace.map(str::to_owned),
                options: ListOptions::from_query(&call.query)?,
                format,
                resource_version,
                timeout,
            };
            Ok(watch::start::<K>(emu.clone(), target))
        }
        (&Method::GET, None, None) => {
            let options = ListOptions::from_query(&call.query)?;
            let list = with_cluster(emu, call, |k| {
                Ok(api::list::<K>(k, namespace, &options, format))
            })?;
            Ok(json_response(StatusCode::OK, &list))
        }
        (&Method::POST, None, None) => {
            let body = call.body_json()?;
            let obj = with_cluster(emu, call, |k| {
                let obj = api::create::<K>(k, namespace, body, dry_run)?;
                Ok(api::render(k, &obj, Format::Json))
            })?;
            Ok(json_response(StatusCode::CREATED, &obj))
        }
        (&Method::DELETE, None, None) => {
            let options = ListOptions::from_query(&call.query)?;
            let list = with_cluster(emu, call, |k| {
                let names: Vec<String> =
                    k.c.all::<K>()
                        .filter(|o| {
                            namespace.is_none_or(|ns| o.metadata().namespace.as_deref() == Some(ns))
                        })
                        .filter(|o| options.matches(&store::to_value(*o)))
                        .map(|o| store::name_of(o.metadata()).to_owned())
                        .collect();
                for n in &names {
                    api::delete::<K>(k, namespace, n, &Value::Null)?;
                }
                Ok(api::list::<K>(
                    k,
                    namespace,
                    &ListOptions::default(),
                    Format::Json,
                ))
            })?;
            Ok(json_response(StatusCode::OK, &list))
        }
        (_, Some(name), None) => object_verb::<K>(emu, call, namespace, name, format, dry_run),
        (_, Some(name), Some("status")) => status_verb::<K>(emu, call, namespace, name),
        (&Method::GET, Some(name), Some("log")) => {
            let ns = namespace.unwrap_or("default");
            let text = with_cluster(emu, call, |k| {
                api::pod_log(k, ns, name, call.param("container"))
            })?;
            let mut response = (StatusCode::OK, text).into_response();
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/plain"),
            );
            Ok(response)
        }
        (_, Some(name), Some("scale")) => scale_verb::<K>(emu, call, namespace, name),
        _ => Err(ApiError::method_not_allowed(call.method.as_str())),
    }
}

fn patch_type(call: &Call) -> Result<PatchType, ApiError> {
    PatchType::from_content_type(call.content_type())
        .ok_or_else(|| ApiError::unsupported_media_type(call.content_type()))
}

fn object_verb<K: kinds::Kind>(
    emu: &Emulator,
    call: &Call,
    namespace: Option<&str>,
    name: &str,
    format: Format,
    dry_run: bool,
) -> Result<Response, ApiError> {
    let _ = dry_run;
    match call.method {
        Method::GET => {
            let obj = with_cluster(emu, call, |k| {
                let obj = api::get::<K>(k, namespace, name)?;
                Ok(api::render(k, &obj, format))
            })?;
            Ok(json_response(StatusCode::OK, &obj))
        }
        Method::PUT => {
            let body = call.body_json()?;
            let obj = with_cluster(emu, call, |k| {
                let obj = api::update::<K>(k, namespace, name, body, None)?;
                Ok(api::render(k, &obj, Format::Json))
            })?;
            Ok(json_response(StatusCode::OK, &obj))
        }
        Method::PATCH => {
            let kind = patch_type(call)?;
            let (obj, created) = with_cluster(emu, call, |k| {
                let (obj, created) = api::patch::<K>(k, namespace, name, kind, &call.body, None)?;
                Ok((api::render(k, &obj, Format::Json), created))
            })?;
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(json_response(status, &obj))
        }
        Method::DELETE => {
            // DeleteOptions: an object, or nothing; anything else is refused as the apiserver does.
            let mut options = if call.body.is_empty() {
                Value::Object(serde_json::Map::new())
            } else {
                match call.body_json()? {
                    Value::Null => Value::Object(serde_json::Map::new()),
                    options @ Value::Object(_) => options,
                    _ => {
                        return Err(ApiError::bad_request(
                            "couldn't get version/kind; json parse error: DeleteOptions is not an object"
                                .to_owned(),
                        ))
                    }
                }
            };
            if let Some(grace) = call
                .param("gracePeriodSeconds")
                .and_then(|g| g.parse::<i64>().ok())
            {
                options["gracePeriodSeconds"] = grace.into();
            }
            if let Some(policy) = call.param("propagationPolicy") {
                options["propagationPolicy"] = policy.into();
            }
            let answer = with_cluster(emu, call, |k| {
                let value = api::delete::<K>(k, namespace, name, &options)?;
                Ok(if value.is_null() {
                    api::deleted_status::<K>(name)
                } else {
                    value
                })
            })?;
            Ok(json_response(StatusCode::OK, &answer))
        }
        _ => Err(ApiError::method_not_allowed(call.method.as_str())),
    }
}

fn status_verb<K: kinds::Kind>(
    emu: &Emulator,
    call: &Call,
    namespace: Option<&str>,
    name: &str,
) -> Result<Response, ApiError> {
    let obj = with_cluster(emu, call, |k| {
        let obj = match call.method {
            Method::GET => api::get::<K>(k, namespace, name)?,
            Method::PUT => api::update::<K>(k, namespace, name, call.body_json()?, Some("status"))?,
            Method::PATCH => {
                api::patch::<K>(
                    k,
                    namespace,
                    name,
                    patch_type(call)?,
                    &call.body,
                    Some("status"),
                )?
                .0
            }
            _ => return Err(ApiError::method_not_allowed(call.method.as_str())),
        };
        Ok(api::render(k, &obj, Format::Json))
    })?;
    Ok(json_response(StatusCode::OK, &obj))
}

fn scale_verb<K: kinds::Kind>(
    emu: &Emulator,
    call: &Call,
    namespace: Option<&str>,
    name: &str,
) -> Result<Response, ApiError> {
    let scale = with_cluster(emu, call, |k| {
        let current = api::get::<K>(k, namespace, name)?;
        let mut scale = api::scale_of(&current);
        match call.method {
            Method::GET => return Ok(scale),
            Method::PUT => scale = call.body_json()?,
            Method::PATCH => patch::apply(&mut scale, patch_type(call)?, &call.body)?,
            _ => return Err(ApiError::method_not_allowed(call.method.as_str())),
        }
        api::set_scale::<K>(k, namespace, name, &scale)
    })?;
    Ok(json_response(StatusCode::OK, &scale))
}
