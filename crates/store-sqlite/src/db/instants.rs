//! Reading the store's own form of an instant without a general RFC 3339
//! parser: reports read hundreds of thousands of instants (lead journeys,
//! email recipients), and chrono's parser was a visible part of their time.

use crm_kernel::Timestamp;

/// The instant of `text` if it is exactly the form the store writes,
/// `YYYY-MM-DDTHH:MM:SS.mmmZ` (`Timestamp::to_rfc3339`), with a valid date
/// and time; `None` for anything else (the caller then parses it with the
/// general parser, which also reports what is wrong).
pub(crate) fn canonical(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    if b.len() != 24
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[23] != b'Z'
    {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<i64> {
        b[from..to].iter().try_fold(0_i64, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
    let (hour, minute, second) = (number(11, 13)?, number(14, 16)?, number(17, 19)?);
    let millis = number(20, 23)?;
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Timestamp::from_millis((((days * 24 + hour) * 60 + minute) * 60 + second) * 1000 + millis)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar
/// (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_form_reads_as_the_general_parser_reads_it() {
        // Every 7,777,777 seconds and 123 ms from 1900 to 2100 (leap days,
        // ends of months and years on the way), and chosen edges.
        let mut ms: i64 = -2_208_988_800_000;
        let mut checked = 0;
        while ms < 4_102_444_800_000 {
            let at = Timestamp::from_millis(ms).unwrap();
            let text = at.to_rfc3339();
            assert_eq!(canonical(&text), Some(at), "{text}");
            ms += 7_777_777_123;
            checked += 1;
        }
        assert!(checked > 800);
        for text in [
            "2024-02-29T23:59:59.999Z",
            "2000-02-29T00:00:00.000Z",
            "1970-01-01T00:00:00.000Z",
            "2026-12-31T23:59:59.999Z",
        ] {
            assert_eq!(
                canonical(text),
                Some(Timestamp::parse_rfc3339(text).unwrap()),
                "{text}"
            );
        }
    }

    #[test]
    fn anything_else_is_left_to_the_general_parser() {
        for text in [
            "2026-02-29T00:00:00.000Z",
            "2100-02-29T00:00:00.000Z",
            "2026-04-31T00:00:00.000Z",
            "2026-13-01T00:00:00.000Z",
            "2026-12-01T24:00:00.000Z",
            "2026-12-01T23:60:00.000Z",
            "2026-12-01T23:59:60.000Z",
            "2026-12-01T23:59:59.000+01:00",
            "2026-12-01T23:59:59Z",
            "2026-12-01 23:59:59.000Z",
            "2026-12-0x23:59:59.000Z",
            "+026-12-01T23:59:59.000Z",
        ] {
            assert_eq!(canonical(text), None, "{text}");
        }
    }
}
