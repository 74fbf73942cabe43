//! Watches: a chunked response of `{"type": "ADDED|MODIFIED|DELETED|ERROR", "object": …}` lines, held
//! open until `timeoutSeconds` (real time) or the client leaves. From resourceVersion N it replays every
//! logged change after N (410 `Expired` as an ERROR event when the log no longer reaches back); without
//! one it starts with ADDED for what exists. Filtered watches turn objects entering or leaving the
//! selection into ADDED/DELETED, as the apiserver does. The task wakes on the hub's change signal
//! (any request or clock advance that changed objects) and, on the system clock, when the cluster's
//! next pod step falls due.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::Frame;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::api::{Format, ListOptions};
use super::kinds::Kind;
use super::status::ApiError;
use super::store::{Change, KubeCluster};
use super::table::{self, Printable};
use crate::clock::Timestamp;
use crate::state::Emulator;

/// Where a watch reads: which cluster, which objects.
#[derive(Debug, Clone)]
pub struct WatchTarget {
    /// Account id.
    pub account: String,
    /// Region.
    pub region: String,
    /// Cluster name.
    pub cluster: String,
    /// Namespace (`None` for all).
    pub namespace: Option<String>,
    /// Selectors.
    pub options: ListOptions,
    /// JSON or Table objects.
    pub format: Format,
    /// `resourceVersion` to start after (`None` or 0: from the current state).
    pub resource_version: Option<u64>,
    /// How long to hold the stream open.
    pub timeout: Duration,
}

/// The response body of a watch: lines pushed by the watch task.
struct WatchBody(mpsc::Receiver<Bytes>);

impl hyper::body::Body for WatchBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|line| line.map(|b| Ok(Frame::data(b))))
    }
}

fn line(event_type: &str, object: Value) -> Bytes {
    let mut text =
        serde_json::to_string(&json!({"type": event_type, "object": object})).unwrap_or_default();
    text.push('\n');
    Bytes::from(text)
}

fn render<K: Kind + Printable>(object: &Value, format: Format, now: Timestamp) -> Value {
    match format {
        Format::Json => object.clone(),
        Format::Table => match serde_json::from_value::<K>(object.clone()) {
            Ok(obj) => {
                let rv = obj.metadata().resource_version.clone().unwrap_or_default();
                let mut t = table::table::<K>(&[&obj], now, &rv, None);
                // The apiserver sends the column definitions with the first event only; sending them
                // on every event is equally accepted by kubectl.
                t["metadata"] = json!({"resourceVersion": rv});
                t
            }
            Err(_) => object.clone(),
        },
    }
}

fn in_scope(target: &WatchTarget, object: &Value) -> bool {
    target.namespace.as_deref().is_none_or(|ns| {
        object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            == Some(ns)
    }) && target.options.matches(object)
}

/// The event a change makes for this watch, if any.
fn event_for<K: Kind + Printable>(
    target: &WatchTarget,
    change: &Change,
    now: Timestamp,
) -> Option<Bytes> {
    if change.resource != K::info().plural {
        return None;
    }
    let before = change.before.as_ref().is_some_and(|b| in_scope(target, b));
    let after = in_scope(target, &change.after);
    let ty = if change.deleted {
        (before || after).then_some("DELETED")?
    } else {
        match (change.before.is_some() && before, after) {
            (false, true) => "ADDED",
            (true, true) => "MODIFIED",
            (true, false) => "DELETED",
            (false, false) => return None,
        }
    };
    Some(line(ty, render::<K>(&change.after, target.format, now)))
}

/// What the watch sends first: ADDED for every selected object, or the changes after the given
/// resourceVersion. Returns the lines and the cursor to go on from.
fn initial<K: Kind + Printable>(
    target: &WatchTarget,
    c: &KubeCluster,
    now: Timestamp,
) -> Result<(Vec<Bytes>, u64), ApiError> {
    match target.resource_version.filter(|rv| *rv > 0) {
        None => {
            let lines = c
                .all::<K>()
                .map(super::store::to_value)
                .filter(|o| in_scope(target, o))
                .map(|o| line("ADDED", render::<K>(&o, target.format, now)))
                .collect();
            Ok((lines, c.rv))
        }
        Some(rv) if rv < c.oldest_watchable() => Err(ApiError::gone(&rv.to_string())),
        Some(rv) => Ok((
            c.log
                .iter()
                .filter(|ch| ch.rv > rv)
                .filter_map(|ch| event_for::<K>(target, ch, now))
                .collect(),
            c.rv.max(rv),
        )),
    }
}

enum Poll2 {
    Lines(Vec<Bytes>, u64, Option<Timestamp>),
    Gone(ApiError),
    ClusterGone,
}

fn poll<K: Kind + Printable>(
    emu: &Emulator,
    target: &WatchTarget,
    cursor: u64,
    first: bool,
) -> Poll2 {
    emu.with_world(|world, now| {
        let (_, region) = world.region(&target.account, &target.region);
        let Some(c) = region.kube.clusters.get(&target.cluster) else {
            return Poll2::ClusterGone;
        };
        let boot = super::facts::cluster_facts(region, &target.region, &target.cluster)
            .and_then(|f| f.boot_due(c.last_run, Timestamp(u64::MAX)));
        let flush = super::scheduler::flush_due(c);
        let next_due = c
            .steps
            .earliest()
            .into_iter()
            .chain(boot)
            .chain(flush)
            .min();
        if first {
            return match initial::<K>(target, c, now) {
                Ok((lines, cursor)) => Poll2::Lines(lines, cursor, next_due),
                Err(e) => Poll2::Gone(e),
            };
        }
        if cursor < c.oldest_watchable() {
            return Poll2::Gone(ApiError::gone(&cursor.to_string()));
        }
        let lines = c
            .log
            .iter()
            .filter(|ch| ch.rv > cursor)
            .filter_map(|ch| event_for::<K>(target, ch, now))
            .collect();
        Poll2::Lines(lines, c.rv.max(cursor), next_due)
    })
}

/// Starts a watch; the response streams until the timeout or the client goes.
pub fn start<K: Kind + Printable>(emu: Emulator, target: WatchTarget) -> axum::response::Response {
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let mut changes = emu.kube_hub().subscribe();
    tokio::spawn(async move {
        let deadline = tokio::time::Instant::now() + target.timeout;
        let mut cursor = 0;
        let mut first = true;
        loop {
            let next_due = match poll::<K>(&emu, &target, cursor, first) {
                Poll2::Lines(lines, next, due) => {
                    for l in lines {
                        if tx.send(l).await.is_err() {
                            return;
                        }
                    }
                    cursor = next;
                    due
                }
                Poll2::Gone(err) => {
                    let _ = tx.send(line("ERROR", err.to_status())).await;
                    return;
                }
                Poll2::ClusterGone => return,
            };
            first = false;
            // On the system clock nothing else moves time forward: wake when the next step is due.
            let wake = next_due
                .filter(|_| !emu.clock().is_manual())
                .map(|due| {
                    Duration::from_millis(due.0.saturating_sub(emu.clock().now().0))
                        .max(Duration::from_millis(5))
                })
                .unwrap_or(Duration::from_secs(3600));
            tokio::select! {
                changed = changes.changed() => if changed.is_err() { return },
                () = tx.closed() => return,
                () = tokio::time::sleep_until(deadline) => return,
                () = tokio::time::sleep(wake) => {},
            }
        }
    });
    let mut response = axum::response::Response::new(axum::body::Body::new(WatchBody(rx)));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}
