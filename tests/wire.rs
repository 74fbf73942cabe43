//! The wire layer as any HTTP client sees it: routing by SigV4 scope or request shape, the protocols'
//! error shapes for bad input, STS's JSON form, and byte-identical responses for the same seed.

mod support;

use support::{fake_auth, http_raw, TestEmulator};

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_eks_bodies_get_rest_json_errors_and_change_nothing() {
    let emu = TestEmulator::start().await;
    let addr = emu.running.addresses().aws.to_string();
    let auth = fake_auth("eks", "us-east-1");
    for body in [&b"{not json"[..], b"[1,2]", b"{\"name\": 5}"] {
        let (status, headers, body) = http_raw(
            &addr,
            "POST",
            "/clusters",
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            body,
        );
        assert_eq!(status, 400);
        assert_eq!(
            header(&headers, "x-amzn-errortype"),
            Some("BadRequestException")
        );
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["__type"], "BadRequestException");
        assert!(json["message"]
            .as_str()
            .unwrap()
            .starts_with("Could not read the request body"));
    }
    let (status, _, body) = http_raw(
        &addr,
        "POST",
        "/clusters",
        &[("authorization", &auth)],
        b"{\"roleArn\":\"arn:aws:iam::123456789012:role/r\"}",
    );
    assert_eq!(status, 400);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["message"], "name is a required parameter.");
    let (_, _, body) = http_raw(&addr, "GET", "/clusters", &[("authorization", &auth)], b"");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap()["clusters"],
        serde_json::json!([])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_services_and_actions_get_their_protocol_errors() {
    let emu = TestEmulator::start().await;
    let addr = emu.running.addresses().aws.to_string();

    let (status, headers, _) = http_raw(
        &addr,
        "GET",
        "/no-such-thing",
        &[("authorization", &fake_auth("eks", "us-east-1"))],
        b"",
    );
    assert_eq!(status, 404);
    assert_eq!(
        header(&headers, "x-amzn-errortype"),
        Some("UnknownOperationException")
    );

    let form = [
        ("authorization", fake_auth("sts", "us-east-1")),
        ("content-type", "application/x-www-form-urlencoded".into()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, headers, body) = http_raw(
        &addr,
        "POST",
        "/",
        &form,
        b"Action=AssumeRoleWithMagic&Version=2011-06-15",
    );
    assert_eq!(status, 400);
    let body = String::from_utf8(body).unwrap();
    assert!(body.starts_with("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>InvalidAction</Code>"), "{body}");
    assert!(
        body.contains(
            "<Message>The action AssumeRoleWithMagic is not valid for this web service.</Message>"
        ),
        "{body}"
    );
    let request_id = header(&headers, "x-amzn-requestid").unwrap();
    assert!(
        body.contains(&format!("<RequestId>{request_id}</RequestId>")),
        "the body's RequestId is the header's"
    );

    let (status, _, body) = http_raw(
        &addr,
        "GET",
        "/",
        &[("authorization", &fake_auth("s3", "us-east-1"))],
        b"",
    );
    assert_eq!(status, 400);
    assert!(String::from_utf8(body)
        .unwrap()
        .contains("UnrecognizedServiceException"));

    let big = vec![b'a'; eks_emulator::wire::MAX_BODY_BYTES + 1];
    let (status, _, _) = http_raw(
        &addr,
        "POST",
        "/clusters",
        &[("authorization", &fake_auth("eks", "us-east-1"))],
        &big,
    );
    assert_eq!(status, 413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_and_presigned_requests_are_routed_by_their_shape() {
    let emu = TestEmulator::start().await;
    let addr = emu.running.addresses().aws.to_string();
    // A presigned GetCallerIdentity, as inside an `aws eks get-token` token, asking for JSON as
    // aws-iam-authenticator does.
    let path = "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256\
                &X-Amz-Credential=AKIDTEST%2F20260101%2Fap-northeast-1%2Fsts%2Faws4_request&X-Amz-Date=20260101T000000Z\
                &X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=00";
    let (status, headers, body) = http_raw(
        &addr,
        "GET",
        path,
        &[("accept", "application/json"), ("x-k8s-aws-id", "demo")],
        b"",
    );
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let result = &json["GetCallerIdentityResponse"]["GetCallerIdentityResult"];
    assert_eq!(result["Account"], "123456789012");
    assert_eq!(result["Arn"], "arn:aws:iam::123456789012:root");
    assert_eq!(
        json["GetCallerIdentityResponse"]["ResponseMetadata"]["RequestId"],
        header(&headers, "x-amzn-requestid").unwrap()
    );

    // Unsigned: an EKS path, and a query action.
    let (status, _, body) = http_raw(&addr, "GET", "/clusters", &[], b"");
    assert_eq!(
        (status, String::from_utf8(body).unwrap()),
        (200, "{\"clusters\":[]}".to_owned())
    );
    let (status, _, body) = http_raw(
        &addr,
        "POST",
        "/",
        &[("content-type", "application/x-www-form-urlencoded")],
        b"Action=GetCallerIdentity&Version=2011-06-15",
    );
    assert_eq!(status, 200);
    assert!(String::from_utf8(body)
        .unwrap()
        .contains("<Account>123456789012</Account>"));
}

/// Plays a fixed sequence of requests against a fresh emulator with `seed` and returns every byte of
/// every response that matters (status, request id, body).
async fn replay(seed: u64) -> Vec<(u16, String, Vec<u8>)> {
    let emu = TestEmulator::start_with(eks_emulator::Config {
        seed,
        ..eks_emulator::Config::for_tests()
    })
    .await;
    let addr = emu.running.addresses().aws.to_string();
    let auth = fake_auth("eks", "ap-northeast-1");
    let h = [
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
    ];
    let iam_auth = fake_auth("iam", "us-east-1");
    let trust = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22eks.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
    let (status, _, _) = http_raw(
        &addr,
        "POST",
        "/",
        &[
            ("authorization", &iam_auth),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        format!("Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument={trust}")
            .as_bytes(),
    );
    assert_eq!(status, 200);
    let subnets: Vec<String> = emu
        .default_subnets("ap-northeast-1")
        .into_iter()
        .take(2)
        .map(|(id, _)| id)
        .collect();
    let create = format!(
        r#"{{"name":"seeded","roleArn":"arn:aws:iam::123456789012:role/r","resourcesVpcConfig":{{"subnetIds":["{}","{}"]}}}}"#,
        subnets[0], subnets[1]
    );
    let create = create.as_bytes();
    let mut out = Vec::new();
    let mut exchange = |method: &str, path: &str, body: &[u8]| {
        let (status, headers, body) = http_raw(&addr, method, path, &h, body);
        out.push((
            status,
            header(&headers, "x-amzn-requestid")
                .unwrap_or_default()
                .to_owned(),
            body,
        ));
    };
    exchange("POST", "/clusters", create);
    exchange("GET", "/clusters/seeded", b"");
    emu.advance(600);
    exchange("GET", "/clusters/seeded", b"");
    exchange("DELETE", "/clusters/seeded", b"");
    exchange("GET", "/clusters/nope", b"");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_and_requests_give_byte_identical_responses() {
    // The ACTIVE description embeds the Kubernetes endpoint's port, which differs between runs on
    // port 0: mask it, and compare everything else byte for byte.
    let masked = |run: Vec<(u16, String, Vec<u8>)>| -> Vec<(u16, String, String)> {
        run.into_iter()
            .map(|(status, id, body)| {
                let body = String::from_utf8(body).unwrap();
                let masked = match body.find("https://127.0.0.1:") {
                    Some(at) => {
                        let end = body[at + 18..]
                            .find('/')
                            .map_or(body.len(), |i| at + 18 + i);
                        format!("{}https://127.0.0.1:PORT{}", &body[..at], &body[end..])
                    }
                    None => body,
                };
                (status, id, masked)
            })
            .collect()
    };
    let first = masked(replay(42).await);
    let second = masked(replay(42).await);
    assert_eq!(first, second);
    assert!(
        first[2].2.contains("\"status\":\"ACTIVE\""),
        "{}",
        first[2].2
    );
    assert!(
        first[2]
            .2
            .contains("https://127.0.0.1:PORT/k8s/ap-northeast-1/seeded"),
        "{}",
        first[2].2
    );
    let other = masked(replay(43).await);
    assert_ne!(first[0].2, other[0].2, "another seed gives other ids");
}
