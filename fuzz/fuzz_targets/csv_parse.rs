//! The CSV parser never panics, and whatever it accepts survives a write and a re-read.
#![no_main]

use hr_core::source::csv::{parse_csv, write_csv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for delimiter in [b',', b';'] {
        let Ok((people, _units)) = parse_csv(data, delimiter) else { continue };
        let mut written = Vec::new();
        if let Err(e) = write_csv(&mut written, &people) {
            panic!("write_csv failed on parsed people: {e}");
        }
        match parse_csv(&written, b',') {
            Ok((again, _)) => assert_eq!(again, people, "CSV round trip changed the people"),
            Err(e) => panic!("re-reading written CSV failed: {e}"),
        }
    }
});
