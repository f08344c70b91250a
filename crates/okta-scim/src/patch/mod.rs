//! SCIM PATCH (RFC 7644 §3.5.2): the request model and an atomic applier over JSON
//! resources, lenient where Okta and Microsoft Entra are known to deviate.

use serde_json::Value;

use crate::filter::PatchPath;

mod apply;
mod parse;

pub use apply::apply;

/// The most operations one PATCH request may carry, and the most attribute writes it may
/// make when applied (each attribute of a path-less value or extension object counts as
/// one); more are `400 invalidSyntax`.
pub const MAX_OPERATIONS: usize = 1000;

/// The operation of one PATCH step; parsed case-insensitively (Entra sends `Add`,
/// `Replace`, `Remove`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PatchOpKind {
    /// `add`.
    Add,
    /// `replace`.
    Replace,
    /// `remove`.
    Remove,
}

/// One operation of a PATCH request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PatchOperation {
    /// The operation.
    pub op: PatchOpKind,
    /// The target; `None` for path-less `add`/`replace` whose value is an object.
    pub path: Option<PatchPath>,
    /// The value; `None` for most removes.
    pub value: Option<Value>,
}

/// A PATCH request: `urn:ietf:params:scim:api:messages:2.0:PatchOp` with its operations.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PatchRequest {
    /// The operations, applied in order, all or none.
    pub operations: Vec<PatchOperation>,
}
