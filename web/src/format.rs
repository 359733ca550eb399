//! How values read on screen: times in the browser's time zone, money, durations, and the
//! labels and CSS classes of the shared enums.

use crate::api::ops::{ActivityType, AgentStatus, AgentType, ApiKeyScope, TaskStatus, TaskType};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Milliseconds since the epoch of an RFC 3339 timestamp (NaN if unreadable).
pub fn epoch_ms(timestamp: &str) -> f64 {
    if cfg!(target_arch = "wasm32") {
        js_sys::Date::parse(timestamp)
    } else {
        f64::NAN
    }
}

/// `HH:MM:SS` in local time for today's timestamps, `Mon DD HH:MM:SS` for older ones; the raw
/// text if it cannot be read.
pub fn local_time(timestamp: &str) -> String {
    let ms = epoch_ms(timestamp);
    if ms.is_nan() {
        return timestamp.to_owned();
    }
    let at = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    let now = js_sys::Date::new_0();
    let time = format!(
        "{:02}:{:02}:{:02}",
        at.get_hours(),
        at.get_minutes(),
        at.get_seconds()
    );
    let same_day = at.get_full_year() == now.get_full_year()
        && at.get_month() == now.get_month()
        && at.get_date() == now.get_date();
    if same_day {
        time
    } else {
        let month = MONTHS.get(at.get_month() as usize).copied().unwrap_or("?");
        format!("{month} {} {time}", at.get_date())
    }
}

/// `$0.0042` from the API's decimal string.
pub fn usd(amount: &str) -> String {
    format!("${amount}")
}

/// `850 ms` or `2.4 s`.
pub fn duration(ms: i64) -> String {
    if ms < 1_000 {
        format!("{ms} ms")
    } else {
        // Integer arithmetic: float formatting would add kilobytes to the .wasm.
        format!("{}.{} s", ms / 1_000, ms % 1_000 / 100)
    }
}

pub fn agent_type(t: AgentType) -> &'static str {
    match t {
        AgentType::Mcp => "MCP",
        AgentType::Langchain => "LangChain",
        AgentType::Crewai => "CrewAI",
        AgentType::Custom => "Custom",
    }
}

pub fn agent_status(s: AgentStatus) -> &'static str {
    match s {
        AgentStatus::Active => "Active",
        AgentStatus::Paused => "Paused",
        AgentStatus::Error => "Error",
    }
}

pub fn activity_type(t: ActivityType) -> &'static str {
    match t {
        ActivityType::ToolCall => "Tool call",
        ActivityType::Decision => "Decision",
        ActivityType::Error => "Error",
        ActivityType::HumanRequest => "Human request",
    }
}

pub fn task_status(s: TaskStatus) -> &'static str {
    match s {
        TaskStatus::Pending => "Pending",
        TaskStatus::Approved => "Approved",
        TaskStatus::Assigned => "Assigned",
        TaskStatus::InProgress => "In progress",
        TaskStatus::Completed => "Completed",
        TaskStatus::Failed => "Failed",
        TaskStatus::Rejected => "Rejected",
        TaskStatus::Cancelled => "Cancelled",
    }
}

pub fn task_type(t: TaskType) -> &'static str {
    match t {
        TaskType::Verification => "Verification",
        TaskType::Pickup => "Pickup",
        TaskType::Inspection => "Inspection",
        TaskType::Attendance => "Attendance",
        TaskType::Approval => "Approval",
        TaskType::Other => "Other",
    }
}

pub fn api_key_scope(s: ApiKeyScope) -> &'static str {
    match s {
        ApiKeyScope::Ingest => "Ingest",
        ApiKeyScope::Read => "Read",
        ApiKeyScope::Full => "Full",
    }
}

/// A CSS-friendly name of an enum value (`tool-call`), from its storage spelling.
pub fn css_name(storage_name: &str) -> String {
    storage_name.replace('_', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_money_read_well() {
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(2_400), "2.4 s");
        assert_eq!(usd("0.0042"), "$0.0042");
        assert_eq!(
            css_name(ActivityType::HumanRequest.storage_name()),
            "human-request"
        );
    }
}
