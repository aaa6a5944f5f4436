//! The id of the request being served, available anywhere in its task.
//!
//! The observing middleware runs each request inside [`scope`], so error
//! responses built deep inside a handler can name the request they belong to.

use std::future::Future;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The current request's id, or `-` outside a request.
pub fn current() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "-".to_owned())
}

/// Runs `future` as the request with this id.
pub async fn scope<F: Future>(id: String, future: F) -> F::Output {
    REQUEST_ID.scope(id, future).await
}

/// The id to use for a request: the client's `x-request-id` when it is a
/// sane token (1–128 visible ASCII characters), a new UUIDv7 otherwise.
pub fn choose(client_supplied: Option<&str>) -> String {
    client_supplied
        .filter(|id| !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned)
}
