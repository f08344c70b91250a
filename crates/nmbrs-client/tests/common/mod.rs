//! Where the tests find the published Nmbrs samples.
//!
//! They live in the project's shared research folder, `../shared/nmbrs/samples/` next to the
//! repository. Outside this repository, point `NMBRS_SAMPLES` at a copy of that folder.

use std::path::PathBuf;

/// The samples folder (`synthetic/`, `from-sources/`, `requests/`).
pub(crate) fn samples() -> PathBuf {
    std::env::var_os("NMBRS_SAMPLES").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/nmbrs/samples"
            ))
        },
        PathBuf::from,
    )
}
