//! Random requests to every route family — EKS paths, the query services by `Action`, the admin API,
//! unknown paths — with random methods, headers, query strings and bodies (random bytes, and JSON,
//! forms and templates that are almost right): no panic, and no 5xx other than an injected fault.
//! This is the CI-run form of the fuzz targets in `emulator/fuzz/` (`PROPTEST_CASES=N` runs more).
//! Requests go through `eks_emulator::app` with `tower::ServiceExt::oneshot`, no sockets.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Request};
use eks_emulator::faults::FAULT_HEADER;
use eks_emulator::{Config, Emulator};
use http_body_util::BodyExt;
use proptest::prelude::*;
use serde_json::Value;
use tower::ServiceExt;

/// One random request.
#[derive(Debug, Clone)]
struct Case {
    strict: bool,
    method: &'static str,
    path: String,
    query: Option<String>,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("c1".to_owned()),
        Just("arn:aws:eks:us-east-1:123456789012:cluster/c1".to_owned()),
        "[a-zA-Z0-9_.-]{0,12}",
        "\\PC{0,16}",
    ]
    .prop_map(|s| encode(&s))
}

fn eks_path() -> impl Strategy<Value = String> {
    let templates = prop::sample::select(vec![
        "/clusters",
        "/clusters/{}",
        "/clusters/{}/fargate-profiles",
        "/clusters/{}/fargate-profiles/{}",
        "/clusters/{}/node-groups",
        "/clusters/{}/node-groups/{}",
        "/clusters/{}/node-groups/{}/update-config",
        "/clusters/{}/updates/{}",
        "/clusters/{}/addons",
        "/tags/{}",
        "/cluster-versions",
        "/addons/supported-versions",
        "/{}",
        "/{}/{}/{}",
    ]);
    (templates, segment(), segment())
        .prop_map(|(t, a, b)| t.replacen("{}", &a, 1).replacen("{}", &b, 1))
}

/// JSON values, nested a little.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,24}".prop_map(Value::String),
        prop::sample::select(vec![
            "c1",
            "1.31",
            "eks.5",
            "arn:aws:iam::123456789012:role/r",
            "subnet-a",
            "kube-system",
            ""
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(field_name(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "name",
            "roleArn",
            "resourcesVpcConfig",
            "subnetIds",
            "securityGroupIds",
            "version",
            "tags",
            "clientRequestToken",
            "fargateProfileName",
            "podExecutionRoleArn",
            "selectors",
            "namespace",
            "labels",
            "subnets",
            "kubernetesNetworkConfig",
            "logging",
            "accessConfig",
            "Resources",
            "Type",
            "Properties",
            "Parameters",
            "Outputs",
            "Conditions",
            "Mappings",
            "Ref",
            "Fn::GetAtt",
            "Fn::Sub",
            "Fn::If",
            "Fn::Join",
            "Fn::Select",
            "Fn::FindInMap",
            "DependsOn",
            "Condition",
            "Default",
            "Value",
            "Export",
        ])
        .prop_map(str::to_owned),
        "[A-Za-z:]{1,10}",
    ]
}

/// A CloudFormation template that is often almost valid.
fn template() -> impl Strategy<Value = String> {
    let resource_type = prop::sample::select(vec![
        "AWS::EKS::Cluster",
        "AWS::EKS::FargateProfile",
        "AWS::EKS::Nodegroup",
        "AWS::IAM::Role",
        "AWS::EC2::VPC",
        "AWS::EC2::Subnet",
        "AWS::CloudFormation::WaitConditionHandle",
        "AWS::Nope::Thing",
    ]);
    let resource =
        (resource_type, json(), prop::option::of(json())).prop_map(|(t, props, depends)| {
            let mut r = serde_json::json!({ "Type": t, "Properties": props });
            if let Some(d) = depends {
                r["DependsOn"] = d;
            }
            r
        });
    (
        prop::collection::btree_map("[A-Za-z]{1,6}", resource, 0..4),
        prop::option::of(json()),
        prop::option::of(json()),
        any::<bool>(),
    )
        .prop_map(|(resources, parameters, outputs, yaml)| {
            let mut t = serde_json::json!({ "Resources": resources });
            if let Some(p) = parameters {
                t["Parameters"] = p;
            }
            if let Some(o) = outputs {
                t["Outputs"] = o;
            }
            if yaml {
                // JSON is YAML; the YAML path also sees a short form.
                format!("{}\nExtra: !Ref Nothing\n", t)
            } else {
                t.to_string()
            }
        })
}

fn form(service_actions: Vec<&'static str>) -> impl Strategy<Value = Vec<u8>> {
    let params = prop::collection::vec(
        (
            prop_oneof![
                prop::sample::select(vec![
                    "StackName",
                    "TemplateBody",
                    "Parameters.member.1.ParameterKey",
                    "Parameters.member.1.ParameterValue",
                    "Capabilities.member.1",
                    "NextToken",
                    "StackStatusFilter.member.1",
                    "RoleName",
                    "LogicalResourceId",
                    "OnFailure",
                    "Tags.member.1.Key",
                    "Tags.member.1.Value",
                    "EnableTerminationProtection",
                    "TimeoutInMinutes",
                    "SubnetId.1",
                    "MaxResults",
                ])
                .prop_map(str::to_owned),
                "[A-Za-z.0-9]{1,12}",
            ],
            prop_oneof!["\\PC{0,16}", template(), Just("demo".to_owned())],
        ),
        0..6,
    );
    (
        prop::sample::select(service_actions),
        prop::option::of("\\PC{0,10}"),
        params,
    )
        .prop_map(|(action, version, params)| {
            let mut out = form_urlencoded::Serializer::new(String::new());
            out.append_pair("Action", action);
            if let Some(v) = version {
                out.append_pair("Version", &v);
            }
            for (k, v) in params {
                out.append_pair(&k, &v);
            }
            out.finish().into_bytes()
        })
}

fn actions() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = Vec::new();
    all.extend(eks_emulator::cloudformation::ACTIONS);
    all.extend(eks_emulator::sts::ACTIONS);
    all.extend(eks_emulator::iam::ACTIONS);
    all.extend(eks_emulator::ec2::ACTIONS);
    all.extend(["", "Nope", "CreateRole", "DescribeSubnets"]);
    all
}

fn auth_header() -> impl Strategy<Value = Option<(String, Vec<u8>)>> {
    let service =
        prop::sample::select(vec!["eks", "sts", "iam", "cloudformation", "ec2", "s3", ""]);
    let region = prop::sample::select(vec!["us-east-1", "eu-west-1", "", "x/y"]);
    prop_oneof![
        Just(None),
        (service, region, "[0-9a-f]{0,64}").prop_map(|(s, r, sig)| Some((
            "authorization".to_owned(),
            format!("AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/{r}/{s}/aws4_request, SignedHeaders=host;x-amz-date, Signature={sig}").into_bytes()
        ))),
        prop::collection::vec(any::<u8>(), 0..80).prop_map(|b| Some(("authorization".to_owned(), b))),
    ]
}

fn other_headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let content_type = prop::sample::select(vec![
        "application/json",
        "application/x-www-form-urlencoded; charset=utf-8",
        "application/x-amz-json-1.1",
        "text/plain",
    ])
    .prop_map(|v| ("content-type".to_owned(), v.as_bytes().to_vec()));
    let named = (
        prop::sample::select(vec![
            "x-amz-date",
            "x-amz-content-sha256",
            "accept",
            "x-k8s-aws-id",
            "host",
            "x-amz-security-token",
            "x-amz-target",
        ]),
        prop::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(n, v)| (n.to_owned(), v));
    prop::collection::vec(prop_oneof![content_type, named], 0..4)
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        prop::collection::vec(any::<u8>(), 0..256),
        json().prop_map(|v| v.to_string().into_bytes()),
        form(actions()),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let method = prop::sample::select(vec![
        "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS",
    ]);
    let path = prop_oneof![
        4 => eks_path(),
        3 => Just("/".to_owned()),
        2 => prop::sample::select(vec![
            "/_emulator/health", "/_emulator/reset", "/_emulator/clock", "/_emulator/clock/advance",
            "/_emulator/state", "/_emulator/faults", "/_emulator/faults/fault-1", "/_emulator/nope",
            "/_emulator/eks/clusters/us-east-1/c1/platform-version",
        ])
        .prop_map(str::to_owned),
        1 => "(/[a-zA-Z0-9%._~-]{0,8}){0,4}",
    ];
    let query = prop::option::of(prop_oneof![
        form(actions()).prop_map(|b| String::from_utf8(b).unwrap_or_default()),
        "[a-zA-Z0-9=&%._~-]{0,40}",
        Just("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDTEST%2F20260101%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00&Action=GetCallerIdentity".to_owned()),
    ]);
    (
        any::<bool>(),
        method,
        path,
        query,
        auth_header(),
        other_headers(),
        body(),
    )
        .prop_map(|(strict, method, path, query, auth, mut headers, body)| {
            headers.extend(auth);
            Case {
                strict,
                method,
                path,
                query,
                headers,
                body,
            }
        })
}

fn emulators() -> (Emulator, Emulator) {
    let plain = Emulator::new(Config::for_tests());
    let strict = Emulator::new(Config {
        strict_auth: true,
        credentials: vec!["AKIDTEST:secret".parse().unwrap()],
        ..Config::for_tests()
    });
    (plain, strict)
}

async fn send(emulator: &Emulator, case: &Case) -> Option<(u16, bool, Vec<u8>)> {
    let uri = match &case.query {
        Some(q) => format!("{}?{q}", case.path),
        None => case.path.clone(),
    };
    let mut builder = Request::builder().method(case.method).uri(&uri);
    for (name, value) in &case.headers {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) else {
            return None;
        };
        builder = builder.header(name, value);
    }
    let request = builder.body(Body::from(case.body.clone())).ok()?;
    let response = eks_emulator::app(emulator.clone())
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status().as_u16();
    let injected = response.headers().contains_key(FAULT_HEADER);
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a whole body")
        .to_bytes()
        .to_vec();
    Some((status, injected, body))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(384)
    ))]

    #[test]
    fn random_requests_never_panic_or_5xx(cases in prop::collection::vec(case(), 1..6)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (plain, strict) = emulators();
        for case in &cases {
            let emulator = if case.strict { &strict } else { &plain };
            let Some((status, injected, body)) = runtime.block_on(send(emulator, case)) else {
                continue;
            };
            prop_assert!(
                status < 500 || injected,
                "{} {} {:?} → {status}: {}",
                case.method, case.path, case.query, String::from_utf8_lossy(&body)
            );
        }
    }
}

/// The one 5xx allowed: an injected fault, marked as such.
#[test]
fn an_injected_fault_is_the_only_5xx_and_is_marked() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (plain, _) = emulators();
    let post = |path: &str, body: &str| Case {
        strict: false,
        method: "POST",
        path: path.to_owned(),
        query: None,
        headers: vec![("content-type".into(), b"application/json".to_vec())],
        body: body.as_bytes().to_vec(),
    };
    let (status, _, body) = runtime
        .block_on(send(&plain, &post("/_emulator/faults", r#"{"service":"eks","operation":"ListClusters","error":"ServerException","count":1}"#)))
        .unwrap();
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let list = Case {
        method: "GET",
        body: Vec::new(),
        ..post("/clusters", "")
    };
    let (status, injected, body) = runtime.block_on(send(&plain, &list)).unwrap();
    assert_eq!((status, injected), (500, true));
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["__type"], "ServerException");
    let (status, injected, _) = runtime.block_on(send(&plain, &list)).unwrap();
    assert_eq!((status, injected), (200, false));
}
