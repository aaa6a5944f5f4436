//! Graceful shutdown that answers every request the server has read.
//!
//! actix-web's own graceful stop closes each connection at once unless a
//! request is being handled on it: a request that has arrived in the socket
//! but is not parsed yet, or one a keep-alive client sends a microsecond
//! later, is cut off without an answer. So a stop here goes in steps:
//!
//! 1. the listening socket is shut, so new connections are refused (a client
//!    learns at once that nothing was sent);
//! 2. every answer from now on says `Connection: close`, so each busy
//!    connection ends cleanly after the request it is serving;
//! 3. the server waits until no connection is open, or none has had a
//!    request for [`QUIET`] (a keep-alive client that has sent nothing for
//!    that long is idle, and closing idle connections is what HTTP allows),
//!    within the shutdown bound;
//! 4. then actix-web stops, closing what is left.
//!
//! `/health/ready` answers 503 from step 1, so load balancers move on.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Extensions, ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::web;

/// How long the server must have had no request in flight before the
/// connections still open count as idle.
pub const QUIET: Duration = Duration::from_millis(250);

/// The server's traffic as a stop needs to see it; shared by the signal
/// handler, the middleware and the readiness check.
#[derive(Debug, Clone)]
pub struct Drain(Arc<State>);

#[derive(Debug)]
struct State {
    draining: AtomicBool,
    open_connections: AtomicUsize,
    in_flight: AtomicUsize,
    /// When the last request ended, in milliseconds since `epoch`.
    last_request_end: AtomicU64,
    epoch: Instant,
}

impl Default for Drain {
    fn default() -> Self {
        Self(Arc::new(State {
            draining: AtomicBool::new(false),
            open_connections: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            last_request_end: AtomicU64::new(0),
            epoch: Instant::now(),
        }))
    }
}

impl Drain {
    /// From now on, connections close after their current answer.
    pub fn start(&self) {
        self.0.draining.store(true, Ordering::Release);
    }

    /// Whether a stop has begun.
    #[must_use]
    pub fn is_draining(&self) -> bool {
        self.0.draining.load(Ordering::Acquire)
    }

    /// Whether nothing is left to wait for: no connection is open, or no
    /// request is in flight and none has ended within [`QUIET`].
    #[must_use]
    pub fn is_settled(&self) -> bool {
        if self.0.open_connections.load(Ordering::Acquire) == 0 {
            return true;
        }
        self.0.in_flight.load(Ordering::Acquire) == 0 && self.quiet_for() >= QUIET
    }

    /// Waits until [`Drain::is_settled`], at most until `deadline`; whether
    /// it settled.
    pub async fn settle(&self, deadline: Instant) -> bool {
        loop {
            if self.is_settled() {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn millis_now(&self) -> u64 {
        u64::try_from(self.0.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn quiet_for(&self) -> Duration {
        let last = self.0.last_request_end.load(Ordering::Acquire);
        Duration::from_millis(self.millis_now().saturating_sub(last))
    }

    /// Counts a connection as open until its extensions are dropped (the
    /// connection closes). For `HttpServer::on_connect`.
    pub fn on_connect(&self, extensions: &mut Extensions) {
        self.0.open_connections.fetch_add(1, Ordering::AcqRel);
        extensions.insert(OpenConnection(self.clone()));
    }
}

/// Lives in a connection's extensions; its drop means the connection closed.
struct OpenConnection(Drain);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.0.open_connections.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Counts a request as in flight until dropped (also when its future is).
struct InFlight(Drain);

impl InFlight {
    fn new(drain: Drain) -> Self {
        drain.0.in_flight.fetch_add(1, Ordering::AcqRel);
        Self(drain)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let state = &self.0.0;
        state
            .last_request_end
            .store(self.0.millis_now(), Ordering::Release);
        state.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Tracks requests in flight, and closes the connection after this answer
/// when the server is stopping.
pub async fn track_and_close_when_draining(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let drain = req.app_data::<web::Data<Drain>>().map(|d| Drain::clone(d));
    let _in_flight = drain.clone().map(InFlight::new);
    let mut response = next.call(req).await?;
    if drain.is_some_and(|drain| drain.is_draining()) {
        response
            .response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settled_with_no_connection_or_after_a_quiet_spell() {
        let drain = Drain::default();
        assert!(drain.is_settled(), "no connection open");
        let mut extensions = Extensions::new();
        drain.on_connect(&mut extensions);
        let request = InFlight::new(drain.clone());
        assert!(!drain.is_settled(), "a request is in flight");
        drop(request);
        assert!(!drain.is_settled(), "a request just ended");
        std::thread::sleep(QUIET + Duration::from_millis(20));
        assert!(drain.is_settled(), "quiet for long enough");
        let _again = InFlight::new(drain.clone());
        assert!(!drain.is_settled());
        drop(extensions);
        assert!(drain.is_settled(), "the connection closed");
    }
}
