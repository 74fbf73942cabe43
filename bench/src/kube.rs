//! The Kubernetes side: a cluster with `profiles` Fargate profiles of `selectors` selectors each
//! (namespace `team-<p>`, label `app=s<s>`), then `pods` pods created one request each, spread over
//! every selector, until each is bound to its Fargate node. Driven either in process (the emulator's
//! Kubernetes router called without a socket, like the `Sim` of the emulator's k8s tests, but through
//! the whole request path) or over HTTPS against a spawned emulator (whose process RSS is read).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::Engine;
use eks_emulator::lifecycle::Timing;
use eks_emulator::{Config, Emulator};
use reqwest::Method;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::aws::{AwsClient, Error, Prerequisites, REGION};

/// How the Kubernetes API is reached.
pub enum KubeApi {
    /// The emulator's Kubernetes router, called in process.
    InProcess(axum::Router),
    /// `https://<kube-listen>` of a running emulator.
    Https {
        /// The client (the emulator's own CA is not installed: certificates are not checked).
        http: reqwest::Client,
        /// `https://127.0.0.1:PORT`.
        base: String,
    },
}

/// An EKS token as `aws eks get-token` shapes it, dated now (the emulator without `--strict-auth`
/// checks its form and age, not its signature).
#[must_use]
pub fn token() -> String {
    let now = time::OffsetDateTime::now_utc();
    let date = format!(
        "{:04}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day()
    );
    let amz_date = format!(
        "{date}T{:02}{:02}{:02}Z",
        now.hour(),
        now.minute(),
        now.second()
    );
    let url = format!(
        "https://sts.{REGION}.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15\
         &X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F{date}%2F{REGION}%2Fsts%2Faws4_request\
         &X-Amz-Date={amz_date}&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id\
         &X-Amz-Signature={}",
        "0".repeat(64)
    );
    format!(
        "k8s-aws-v1.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url)
    )
}

impl KubeApi {
    /// A client of the emulator's Kubernetes endpoint at `base` (`https://127.0.0.1:PORT`).
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn https(base: &str) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self::Https {
            http,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// One call; returns status and JSON body.
    ///
    /// # Errors
    /// When the request cannot be made.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        token: &str,
    ) -> Result<(u16, Value), Error> {
        let bearer = format!("Bearer {token}");
        let bytes = body.map(Value::to_string).unwrap_or_default();
        match self {
            Self::InProcess(router) => {
                let request = http::Request::builder()
                    .method(method.as_str())
                    .uri(path)
                    .header("authorization", bearer)
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from(bytes))
                    .map_err(|e| e.to_string())?;
                let response = router
                    .clone()
                    .oneshot(request)
                    .await
                    .map_err(|e| e.to_string())?;
                let status = response.status().as_u16();
                let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok((status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
            }
            Self::Https { http, base } => {
                let response = http
                    .request(method, format!("{base}{path}"))
                    .header("authorization", bearer)
                    .header("content-type", "application/json")
                    .body(bytes)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let status = response.status().as_u16();
                let body = response.bytes().await.map_err(|e| e.to_string())?;
                Ok((status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
            }
        }
    }

    async fn call_ok(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        token: &str,
    ) -> Result<Value, Error> {
        let (status, value) = self.call(method.clone(), path, body, token).await?;
        if (200..300).contains(&status) {
            Ok(value)
        } else {
            Err(format!("{method} {path}: HTTP {status}: {value}"))
        }
    }
}

/// The shape of the Kubernetes bench.
#[derive(Debug, Clone, Copy)]
pub struct KubeSpec {
    /// Fargate profiles.
    pub profiles: usize,
    /// Selectors per profile (EKS allows 5).
    pub selectors: usize,
    /// Pods.
    pub pods: usize,
}

/// What the Kubernetes bench measured.
#[derive(Debug, Clone)]
pub struct KubeResult {
    /// The shape.
    pub spec: KubeSpec,
    /// From the first pod's creation to the last create's answer.
    pub created_in: Duration,
    /// From the first pod's creation until every pod is bound to a node.
    pub scheduled_in: Duration,
}

impl KubeResult {
    /// Pods admitted and scheduled per second.
    #[must_use]
    pub fn pods_per_second(&self) -> f64 {
        self.spec.pods as f64 / self.scheduled_in.as_secs_f64()
    }
}

/// Makes cluster `cluster` on the EKS endpoint `aws_base` with the profiles of `spec`, all
/// `ACTIVE` (the emulator must run with `--timing instant`).
///
/// # Errors
/// The first failed call.
pub async fn cluster_with_profiles(
    aws_base: &str,
    prereqs: &Prerequisites,
    cluster: &str,
    spec: KubeSpec,
) -> Result<(), Error> {
    let client = AwsClient::new(aws_base)?;
    let create = json!({
        "name": cluster,
        "roleArn": prereqs.cluster_role,
        "resourcesVpcConfig": {"subnetIds": prereqs.subnets},
    });
    client
        .eks_ok(Method::POST, "/clusters", Some(&create))
        .await?;
    wait_active(&client, &format!("/clusters/{cluster}"), "cluster").await?;
    for p in 0..spec.profiles {
        let selectors: Vec<Value> = (0..spec.selectors)
            .map(|s| json!({"namespace": format!("team-{p}"), "labels": {"app": format!("s{s}")}}))
            .collect();
        let body = json!({
            "fargateProfileName": format!("fp-{p}"),
            "podExecutionRoleArn": prereqs.pod_role,
            "subnets": prereqs.subnets,
            "selectors": selectors,
        });
        let path = format!("/clusters/{cluster}/fargate-profiles");
        client.eks_ok(Method::POST, &path, Some(&body)).await?;
        wait_active(&client, &format!("{path}/fp-{p}"), "fargateProfile").await?;
    }
    Ok(())
}

async fn wait_active(client: &AwsClient, path: &str, field: &str) -> Result<(), Error> {
    for _ in 0..1000 {
        let (v, _) = client.eks_ok(Method::GET, path, None).await?;
        if v[field]["status"] == "ACTIVE" {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Err(format!("{path} never became ACTIVE"))
}

/// Creates the namespaces, then times `spec.pods` pod creations on `cluster` and waits until every
/// pod has a `nodeName`.
///
/// # Errors
/// The first failed call, or pods still unscheduled after 1000 lists.
pub async fn schedule_pods(
    api: &KubeApi,
    cluster: &str,
    spec: KubeSpec,
) -> Result<KubeResult, Error> {
    let token = token();
    let root = format!("/k8s/{REGION}/{cluster}/api/v1");
    for p in 0..spec.profiles {
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": format!("team-{p}")}});
        api.call_ok(
            Method::POST,
            &format!("{root}/namespaces"),
            Some(&ns),
            &token,
        )
        .await?;
    }
    let started = Instant::now();
    for i in 0..spec.pods {
        let p = i % spec.profiles;
        let s = (i / spec.profiles) % spec.selectors;
        let pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": format!("pod-{i}"), "namespace": format!("team-{p}"), "labels": {"app": format!("s{s}")}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
        });
        api.call_ok(
            Method::POST,
            &format!("{root}/namespaces/team-{p}/pods"),
            Some(&pod),
            &token,
        )
        .await?;
    }
    let created_in = started.elapsed();
    for _ in 0..1000 {
        let list = api
            .call_ok(Method::GET, &format!("{root}/pods"), None, &token)
            .await?;
        let ours: Vec<&Value> = list["items"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|pod| {
                pod["metadata"]["namespace"]
                    .as_str()
                    .is_some_and(|ns| ns.starts_with("team-"))
            })
            .collect();
        let bound = ours
            .iter()
            .filter(|pod| {
                pod["spec"]["nodeName"]
                    .as_str()
                    .is_some_and(|n| !n.is_empty())
            })
            .count();
        if ours.len() >= spec.pods && bound >= spec.pods {
            return Ok(KubeResult {
                spec,
                created_in,
                scheduled_in: started.elapsed(),
            });
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Err(format!("{} pods were not all scheduled", spec.pods))
}

/// An in-process emulator on free loopback ports with `--timing instant` (the real clock).
///
/// # Errors
/// When it does not start.
pub async fn start_instant_emulator() -> Result<eks_emulator::RunningEmulator, Error> {
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    Emulator::start(Config {
        listen: any,
        kube_listen: any,
        timing: Timing::Instant,
        ..Config::default()
    })
    .await
    .map_err(|e| format!("starting the emulator: {e}"))
}

/// The bench on an in-process emulator (`--timing instant`, real clock); also returns this
/// process's RSS afterwards (KiB).
///
/// # Errors
/// When the emulator does not start or a call fails.
pub async fn in_process(spec: KubeSpec) -> Result<(KubeResult, u64), Error> {
    let running = start_instant_emulator().await?;
    let base = running.aws_url();
    let prereqs = crate::aws::prerequisites(&base, "kube").await?;
    cluster_with_profiles(&base, &prereqs, "pods", spec).await?;
    let api = KubeApi::InProcess(eks_emulator::kube_app(running.emulator().clone()));
    let r = schedule_pods(&api, "pods", spec).await?;
    let rss = crate::stats::rss_kib(std::process::id()).unwrap_or_default();
    running.shutdown().await;
    Ok((r, rss))
}
