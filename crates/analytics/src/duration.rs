//! Durations counted in buckets, so that medians and percentiles come from
//! counters instead of from every record.
//!
//! A duration is counted in whole minutes (rounded down), truncated to four
//! significant digits: 0–9 999 minutes (about a week) are exact to the
//! minute; longer ones lose less than 0.1 % (10 080 minutes, 7 days, stays
//! 10 080; 10 087 becomes 10 080). A percentile is read back as the lower
//! bound of its bucket, so it is never more than 0.1 % or a minute below
//! the true value, and exact for the whole hours and days of hand-made data.

use std::collections::BTreeMap;

use serde::Serialize;

/// The bucket of a duration: its lower bound in minutes.
#[must_use]
pub fn bucket_of(seconds: u64) -> u64 {
    let minutes = seconds / 60;
    let mut unit = 1;
    while minutes / unit >= 10_000 {
        unit *= 10;
    }
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
    fn buckets_keep_four_significant_digits_of_minutes() {
        assert_eq!(bucket_of(59), 0);
        assert_eq!(bucket_of(3_600), 60);
        assert_eq!(bucket_of(9_999 * 60 + 59), 9_999);
        assert_eq!(bucket_of(7 * 86_400), 10_080);
        assert_eq!(bucket_of(10_087 * 60), 10_080);
        assert_eq!(bucket_of(123_456 * 60), 123_400);
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
            [(5, 5), (10_080, 5), (123_400, 1)]
        );
        let mut merged = one_by_one.clone();
        merged.merge(&at_once);
        assert_eq!(DurationHistogram::sum([&one_by_one, &at_once]), merged);
        assert_eq!(DurationHistogram::sum([]), DurationHistogram::new());
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
