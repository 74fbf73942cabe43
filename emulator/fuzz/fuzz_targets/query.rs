//! The query protocols: the input is a form body, decoded and served by CloudFormation, STS, IAM
//! and EC2. Every input gets an answer below 500 and nothing panics.
#![no_main]

use std::sync::OnceLock;

use eks_emulator::wire::query::QueryRequest;
use eks_emulator::wire::{RequestContext, Service};
use eks_emulator::{Config, Emulator};
use libfuzzer_sys::fuzz_target;

fn emulator() -> &'static Emulator {
    static EMU: OnceLock<Emulator> = OnceLock::new();
    EMU.get_or_init(|| Emulator::new(Config::for_tests()))
}

fuzz_target!(|data: &[u8]| {
    let form = QueryRequest::from_form(data);
    let ctx = |service| RequestContext {
        service,
        region: "us-east-1".into(),
        access_key: "AKIDTEST".into(),
        account: "123456789012".into(),
        request_id: "fuzz".into(),
    };
    let emu = emulator();
    for response in [
        eks_emulator::cloudformation::handle(emu, &ctx(Service::CloudFormation), &form),
        eks_emulator::sts::handle(emu, &ctx(Service::Sts), &form, &http::HeaderMap::new()),
        eks_emulator::iam::handle(emu, &ctx(Service::Iam), &form),
        eks_emulator::ec2::handle(emu, &ctx(Service::Ec2), &form),
    ] {
        assert!(
            response.status().as_u16() < 500,
            "{form:?}: {}",
            response.status()
        );
    }
});
