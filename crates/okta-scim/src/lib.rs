//! SCIM 2.0 (RFC 7643/7644) service provider for Okta: resources, filters, PATCH and an
//! axum server that Okta imports users and groups from and provisions into.
//!
//! - [`resource`]: typed [`User`], [`Group`], [`Meta`], [`ListResponse`].
//! - [`schema`]: attribute definitions for User, Enterprise User and Group, and any
//!   extension you add; served at `/Schemas`.
//! - [`filter`]: the full RFC 7644 filter grammar, validated against the schema and
//!   evaluated over resources; anything unsupported is `400 invalidFilter`.
//! - [`patch`]: atomic PATCH with the Okta and Entra forms real clients send.
//! - [`ScimProvider`]: the storage seam; [`InMemoryProvider`] is a complete read/write
//!   implementation with indexes.
//! - [`server`]: the axum router with Basic/Bearer authentication, limits and tracing.
//!
//! This crate knows nothing about HR; a SaaS team that wants to accept Okta's SCIM
//! provisioning can use it alone.

pub mod canonical;
pub mod error;
pub mod filter;
mod memory;
pub mod patch;
pub mod provider;
pub mod query;
pub mod resource;
pub mod schema;
pub mod server;

pub use error::{Result, ScimError, ScimType};
pub use filter::{AttrPath, CompValue, CompareOp, Filter, PatchPath};
pub use memory::InMemoryProvider;
pub use patch::{PatchOpKind, PatchOperation, PatchRequest};
pub use provider::{Capabilities, ListPage, ListQuery, ScimProvider, SortOrder};
pub use resource::{
    Address, EnterpriseUser, Group, ListResponse, Manager, Meta, MultiValue, Name, Reference,
    ResourceId, User,
};
