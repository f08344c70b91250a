//! Runnable examples for the hrsync workspace; see the `[[example]]` entries of this
//! package and `cargo run -p hrsync-examples --example <name>`.
//!
//! The library holds what an example shares with the tests of this package:
//! [`staffbook`], the small HR adapter of the `custom_hr_adapter` example, which
//! `tests/staffbook_conformance.rs` runs through `hr-core`'s conformance suite.

pub mod staffbook;
