//! Kubernetes `Event`s as the components emit them (`default-scheduler`, `fargate-scheduler`,
//! `kubelet`, the workload controllers): one object per (object, reason, message), whose `count` and
//! `lastTimestamp` move on repeats, named `<object>.<hex nanoseconds>` like the apiserver's.

use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::cluster::Kube;
use super::kinds::Kind;
use super::store::{key, key_of, time};

/// `Normal` or `Warning`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// Routine.
    Normal,
    /// Something to look at.
    Warning,
}

/// A reference to `obj` for `involvedObject`.
#[must_use]
pub fn reference<K: Kind>(obj: &K) -> ObjectReference {
    let meta = obj.metadata();
    ObjectReference {
        api_version: Some(K::API_VERSION.to_owned()),
        kind: Some(K::KIND.to_owned()),
        name: meta.name.clone(),
        namespace: meta.namespace.clone(),
        uid: meta.uid.clone(),
        resource_version: meta.resource_version.clone(),
        field_path: None,
    }
}

/// Records an event about `involved` from `component` (on `host`, for the kubelet).
pub fn record(
    k: &mut Kube<'_>,
    involved: ObjectReference,
    ty: Type,
    reason: &str,
    message: &str,
    component: &str,
    host: Option<&str>,
) {
    let namespace = involved
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_owned());
    // Events are named `<object>.<hex nanos>`: the first of this object's that says the same.
    let prefix = key(
        Some(&namespace),
        &format!("{}.", involved.name.as_deref().unwrap_or_default()),
    );
    let identity = (
        involved.uid.clone().unwrap_or_default(),
        involved.field_path.clone().unwrap_or_default(),
        reason.to_owned(),
        message.to_owned(),
    );
    let existing =
        k.c.at::<Event>(k.c.index.events.get(&identity))
            .find(|e| key_of(*e).starts_with(&prefix))
            .cloned();
    if let Some(mut event) = existing {
        event.count = Some(event.count.unwrap_or(1) + 1);
        event.last_timestamp = Some(time(k.now));
        k.c.put(event);
        return;
    }
    let object_name = involved.name.clone().unwrap_or_default();
    let nanos = u128::from(k.now.0) * 1_000_000 + u128::from(k.c.rv % 1_000_000);
    let event = Event {
        metadata: ObjectMeta {
            name: Some(format!("{object_name}.{nanos:x}")),
            namespace: Some(namespace),
            ..ObjectMeta::default()
        },
        involved_object: involved,
        reason: Some(reason.to_owned()),
        message: Some(message.to_owned()),
        source: Some(EventSource {
            component: Some(component.to_owned()),
            host: host.map(str::to_owned),
        }),
        first_timestamp: Some(time(k.now)),
        last_timestamp: Some(time(k.now)),
        count: Some(1),
        type_: Some(
            match ty {
                Type::Normal => "Normal",
                Type::Warning => "Warning",
            }
            .to_owned(),
        ),
        reporting_component: Some(component.to_owned()),
        reporting_instance: Some(host.unwrap_or(component).to_owned()),
        ..Event::default()
    };
    let now = k.now;
    k.c.create(event, now, k.ids);
}
