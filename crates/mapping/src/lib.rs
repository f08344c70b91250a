//! Configurable mapping from `hr-core` employees to Okta profiles and SCIM resources.
//!
//! This crate is reserved in the workspace layout; its contents arrive with the
//! `mapping` issue: serde configuration compiled once into a `Mapper`, transforms,
//! the `iamconnector`, `humaans` and `okta-default` presets, validation and provenance.
