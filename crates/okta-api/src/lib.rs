//! Okta Management API client (users, lifecycle, groups, paging, rate limits, OAuth).
//!
//! This crate is reserved in the workspace layout; its contents arrive with the
//! `okta-api` issue, together with a stateful in-process Okta simulator.
