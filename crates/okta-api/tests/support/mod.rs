//! Shared support code for the okta-api integration tests.
//!
//! Each test binary compiles this module separately and uses only part of it;
//! nothing here is reachable from outside a test binary, hence the allows.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

pub mod logs;
pub mod spec;
