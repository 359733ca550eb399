//! The time windows pages offer (last hour, day, week, 30 days), the RFC 3339 bounds they
//! send, and how a chart point's time reads.

/// A window ending now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Hour,
    Day,
    Week,
    Month,
}

impl Window {
    /// Every window, shortest first (the order of the buttons).
    pub const ALL: [Window; 4] = [Window::Hour, Window::Day, Window::Week, Window::Month];

    /// The button's text.
    pub fn label(self) -> &'static str {
        match self {
            Window::Hour => "1 h",
            Window::Day => "24 h",
            Window::Week => "7 d",
            Window::Month => "30 d",
        }
    }

    /// Its length in minutes.
    pub fn minutes(self) -> i64 {
        match self {
            Window::Hour => 60,
            Window::Day => 24 * 60,
            Window::Week => 7 * 24 * 60,
            Window::Month => 30 * 24 * 60,
        }
    }

    /// Its start as RFC 3339, `minutes()` before now.
    pub fn from(self) -> String {
        minutes_ago(self.minutes())
    }
}

/// The instant `minutes` ago, as RFC 3339 (UTC).
pub fn minutes_ago(minutes: i64) -> String {
    let at = js_sys::Date::now() - minutes as f64 * 60_000.0;
    String::from(js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at)).to_iso_string())
}

/// A point's time in local time: `14:05`, or `Nov 3 14:05` `with_day`.
pub fn point_label(at: &str, with_day: bool) -> String {
    let ms = crate::format::epoch_ms(at);
    if ms.is_nan() {
        return day_label(at);
    }
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    let day = format!("{} {}", month_name(date.get_month() + 1), date.get_date());
    let time = format!("{:02}:{:02}", date.get_hours(), date.get_minutes());
    if with_day {
        format!("{day} {time}")
    } else {
        time
    }
}

/// `Nov 3` from a UTC day as the server writes it (`2026-11-03T00:00:00Z`); the text itself
/// if it is not one.
pub fn day_label(day: &str) -> String {
    let month = day.get(5..7).and_then(|m| m.parse::<u32>().ok());
    let date = day.get(8..10).and_then(|d| d.parse::<u32>().ok());
    match (month, date) {
        (Some(month @ 1..=12), Some(date)) => format!("{} {date}", month_name(month)),
        _ => day.to_owned(),
    }
}

/// `Jan` … `Dec` for 1 … 12.
fn month_name(month: u32) -> &'static str {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    MONTHS
        .get(month.wrapping_sub(1) as usize)
        .copied()
        .unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_read_as_month_and_date() {
        assert_eq!(day_label("2026-11-03T00:00:00Z"), "Nov 3");
        assert_eq!(day_label("2026-01-31T00:00:00+00:00"), "Jan 31");
        assert_eq!(day_label("soon"), "soon");
        // Off the browser the time cannot be read, so a point falls back to its day.
        assert_eq!(point_label("2026-12-24T10:00:00Z", false), "Dec 24");
    }

    #[test]
    fn windows_are_as_long_as_they_say() {
        assert_eq!(Window::Hour.minutes(), 60);
        assert_eq!(Window::Week.minutes(), 10_080);
        assert_eq!(Window::Month.label(), "30 d");
    }
}
