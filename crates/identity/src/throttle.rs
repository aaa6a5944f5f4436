//! Login throttling: after repeated failures, sign-in is refused for a while.
//!
//! Failures are counted per email and per client IP address over a sliding
//! window. This is not a request rate limit (which `governor`-style crates
//! provide): successful sign-ins do not count, and a successful sign-in
//! clears the email's failures.

use std::collections::{HashMap, VecDeque};
use std::fmt::Debug;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use crm_kernel::Timestamp;

/// What failures are counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ThrottleKey {
    /// An email's case-insensitive key (whether or not an account has it).
    Email(String),
    /// A client address.
    Ip(IpAddr),
}

/// How many failures are allowed within the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures per email before sign-in for it is refused.
    pub max_failures_per_email: usize,
    /// Failures per client address before its sign-ins are refused.
    pub max_failures_per_ip: usize,
    /// The sliding window failures are counted in.
    pub window: Duration,
}

impl Default for ThrottlePolicy {
    /// 5 failures per email and 30 per address within 15 minutes.
    fn default() -> Self {
        Self {
            max_failures_per_email: 5,
            max_failures_per_ip: 30,
            window: Duration::from_mins(15),
        }
    }
}

/// Port: remembers sign-in failures.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait LoginThrottle: Send + Sync + Debug {
    /// `Err(retry_after)` when any key has reached its limit at `now`.
    fn check(&self, keys: &[ThrottleKey], now: Timestamp) -> Result<(), Duration>;
    /// Counts one failure against every key.
    fn record_failure(&self, keys: &[ThrottleKey], now: Timestamp);
    /// Forgets the failures of a key (after a successful sign-in).
    fn clear(&self, key: &ThrottleKey);
}

/// Entries kept before stale ones are swept, bounding memory under attack.
const SWEEP_ABOVE: usize = 50_000;

/// A per-process [`LoginThrottle`]. Several server instances each count their
/// own failures; that still bounds guessing per instance.
#[derive(Debug, Default)]
pub struct InMemoryLoginThrottle {
    policy: ThrottlePolicy,
    failures: Mutex<HashMap<ThrottleKey, VecDeque<Timestamp>>>,
}

impl InMemoryLoginThrottle {
    /// A throttle applying `policy`.
    #[must_use]
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self {
            policy,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn limit(&self, key: &ThrottleKey) -> usize {
        match key {
            ThrottleKey::Email(_) => self.policy.max_failures_per_email,
            ThrottleKey::Ip(_) => self.policy.max_failures_per_ip,
        }
    }

    fn window_start(&self, now: Timestamp) -> i64 {
        let window = i64::try_from(self.policy.window.as_millis()).unwrap_or(i64::MAX);
        now.as_millis().saturating_sub(window)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ThrottleKey, VecDeque<Timestamp>>> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl LoginThrottle for InMemoryLoginThrottle {
    fn check(&self, keys: &[ThrottleKey], now: Timestamp) -> Result<(), Duration> {
        let start = self.window_start(now);
        let mut failures = self.lock();
        let mut retry_after = Duration::ZERO;
        for key in keys {
            let Some(times) = failures.get_mut(key) else {
                continue;
            };
            while times.front().is_some_and(|t| t.as_millis() <= start) {
                times.pop_front();
            }
            let limit = self.limit(key);
            if times.len() >= limit {
                // Free again when enough of the oldest failures leave the window.
                let oldest_blocking = times[times.len() - limit];
                let free_at = oldest_blocking.plus(self.policy.window);
                retry_after = retry_after.max(free_at.since(now).max(Duration::from_secs(1)));
            }
        }
        if retry_after.is_zero() {
            Ok(())
        } else {
            Err(retry_after)
        }
    }

    fn record_failure(&self, keys: &[ThrottleKey], now: Timestamp) {
        let start = self.window_start(now);
        let mut failures = self.lock();
        if failures.len() > SWEEP_ABOVE {
            failures.retain(|_, times| times.back().is_some_and(|t| t.as_millis() > start));
        }
        for key in keys {
            let times = failures.entry(key.clone()).or_default();
            times.push_back(now);
            // Nothing beyond the limit is ever needed to decide.
            while times.len() > self.limit(key) {
                times.pop_front();
            }
        }
    }

    fn clear(&self, key: &ThrottleKey) {
        self.lock().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_millis(secs * 1000).unwrap()
    }

    #[test]
    fn locks_after_the_limit_and_frees_after_the_window() {
        let throttle = InMemoryLoginThrottle::new(ThrottlePolicy {
            max_failures_per_email: 3,
            max_failures_per_ip: 100,
            window: Duration::from_mins(1),
        });
        let keys = [ThrottleKey::Email("a@example.com".into())];
        for s in 0..3 {
            assert!(throttle.check(&keys, at(s)).is_ok());
            throttle.record_failure(&keys, at(s));
        }
        assert_eq!(throttle.check(&keys, at(10)), Err(Duration::from_secs(50)));
        assert!(throttle.check(&keys, at(61)).is_ok());
    }

    #[test]
    fn ip_limit_is_separate_and_clear_forgets() {
        let throttle = InMemoryLoginThrottle::new(ThrottlePolicy {
            max_failures_per_email: 100,
            max_failures_per_ip: 2,
            window: Duration::from_mins(1),
        });
        let ip = ThrottleKey::Ip("127.0.0.1".parse().unwrap());
        for (n, email) in ["a@x.org", "b@x.org"].iter().enumerate() {
            throttle.record_failure(
                &[ThrottleKey::Email((*email).into()), ip.clone()],
                at(i64::try_from(n).unwrap()),
            );
        }
        assert!(
            throttle
                .check(&[ThrottleKey::Email("c@x.org".into()), ip.clone()], at(5))
                .is_err()
        );
        throttle.clear(&ip);
        assert!(throttle.check(&[ip], at(5)).is_ok());
    }
}
