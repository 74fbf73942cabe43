//! The Kubernetes API of an ACTIVE cluster: the first byte picks the method, the second the
//! content type, the bytes up to the first newline are the path (under the cluster) and query, the
//! rest is the body. Every input gets an answer below 500 and nothing panics. The cluster is made
//! once through the AWS side of the same emulator, as `emulator/tests/bad_kube_input.rs` does.
#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use eks_emulator::{Config, Emulator};
use http::Request;
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

const CONTENT_TYPES: [&str; 7] = [
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
];

struct Fixture {
    runtime: tokio::runtime::Runtime,
    emu: Emulator,
    token: String,
}

async fn aws(emu: &Emulator, service: &str, uri: &str, content_type: &str, body: String) -> String {
    let request = Request::builder()
        .method("POST")
        .uri(uri)
        .header("authorization", format!("AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000"))
        .header("x-amz-date", "20260101T000000Z")
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap();
    let response = eks_emulator::app(emu.clone())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8_lossy(&body).into_owned();
    assert!(status.is_success(), "setup: {uri} {status} {body}");
    body
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let emu = Emulator::new(Config::for_tests());
        runtime.block_on(async {
            let form = "application/x-www-form-urlencoded";
            aws(&emu, "iam", "/", form, "Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22eks.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D".into()).await;
            let subnets = aws(&emu, "ec2", "/", form, "Action=DescribeSubnets&Version=2016-11-15".into()).await;
            let subnets: Vec<&str> = subnets
                .split("<subnetId>")
                .skip(1)
                .filter_map(|s| s.split('<').next())
                .collect();
            let create = format!(
                r#"{{"name":"c1","roleArn":"arn:aws:iam::123456789012:role/r","resourcesVpcConfig":{{"subnetIds":["{}","{}"]}}}}"#,
                subnets[0], subnets[1]
            );
            aws(&emu, "eks", "/clusters", "application/json", create).await;
        });
        emu.clock().advance(std::time::Duration::from_secs(900));
        let token = eks_emulator::k8s::auth::make_token(
            "http://127.0.0.1:4566",
            "us-east-1",
            "c1",
            "AKIDTEST",
            "secret",
            eks_emulator::clock::wall_now(),
        );
        Fixture { runtime, emu, token }
    })
}

fuzz_target!(|data: &[u8]| {
    let &[m, c, ref rest @ ..] = data else {
        return;
    };
    let method = ["GET", "POST", "PUT", "PATCH", "DELETE"][usize::from(m % 5)];
    let content_type = CONTENT_TYPES[usize::from(c) % CONTENT_TYPES.len()];
    let split = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
    let target = String::from_utf8_lossy(&rest[..split]);
    // Watches and log follows stream until their timeout: not what this target is about.
    if target.contains("watch") || target.contains("follow") {
        return;
    }
    let body = rest.get(split + 1..).unwrap_or_default().to_vec();
    let f = fixture();
    let Ok(request) = Request::builder()
        .method(method)
        .uri(format!(
            "/k8s/us-east-1/c1/{}",
            target.trim_start_matches('/')
        ))
        .header("authorization", format!("Bearer {}", f.token))
        .header("content-type", content_type)
        .body(Body::from(body))
    else {
        return;
    };
    let response = f
        .runtime
        .block_on(eks_emulator::kube_app(f.emu.clone()).oneshot(request))
        .unwrap();
    assert!(
        response.status().as_u16() < 500,
        "{method} {target}: {}",
        response.status()
    );
});
