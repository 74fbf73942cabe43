//! Random requests to an ACTIVE cluster's Kubernetes API (`kube_app`): every verb on core, apps and
//! discovery paths, with random query strings (selectors, watch, dryRun, fieldManager…), content
//! types (JSON, YAML, protobuf, the three patch types, apply) and bodies (random bytes, JSON that is
//! almost a manifest, almost-protobuf): no panic, no 5xx, and an error is always a `Status`. The
//! cluster is made through the AWS side of the same emulator (IAM, EC2, EKS, the admin clock), as a
//! client would. This is the CI-run form of `emulator/fuzz/fuzz_targets/kube.rs`.

use axum::body::Body;
use axum::http::{HeaderValue, Request};
use eks_emulator::{Config, Emulator};
use http_body_util::BodyExt;
use proptest::prelude::*;
use serde_json::{json, Value};
use tower::ServiceExt;

const REGION: &str = "us-east-1";
const CLUSTER: &str = "c1";

/// One random Kubernetes request.
#[derive(Debug, Clone)]
struct Case {
    method: &'static str,
    path: String,
    query: Option<String>,
    content_type: Option<&'static str>,
    accept: Option<&'static str>,
    body: Vec<u8>,
}

fn auth(service: &str) -> String {
    format!("AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/{REGION}/{service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000")
}

/// Sends one AWS request through `app` and returns its status and body.
async fn aws(emu: &Emulator, service: &str, method: &str, uri: &str, body: String) -> String {
    let content_type = if body.starts_with('{') {
        "application/json"
    } else {
        "application/x-www-form-urlencoded; charset=utf-8"
    };
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", auth(service))
        .header("x-amz-date", "20260101T000000Z")
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap();
    let response = eks_emulator::app(emu.clone())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    assert!(status.is_success(), "{method} {uri}: {status} {text}");
    text
}

/// An emulator with cluster `c1` ACTIVE on the default VPC, made through the AWS APIs.
async fn emulator_with_a_cluster() -> Emulator {
    let emu = Emulator::new(Config::for_tests());
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("Action", "CreateRole")
        .append_pair("Version", "2010-05-08")
        .append_pair("RoleName", "cluster-role")
        .append_pair("AssumeRolePolicyDocument", trust)
        .finish();
    aws(&emu, "iam", "POST", "/", form).await;
    let subnets = aws(
        &emu,
        "ec2",
        "POST",
        "/",
        "Action=DescribeSubnets&Version=2016-11-15".into(),
    )
    .await;
    let subnet_ids: Vec<&str> = subnets
        .split("<subnetId>")
        .skip(1)
        .filter_map(|s| s.split('<').next())
        .take(2)
        .collect();
    assert_eq!(subnet_ids.len(), 2, "default subnets: {subnets}");
    let create = json!({
        "name": CLUSTER,
        "roleArn": "arn:aws:iam::123456789012:role/cluster-role",
        "resourcesVpcConfig": {"subnetIds": subnet_ids},
    });
    aws(&emu, "eks", "POST", "/clusters", create.to_string()).await;
    let request = Request::builder()
        .method("POST")
        .uri("/_emulator/clock/advance")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"seconds":900}"#))
        .unwrap();
    let response = eks_emulator::app(emu.clone())
        .oneshot(request)
        .await
        .unwrap();
    assert!(response.status().is_success());
    emu
}

/// A runtime, an emulator with cluster `c1` ACTIVE, and a fresh bearer token for it.
fn fixture() -> (tokio::runtime::Runtime, Emulator, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let emu = runtime.block_on(emulator_with_a_cluster());
    let token = eks_emulator::k8s::auth::make_token(
        "http://127.0.0.1:4566",
        REGION,
        CLUSTER,
        "AKIDTEST",
        "secret",
        eks_emulator::clock::wall_now(),
    );
    (runtime, emu, token)
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("nginx".to_owned()),
        Just("kube-system".to_owned()),
        Just("coredns".to_owned()),
        Just("default".to_owned()),
        "[a-z0-9.-]{0,12}",
        "\\PC{0,10}".prop_map(|s| {
            percent_encoding::utf8_percent_encode(&s, percent_encoding::NON_ALPHANUMERIC)
                .to_string()
        }),
    ]
}

fn path() -> impl Strategy<Value = String> {
    let templates = prop::sample::select(vec![
        "/version",
        "/api",
        "/apis",
        "/api/v1",
        "/apis/apps/v1",
        "/openapi/v3",
        "/openapi/v3/api/v1",
        "/openapi/v2",
        "/api/v1/namespaces",
        "/api/v1/namespaces/{}",
        "/api/v1/namespaces/{}/pods",
        "/api/v1/namespaces/{}/pods/{}",
        "/api/v1/namespaces/{}/pods/{}/status",
        "/api/v1/namespaces/{}/pods/{}/log",
        "/api/v1/namespaces/{}/pods/{}/binding",
        "/api/v1/namespaces/{}/pods/{}/eviction",
        "/api/v1/pods",
        "/api/v1/nodes",
        "/api/v1/nodes/{}",
        "/api/v1/namespaces/{}/configmaps/{}",
        "/api/v1/namespaces/{}/secrets",
        "/api/v1/namespaces/{}/events",
        "/api/v1/namespaces/{}/services/{}",
        "/api/v1/namespaces/{}/serviceaccounts",
        "/apis/apps/v1/namespaces/{}/deployments",
        "/apis/apps/v1/namespaces/{}/deployments/{}",
        "/apis/apps/v1/namespaces/{}/deployments/{}/scale",
        "/apis/apps/v1/namespaces/{}/replicasets/{}",
        "/apis/apps/v1/namespaces/{}/daemonsets/{}",
        "/apis/{}/{}",
        "/api/{}/{}/{}",
        "/{}",
    ]);
    (templates, name(), name()).prop_map(|(t, a, b)| {
        format!(
            "/k8s/{REGION}/{CLUSTER}{}",
            t.replacen("{}", &a, 1).replacen("{}", &b, 1)
        )
    })
}

fn query() -> impl Strategy<Value = Option<String>> {
    let pair = (
        prop::sample::select(vec![
            "labelSelector",
            "fieldSelector",
            "watch",
            "resourceVersion",
            "limit",
            "continue",
            "timeoutSeconds",
            "dryRun",
            "fieldManager",
            "force",
            "propagationPolicy",
            "gracePeriodSeconds",
            "container",
            "follow",
            "tailLines",
            "fieldValidation",
        ]),
        prop_oneof![
            Just("true".to_owned()),
            Just("0".to_owned()),
            Just("app=nginx,tier!=web".to_owned()),
            Just("spec.nodeName=x,metadata.name!=y".to_owned()),
            Just("99999999999999999999".to_owned()),
            "[a-zA-Z0-9=!,()._-]{0,16}",
        ],
    )
        .prop_map(|(k, v)| {
            format!(
                "{k}={}",
                percent_encoding::utf8_percent_encode(&v, percent_encoding::NON_ALPHANUMERIC)
            )
        });
    prop::option::of(prop::collection::vec(pair, 0..4).prop_map(|p| p.join("&")))
}

/// JSON that is often almost a Kubernetes object or a patch.
fn manifest() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "v1",
            "apps/v1",
            "Pod",
            "Deployment",
            "nginx",
            "100m",
            "1Gi"
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    let field = prop::sample::select(vec![
        "apiVersion",
        "kind",
        "metadata",
        "name",
        "namespace",
        "labels",
        "annotations",
        "spec",
        "containers",
        "image",
        "resources",
        "requests",
        "replicas",
        "selector",
        "matchLabels",
        "template",
        "nodeName",
        "schedulerName",
        "op",
        "path",
        "value",
        "$patch",
        "resourceVersion",
    ]);
    leaf.prop_recursive(4, 32, 5, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(field.clone(), inner, 0..6).prop_map(|m| {
                Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        prop::collection::vec(any::<u8>(), 0..200),
        manifest().prop_map(|v| v.to_string().into_bytes()),
        // Protobuf: the `k8s\0` magic, then anything.
        prop::collection::vec(any::<u8>(), 0..120).prop_map(|b| {
            let mut out = b"k8s\0".to_vec();
            out.extend(b);
            out
        }),
        Just(br#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"nginx"}]}}"#.to_vec()),
        Just(b"apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}\n".to_vec()),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::select(vec!["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]),
        path(),
        query(),
        prop::option::of(prop::sample::select(vec![
            "application/json",
            "application/yaml",
            "application/vnd.kubernetes.protobuf",
            "application/json-patch+json",
            "application/merge-patch+json",
            "application/strategic-merge-patch+json",
            "application/apply-patch+yaml",
            "text/plain",
        ])),
        prop::option::of(prop::sample::select(vec![
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
            "application/json",
            "application/vnd.kubernetes.protobuf",
            "*/*",
        ])),
        body(),
    )
        .prop_map(|(method, path, query, content_type, accept, body)| Case {
            method,
            path,
            query,
            content_type,
            accept,
            body,
        })
}

async fn send(emu: &Emulator, token: &str, case: &Case) -> (u16, Vec<u8>) {
    let uri = match &case.query {
        Some(q) => format!("{}?{q}", case.path),
        None => case.path.clone(),
    };
    let mut builder = Request::builder()
        .method(case.method)
        .uri(&uri)
        .header("authorization", format!("Bearer {token}"));
    if let Some(ct) = case.content_type {
        builder = builder.header("content-type", HeaderValue::from_static(ct));
    }
    if let Some(accept) = case.accept {
        builder = builder.header("accept", HeaderValue::from_static(accept));
    }
    let request = builder.body(Body::from(case.body.clone())).unwrap();
    let response = eks_emulator::kube_app(emu.clone())
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status().as_u16();
    // A watch streams until its timeout: its status line is the answer; its body is not read.
    let is_watch = case
        .query
        .as_deref()
        .is_some_and(|q| q.contains("watch=true"))
        || case
            .query
            .as_deref()
            .is_some_and(|q| q.contains("follow=true"));
    if is_watch && status == 200 {
        return (status, Vec::new());
    }
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a whole body")
        .to_bytes()
        .to_vec();
    (status, body)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(128)
    ))]

    #[test]
    fn random_kubernetes_requests_never_panic_or_5xx(cases in prop::collection::vec(case(), 1..8)) {
        let (runtime, emu, token) = fixture();
        for case in &cases {
            let (status, body) = runtime.block_on(send(&emu, &token, case));
            prop_assert!(
                status < 500,
                "{} {} {:?} → {status}: {}",
                case.method, case.path, case.query, String::from_utf8_lossy(&body)
            );
            if status >= 400 && case.method != "HEAD" {
                let status_object: Value = serde_json::from_slice(&body)
                    .map_err(|e| TestCaseError::fail(format!("{status} without a JSON Status ({e}): {}", String::from_utf8_lossy(&body))))?;
                prop_assert_eq!(&status_object["kind"], "Status", "{}", status_object);
                prop_assert_eq!(&status_object["code"], &json!(status), "{}", status_object);
            }
        }
    }
}

/// The setup really yields a working cluster: the property above is not vacuous.
#[test]
fn the_cluster_under_test_answers_with_its_namespaces() {
    let (runtime, emu, token) = fixture();
    let case = Case {
        method: "GET",
        path: format!("/k8s/{REGION}/{CLUSTER}/api/v1/namespaces"),
        query: None,
        content_type: None,
        accept: None,
        body: Vec::new(),
    };
    let (status, body) = runtime.block_on(send(&emu, &token, &case));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let list: Value = serde_json::from_slice(&body).unwrap();
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|ns| ns["metadata"]["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["default", "kube-node-lease", "kube-public", "kube-system"]
    );
}

/// Bodies that once panicked the server: a `DeleteOptions` that is a number, and a server-side
/// apply creating an object from a body that is not an object. Both are 400 `Status`es now.
#[test]
fn bodies_that_are_not_objects_are_bad_requests() {
    let (runtime, emu, token) = fixture();
    let pods = format!("/k8s/{REGION}/{CLUSTER}/api/v1/namespaces/default/pods");
    for (method, path, query, content_type, body) in [
        (
            "DELETE",
            format!("{pods}/nginx"),
            Some("propagationPolicy=Background"),
            "application/json",
            "5",
        ),
        (
            "PATCH",
            format!("{pods}/nginx"),
            Some("fieldManager=kubectl"),
            "application/apply-patch+yaml",
            "[1]",
        ),
        (
            "PATCH",
            format!("{pods}/nginx"),
            Some("fieldManager=kubectl"),
            "application/apply-patch+yaml",
            r#"{"metadata": 5}"#,
        ),
    ] {
        let case = Case {
            method,
            path,
            query: query.map(str::to_owned),
            content_type: Some(content_type),
            accept: None,
            body: body.as_bytes().to_vec(),
        };
        let (status, answer) = runtime.block_on(send(&emu, &token, &case));
        assert_eq!(
            status,
            400,
            "{case:?}: {}",
            String::from_utf8_lossy(&answer)
        );
        let status_object: Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(status_object["reason"], "BadRequest");
    }
}
