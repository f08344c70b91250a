//! The sync engine: plan → review → apply with safeguards, journal and `explain`,
//! Okta push and the SCIM gateway for Okta import.
//!
//! This crate is reserved in the workspace layout; its contents arrive with the
//! `hr-sync` issue.
