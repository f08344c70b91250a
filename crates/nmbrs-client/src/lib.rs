//! Nmbrs (Visma Nmbrs) SOAP API v3 client and the `NmbrsSource` adapter for `hr-core`.
//!
//! This crate is reserved in the workspace layout; its contents arrive with the
//! `nmbrs-client` issue: SOAP envelopes, typed bulk operations, streaming
//! quick-xml parsing, fault mapping, rate limiting and an in-process simulator.
