//! The time window metrics cover, in whole minutes (the rollups' grain), and the step of its
//! chart series.

use chrono::{DateTime, Utc};

use crate::error::{ApiError, ApiResult};

/// The window when none is given: the last hour.
pub const DEFAULT_MINUTES: i64 = 60;
/// The longest window: 90 days.
pub const MAX_MINUTES: i64 = 90 * 24 * 60;
/// Most points in a series.
pub const MAX_POINTS: i64 = 1_440;
/// The steps a series may take, in minutes: the finest that keeps it within [`MAX_POINTS`].
const STEPS: [i64; 12] = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1_440];

/// Minutes since the Unix epoch of the minute `t` falls in.
pub fn minute_of(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(60)
}

/// The start of minute `minute` (minutes since the Unix epoch).
pub fn start_of(minute: i64) -> DateTime<Utc> {
    // Every minute a `Window` holds is within chrono's range (`Window::new` checks).
    DateTime::from_timestamp(minute.saturating_mul(60), 0).unwrap_or_default()
}

/// Whole minutes `[from, to)`, as minutes since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: i64,
    pub to: i64,
}

impl Window {
    /// The window from `from` to `to`, widened to whole minutes: from the start of `from`'s
    /// minute to the end of the minute before `to` (or of `to`'s minute, when `to` is not on
    /// a minute). `to` defaults to `now`, `from` to [`DEFAULT_MINUTES`] before `to`.
    /// `BAD_USER_INPUT` unless `from` is before `to` and the window is at most 90 days.
    pub fn new(
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> ApiResult<Window> {
        let to_time = to.unwrap_or(now);
        let on_a_minute =
            to_time.timestamp().rem_euclid(60) == 0 && to_time.timestamp_subsec_nanos() == 0;
        let to_minute = minute_of(to_time) + i64::from(!on_a_minute);
        if DateTime::from_timestamp(to_minute.saturating_mul(60), 0).is_none() {
            return Err(ApiError::invalid("to", "is out of range"));
        }
        let from_minute = match from {
            Some(from) => minute_of(from),
            None => to_minute - DEFAULT_MINUTES,
        };
        if from_minute >= to_minute {
            return Err(ApiError::invalid("from", "must be before `to`"));
        }
        if to_minute - from_minute > MAX_MINUTES {
            return Err(ApiError::invalid(
                "from",
                "the window must be at most 90 days long",
            ));
        }
        Ok(Window {
            from: from_minute,
            to: to_minute,
        })
    }

    /// How many minutes it spans.
    pub fn minutes(self) -> i64 {
        self.to - self.from
    }

    /// Minutes per series point: the finest step that needs at most [`MAX_POINTS`].
    pub fn step(self) -> i64 {
        let minutes = self.minutes();
        STEPS
            .into_iter()
            .find(|step| ceil_div(minutes, *step) <= MAX_POINTS)
            .unwrap_or(STEPS[STEPS.len() - 1])
    }

    /// How many points its series has (the last may cover less than a step).
    pub fn points(self) -> i64 {
        ceil_div(self.minutes(), self.step())
    }

    /// Where point `index` of the series starts.
    pub fn point_start(self, index: i64) -> DateTime<Utc> {
        start_of(self.from + index * self.step())
    }

    /// The window's bounds as times.
    pub fn bounds(self) -> (DateTime<Utc>, DateTime<Utc>) {
        (start_of(self.from), start_of(self.to))
    }
}

/// `a / b` rounded up, for a positive `a` and `b`.
fn ceil_div(a: i64, b: i64) -> i64 {
    (a + b - 1) / b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn windows_widen_to_whole_minutes() {
        let now = at("2026-11-25T12:00:30Z");
        let w = Window::new(
            Some(at("2026-11-25T11:00:59Z")),
            Some(at("2026-11-25T11:30:00Z")),
            now,
        )
        .unwrap();
        assert_eq!(
            w.bounds(),
            (at("2026-11-25T11:00:00Z"), at("2026-11-25T11:30:00Z"))
        );
        let last_hour = Window::new(None, None, now).unwrap();
        assert_eq!(
            last_hour.bounds(),
            (at("2026-11-25T11:01:00Z"), at("2026-11-25T12:01:00Z"))
        );
        assert_eq!((last_hour.step(), last_hour.points()), (1, 60));
    }

    #[test]
    fn empty_backwards_and_overlong_windows_are_refused() {
        let now = at("2026-11-25T12:00:00Z");
        for (from, to) in [
            ("2026-11-25T11:00:00Z", "2026-11-25T11:00:00Z"),
            ("2026-11-25T11:00:00Z", "2026-11-25T10:00:00Z"),
            ("2026-08-01T00:00:00Z", "2026-11-25T00:00:00Z"),
        ] {
            let err = Window::new(Some(at(from)), Some(at(to)), now).unwrap_err();
            assert_eq!(err.code(), "BAD_USER_INPUT", "{from}..{to}");
        }
        let ninety_days = Window::new(
            Some(at("2026-08-27T00:00:00Z")),
            Some(at("2026-11-25T00:00:00Z")),
            now,
        )
        .unwrap();
        assert_eq!(ninety_days.minutes(), MAX_MINUTES);
        assert!(ninety_days.points() <= MAX_POINTS);
        // Twenty seconds inside one minute widen to that whole minute.
        let short = Window::new(
            Some(at("2026-11-25T11:00:10Z")),
            Some(at("2026-11-25T11:00:20Z")),
            now,
        )
        .unwrap();
        assert_eq!(short.minutes(), 1);
    }

    #[test]
    fn series_steps_keep_at_most_1440_points() {
        for minutes in [
            1,
            59,
            1_440,
            1_441,
            2_881,
            7_200,
            10_081,
            43_200,
            MAX_MINUTES,
        ] {
            let w = Window {
                from: 1_000,
                to: 1_000 + minutes,
            };
            assert!(w.points() <= MAX_POINTS, "{minutes} minutes");
            assert!(w.points() * w.step() >= minutes, "{minutes} minutes");
        }
        assert_eq!(Window { from: 0, to: 1_440 }.step(), 1);
        assert_eq!(Window { from: 0, to: 1_441 }.step(), 2);
    }
}
