//! eksctl's coredns steps against a fake Kubernetes API (axum on plain HTTP, in-process): the
//! checks, the merge PATCH of the whole Deployment, the polling on a virtual clock, and the
//! messages, as `pkg/fargate/coredns/coredns_test.go` exercises them. The real API (the emulator's
//! per-cluster endpoint over TLS) is exercised by the root package's tests.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use ekscli::kube::{coredns, Kube};
use ekscli::output::{LogStyle, Output};
use ekscli::{Sleeper, WallClock};
use serde_json::{json, Value};

/// The fake cluster: coredns's Deployment and pods, and when its pods reach Fargate.
#[derive(Default)]
struct Fake {
    /// The Deployment, or none.
    deployment: Option<Value>,
    /// Virtual seconds after the patch at which the pods are on Fargate (`None`: never).
    pods_move_after: Option<u64>,
    /// When the patch came, in virtual seconds.
    patched_at: Option<u64>,
    /// Every request: method, path and query, and the bearer token.
    requests: Vec<(String, String)>,
    /// The body of each PATCH.
    patches: Vec<Value>,
}

#[derive(Clone)]
struct App {
    fake: Arc<Mutex<Fake>>,
    elapsed: Arc<AtomicU64>,
}

fn deployment(compute_type: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "coredns", "namespace": "kube-system", "resourceVersion": "42",
            "labels": {"eks.amazonaws.com/component": "coredns"}},
        "spec": {"replicas": 2,
            "selector": {"matchLabels": {"eks.amazonaws.com/component": "coredns"}},
            "template": {"metadata": {
                "annotations": {"eks.amazonaws.com/compute-type": compute_type},
                "labels": {"eks.amazonaws.com/component": "coredns"}},
                "spec": {"containers": [{"name": "coredns", "image": "coredns"}]}}},
        "status": {"replicas": 2, "readyReplicas": 2}
    })
}

fn pod(name: &str, compute_type: &str, node: &str) -> Value {
    json!({"metadata": {"name": name, "namespace": "kube-system",
            "annotations": {"eks.amazonaws.com/compute-type": compute_type}},
        "spec": {"nodeName": node}, "status": {"phase": "Running"}})
}

fn record(app: &App, method: &str, uri: &axum::http::Uri, headers: &HeaderMap) {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    app.fake
        .lock()
        .unwrap()
        .requests
        .push((format!("{method} {uri}"), token));
}

fn not_found() -> (StatusCode, Json<Value>) {
    (
        StatusCode::NOT_FOUND,
        Json(
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "deployments.apps \"coredns\" not found", "reason": "NotFound",
            "details": {"name": "coredns", "group": "apps", "kind": "deployments"}, "code": 404}),
        ),
    )
}

async fn get_deployment(
    State(app): State<App>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    record(&app, "GET", &uri, &headers);
    match app.fake.lock().unwrap().deployment.clone() {
        Some(d) => (StatusCode::OK, Json(d)),
        None => not_found(),
    }
}

async fn patch_deployment(
    State(app): State<App>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, Json<Value>) {
    record(&app, "PATCH", &uri, &headers);
    assert_eq!(
        headers.get("content-type").unwrap(),
        "application/merge-patch+json"
    );
    let patch: Value = serde_json::from_str(&body).unwrap();
    let mut fake = app.fake.lock().unwrap();
    fake.patches.push(patch.clone());
    let Some(d) = fake.deployment.as_mut() else {
        return not_found();
    };
    d["spec"]["template"] = patch["spec"]["template"].clone();
    let d = d.clone();
    fake.patched_at = Some(app.elapsed.load(Ordering::SeqCst));
    (StatusCode::OK, Json(d))
}

async fn list_pods(
    State(app): State<App>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Json<Value> {
    record(&app, "GET", &uri, &headers);
    let fake = app.fake.lock().unwrap();
    let now = app.elapsed.load(Ordering::SeqCst);
    let on_fargate = match (fake.patched_at, fake.pods_move_after) {
        (Some(at), Some(after)) => now >= at + after,
        _ => false,
    };
    let items = if fake.deployment.is_none() {
        vec![]
    } else if on_fargate {
        vec![
            pod(
                "coredns-6f7d8b9c5d-2xk4q",
                "fargate",
                "fargate-ip-192-168-100-7.ap-northeast-1.compute.internal",
            ),
            pod(
                "coredns-6f7d8b9c5d-9wz7n",
                "fargate",
                "fargate-ip-192-168-130-12.ap-northeast-1.compute.internal",
            ),
        ]
    } else {
        vec![
            pod(
                "coredns-5c5d9c8f7b-abcde",
                "ec2",
                "ip-192-168-27-156.ap-northeast-1.compute.internal",
            ),
            pod(
                "coredns-5c5d9c8f7b-fghij",
                "ec2",
                "ip-192-168-95-177.ap-northeast-1.compute.internal",
            ),
        ]
    };
    Json(json!({"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": items}))
}

/// Serves the fake and returns a client for it, the shared state and the virtual clock.
async fn serve(fake: Fake) -> (Kube, App) {
    let app = App {
        fake: Arc::new(Mutex::new(fake)),
        elapsed: Arc::new(AtomicU64::new(0)),
    };
    let prefix = "/k8s/ap-northeast-1/fargate-cluster";
    let router = Router::new()
        .route(
            &format!("{prefix}/apis/apps/v1/namespaces/kube-system/deployments/coredns"),
            get(get_deployment).patch(patch_deployment),
        )
        .route(
            &format!("{prefix}/api/v1/namespaces/kube-system/pods"),
            get(list_pods),
        )
        .with_state(app.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let kube = Kube::new(
        &format!("http://{addr}{prefix}"),
        None,
        "fargate-cluster",
        "ap-northeast-1",
        "https://sts.ap-northeast-1.amazonaws.com",
        aws_credential_types::Credentials::new("AKIDTEST", "secret", None, None, "test"),
        WallClock::new(|| SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600)),
    )
    .unwrap();
    (kube, app)
}

/// Runs the whole step for the default profile; returns the exit (as a string) and the log.
async fn run(kube: &Kube, app: &App, verbosity: u8, timeout: Duration) -> (String, String) {
    let elapsed = app.elapsed.clone();
    let sleeper = Sleeper::new(move |d: Duration| {
        elapsed.fetch_add(d.as_secs(), Ordering::SeqCst);
        Box::pin(async {})
    });
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let result = {
        let mut out = Output::new(
            &mut stdout,
            &mut stderr,
            LogStyle {
                verbosity,
                ..LogStyle::default()
            },
        );
        coredns::schedule_if_relevant(
            &[ekscli::config::default_fargate_profile()],
            async { Ok(kube.clone()) },
            &mut out,
            &sleeper,
            timeout,
        )
        .await
    };
    let result = match result {
        Ok(()) => "ok".to_owned(),
        Err(e) => format!("Error: {e}"),
    };
    (result, String::from_utf8(stdout).unwrap())
}

#[tokio::test]
async fn coredns_moves_onto_fargate_as_on_the_seed_page() {
    let (kube, app) = serve(Fake {
        deployment: Some(deployment("ec2")),
        pods_move_after: Some(1),
        ..Fake::default()
    })
    .await;
    let (result, log) = run(&kube, &app, 3, Duration::from_secs(25 * 60)).await;
    assert_eq!(result, "ok");
    assert_eq!(
        log,
        "[ℹ]  \"coredns\" is now schedulable onto Fargate\n\
         [ℹ]  \"coredns\" is now scheduled onto Fargate\n\
         [ℹ]  \"coredns\" is now scheduled onto Fargate\n\
         [ℹ]  \"coredns\" pods are now scheduled onto Fargate\n"
    );
    let fake = app.fake.lock().unwrap();
    // The PATCH body is the whole Deployment with the annotation set, as eksctl sends it.
    assert_eq!(fake.patches.len(), 1);
    assert_eq!(fake.patches[0], deployment("fargate"));
    let calls: Vec<&str> = fake.requests.iter().map(|(c, _)| c.as_str()).collect();
    let dep = "/k8s/ap-northeast-1/fargate-cluster/apis/apps/v1/namespaces/kube-system/deployments/coredns";
    let pods = "/k8s/ap-northeast-1/fargate-cluster/api/v1/namespaces/kube-system/pods?labelSelector=eks.amazonaws.com%2Fcomponent%20%3D%20coredns";
    assert_eq!(
        calls,
        [
            format!("GET {dep}"),
            format!("GET {pods}"),
            format!("GET {dep}"),
            format!("PATCH {dep}"),
            format!("GET {dep}"),
            format!("GET {pods}"),
            format!("GET {dep}"),
            format!("GET {pods}"),
        ]
    );
    // Every request carries an EKS token naming this cluster.
    for (_, auth) in &fake.requests {
        let token = auth.strip_prefix("Bearer k8s-aws-v1.").expect(auth);
        let url = String::from_utf8(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(token)
                .unwrap(),
        )
        .unwrap();
        assert!(url.starts_with("https://sts.ap-northeast-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDTEST%2F20260101%2Fap-northeast-1%2Fsts%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature="), "{url}");
    }
    assert_eq!(app.elapsed.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn already_on_fargate_only_says_so() {
    let (kube, app) = serve(Fake {
        deployment: Some(deployment("fargate")),
        pods_move_after: Some(0),
        patched_at: Some(0),
        ..Fake::default()
    })
    .await;
    let (result, log) = run(&kube, &app, 3, Duration::from_secs(60)).await;
    assert_eq!(result, "ok");
    assert_eq!(
        log,
        "[ℹ]  \"coredns\" is now scheduled onto Fargate\n\
         [ℹ]  \"coredns\" pods are now scheduled onto Fargate\n"
    );
    assert!(app.fake.lock().unwrap().patches.is_empty());
}

#[tokio::test]
async fn pods_that_never_move_time_out() {
    let (kube, app) = serve(Fake {
        deployment: Some(deployment("ec2")),
        pods_move_after: None,
        ..Fake::default()
    })
    .await;
    let (result, log) = run(&kube, &app, 4, Duration::from_secs(10)).await;
    assert_eq!(
        result,
        "Error: timed out while waiting for \"coredns\" to be scheduled on Fargate"
    );
    // Polls at 0, 1, 3, 7 and 10 seconds (the last sleep is cut to the timeout), with eksctl's
    // debug lines at -v 4.
    assert_eq!(log.matches("is now scheduled onto Fargate").count(), 5);
    assert!(log.contains("[▶]  deployment \"coredns\" with compute type \"ec2\" currently has 2/2 replicas running\n"), "{log}");
    assert!(log.contains("[▶]  pod \"coredns-5c5d9c8f7b-abcde\" with compute type \"ec2\" and status \"Running\" is scheduled on \"ip-192-168-27-156.ap-northeast-1.compute.internal\"\n"), "{log}");
    assert_eq!(app.elapsed.load(Ordering::SeqCst), 10);
}

#[tokio::test]
async fn a_cluster_without_coredns() {
    let (kube, app) = serve(Fake::default()).await;
    let (result, log) = run(&kube, &app, 3, Duration::from_secs(60)).await;
    assert_eq!(result, "Error: deployments.apps \"coredns\" not found");
    assert_eq!(log, "");
}

#[tokio::test]
async fn profiles_without_kube_system_never_connect() {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut out = Output::new(&mut stdout, &mut stderr, LogStyle::default());
    let profile = ekscli::config::FargateProfile {
        name: "fp-dev".into(),
        selectors: vec![ekscli::config::FargateProfileSelector {
            namespace: "dev".into(),
            labels: None,
        }],
        ..ekscli::config::FargateProfile::default()
    };
    let result = coredns::schedule_if_relevant(
        &[profile],
        async { panic!("no Kubernetes client is made") },
        &mut out,
        &Sleeper::tokio(),
        Duration::from_secs(1),
    )
    .await;
    assert!(result.is_ok());
}
