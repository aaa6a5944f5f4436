//! Record versions for optimistic concurrency, and what a write does when
//! it loses a version race.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How many times in all a use case attempts a write that keeps losing
/// version races (each attempt re-reads the record).
///
/// A write loses a race only when another write of the same record landed
/// between its read and its own write, so a request fails this often only
/// if fifteen other writes of that record landed while it ran: sustained
/// contention, not a race of a few clients. Every attempt costs a read and
/// a write; the bound keeps one request's work bounded.
pub const WRITE_ATTEMPTS: usize = 16;

/// Runs `attempt` until it does not lose a version race (an error for which
/// `lost_race` is true), at most [`WRITE_ATTEMPTS`] times in all, and
/// returns its last answer.
///
/// `attempt` must read the record afresh each time and apply the client's
/// change to what it read: then a change without a precondition applies to
/// the latest version, and one with a precondition (`If-Match`) that a
/// concurrent write made stale fails its precondition on the next attempt.
pub async fn retry_lost_races<T, E, Fut>(
    mut attempt: impl FnMut() -> Fut,
    lost_race: impl Fn(&E) -> bool,
) -> Result<T, E>
where
    Fut: Future<Output = Result<T, E>>,
{
    let mut attempts = 1;
    loop {
        match attempt().await {
            Err(error) if lost_race(&error) && attempts < WRITE_ATTEMPTS => attempts += 1,
            answer => return answer,
        }
    }
}

/// The revision of a record, raised by every change; the HTTP layer shows it
/// as the `ETag` and checks `If-Match` against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(u64);

impl Version {
    /// The version of a new record.
    pub const FIRST: Self = Self(1);

    /// Wraps a stored number.
    #[must_use]
    pub const fn new(n: u64) -> Self {
        Self(n)
    }

    /// The number.
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The version after one more change.
    #[must_use]
    pub const fn next(self) -> Self {
        Self(self.0 + 1)
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        u64::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::future::ready;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::*;

    /// Runs a future that is ready without waiting (these never wait).
    fn now<T>(future: impl Future<Output = T>) -> T {
        match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(value) => value,
            Poll::Pending => panic!("the future waited"),
        }
    }

    #[derive(Debug, PartialEq)]
    enum Failure {
        Race,
        Other,
    }

    #[test]
    fn a_lost_race_is_attempted_again_until_it_wins() {
        let calls = Cell::new(0);
        let answer = now(retry_lost_races(
            || {
                calls.set(calls.get() + 1);
                ready(if calls.get() < 3 {
                    Err(Failure::Race)
                } else {
                    Ok(calls.get())
                })
            },
            |e| *e == Failure::Race,
        ));
        assert_eq!(answer, Ok(3));
    }

    #[test]
    fn other_errors_and_successes_end_at_once() {
        for result in [Ok(7), Err(Failure::Other)] {
            let calls = Cell::new(0);
            let expected = match &result {
                Ok(n) => Ok(*n),
                Err(_) => Err(Failure::Other),
            };
            let answer = now(retry_lost_races(
                || {
                    calls.set(calls.get() + 1);
                    ready(match &result {
                        Ok(n) => Ok(*n),
                        Err(_) => Err(Failure::Other),
                    })
                },
                |e| *e == Failure::Race,
            ));
            assert_eq!((answer, calls.get()), (expected, 1));
        }
    }

    #[test]
    fn races_lost_every_time_give_up_after_the_bound() {
        let calls = Cell::new(0);
        let answer: Result<(), Failure> = now(retry_lost_races(
            || {
                calls.set(calls.get() + 1);
                ready(Err(Failure::Race))
            },
            |e| *e == Failure::Race,
        ));
        assert_eq!((answer, calls.get()), (Err(Failure::Race), WRITE_ATTEMPTS));
    }
}
