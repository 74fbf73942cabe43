//! SigV4 parsing and verification (`--strict-auth`): the first line is the Authorization header,
//! the second the path and query, the rest the body. Refusals are fine; panics are not.
#![no_main]

use eks_emulator::clock::wall_now;
use eks_emulator::wire::verify::{self, Credential};
use http::{HeaderMap, HeaderValue, Method, Uri};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == b'\n');
    let auth = parts.next().unwrap_or_default();
    let target = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let body = parts.next().unwrap_or_default();
    let _ = verify::canonical_uri(&target);
    let _ = verify::canonical_query(&target, true);
    let Ok(uri) = target.parse::<Uri>() else {
        return;
    };
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_bytes(auth) {
        headers.insert("authorization", value);
    }
    headers.insert("x-amz-date", HeaderValue::from_static("20260101T000000Z"));
    let credentials = [Credential {
        access_key: "AKIDTEST".into(),
        secret: "secret".into(),
    }];
    let _ = verify::verify(&credentials, &Method::GET, &uri, &headers, body, wall_now());
});
