//! The slices of a count request as the store reads them: counter buckets
//! for day and hour slices, instants for exact ones, each as a JSON array
//! that one statement walks with `json_each`.

use std::fmt::Write as _;

use crm_analytics::{Grain, Slice};
use crm_kernel::Timestamp;

use super::query::Slot;

/// The slices of a request, split by how they are answered.
#[derive(Debug, Default)]
pub(crate) struct SliceSet {
    /// `[[period, first bucket, end bucket, sign], …]` of the day and hour
    /// slices: `'d2026-03-01'` (a UTC day) or `'h2026-03-01T23'` (a UTC
    /// hour), the end exclusive, and `1` or `-1`: a range with `-1` is
    /// taken away from one with `1` that holds it. Day and hour buckets
    /// never fall in each other's range.
    pub(crate) counters: Option<String>,
    /// The period and sign of each range of `counters`, in order.
    pub(crate) slots: Vec<Slot>,
    /// `counters` with every run of whole UTC calendar months of day
    /// buckets read as month buckets (`'m2026-03'`), for the totals tables,
    /// which also count per month (migration 0009).
    pub(crate) by_month: Option<String>,
    /// The period and sign of each range of `by_month`, in order.
    pub(crate) by_month_slots: Vec<Slot>,
    /// `[[period, start, end, 1], …]` of the exact slices (under an hour), as
    /// RFC 3339 instants, the end exclusive.
    pub(crate) exact: Option<String>,
}

/// One range of buckets or instants, its period and its sign.
type Range = (usize, String, String, i8);

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

impl SliceSet {
    /// Splits `slices`. The hours of an hour slice are read per UTC day:
    /// up to 12 of them directly, more as that day's counter less the
    /// hours of the day outside the slice, so that a local day of a zone
    /// whose days start at 23:00 UTC reads three buckets, not 24.
    pub(crate) fn new(slices: &[Slice]) -> Self {
        let mut counters = Vec::new();
        let mut exact = Vec::new();
        for slice in slices {
            let (start, end) = (slice.span.start, slice.span.end);
            match slice.grain {
                Grain::Day => counters.push((
                    slice.period,
                    bucket(Grain::Day, start),
                    bucket(Grain::Day, end),
                    1,
                )),
                Grain::Hour => hours(&mut counters, slice.period, start, end),
                Grain::Exact => {
                    exact.push((slice.period, start.to_rfc3339(), end.to_rfc3339(), 1));
                }
            }
        }
        let by_month: Vec<Range> = counters.iter().flat_map(months).collect();
        Self {
            slots: slots(&counters),
            counters: json(&counters),
            by_month_slots: slots(&by_month),
            by_month: json(&by_month),
            exact: json(&exact),
        }
    }

    /// The counter ranges and their slots, if there are any.
    pub(crate) fn counter_ranges(&self) -> Option<(&str, &[Slot])> {
        self.counters
            .as_deref()
            .map(|json| (json, self.slots.as_slice()))
    }

    /// The counter ranges with month buckets and their slots, if there are any.
    pub(crate) fn month_ranges(&self) -> Option<(&str, &[Slot])> {
        self.by_month
            .as_deref()
            .map(|json| (json, self.by_month_slots.as_slice()))
    }
}

fn slots(ranges: &[Range]) -> Vec<Slot> {
    ranges
        .iter()
        .map(|&(period, _, _, sign)| Slot {
            period,
            sign: i64::from(sign),
        })
        .collect()
}

/// A range of day buckets `[dA, dB)` as its days before the first whole
/// month, the whole months (`[mM1, mM2)`) and the days after them; any other
/// range (hours, or days within one month) as it is.
fn months(range: &Range) -> Vec<Range> {
    let (period, from, to, sign) = range;
    let month = |bucket: &str| -> Option<(u32, u32, bool)> {
        let date = bucket.strip_prefix('d')?;
        let year = date.get(..4)?.parse().ok()?;
        let month = date.get(5..7)?.parse().ok()?;
        Some((year, month, date.get(8..10)? == "01"))
    };
    let (Some((y1, m1, first_day)), Some((y2, m2, _))) = (month(from), month(to)) else {
        return vec![range.clone()];
    };
    // The first month that starts at or after `from`, and the month of `to`.
    let start = if first_day {
        (y1, m1)
    } else if m1 == 12 {
        (y1 + 1, 1)
    } else {
        (y1, m1 + 1)
    };
    let end = (y2, m2);
    if start >= end {
        return vec![range.clone()];
    }
    let day = |(y, m): (u32, u32)| format!("d{y:04}-{m:02}-01");
    let whole = |(y, m): (u32, u32)| format!("m{y:04}-{m:02}");
    let mut out = Vec::with_capacity(3);
    if *from < day(start) {
        out.push((*period, from.clone(), day(start), *sign));
    }
    out.push((*period, whole(start), whole(end), *sign));
    if day(end) < *to {
        out.push((*period, day(end), to.clone(), *sign));
    }
    out
}

/// The whole hours `[start, end)` as signed bucket ranges, day by UTC day.
fn hours(out: &mut Vec<Range>, period: usize, start: Timestamp, end: Timestamp) {
    let at = |ms: i64| Timestamp::from_millis(ms).unwrap_or(start);
    let (mut from, until) = (start.as_millis(), end.as_millis());
    while from < until {
        let day = from.div_euclid(DAY_MS) * DAY_MS;
        let to = until.min(day + DAY_MS);
        let hour_range = |a: i64, b: i64, sign: i8| {
            (
                period,
                bucket(Grain::Hour, at(a)),
                bucket(Grain::Hour, at(b)),
                sign,
            )
        };
        if (to - from) / HOUR_MS > 12 {
            out.push((
                period,
                bucket(Grain::Day, at(day)),
                bucket(Grain::Day, at(day + DAY_MS)),
                1,
            ));
            if day < from {
                out.push(hour_range(day, from, -1));
            }
            if to < day + DAY_MS {
                out.push(hour_range(to, day + DAY_MS, -1));
            }
        } else {
            out.push(hour_range(from, to, 1));
        }
        from = to;
    }
}

/// The bucket of the day or hour that starts at `at`: `d` and the first 10
/// characters of its RFC 3339 text, or `h` and the first 13 (as the
/// migration's triggers write them).
pub(crate) fn bucket(grain: Grain, at: Timestamp) -> String {
    let text = at.to_rfc3339();
    match grain {
        Grain::Day => format!("d{}", &text[..10]),
        Grain::Hour | Grain::Exact => format!("h{}", &text[..13]),
    }
}

/// The rows as a JSON array of `[period, "from", "to", sign]` (the texts
/// are digits, `-`, `:`, `.`, `T`, `Z`, `d` and `h`: nothing to escape);
/// `None` when empty.
fn json(rows: &[Range]) -> Option<String> {
    if rows.is_empty() {
        return None;
    }
    let mut out = String::from("[");
    for (i, (period, from, to, sign)) in rows.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "[{period},\"{from}\",\"{to}\",{sign}]");
    }
    out.push(']');
    Some(out)
}

#[cfg(test)]
mod tests {
    use crm_analytics::plan::{Span, slice};

    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    #[test]
    fn slices_become_bucket_ranges_and_instants() {
        let span = Span {
            start: at("2026-03-01T22:30:00Z"),
            end: at("2026-03-04T01:15:00Z"),
        };
        let set = SliceSet::new(&slice(3, span));
        assert_eq!(
            set.counters.as_deref(),
            Some(
                r#"[[3,"h2026-03-01T23","h2026-03-02T00",1],[3,"d2026-03-02","d2026-03-04",1],[3,"h2026-03-04T00","h2026-03-04T01",1]]"#
            )
        );
        assert_eq!(
            set.exact.as_deref(),
            Some(
                r#"[[3,"2026-03-01T22:30:00.000Z","2026-03-01T23:00:00.000Z",1],[3,"2026-03-04T01:00:00.000Z","2026-03-04T01:15:00.000Z",1]]"#
            )
        );
        assert!(SliceSet::new(&[]).counters.is_none());
    }

    #[test]
    fn whole_months_of_days_become_month_buckets_for_the_totals() {
        let span = Span {
            start: at("2026-01-15T00:00:00Z"),
            end: at("2026-04-03T00:00:00Z"),
        };
        let set = SliceSet::new(&slice(2, span));
        assert_eq!(
            set.by_month.as_deref(),
            Some(
                r#"[[2,"d2026-01-15","d2026-02-01",1],[2,"m2026-02","m2026-04",1],[2,"d2026-04-01","d2026-04-03",1]]"#
            )
        );
        // From 1970 (a lead-in) to a first of the month: months only.
        let span = Span {
            start: at("1970-01-01T00:00:00Z"),
            end: at("2026-12-01T00:00:00Z"),
        };
        let set = SliceSet::new(&slice(0, span));
        assert_eq!(
            set.by_month.as_deref(),
            Some(r#"[[0,"m1970-01","m2026-12",1]]"#)
        );
        // Within one month, or across a year's end without a whole month:
        // the days as they are.
        for (start, end) in [
            ("2026-03-01T00:00:00Z", "2026-03-31T00:00:00Z"),
            ("2026-12-02T00:00:00Z", "2027-01-05T00:00:00Z"),
        ] {
            let set = SliceSet::new(&slice(
                0,
                Span {
                    start: at(start),
                    end: at(end),
                },
            ));
            assert_eq!(set.by_month, set.counters, "{start}..{end}");
        }
        let december = SliceSet::new(&slice(
            0,
            Span {
                start: at("2026-11-20T00:00:00Z"),
                end: at("2027-01-01T00:00:00Z"),
            },
        ));
        assert_eq!(
            december.by_month.as_deref(),
            Some(r#"[[0,"d2026-11-20","d2026-12-01",1],[0,"m2026-12","m2027-01",1]]"#)
        );
    }

    #[test]
    fn a_long_run_of_hours_is_its_day_less_the_other_hours() {
        // A Berlin summer day: 22:00 UTC to 22:00 UTC.
        let span = Span {
            start: at("2026-07-01T22:00:00Z"),
            end: at("2026-07-02T22:00:00Z"),
        };
        let set = SliceSet::new(&slice(0, span));
        assert_eq!(
            set.counters.as_deref(),
            Some(
                r#"[[0,"h2026-07-01T22","h2026-07-02T00",1],[0,"d2026-07-02","d2026-07-03",1],[0,"h2026-07-02T22","h2026-07-03T00",-1]]"#
            )
        );
    }
}
