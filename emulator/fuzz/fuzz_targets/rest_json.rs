//! restJson1 (EKS): the first byte picks the method, the bytes up to the first newline are the path
//! and query, the rest is the body. Every input gets an answer below 500 and nothing panics.
#![no_main]

use std::sync::OnceLock;

use eks_emulator::wire::{RequestContext, Service};
use eks_emulator::{Config, Emulator};
use http::Method;
use libfuzzer_sys::fuzz_target;

fn emulator() -> &'static Emulator {
    static EMU: OnceLock<Emulator> = OnceLock::new();
    EMU.get_or_init(|| Emulator::new(Config::for_tests()))
}

fuzz_target!(|data: &[u8]| {
    let Some((&m, rest)) = data.split_first() else {
        return;
    };
    let method =
        [Method::GET, Method::POST, Method::DELETE, Method::PUT][usize::from(m % 4)].clone();
    let split = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
    let target = String::from_utf8_lossy(&rest[..split]);
    let body = rest.get(split + 1..).unwrap_or_default();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target.as_ref(), None),
    };
    let _ = eks_emulator::wire::operation::eks_operation(&method, path);
    let ctx = RequestContext {
        service: Service::Eks,
        region: "us-east-1".into(),
        access_key: "AKIDTEST".into(),
        account: "123456789012".into(),
        request_id: "fuzz".into(),
    };
    let response = eks_emulator::eks::route(emulator(), &ctx, &method, path, query, body);
    assert!(
        response.status().as_u16() < 500,
        "{method} {target}: {}",
        response.status()
    );
});
