//! Counter buckets (ADR 0015, "Interaction counters"): a UTC hour, day or
//! calendar month, named by its grain and its first instant, and the
//! buckets that answer a count request's slices.
//!
//! A counter document holds its bucket as `g` (`"h"`, `"d"` or `"m"`) and
//! `at` (a BSON date); a slice of whole UTC days is read as the
//! day buckets whose `at` lies in it, one of whole hours as the hour
//! buckets. The totals, kept over every customer, also count per month,
//! so a day slice that holds whole months reads those months' buckets and
//! the days around them.

use chrono::{Datelike, TimeZone as _, Utc};
use crm_analytics::{Grain, Slice, Span};
use crm_kernel::Timestamp;
use mongodb::bson::{Document, doc};

use crate::analytics::query::{conjunction, within};
use crate::bson::convert::date;
use crate::bson::keyset::any_of;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// How long a counter bucket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Bucket {
    /// A UTC hour.
    Hour,
    /// A UTC day.
    Day,
    /// A calendar month in UTC (the totals only).
    Month,
}

impl Bucket {
    /// Its name in a counter's `g` (and its `_id`).
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Hour => "h",
            Self::Day => "d",
            Self::Month => "m",
        }
    }

    /// The first instant of the bucket `at` falls in, in milliseconds.
    pub(crate) fn start_of(self, at: Timestamp) -> i64 {
        let ms = at.as_millis();
        match self {
            Self::Hour => ms - ms.rem_euclid(HOUR_MS),
            Self::Day => ms - ms.rem_euclid(DAY_MS),
            Self::Month => {
                let time = at.as_datetime();
                Utc.with_ymd_and_hms(time.year(), time.month(), 1, 0, 0, 0)
                    .single()
                    .map_or(ms, |first| first.timestamp_millis())
            }
        }
    }
}

/// The buckets of one grain whose `at` lies in `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BucketRange {
    pub(crate) bucket: Bucket,
    pub(crate) span: Span,
}

impl BucketRange {
    /// The condition on a counter that keeps the range's buckets.
    pub(crate) fn condition(&self) -> Document {
        doc! {
            "g": self.bucket.code(),
            "at": { "$gte": date(self.span.start), "$lt": date(self.span.end) },
        }
    }
}

/// The slices of a request as the counters answer them: bucket ranges for
/// day and hour slices (months too when `months`), adjacent ranges of one
/// grain merged, and the exact slices (under an hour each), which only the
/// records can answer.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct SliceRanges {
    pub(crate) counters: Vec<BucketRange>,
    pub(crate) exact: Vec<Span>,
}

impl SliceRanges {
    /// Splits `slices`; with `months`, whole calendar months of day slices
    /// become month buckets.
    pub(crate) fn new(slices: &[Slice], months: bool) -> Self {
        let mut out = Self::default();
        for slice in slices {
            match slice.grain {
                Grain::Hour => out.push(Bucket::Hour, slice.span),
                Grain::Day if months => {
                    for (bucket, span) in split_months(slice.span) {
                        out.push(bucket, span);
                    }
                }
                Grain::Day => out.push(Bucket::Day, slice.span),
                Grain::Exact => match out.exact.last_mut() {
                    Some(last) if last.end == slice.span.start => last.end = slice.span.end,
                    _ => out.exact.push(slice.span),
                },
            }
        }
        out
    }

    fn push(&mut self, bucket: Bucket, span: Span) {
        if span.start >= span.end {
            return;
        }
        let last = self
            .counters
            .iter_mut()
            .rev()
            .find(|range| range.bucket == bucket);
        match last {
            Some(range) if range.span.end == span.start => range.span.end = span.end,
            _ => self.counters.push(BucketRange { bucket, span }),
        }
    }

    /// Per bucket grain, the conditions that keep the counters of its
    /// ranges: the grain's index range from its first range's start to its
    /// last one's end, and, when the grain has several ranges, which of
    /// them, to apply after (so that any server's planner reads one index
    /// range; the buckets between two ranges of a grain are read and
    /// dropped).
    pub(crate) fn counter_conditions(&self) -> Vec<(Document, Option<Document>)> {
        let mut grains: Vec<Bucket> = self.counters.iter().map(|r| r.bucket).collect();
        grains.sort();
        grains.dedup();
        let mut out = Vec::with_capacity(grains.len());
        for bucket in grains {
            let spans: Vec<Span> = self
                .counters
                .iter()
                .filter(|r| r.bucket == bucket)
                .map(|r| r.span)
                .collect();
            let (Some(first), Some(last)) = (spans.first(), spans.last()) else {
                continue;
            };
            let whole = BucketRange {
                bucket,
                span: Span {
                    start: first.start,
                    end: last.end,
                },
            };
            let pick = if spans.len() > 1 {
                any_of(spans.iter().map(|s| within("at", s.start, s.end)).collect())
            } else {
                None
            };
            out.push((whole.condition(), pick));
        }
        out
    }

    /// Per bucket grain, the aggregation on `collection` of its counters
    /// that meet `conditions` (the scope, or facts) grouped by `group`: a
    /// `$match` of one index range, the pick of its ranges, then `group`.
    pub(crate) fn counter_pipelines(
        &self,
        collection: &'static str,
        conditions: &[Document],
        group: &Document,
    ) -> Vec<(&'static str, Vec<Document>)> {
        self.counter_conditions()
            .into_iter()
            .map(|(buckets, pick)| {
                let mut all = vec![buckets];
                all.extend(conditions.iter().cloned());
                let mut pipeline = vec![doc! { "$match": conjunction(all) }];
                pipeline.extend(pick.map(|pick| doc! { "$match": pick }));
                pipeline.push(group.clone());
                (collection, pipeline)
            })
            .collect()
    }

    /// The conditions on the instant `field` of records that keep the
    /// exact slices: one per slice up to [`EXACT_ONE_BY_ONE`], else one
    /// `$or` of them all (which MongoDB answers with an index range per
    /// branch; the test server scans instead).
    pub(crate) fn exact_conditions(&self, field: &str) -> Vec<Document> {
        let spans: Vec<Document> = self
            .exact
            .iter()
            .map(|span| within(field, span.start, span.end))
            .collect();
        if spans.len() <= EXACT_ONE_BY_ONE {
            spans
        } else {
            any_of(spans).into_iter().collect()
        }
    }
}

/// Exact slices counted one aggregation each, up to this many.
const EXACT_ONE_BY_ONE: usize = 4;

/// A span of whole UTC days as the days before its first whole month, the
/// whole months and the days after them (or the days alone).
fn split_months(span: Span) -> Vec<(Bucket, Span)> {
    let next_month = |at: Timestamp| -> Option<Timestamp> {
        let time = at.as_datetime();
        let (year, month) = if time.month() == 12 {
            (time.year() + 1, 1)
        } else {
            (time.year(), time.month() + 1)
        };
        let first = Utc.with_ymd_and_hms(year, month, 1, 0, 0, 0).single()?;
        Some(Timestamp::from_datetime(first))
    };
    let month_of = |at: Timestamp| Timestamp::from_millis(Bucket::Month.start_of(at));
    let first = match month_of(span.start) {
        Some(start) if start == span.start => Some(start),
        _ => next_month(span.start),
    };
    let last = month_of(span.end);
    match (first, last) {
        (Some(first), Some(last)) if first < last => {
            let mut out = Vec::with_capacity(3);
            out.push((
                Bucket::Day,
                Span {
                    start: span.start,
                    end: first,
                },
            ));
            out.push((
                Bucket::Month,
                Span {
                    start: first,
                    end: last,
                },
            ));
            out.push((
                Bucket::Day,
                Span {
                    start: last,
                    end: span.end,
                },
            ));
            out.retain(|(_, s)| s.start < s.end);
            out
        }
        _ => vec![(Bucket::Day, span)],
    }
}

/// The expression of the first instant of the `bucket` an instant field
/// (`"$date_time"`) falls in, as a date: what the backfills and a
/// customer's moves group by.
pub(crate) fn bucket_of_field(bucket: Bucket, path: &str) -> Document {
    let mut parts = doc! { "year": { "$year": path }, "month": { "$month": path } };
    if bucket != Bucket::Month {
        parts.insert("day", doc! { "$dayOfMonth": path });
    }
    if bucket == Bucket::Hour {
        parts.insert("hour", doc! { "$hour": path });
    }
    doc! { "$dateFromParts": parts }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    fn span(start: &str, end: &str) -> Span {
        Span {
            start: at(start),
            end: at(end),
        }
    }

    fn shape(ranges: &SliceRanges) -> Vec<(Bucket, String, String)> {
        ranges
            .counters
            .iter()
            .map(|r| {
                (
                    r.bucket,
                    r.span.start.to_rfc3339()[..13].to_owned(),
                    r.span.end.to_rfc3339()[..13].to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn buckets_start_at_whole_hours_days_and_months() {
        let t = at("2024-02-29T13:45:10Z");
        let ms = |text| at(text).as_millis();
        assert_eq!(Bucket::Hour.start_of(t), ms("2024-02-29T13:00:00Z"));
        assert_eq!(Bucket::Day.start_of(t), ms("2024-02-29T00:00:00Z"));
        assert_eq!(Bucket::Month.start_of(t), ms("2024-02-01T00:00:00Z"));
    }

    #[test]
    fn adjacent_slices_of_one_grain_are_one_range() {
        // Three UTC days by day: one range of day buckets.
        let slices: Vec<Slice> = ["2026-03-01", "2026-03-02", "2026-03-03"]
            .iter()
            .enumerate()
            .flat_map(|(i, day)| {
                let start = at(&format!("{day}T00:00:00Z"));
                let end = Timestamp::from_millis(start.as_millis() + DAY_MS).unwrap();
                crm_analytics::plan::slice(i, Span { start, end })
            })
            .collect();
        let ranges = SliceRanges::new(&slices, false);
        assert_eq!(
            shape(&ranges),
            vec![(Bucket::Day, "2026-03-01T00".into(), "2026-03-04T00".into())]
        );
        assert!(ranges.exact.is_empty());
    }

    #[test]
    fn whole_months_of_days_are_month_buckets_for_the_totals() {
        let slices =
            crm_analytics::plan::slice(0, span("2026-01-15T00:00:00Z", "2026-04-03T00:00:00Z"));
        assert_eq!(
            shape(&SliceRanges::new(&slices, true)),
            vec![
                (Bucket::Day, "2026-01-15T00".into(), "2026-02-01T00".into()),
                (
                    Bucket::Month,
                    "2026-02-01T00".into(),
                    "2026-04-01T00".into()
                ),
                (Bucket::Day, "2026-04-01T00".into(), "2026-04-03T00".into()),
            ]
        );
        assert_eq!(
            shape(&SliceRanges::new(&slices, false)),
            vec![(Bucket::Day, "2026-01-15T00".into(), "2026-04-03T00".into())]
        );
        // Within one month: days only.
        let short =
            crm_analytics::plan::slice(0, span("2026-01-15T00:00:00Z", "2026-01-20T00:00:00Z"));
        assert_eq!(
            shape(&SliceRanges::new(&short, true)),
            vec![(Bucket::Day, "2026-01-15T00".into(), "2026-01-20T00".into())]
        );
    }

    #[test]
    fn a_range_to_the_second_reads_hours_days_and_exact_ends() {
        let slices =
            crm_analytics::plan::slice(0, span("2026-03-01T22:30:00Z", "2026-03-04T05:10:20Z"));
        let ranges = SliceRanges::new(&slices, false);
        assert_eq!(
            shape(&ranges),
            vec![
                (Bucket::Hour, "2026-03-01T23".into(), "2026-03-02T00".into()),
                (Bucket::Day, "2026-03-02T00".into(), "2026-03-04T00".into()),
                (Bucket::Hour, "2026-03-04T00".into(), "2026-03-04T05".into()),
            ]
        );
        assert_eq!(
            ranges.exact,
            vec![
                span("2026-03-01T22:30:00Z", "2026-03-01T23:00:00Z"),
                span("2026-03-04T05:00:00Z", "2026-03-04T05:10:20Z"),
            ]
        );
    }
}
