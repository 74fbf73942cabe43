//! The CloudFormation template engine: parse (JSON or YAML with short forms), check, resolve
//! parameters by default, order the resources. Errors are fine; panics are not.
#![no_main]

use std::collections::BTreeMap;

use eks_emulator::cloudformation::template::Template;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(template) = Template::parse(body) else {
        return;
    };
    let _ = template.resolve_parameters(&[], &[], &BTreeMap::new());
    let _ = template.dependencies(&BTreeMap::new());
    let _ = template.get_atts();
    let _ = template.imports();
});
