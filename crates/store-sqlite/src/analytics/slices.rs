//! The slices of a count request as the store reads them: counter buckets
//! for day and hour slices, instants for exact ones, each as a JSON array
//! that one statement walks with `json_each`.

use std::fmt::Write as _;

use crm_analytics::{Grain, Slice};
use crm_kernel::Timestamp;

/// The slices of a request, split by how they are answered.
#[derive(Debug, Default)]
pub(crate) struct SliceSet {
    /// `[[period, first bucket, end bucket], …]` of the day and hour slices:
    /// `'d2026-03-01'` (a UTC day) or `'h2026-03-01T23'` (a UTC hour), the
    /// end exclusive. Day and hour buckets never fall in each other's range.
    pub(crate) counters: Option<String>,
    /// `[[period, start, end], …]` of the exact slices (under an hour), as
    /// RFC 3339 instants, the end exclusive.
    pub(crate) exact: Option<String>,
}

impl SliceSet {
    /// Splits `slices`.
    pub(crate) fn new(slices: &[Slice]) -> Self {
        let mut counters = Vec::new();
        let mut exact = Vec::new();
        for slice in slices {
            match slice.grain {
                Grain::Day | Grain::Hour => counters.push((
                    slice.period,
                    bucket(slice.grain, slice.span.start),
                    bucket(slice.grain, slice.span.end),
                )),
                Grain::Exact => exact.push((
                    slice.period,
                    slice.span.start.to_rfc3339(),
                    slice.span.end.to_rfc3339(),
                )),
            }
        }
        Self {
            counters: json(&counters),
            exact: json(&exact),
        }
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

/// The rows as a JSON array of `[period, "from", "to"]` (the texts are
/// digits, `-`, `:`, `.`, `T`, `Z`, `d` and `h`: nothing to escape); `None`
/// when empty.
fn json(rows: &[(usize, String, String)]) -> Option<String> {
    if rows.is_empty() {
        return None;
    }
    let mut out = String::from("[");
    for (i, (period, from, to)) in rows.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "[{period},\"{from}\",\"{to}\"]");
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
                r#"[[3,"h2026-03-01T23","h2026-03-02T00"],[3,"d2026-03-02","d2026-03-04"],[3,"h2026-03-04T00","h2026-03-04T01"]]"#
            )
        );
        assert_eq!(
            set.exact.as_deref(),
            Some(
                r#"[[3,"2026-03-01T22:30:00.000Z","2026-03-01T23:00:00.000Z"],[3,"2026-03-04T01:00:00.000Z","2026-03-04T01:15:00.000Z"]]"#
            )
        );
        assert!(SliceSet::new(&[]).counters.is_none());
    }
}
