//! Periods: what `--since` and `--until` (and a report's `since`) say, as a moment. Pure: the
//! current time is a parameter.

use chrono::{DateTime, Utc};

/// Parses `--since` and `--until`: a span back from `now` ("7d", "24h", "2w") or a date
/// ("2026-11-01", midnight UTC) or an RFC 3339 time.
pub fn parse_when(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc());
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    let span = match text.strip_suffix('w') {
        Some(weeks) if weeks.parse::<u64>().is_ok() => weeks
            .parse::<u64>()
            .ok()
            .and_then(|weeks| weeks.checked_mul(7 * 86_400))
            .map(std::time::Duration::from_secs),
        _ => humantime::parse_duration(text).ok(),
    }
    .ok_or_else(|| {
        format!("`{text}` is neither a span like \"7d\" nor a date like \"2026-11-01\"")
    })?;
    chrono::Duration::from_std(span)
        .ok()
        .and_then(|span| now.checked_sub_signed(span))
        .ok_or_else(|| {
            format!("`{text}` reaches back further than dates go; give a span like \"30d\" or a date like \"2026-11-01\"")
        })
}

/// Parses `--until` (and the dashboard's `until`): as [`parse_when`], except that a date means
/// the end of that day, so a period "until 2026-02-12" includes what happened on the 12th.
pub fn parse_until(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    match chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        Ok(date) => date
            .succ_opt()
            .and_then(|next| next.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
            .ok_or_else(|| format!("`{text}` is the last day dates go to; give an earlier date")),
        Err(_) => parse_when(text, now),
    }
}

/// The last day a period ending (exclusive) at `until` includes: the day before a midnight,
/// else the day of `until`.
pub fn last_day(until: DateTime<Utc>) -> chrono::NaiveDate {
    let day = until.date_naive();
    if until.time() == chrono::NaiveTime::MIN {
        day.pred_opt().unwrap_or(day)
    } else {
        day
    }
}

/// A period's two ends checked: the end (exclusive, as [`parse_until`] gives it) must come
/// after the start. The error names both as they were written.
pub fn check_order(
    since: (&str, DateTime<Utc>),
    until: (&str, DateTime<Utc>),
) -> Result<(), String> {
    if until.1 > since.1 {
        Ok(())
    } else {
        Err(format!(
            "the period ends before it starts: until `{}` is not after since `{}`; give an until later than the since",
            until.0.trim(),
            since.0.trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_end_before_the_start_is_an_error_naming_both() {
        let now = parse_when("2026-03-01", Utc::now()).expect("a date");
        let since = parse_when("2025-12-01", now).expect("a date");
        let until = parse_until("2025-10-01", now).expect("a date");
        let message =
            check_order(("2025-12-01", since), ("2025-10-01", until)).expect_err("backwards");
        assert!(
            message.contains("`2025-10-01`") && message.contains("`2025-12-01`"),
            "{message}"
        );
        // A one-day period: until a date includes that day.
        let day = parse_until("2025-12-01", now).expect("a date");
        assert_eq!(
            check_order(("2025-12-01", since), ("2025-12-01", day)),
            Ok(())
        );
        let before = parse_until("2025-11-30", now).expect("a date");
        assert!(check_order(("2025-12-01", since), ("2025-11-30", before)).is_err());
    }
}
