//! Report parameters, parsed once into a [`ReportQuery`] that is valid by construction.

use chrono::{Days, NaiveDate};
use crm_kernel::{CompanyId, Timestamp, UserId, ValidationErrors};
use serde::{Deserialize, Serialize};

use crate::period::{Granularity, Period, periods};
use crate::zone::ReportZone;

/// The raw report parameters, as a query string carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ReportParams {
    /// Start, inclusive: an RFC 3339 date (`2026-03-01`, local midnight in
    /// `tz`) or date-time (`2026-03-01T08:00:00Z`). Default: local midnight
    /// 29 days before the day of `to`, so that the default range holds 30 days.
    pub from: Option<String>,
    /// End: a date is inclusive (the whole day in `tz`), a date-time is
    /// exclusive. Default: now.
    pub to: Option<String>,
    /// `day` (default), `week` (ISO weeks) or `month`.
    pub granularity: Option<String>,
    /// IANA time zone the periods are cut in (default `UTC`).
    pub tz: Option<String>,
    /// Only customers owned by this staff user.
    pub owner_id: Option<String>,
    /// Only customers of this company.
    pub company_id: Option<String>,
}

/// A report's range, periods and filters. Valid by construction: the range
/// is not empty and holds at most [`ReportQuery::MAX_PERIODS`] periods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    from: Timestamp,
    to: Timestamp,
    granularity: Granularity,
    zone: ReportZone,
    owner_id: Option<UserId>,
    company_id: Option<CompanyId>,
    periods: Vec<Period>,
}

/// Days in the default range.
const DEFAULT_DAYS: u64 = 30;

impl ReportQuery {
    /// Most periods one report may hold (about 2.7 years of days).
    pub const MAX_PERIODS: usize = 1000;

    /// Parses raw parameters; `now` gives the default range. Every invalid
    /// parameter is named in the error.
    pub fn parse(params: &ReportParams, now: Timestamp) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let zone = match params.tz.as_deref() {
            None => Some(ReportZone::UTC),
            Some(name) => errors.check("tz", ReportZone::parse(name)),
        };
        let granularity = match params.granularity.as_deref() {
            None => Some(Granularity::Day),
            Some(text) => errors.check(
                "granularity",
                Granularity::parse(text).ok_or("must be day, week or month"),
            ),
        };
        let owner_id = params
            .owner_id
            .as_deref()
            .and_then(|text| errors.check("owner_id", UserId::parse(text)));
        let company_id = params
            .company_id
            .as_deref()
            .and_then(|text| errors.check("company_id", CompanyId::parse(text)));
        let zone_for_dates = zone.unwrap_or(ReportZone::UTC);
        let to = match params.to.as_deref() {
            None => Some(now),
            Some(text) => errors.check("to", parse_bound(text, zone_for_dates, Bound::End)),
        };
        let from = match (params.from.as_deref(), to) {
            (Some(text), _) => {
                errors.check("from", parse_bound(text, zone_for_dates, Bound::Start))
            }
            (None, Some(to)) => errors.check("from", default_from(to, zone_for_dates)),
            (None, None) => None,
        };
        if let (Some(from), Some(to)) = (from, to)
            && from >= to
        {
            errors.add("to", "must be after `from`");
        }
        errors.into_result()?;
        let (Some(from), Some(to), Some(granularity), Some(zone)) = (from, to, granularity, zone)
        else {
            return Err(ValidationErrors::single("from", "could not be read"));
        };
        let periods = periods(from, to, granularity, zone, Self::MAX_PERIODS)
            .map_err(|e| ValidationErrors::single("granularity", e))?;
        Ok(Self {
            from,
            to,
            granularity,
            zone,
            owner_id,
            company_id,
            periods,
        })
    }

    /// Start of the range (inclusive).
    #[must_use]
    pub fn from(&self) -> Timestamp {
        self.from
    }

    /// End of the range (exclusive).
    #[must_use]
    pub fn to(&self) -> Timestamp {
        self.to
    }

    /// Length of each period.
    #[must_use]
    pub fn granularity(&self) -> Granularity {
        self.granularity
    }

    /// The zone periods are cut in.
    #[must_use]
    pub fn zone(&self) -> ReportZone {
        self.zone
    }

    /// Only customers owned by this staff user.
    #[must_use]
    pub fn owner_id(&self) -> Option<UserId> {
        self.owner_id
    }

    /// Only customers of this company.
    #[must_use]
    pub fn company_id(&self) -> Option<CompanyId> {
        self.company_id
    }

    /// Every period of the range, in order, none empty of time (at least one).
    #[must_use]
    pub fn periods(&self) -> &[Period] {
        &self.periods
    }

    /// The canonical parameters of this query (explicit date-times in UTC),
    /// which parse back to an equal query whatever the time: for chart URLs
    /// and cache keys.
    #[must_use]
    pub fn to_params(&self) -> ReportParams {
        ReportParams {
            from: Some(self.from.to_rfc3339()),
            to: Some(self.to.to_rfc3339()),
            granularity: Some(self.granularity.as_str().to_owned()),
            tz: Some(self.zone.name().to_owned()),
            owner_id: self.owner_id.map(|id| id.to_string()),
            company_id: self.company_id.map(|id| id.to_string()),
        }
    }
}

#[derive(Clone, Copy)]
enum Bound {
    Start,
    End,
}

/// A date or a date-time; a date is the start of that local day (`from`)
/// or the start of the next one (`to`, so that the day is included).
fn parse_bound(text: &str, zone: ReportZone, bound: Bound) -> Result<Timestamp, &'static str> {
    let text = text.trim();
    if let Ok(at) = Timestamp::parse_rfc3339(text) {
        return Ok(at);
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| "must be an RFC 3339 date (2026-03-01) or date-time (2026-03-01T08:00:00Z)")?;
    let day = match bound {
        Bound::Start => Some(date),
        Bound::End => date.checked_add_days(Days::new(1)),
    };
    day.map(|d| zone.start_of_day(d)).ok_or("is out of range")
}

/// Local midnight 29 days before the local day of the last instant before `to`.
fn default_from(to: Timestamp, zone: ReportZone) -> Result<Timestamp, &'static str> {
    let last = Timestamp::from_millis(to.as_millis() - 1).ok_or("is out of range")?;
    zone.local_date(last)
        .checked_sub_days(Days::new(DEFAULT_DAYS - 1))
        .map(|d| zone.start_of_day(d))
        .ok_or("is out of range")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    fn params(pairs: &[(&str, &str)]) -> ReportParams {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| (*v).to_owned())
        };
        ReportParams {
            from: get("from"),
            to: get("to"),
            granularity: get("granularity"),
            tz: get("tz"),
            owner_id: get("owner_id"),
            company_id: get("company_id"),
        }
    }

    fn fields(errors: &ValidationErrors) -> Vec<&str> {
        errors.fields().iter().map(|f| f.field.as_str()).collect()
    }

    #[test]
    fn the_default_is_thirty_local_days_ending_now() {
        let now = at("2026-03-31T15:00:00Z");
        let query = ReportQuery::parse(&ReportParams::default(), now).unwrap();
        assert_eq!(query.from(), at("2026-03-02T00:00:00Z"));
        assert_eq!(query.to(), now);
        assert_eq!(query.periods().len(), 30);
        assert_eq!(query.periods()[29].label, "2026-03-31");
        assert_eq!(query.periods()[29].end, now);
        assert_eq!(query.granularity(), Granularity::Day);
        assert_eq!(query.zone(), ReportZone::UTC);
    }

    #[test]
    fn dates_are_whole_local_days_and_date_times_are_instants() {
        let query = ReportQuery::parse(
            &params(&[
                ("from", "2026-03-01"),
                ("to", "2026-03-31"),
                ("tz", "Europe/Berlin"),
                ("granularity", "week"),
            ]),
            at("2026-06-01T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(query.from(), at("2026-02-28T23:00:00Z"));
        assert_eq!(query.to(), at("2026-03-31T22:00:00Z"));
        assert_eq!(query.periods()[0].label, "2026-W09");
        let exact = ReportQuery::parse(
            &params(&[
                ("from", "2026-03-01T10:00:00+02:00"),
                ("to", "2026-03-02T00:00:00Z"),
            ]),
            at("2026-06-01T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(exact.from(), at("2026-03-01T08:00:00Z"));
        assert_eq!(exact.periods().len(), 1);
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let errors = ReportQuery::parse(
            &params(&[
                ("from", "yesterday"),
                ("granularity", "hour"),
                ("tz", "Mars/Olympus"),
                ("owner_id", "x"),
                ("company_id", "y"),
            ]),
            at("2026-06-01T00:00:00Z"),
        )
        .unwrap_err();
        assert_eq!(
            fields(&errors),
            ["tz", "granularity", "owner_id", "company_id", "from"]
        );
    }

    #[test]
    fn an_empty_or_reversed_range_and_too_many_periods_are_refused() {
        let now = at("2026-06-01T00:00:00Z");
        let reversed = ReportQuery::parse(
            &params(&[("from", "2026-03-02"), ("to", "2026-03-01T00:00:00Z")]),
            now,
        )
        .unwrap_err();
        assert_eq!(fields(&reversed), ["to"]);
        let long = ReportQuery::parse(
            &params(&[("from", "2020-01-01"), ("to", "2026-01-01")]),
            now,
        )
        .unwrap_err();
        assert_eq!(fields(&long), ["granularity"]);
        assert!(long.to_string().contains("more than 1000 periods of a day"));
        assert!(
            ReportQuery::parse(
                &params(&[
                    ("from", "2020-01-01"),
                    ("to", "2026-01-01"),
                    ("granularity", "month")
                ]),
                now
            )
            .is_ok()
        );
    }

    #[test]
    fn canonical_parameters_parse_back_to_the_same_query() {
        let query = ReportQuery::parse(
            &params(&[
                ("granularity", "month"),
                ("tz", "America/New_York"),
                ("owner_id", "0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b"),
            ]),
            at("2026-06-01T12:00:00Z"),
        )
        .unwrap();
        let again = ReportQuery::parse(&query.to_params(), at("2030-01-01T00:00:00Z")).unwrap();
        assert_eq!(again, query);
    }
}
