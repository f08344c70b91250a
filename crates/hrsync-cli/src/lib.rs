//! The `hrsync` command-line tool: a thin shell over `hr-sync`.
//!
//! This crate is reserved in the workspace layout; the binary arrives with the
//! CLI issue.
