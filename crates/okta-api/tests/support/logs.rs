//! Captures every log line of a test binary, for tests that check what is (not) logged.
//!
//! One global subscriber per binary: a thread-local one (`set_default`) misses events
//! when tests on other threads have already cached a callsite as uninteresting.

use std::sync::{Arc, Mutex, OnceLock};

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

static BUF: OnceLock<Buf> = OnceLock::new();

/// Installs the capturing subscriber (once) at TRACE level.
pub fn install() {
    BUF.get_or_init(|| {
        let buf = Buf::default();
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        buf
    });
}

/// Everything logged so far by every test of this binary.
pub fn captured() -> String {
    let buf = BUF.get().expect("support::logs::install() first");
    String::from_utf8_lossy(&buf.0.lock().unwrap()).into_owned()
}
