//! The `time_unit` / `start` / `duration` parameters of the Jiguang statistics endpoints
//! (JPush `/v3/users`, JMessage `/v2/statistic/*`): one parser, one set of rules, with
//! errors each family maps to its own codes (invalid parameter, 3004, 3005).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Utc};

use super::rules::REPORT_RETENTION;
use crate::kernel::query::QueryParams;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    Hour,
    Day,
    Month,
}

impl TimeUnit {
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Hour => "HOUR",
            TimeUnit::Day => "DAY",
            TimeUnit::Month => "MONTH",
        }
    }

    fn start_format(self) -> &'static str {
        match self {
            TimeUnit::Hour => "yyyy-MM-dd HH",
            TimeUnit::Day => "yyyy-MM-dd",
            TimeUnit::Month => "yyyy-MM",
        }
    }
}

/// Which units an endpoint accepts and how many of each at most.
#[derive(Debug, Clone, Copy)]
pub struct UnitRules {
    pub units: &'static [TimeUnit],
    pub max_days: u32,
    pub max_months: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitError {
    /// Missing or malformed `time_unit` or `duration`, or a missing `start`.
    Invalid(String),
    /// `start` does not have the format of `time_unit` (code 3004).
    Mismatch(String),
    /// The range reaches beyond what is kept (code 3005).
    OutOfRange(String),
}

/// One reported period: `[start, end)` with its label in the unit's `start` format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub label: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsRange {
    pub unit: TimeUnit,
    /// `start` as the client sent it (echoed by JPush).
    pub start: String,
    pub duration: u32,
    first: NaiveDateTime,
    timezone: FixedOffset,
}

impl StatsRange {
    /// The reported periods, built on demand (answers are memoised, and building 60
    /// labels on every request showed in the profile).
    pub fn periods(&self) -> impl Iterator<Item = Period> + '_ {
        (0..self.duration).map(|i| period(self.unit, self.first, i, self.timezone))
    }

    /// From the start of the first period to the end of the last.
    pub fn span(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let first = period(self.unit, self.first, 0, self.timezone);
        let last = period(self.unit, self.first, self.duration - 1, self.timezone);
        (first.start, last.end)
    }
}

pub fn parse(
    query: &QueryParams,
    timezone: FixedOffset,
    now: DateTime<Utc>,
    rules: UnitRules,
) -> Result<StatsRange, UnitError> {
    let unit = time_unit(query, rules)?;
    let start_text = query
        .get("start")
        .ok_or_else(|| UnitError::Invalid("start is required".into()))?
        .trim();
    let raw_duration = query
        .get("duration")
        .ok_or_else(|| UnitError::Invalid("duration is required".into()))?;
    let duration = raw_duration
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|d| *d >= 1)
        .ok_or_else(|| UnitError::Invalid(format!("duration must be a positive integer, got `{raw_duration}`")))?;
    let start = parse_start(unit, start_text).ok_or_else(|| {
        UnitError::Mismatch(format!(
            "start `{start_text}` does not match time_unit {}: expected {}",
            unit.name(),
            unit.start_format()
        ))
    })?;
    let today = now.with_timezone(&timezone).date_naive();
    check_range(
        unit,
        start,
        duration,
        today,
        now.with_timezone(&timezone).date_naive() - REPORT_RETENTION,
        rules,
    )?;
    Ok(StatsRange {
        unit,
        start: start_text.to_owned(),
        duration,
        first: start,
        timezone,
    })
}

fn time_unit(query: &QueryParams, rules: UnitRules) -> Result<TimeUnit, UnitError> {
    let allowed = || rules.units.iter().map(|u| u.name()).collect::<Vec<_>>().join(", ");
    let raw = query
        .get("time_unit")
        .ok_or_else(|| UnitError::Invalid(format!("time_unit is required: one of {}", allowed())))?;
    rules
        .units
        .iter()
        .copied()
        .find(|u| u.name().eq_ignore_ascii_case(raw.trim()))
        .ok_or_else(|| UnitError::Invalid(format!("time_unit must be one of {}, got `{raw}`", allowed())))
}

fn parse_start(unit: TimeUnit, text: &str) -> Option<NaiveDateTime> {
    match unit {
        TimeUnit::Hour => {
            let (day, hour) = text.rsplit_once(' ')?;
            let hour: u32 = hour.parse().ok().filter(|h| *h < 24 && hour.len() == 2)?;
            Some(
                NaiveDate::parse_from_str(day, "%Y-%m-%d")
                    .ok()?
                    .and_hms_opt(hour, 0, 0)?,
            )
        }
        TimeUnit::Day => Some(
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()?
                .and_time(NaiveTime::MIN),
        ),
        TimeUnit::Month => Some(
            NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
                .ok()?
                .and_time(NaiveTime::MIN),
        ),
    }
}

fn check_range(
    unit: TimeUnit,
    start: NaiveDateTime,
    duration: u32,
    today: NaiveDate,
    earliest: NaiveDate,
    rules: UnitRules,
) -> Result<(), UnitError> {
    let out = |message: String| Err(UnitError::OutOfRange(message));
    match unit {
        TimeUnit::Hour if start.date() != today => out(format!("HOUR statistics cover only the current day ({today})")),
        TimeUnit::Hour if start.hour() + duration > 24 => out("HOUR statistics cover only the current day".into()),
        TimeUnit::Day if duration > rules.max_days => out(format!("DAY duration is at most {}", rules.max_days)),
        TimeUnit::Day if start.date() < earliest => out(kept_from(earliest)),
        TimeUnit::Month if duration > rules.max_months => {
            out(format!("MONTH duration is at most {}", rules.max_months))
        }
        TimeUnit::Month if add_months(start.date(), 1) <= earliest => out(kept_from(earliest)),
        _ => Ok(()),
    }
}

fn period(unit: TimeUnit, start: NaiveDateTime, i: u32, timezone: FixedOffset) -> Period {
    let (from, to, label) = match unit {
        TimeUnit::Hour => {
            let from = start + TimeDelta::hours(i as i64);
            (
                from,
                from + TimeDelta::hours(1),
                format!("{} {:02}", day_label(from.date()), from.hour()),
            )
        }
        TimeUnit::Day => {
            let from = start + TimeDelta::days(i as i64);
            (from, from + TimeDelta::days(1), day_label(from.date()))
        }
        TimeUnit::Month => {
            let from = add_months(start.date(), i).and_time(NaiveTime::MIN);
            let to = add_months(start.date(), i + 1).and_time(NaiveTime::MIN);
            (from, to, format!("{:04}-{:02}", from.year(), from.month()))
        }
    };
    let utc = |local: NaiveDateTime| {
        local
            .and_local_timezone(timezone)
            .single()
            .expect("fixed offsets are unambiguous")
            .to_utc()
    };
    Period {
        label,
        start: utc(from),
        end: utc(to),
    }
}

fn kept_from(earliest: NaiveDate) -> String {
    format!(
        "only the last {} days are kept (from {earliest})",
        REPORT_RETENTION.num_days()
    )
}

/// `yyyy-MM-dd`, written directly: chrono's `format` parses its pattern on every call,
/// which showed in the statistics endpoints' profile.
fn day_label(date: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// The first day of the month `months` after the month of `date`.
fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    let index = date.year() * 12 + date.month0() as i32 + months as i32;
    NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1).expect("valid month")
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: UnitRules = UnitRules {
        units: &[TimeUnit::Hour, TimeUnit::Day, TimeUnit::Month],
        max_days: 60,
        max_months: 2,
    };

    fn run(query: &str) -> Result<StatsRange, UnitError> {
        let uri: axum::http::Uri = format!("/x?{query}").parse().unwrap();
        let now = DateTime::parse_from_rfc3339("2026-11-20T12:00:00+08:00")
            .unwrap()
            .to_utc();
        parse(
            &QueryParams::from_uri(&uri),
            FixedOffset::east_opt(8 * 3600).unwrap(),
            now,
            RULES,
        )
    }

    #[test]
    fn periods_and_labels() {
        let day = run("time_unit=DAY&start=2026-11-18&duration=3").unwrap();
        let days: Vec<Period> = day.periods().collect();
        let labels: Vec<_> = days.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["2026-11-18", "2026-11-19", "2026-11-20"]);
        assert_eq!(days[0].start.to_rfc3339(), "2026-11-17T16:00:00+00:00");
        assert_eq!(day.span(), (days[0].start, days[2].end));
        let month = run("time_unit=MONTH&start=2026-10&duration=2").unwrap();
        assert_eq!(month.periods().nth(1).unwrap().label, "2026-11");
        let hour = run("time_unit=hour&start=2026-11-20+09&duration=2").unwrap();
        assert_eq!(hour.periods().nth(1).unwrap().label, "2026-11-20 10");
    }

    #[test]
    fn errors_by_kind() {
        assert!(matches!(
            run("time_unit=WEEK&start=2026-11-18&duration=1"),
            Err(UnitError::Invalid(_))
        ));
        assert!(matches!(
            run("time_unit=DAY&start=2026-11-18&duration=0"),
            Err(UnitError::Invalid(_))
        ));
        assert!(matches!(run("time_unit=DAY&duration=1"), Err(UnitError::Invalid(_))));
        assert!(matches!(
            run("time_unit=DAY&start=2026-11&duration=1"),
            Err(UnitError::Mismatch(_))
        ));
        assert!(matches!(
            run("time_unit=HOUR&start=2026-11-20&duration=1"),
            Err(UnitError::Mismatch(_))
        ));
        assert!(matches!(
            run("time_unit=MONTH&start=2026-11-01&duration=1"),
            Err(UnitError::Mismatch(_))
        ));
        assert!(matches!(
            run("time_unit=DAY&start=2026-09-01&duration=1"),
            Err(UnitError::OutOfRange(_))
        ));
        assert!(matches!(
            run("time_unit=DAY&start=2026-10-01&duration=61"),
            Err(UnitError::OutOfRange(_))
        ));
        assert!(matches!(
            run("time_unit=HOUR&start=2026-11-19+09&duration=1"),
            Err(UnitError::OutOfRange(_))
        ));
        assert!(matches!(
            run("time_unit=HOUR&start=2026-11-20+20&duration=5"),
            Err(UnitError::OutOfRange(_))
        ));
        assert!(matches!(
            run("time_unit=MONTH&start=2026-11&duration=3"),
            Err(UnitError::OutOfRange(_))
        ));
        assert!(matches!(
            run("time_unit=MONTH&start=2026-08&duration=1"),
            Err(UnitError::OutOfRange(_))
        ));
        assert!(
            run("time_unit=MONTH&start=2026-09&duration=2").is_ok(),
            "September overlaps the last 60 days"
        );
    }
}
