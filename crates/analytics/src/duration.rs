//! Durations counted in buckets, so that medians and percentiles come from
//! counters instead of from every record.
//!
//! A duration is counted in whole minutes (rounded down), then rounded down
//! to a unit that grows with it, so that it keeps about three significant
//! digits and whole hours and days stay exact:
//!
//! | minutes | unit | loses at most |
//! | --- | --- | --- |
//! | under 1,000 (16.7 hours) | a minute | nothing |
//! | under 10,000 (about 7 days) | 10 minutes | 1 % |
//! | under 100,000 (about 69 days) | an hour | 0.6 % |
//! | under 1,000,000 (about 694 days) | 12 hours | 0.72 % |
//! | beyond | 5 days | 0.72 % |
//!
//! A percentile is read back as the lower bound of its bucket, so it is
//! never more than 1 % or a minute below the true value, and exact for the
//! whole hours and days of hand-made data (a week, 10,080 minutes, stays a
//! week). Reports show durations in days to one decimal (144 minutes), which
//! hides the unit below 100,000 minutes.
//!
//! Until migration 0012 (SQLite) the unit kept four significant digits: a
//! three-year report read one counter row per distinct minute of every
//! month, 136,000 of them at the benchmark's scale, against 53,000 now.

use std::collections::BTreeMap;

use serde::Serialize;

/// The bucket of a duration: its lower bound in minutes (the table of the
/// module's documentation).
#[must_use]
pub fn bucket_of(seconds: u64) -> u64 {
    let minutes = seconds / 60;
    let unit = match minutes {
        0..1_000 => 1,
        1_000..10_000 => 10,
        10_000..100_000 => 60,
        100_000..1_000_000 => 720,
        _ => 7_200,
    };
    minutes / unit * unit
}

/// How many durations fell in each bucket (keyed by [`bucket_of`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DurationHistogram(BTreeMap<u64, u64>);

impl DurationHistogram {
    /// An empty histogram.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one duration.
    pub fn record(&mut self, seconds: u64) {
        self.add_bucket(bucket_of(seconds), 1);
    }

    /// Counts every duration of `seconds` (in seconds), as [`Self::record`]
    /// would one by one, with one sort instead of a map insertion each.
    pub fn record_all(&mut self, seconds: Vec<u64>) {
        if seconds.is_empty() {
            return;
        }
        let counted = Self::from_buckets(
            self.buckets()
                .chain(seconds.into_iter().map(|s| (s / 60, 1))),
        );
        *self = counted;
    }

    /// Adds `count` durations to the bucket `minutes` (a stored counter).
    /// The key is normalised with [`bucket_of`], so any minute value is safe.
    pub fn add_bucket(&mut self, minutes: u64, count: u64) {
        if count > 0 {
            *self
                .0
                .entry(bucket_of(minutes.saturating_mul(60)))
                .or_default() += count;
        }
    }

    /// A histogram of stored counters `(minutes, count)` in any order: the
    /// keys are normalised with [`bucket_of`] and the counts of one bucket
    /// added up, as [`Self::add_bucket`] would, but the map is built once
    /// from the sorted buckets instead of one insertion each (a report over
    /// years reads a hundred thousand of them).
    pub fn from_buckets(buckets: impl IntoIterator<Item = (u64, u64)>) -> Self {
        let mut pairs: Vec<(u64, u64)> = buckets
            .into_iter()
            .filter(|&(_, count)| count > 0)
            .map(|(minutes, count)| (bucket_of(minutes.saturating_mul(60)), count))
            .collect();
        pairs.sort_unstable_by_key(|&(minutes, _)| minutes);
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(pairs.len());
        for (minutes, count) in pairs {
            match merged.last_mut() {
                Some((last, sum)) if *last == minutes => *sum += count,
                _ => merged.push((minutes, count)),
            }
        }
        Self(merged.into_iter().collect())
    }

    /// The sum of `histograms`, built once ([`Self::from_buckets`]).
    pub fn sum<'a>(histograms: impl IntoIterator<Item = &'a Self>) -> Self {
        Self::from_buckets(histograms.into_iter().flat_map(Self::buckets))
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &Self) {
        for (&minutes, &count) in &other.0 {
            self.add_bucket(minutes, count);
        }
    }

    /// How many durations were counted.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.0.values().sum()
    }

    /// The buckets and their counts, shortest first.
    pub fn buckets(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.0.iter().map(|(&m, &c)| (m, c))
    }

    /// The nearest-rank percentile `percent` (1–100), in seconds: the
    /// smallest bucket such that at least `percent` % of the durations are
    /// in it or below, read as its lower bound. `None` when empty.
    ///
    /// Nearest rank: rank = ⌈percent × n / 100⌉, the rank-th smallest
    /// duration. The median is percentile 50: for an even count, the lower
    /// of the two middle durations.
    #[must_use]
    pub fn percentile(&self, percent: u64) -> Option<u64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = (percent.clamp(1, 100) * n).div_ceil(100);
        let mut seen = 0;
        self.0.iter().find_map(|(&minutes, &count)| {
            seen += count;
            (seen >= rank).then_some(minutes * 60)
        })
    }

    /// Count, median and 90th percentile.
    #[must_use]
    pub fn stats(&self) -> DurationStats {
        DurationStats {
            count: self.count(),
            median_seconds: self.percentile(50),
            p90_seconds: self.percentile(90),
        }
    }
}

/// Summary of durations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DurationStats {
    /// How many durations.
    pub count: u64,
    /// Median (nearest rank), in seconds; `null` when there are none.
    pub median_seconds: Option<u64>,
    /// 90th percentile (nearest rank), in seconds; `null` when there are none.
    pub p90_seconds: Option<u64>,
}

/// Seconds as days, rounded to one decimal.
#[must_use]
#[allow(
    clippy::cast_precision_loss,
    reason = "durations are far below 2^52 seconds"
)]
pub fn days(seconds: u64) -> f64 {
    (seconds as f64 / 8_640.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_keep_about_three_significant_digits_and_whole_hours() {
        assert_eq!(bucket_of(59), 0);
        assert_eq!(bucket_of(3_600), 60);
        assert_eq!(bucket_of(999 * 60 + 59), 999);
        assert_eq!(bucket_of(1_009 * 60), 1_000);
        assert_eq!(bucket_of(9_999 * 60 + 59), 9_990);
        // A week, whole hours and whole days are exact.
        assert_eq!(bucket_of(7 * 86_400), 10_080);
        assert_eq!(bucket_of(10_087 * 60), 10_080);
        assert_eq!(bucket_of(30 * 86_400 + 7 * 3_600), 43_620);
        assert_eq!(bucket_of(123_456 * 60), 123_120);
        assert_eq!(bucket_of(400 * 86_400), 576_000);
        assert_eq!(bucket_of(1_000_000 * 60), 993_600);
        // No bucket is more than 1 % below what it holds.
        for minutes in (0..2_000_000_u64).step_by(7) {
            let bucket = bucket_of(minutes * 60);
            assert!(
                bucket <= minutes && minutes - bucket <= minutes / 100,
                "{minutes}"
            );
        }
    }

    #[test]
    fn histograms_built_at_once_equal_those_built_bucket_by_bucket() {
        let buckets = [
            (10_087, 2),
            (5, 1),
            (10_080, 3),
            (5, 4),
            (0, 0),
            (123_456, 1),
        ];
        let mut one_by_one = DurationHistogram::new();
        for (minutes, count) in buckets {
            one_by_one.add_bucket(minutes, count);
        }
        let at_once = DurationHistogram::from_buckets(buckets);
        assert_eq!(at_once, one_by_one);
        assert_eq!(
            at_once.buckets().collect::<Vec<_>>(),
            [(5, 5), (10_080, 5), (123_120, 1)]
        );
        let mut merged = one_by_one.clone();
        merged.merge(&at_once);
        assert_eq!(DurationHistogram::sum([&one_by_one, &at_once]), merged);
        assert_eq!(DurationHistogram::sum([]), DurationHistogram::new());
    }

    #[test]
    fn durations_counted_at_once_equal_those_counted_one_by_one() {
        let seconds = vec![90, 7 * 86_400, 3_600, 61, 10_087 * 60, 0];
        let mut one_by_one = DurationHistogram::new();
        let mut at_once = DurationHistogram::new();
        one_by_one.record(30);
        at_once.record(30);
        for &s in &seconds {
            one_by_one.record(s);
        }
        at_once.record_all(seconds);
        at_once.record_all(Vec::new());
        assert_eq!(at_once, one_by_one);
        assert_eq!(at_once.count(), 7);
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut h = DurationHistogram::new();
        for hours in [1, 2, 3, 4] {
            h.record(hours * 3_600);
        }
        // n = 4: median rank 2 (the lower middle), p90 rank ⌈3.6⌉ = 4.
        assert_eq!(h.percentile(50), Some(7_200));
        assert_eq!(h.percentile(90), Some(14_400));
        h.record(5 * 3_600);
        // n = 5: median rank 3, p90 rank ⌈4.5⌉ = 5.
        assert_eq!(
            h.stats(),
            DurationStats {
                count: 5,
                median_seconds: Some(10_800),
                p90_seconds: Some(18_000)
            }
        );
        assert_eq!(DurationHistogram::new().stats(), DurationStats::default());
    }

    #[test]
    fn merged_histograms_and_stored_buckets_count_alike() {
        let mut a = DurationHistogram::new();
        a.record(90);
        let mut b = DurationHistogram::new();
        b.add_bucket(1, 2);
        b.add_bucket(10_087, 1);
        b.add_bucket(5, 0);
        a.merge(&b);
        assert_eq!(a.buckets().collect::<Vec<_>>(), [(1, 3), (10_080, 1)]);
        assert!((days(388_800) - 4.5).abs() < f64::EPSILON);
        assert!(days(0).abs() < f64::EPSILON);
    }
}
