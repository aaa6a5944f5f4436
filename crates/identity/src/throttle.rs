//! Throttling of sign-in failures and of sign-ups.
//!
//! Sign-in failures are counted per email and per client IP address over a
//! sliding window; sign-ups are counted per client address. This is not a
//! request rate limit (which `governor`-style crates provide): successful
//! sign-ins do not count, and a successful sign-in clears the email's failures.
//!
//! An attempt is counted *before* the password is checked (a reservation),
//! and the reservation is released when the attempt succeeds. Counting after
//! the check would let every attempt already in flight pass the limit: with
//! 4 failures recorded and a limit of 5, sixteen parallel guesses would all
//! be checked against 4.

use std::collections::{HashMap, VecDeque};
use std::fmt::Debug;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use crm_kernel::Timestamp;

/// What attempts are counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ThrottleKey {
    /// Sign-in failures for an email's case-insensitive key (whether or not
    /// an account has it).
    Email(String),
    /// Sign-in failures from a client address.
    Ip(IpAddr),
    /// Sign-ups from a client address.
    Signup(IpAddr),
}

/// How many attempts are allowed within the windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures per email before sign-in for it is refused.
    pub max_failures_per_email: usize,
    /// Failures per client address before its sign-ins are refused.
    pub max_failures_per_ip: usize,
    /// The sliding window sign-in failures are counted in.
    pub window: Duration,
    /// Sign-ups per client address before its sign-ups are refused.
    pub max_signups_per_ip: usize,
    /// The sliding window sign-ups are counted in.
    pub signup_window: Duration,
}

impl Default for ThrottlePolicy {
    /// 5 failures per email and 30 per address within 15 minutes; 20
    /// sign-ups per address within an hour.
    fn default() -> Self {
        Self {
            max_failures_per_email: 5,
            max_failures_per_ip: 30,
            window: Duration::from_mins(15),
            max_signups_per_ip: 20,
            signup_window: Duration::from_hours(1),
        }
    }
}

/// An attempt counted in advance against some keys; see [`LoginThrottle::reserve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    /// The keys the attempt was counted against.
    pub keys: Vec<ThrottleKey>,
    /// When it was counted.
    pub at: Timestamp,
}

/// Port: counts sign-in failures and sign-ups.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait LoginThrottle: Send + Sync + Debug {
    /// Counts one attempt against every key, atomically with the check: MUST
    /// return `Err(retry_after)` and count nothing when any key has reached
    /// its limit at `now`, and otherwise count the attempt before returning,
    /// so that concurrent attempts see each other.
    fn reserve(&self, keys: &[ThrottleKey], now: Timestamp) -> Result<Reservation, Duration>;
    /// Takes back the attempt a reservation counted (it succeeded).
    fn release(&self, reservation: &Reservation);
    /// Forgets every counted attempt of a key (after a successful sign-in).
    fn clear(&self, key: &ThrottleKey);
}

/// Entries kept before stale ones are swept, bounding memory under attack.
const SWEEP_ABOVE: usize = 50_000;

/// A per-process [`LoginThrottle`]. Several server instances each count their
/// own attempts; that still bounds guessing per instance.
#[derive(Debug, Default)]
pub struct InMemoryLoginThrottle {
    policy: ThrottlePolicy,
    attempts: Mutex<HashMap<ThrottleKey, VecDeque<Timestamp>>>,
}

impl InMemoryLoginThrottle {
    /// A throttle applying `policy`.
    #[must_use]
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self {
            policy,
            attempts: Mutex::new(HashMap::new()),
        }
    }

    fn limit(&self, key: &ThrottleKey) -> usize {
        match key {
            ThrottleKey::Email(_) => self.policy.max_failures_per_email,
            ThrottleKey::Ip(_) => self.policy.max_failures_per_ip,
            ThrottleKey::Signup(_) => self.policy.max_signups_per_ip,
        }
    }

    fn window(&self, key: &ThrottleKey) -> Duration {
        match key {
            ThrottleKey::Email(_) | ThrottleKey::Ip(_) => self.policy.window,
            ThrottleKey::Signup(_) => self.policy.signup_window,
        }
    }

    fn window_start(window: Duration, now: Timestamp) -> i64 {
        let window = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
        now.as_millis().saturating_sub(window)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ThrottleKey, VecDeque<Timestamp>>> {
        self.attempts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How long until `key` may be tried again, or zero when it may now.
    fn wait_for(
        &self,
        key: &ThrottleKey,
        times: &mut VecDeque<Timestamp>,
        now: Timestamp,
    ) -> Duration {
        let window = self.window(key);
        let start = Self::window_start(window, now);
        while times.front().is_some_and(|t| t.as_millis() <= start) {
            times.pop_front();
        }
        let limit = self.limit(key);
        if limit == 0 {
            return window.max(Duration::from_secs(1));
        }
        if times.len() < limit {
            return Duration::ZERO;
        }
        // Free again when enough of the oldest attempts leave the window.
        let oldest_blocking = times[times.len() - limit];
        oldest_blocking
            .plus(window)
            .since(now)
            .max(Duration::from_secs(1))
    }
}

impl LoginThrottle for InMemoryLoginThrottle {
    fn reserve(&self, keys: &[ThrottleKey], now: Timestamp) -> Result<Reservation, Duration> {
        let mut attempts = self.lock();
        let mut retry_after = Duration::ZERO;
        for key in keys {
            if let Some(times) = attempts.get_mut(key) {
                retry_after = retry_after.max(self.wait_for(key, times, now));
            }
        }
        if !retry_after.is_zero() {
            return Err(retry_after);
        }
        if attempts.len() > SWEEP_ABOVE {
            let longest = self.policy.window.max(self.policy.signup_window);
            let start = Self::window_start(longest, now);
            attempts.retain(|_, times| times.back().is_some_and(|t| t.as_millis() > start));
        }
        for key in keys {
            let times = attempts.entry(key.clone()).or_default();
            times.push_back(now);
            // Nothing beyond the limit is ever needed to decide.
            while times.len() > self.limit(key).max(1) {
                times.pop_front();
            }
        }
        Ok(Reservation {
            keys: keys.to_vec(),
            at: now,
        })
    }

    fn release(&self, reservation: &Reservation) {
        let mut attempts = self.lock();
        for key in &reservation.keys {
            if let Some(times) = attempts.get_mut(key)
                && let Some(index) = times.iter().rposition(|t| *t == reservation.at)
            {
                times.remove(index);
            }
        }
    }

    fn clear(&self, key: &ThrottleKey) {
        self.lock().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_millis(secs * 1000).unwrap()
    }

    fn policy(email: usize, ip: usize) -> ThrottlePolicy {
        ThrottlePolicy {
            max_failures_per_email: email,
            max_failures_per_ip: ip,
            window: Duration::from_mins(1),
            ..ThrottlePolicy::default()
        }
    }

    #[test]
    fn locks_after_the_limit_and_frees_after_the_window() {
        let throttle = InMemoryLoginThrottle::new(policy(3, 100));
        let keys = [ThrottleKey::Email("a@example.com".into())];
        for s in 0..3 {
            assert!(throttle.reserve(&keys, at(s)).is_ok());
        }
        assert_eq!(
            throttle.reserve(&keys, at(10)),
            Err(Duration::from_secs(50))
        );
        assert!(throttle.reserve(&keys, at(61)).is_ok());
    }

    #[test]
    fn a_refused_attempt_counts_nothing() {
        let throttle = InMemoryLoginThrottle::new(policy(1, 100));
        let keys = [ThrottleKey::Email("a@example.com".into())];
        assert!(throttle.reserve(&keys, at(0)).is_ok());
        for s in 1..30 {
            assert!(throttle.reserve(&keys, at(s)).is_err());
        }
        // Only the first attempt was counted: free a minute after it.
        assert!(throttle.reserve(&keys, at(60)).is_ok());
    }

    #[test]
    fn ip_limit_is_separate_and_clear_forgets() {
        let throttle = InMemoryLoginThrottle::new(policy(100, 2));
        let ip = ThrottleKey::Ip("127.0.0.1".parse().unwrap());
        for (n, email) in ["a@x.org", "b@x.org"].iter().enumerate() {
            throttle
                .reserve(
                    &[ThrottleKey::Email((*email).into()), ip.clone()],
                    at(i64::try_from(n).unwrap()),
                )
                .unwrap();
        }
        assert!(
            throttle
                .reserve(&[ThrottleKey::Email("c@x.org".into()), ip.clone()], at(5))
                .is_err()
        );
        throttle.clear(&ip);
        assert!(throttle.reserve(&[ip], at(5)).is_ok());
    }

    #[test]
    fn release_takes_back_exactly_one_attempt() {
        let throttle = InMemoryLoginThrottle::new(policy(2, 100));
        let keys = [ThrottleKey::Email("a@example.com".into())];
        throttle.reserve(&keys, at(0)).unwrap();
        let second = throttle.reserve(&keys, at(1)).unwrap();
        assert!(throttle.reserve(&keys, at(2)).is_err());
        throttle.release(&second);
        assert!(throttle.reserve(&keys, at(2)).is_ok());
        assert!(throttle.reserve(&keys, at(3)).is_err());
    }

    #[test]
    fn concurrent_attempts_cannot_pass_the_limit_together() {
        // Four failures are on record and the limit is five: of sixteen
        // attempts made at once, exactly one may go on to check a password.
        let throttle = Arc::new(InMemoryLoginThrottle::new(policy(5, 1000)));
        let keys = [ThrottleKey::Email("a@example.com".into())];
        for s in 0..4 {
            throttle.reserve(&keys, at(s)).unwrap();
        }
        let barrier = Arc::new(std::sync::Barrier::new(16));
        let passed: usize = (0..16)
            .map(|_| {
                let throttle = Arc::clone(&throttle);
                let barrier = Arc::clone(&barrier);
                let keys = keys.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    usize::from(throttle.reserve(&keys, at(10)).is_ok())
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .sum();
        assert_eq!(passed, 1);
    }

    #[test]
    fn sign_ups_are_counted_per_address_in_their_own_window() {
        let throttle = InMemoryLoginThrottle::new(ThrottlePolicy {
            max_signups_per_ip: 2,
            signup_window: Duration::from_hours(1),
            ..ThrottlePolicy::default()
        });
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let signup = [ThrottleKey::Signup(ip)];
        throttle.reserve(&signup, at(0)).unwrap();
        throttle.reserve(&signup, at(1)).unwrap();
        assert_eq!(
            throttle.reserve(&signup, at(2)),
            Err(Duration::from_secs(3598))
        );
        // Sign-in failures from the same address are a different count.
        assert!(throttle.reserve(&[ThrottleKey::Ip(ip)], at(2)).is_ok());
        assert!(throttle.reserve(&signup, at(3600)).is_ok());
    }
}
