//! When checks run: cron lines and jitter.
//!
//! This module owns the parsing of crontab lines (the usual 5 fields, or 6 and 7 with seconds
//! and years), the next due time after a given moment, and the per-source jitter that spreads
//! many sources over a few seconds. It does no IO and reads no clock: callers pass the current
//! time. Running the checks at those times is `daemon`'s job.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// A parsed cron schedule, in UTC.
#[derive(Clone)]
pub struct Schedule {
    line: String,
    inner: cron::Schedule,
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Schedule({:?})", self.line)
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line)
    }
}

/// A cron line that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{line}` is not a cron schedule ({reason}); write 5 fields \"minute hour day-of-month month day-of-week\" like \"*/30 * * * *\" (every 30 minutes) or \"0 6 * * 1-5\" (06:00 UTC on weekdays), or 6-7 fields with seconds first"
)]
pub struct ScheduleError {
    /// The line as written.
    pub line: String,
    /// What is wrong.
    pub reason: String,
}

impl FromStr for Schedule {
    type Err = ScheduleError;

    /// Parses a crontab line of 5 fields (minute precision), or 6 or 7 (seconds first, years
    /// last). Times are UTC.
    fn from_str(line: &str) -> Result<Schedule, ScheduleError> {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let error = |reason: String| ScheduleError {
            line: line.to_owned(),
            reason,
        };
        let expression = match fields.len() {
            5 => format!("0 {}", fields.join(" ")),
            6 | 7 => fields.join(" "),
            n => return Err(error(format!("it has {n} fields"))),
        };
        let inner = cron::Schedule::from_str(&expression).map_err(|e| error(e.to_string()))?;
        if inner.upcoming(Utc).next().is_none() {
            return Err(error("it never comes due".into()));
        }
        Ok(Schedule {
            line: fields.join(" "),
            inner,
        })
    }
}

impl Schedule {
    /// Whether it comes due more than once in some minute (a seconds field of more than one
    /// value, like `* * * * * *` or `*/10 * * * * *`).
    pub fn fires_more_than_once_a_minute(&self) -> bool {
        use cron::TimeUnitSpec;
        self.inner.seconds().count() > 1
    }

    /// The first due time strictly after `after`, if the schedule has one.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.inner.after(&after).next()
    }
}

/// The jitter of one source: a delay from 0 up to `max`, stable for a source name so that a
/// source keeps its place in the spread from one tick to the next.
pub fn jitter_for(source: &str, max: Duration) -> Duration {
    if max.is_zero() {
        return Duration::ZERO;
    }
    let hash = xxhash_rust::xxh3::xxh3_64(source.as_bytes());
    let millis = max.as_millis().min(u64::MAX as u128) as u64;
    Duration::from_millis(hash % (millis + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, h, m, s)
            .single()
            .expect("time")
    }

    #[test]
    fn five_field_lines_run_on_the_minute() {
        let schedule: Schedule = "*/30 * * * *".parse().expect("valid");
        assert_eq!(schedule.next_after(at(10, 5, 17)), Some(at(10, 30, 0)));
        assert_eq!(schedule.next_after(at(10, 30, 0)), Some(at(11, 0, 0)));
    }

    #[test]
    fn six_and_seven_field_lines_have_seconds() {
        let every_second: Schedule = "* * * * * *".parse().expect("valid");
        assert_eq!(every_second.next_after(at(10, 0, 0)), Some(at(10, 0, 1)));
        let with_year: Schedule = "0 0 6 * * * 2026-2030".parse().expect("valid");
        assert_eq!(
            with_year.next_after(at(10, 0, 0)),
            Some(at(6, 0, 0) + chrono::Days::new(1))
        );
    }

    #[test]
    fn schedules_that_fire_more_than_once_a_minute_are_told_apart() {
        for line in ["* * * * * *", "*/10 * * * * *", "0,30 0 6 * * *"] {
            let schedule: Schedule = line.parse().expect("valid");
            assert!(schedule.fires_more_than_once_a_minute(), "{line}");
        }
        for line in [
            "* * * * *",
            "*/30 * * * *",
            "0 * * * * *",
            "15 0 6 * * * 2026",
        ] {
            let schedule: Schedule = line.parse().expect("valid");
            assert!(!schedule.fires_more_than_once_a_minute(), "{line}");
        }
    }

    #[test]
    fn bad_lines_show_the_expected_form() {
        for line in ["", "every hour", "* * *", "61 * * * *", "* * * * * * * *"] {
            let message = line.parse::<Schedule>().expect_err(line).to_string();
            assert!(
                message.contains("minute hour day-of-month month day-of-week"),
                "{message}"
            );
        }
    }

    #[test]
    fn a_missed_stretch_gives_one_next_tick_not_many() {
        // The daemon asks for the next tick after "now", so a laptop asleep for hours runs the
        // check once on waking, then keeps to the schedule.
        let hourly: Schedule = "0 * * * *".parse().expect("valid");
        assert_eq!(hourly.next_after(at(15, 42, 0)), Some(at(16, 0, 0)));
    }

    #[test]
    fn jitter_is_stable_per_source_and_bounded() {
        let max = Duration::from_secs(30);
        let a = jitter_for("us-mali", max);
        assert_eq!(a, jitter_for("us-mali", max));
        assert!(a <= max);
        let spread: std::collections::HashSet<_> =
            (0..50).map(|i| jitter_for(&format!("s{i}"), max)).collect();
        assert!(spread.len() > 40, "sources are spread out");
        assert_eq!(jitter_for("x", Duration::ZERO), Duration::ZERO);
    }
}
