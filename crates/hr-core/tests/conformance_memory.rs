//! The conformance suite against `InMemorySource`, directly and behind `Arc<dyn>` and
//! `Box<dyn>`, as a runtime-chosen source would be held.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should stop the test

use std::sync::Arc;

use hr_core::conformance::Fixture;
use hr_core::{DynHrSource, InMemorySource};

mod direct {
    use super::*;
    async fn serve(fixture: Fixture) -> InMemorySource {
        fixture.in_memory_source()
    }
    hr_core::hr_source_conformance_tests!(serve);
}

mod behind_arc_dyn {
    use super::*;
    async fn serve(fixture: Fixture) -> Arc<DynHrSource> {
        Arc::new(fixture.in_memory_source())
    }
    hr_core::hr_source_conformance_tests!(serve);
}

mod behind_box_dyn {
    use super::*;
    async fn serve(fixture: Fixture) -> Box<DynHrSource> {
        Box::new(fixture.in_memory_source())
    }
    hr_core::hr_source_conformance_tests!(serve);
}
