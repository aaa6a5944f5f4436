//! Server processes the tests start from the built binary: a free loopback
//! port for one to listen on, and a guard that kills it if a test fails
//! before stopping it.

use std::process::Child;

/// A loopback port free at the time of the call (bound, then released for
/// the server to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A child process, killed at once (no graceful stop) when dropped while it
/// still runs: a failed test leaves no server behind.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}
