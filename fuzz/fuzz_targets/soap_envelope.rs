//! Feeds arbitrary bytes to the SOAP envelope reader as both SOAP versions: it must answer
//! Ok or a fault-worthy error, never panic, hang or recurse without bound.
#![no_main]

use api_playground::soap_envelope::{parse, SoapVersion};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(xml) = std::str::from_utf8(data) {
        let _ = parse(xml, SoapVersion::V11);
        let _ = parse(xml, SoapVersion::V12);
    }
});
