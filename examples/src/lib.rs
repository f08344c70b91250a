//! Runnable examples for the hrsync workspace; see the `[[example]]` entries of this
//! package and `cargo run -p hrsync-examples --example <name>`.
