//! SCIM 2.0 (RFC 7643/7644) resources, filters, PATCH and an axum server that Okta
//! imports from and provisions into.
//!
//! This crate is reserved in the workspace layout; its contents arrive with the
//! `okta-scim` issue.
