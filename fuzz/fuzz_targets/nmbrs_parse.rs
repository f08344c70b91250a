//! No Nmbrs response parser panics on any input, and a fault is never mistaken for data.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nmbrs_client::parse;

fuzz_target!(|data: &[u8]| {
    let checked = parse::check(data);
    let results = [
        parse::companies(data).map(|_| ()),
        parse::debtors(data).map(|_| ()),
        parse::environment(data).map(|_| ()),
        parse::code_items(data).map(|_| ()),
        parse::managers(data).map(|_| ()),
        parse::current_manager(data).map(|_| ()),
        parse::employee_types(data).map(|_| ()),
        parse::employee_list(data).map(|_| ()),
        parse::current_period(data).map(|_| ()),
        parse::personal_info(data).map(|_| ()),
        parse::personal_info_with_bsn(data).map(|_| ()),
        parse::employments(data).map(|_| ()),
        parse::contracts(data).map(|_| ()),
        parse::departments(data).map(|_| ()),
        parse::functions(data).map(|_| ()),
        parse::addresses(data).map(|_| ()),
        parse::cost_centers(data).map(|_| ()),
    ];
    // Whatever a typed parser accepts is a complete, fault-free envelope.
    if results.iter().any(Result::is_ok) {
        assert!(checked.is_ok(), "a typed parser accepted what check() rejects: {checked:?}");
    }
});
