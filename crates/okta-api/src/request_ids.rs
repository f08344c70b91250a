//! The `X-Okta-Request-Id`s of the answers a piece of work received, to quote to Okta
//! support or to keep in an audit journal next to what was done.

use std::cell::RefCell;
use std::future::Future;

tokio::task_local! {
    static COLLECTED: RefCell<Vec<String>>;
}

/// Runs `work` and returns its output with the `X-Okta-Request-Id` of every answer
/// (retries and reads included) that calls made inside it received, in order. Calls
/// made on other tasks (spawned from `work`) are not seen.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let (answer, ids) = okta_api::collect_request_ids(async { 42 }).await;
/// assert_eq!((answer, ids.len()), (42, 0));
/// # });
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn collect_request_ids<F: Future>(work: F) -> (F::Output, Vec<String>) {
    COLLECTED
        .scope(RefCell::new(Vec::new()), async move {
            let out = work.await;
            let ids = COLLECTED.with(|c| std::mem::take(&mut *c.borrow_mut()));
            (out, ids)
        })
        .await
}

/// Notes an answer's request id for the enclosing [`collect_request_ids`], if any.
pub(crate) fn record(id: &str) {
    // Outside a scope there is nothing to note it for.
    let _ = COLLECTED.try_with(|c| c.borrow_mut().push(id.to_owned()));
}
