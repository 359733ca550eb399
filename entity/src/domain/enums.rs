//! Every enum of the product spec, in one vocabulary.
//!
//! Each value has two spellings: the GraphQL/JSON name (`TOOL_CALL`), which is what the API
//! speaks in GraphQL and REST alike, and the storage name (`tool_call`), which is what the
//! database holds. JSON input accepts both.

use std::fmt;
use std::str::FromStr;

#[cfg(feature = "db")]
use sea_orm::sea_query::StringLen;

/// A string that names no value of the enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {kind}; expected one of: {expected}")]
pub struct UnknownVariant {
    pub kind: &'static str,
    pub value: String,
    pub expected: String,
}

/// Declares a shared enum with its API and storage spellings, and (behind features) its
/// sea-orm and async-graphql derives. A macro because the same seven impls are needed for
/// every enum and the spellings must stay side by side.
macro_rules! domain_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($api:literal, $db:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "db", derive(sea_orm::DeriveActiveEnum, sea_orm::EnumIter))]
        #[cfg_attr(
            feature = "db",
            sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")
        )]
        #[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $api, alias = $db)]
                #[cfg_attr(feature = "db", sea_orm(string_value = $db))]
                #[cfg_attr(feature = "graphql", graphql(name = $api))]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name the API uses (GraphQL enum value and JSON string).
            pub const fn api_name(self) -> &'static str {
                match self { $($name::$variant => $api),+ }
            }

            /// The name stored in the database.
            pub const fn storage_name(self) -> &'static str {
                match self { $($name::$variant => $db),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.api_name())
            }
        }

        impl FromStr for $name {
            type Err = UnknownVariant;

            /// Accepts either spelling, so query strings may say `tool_call` or `TOOL_CALL`.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.api_name() == s || v.storage_name() == s)
                    .ok_or_else(|| UnknownVariant {
                        kind: stringify!($name),
                        value: s.to_owned(),
                        expected: $name::ALL
                            .iter()
                            .map(|v| v.api_name())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
            }
        }
    };
}

domain_enum! {
    /// The billing plan of an organization.
    Plan {
        Free = ("FREE", "free"),
        Starter = ("STARTER", "starter"),
        Pro = ("PRO", "pro"),
        Enterprise = ("ENTERPRISE", "enterprise"),
    }
}

domain_enum! {
    /// The framework an agent is built on.
    AgentType {
        Mcp = ("MCP", "mcp"),
        Langchain = ("LANGCHAIN", "langchain"),
        Crewai = ("CREWAI", "crewai"),
        Custom = ("CUSTOM", "custom"),
    }
}

domain_enum! {
    /// Whether an agent is running, paused by an operator, or failing.
    AgentStatus {
        Active = ("ACTIVE", "active"),
        Paused = ("PAUSED", "paused"),
        Error = ("ERROR", "error"),
    }
}

domain_enum! {
    /// What an agent did.
    ActivityType {
        /// The agent called a tool.
        ToolCall = ("TOOL_CALL", "tool_call"),
        /// The agent chose between options.
        Decision = ("DECISION", "decision"),
        /// Something failed.
        Error = ("ERROR", "error"),
        /// The agent asked for a person.
        HumanRequest = ("HUMAN_REQUEST", "human_request"),
    }
}

domain_enum! {
    /// How an activity ended.
    ActivityStatus {
        Ok = ("OK", "ok"),
        Error = ("ERROR", "error"),
    }
}

domain_enum! {
    /// Where a human task stands in its lifecycle.
    TaskStatus {
        Pending = ("PENDING", "pending"),
        Approved = ("APPROVED", "approved"),
        Assigned = ("ASSIGNED", "assigned"),
        InProgress = ("IN_PROGRESS", "in_progress"),
        Completed = ("COMPLETED", "completed"),
        Failed = ("FAILED", "failed"),
        /// Turned down by an operator before the work was done.
        Rejected = ("REJECTED", "rejected"),
        /// Withdrawn (by an operator or the agent) before the work was done.
        Cancelled = ("CANCELLED", "cancelled"),
    }
}

domain_enum! {
    /// What kind of work a human task asks for.
    TaskType {
        Verification = ("VERIFICATION", "verification"),
        Pickup = ("PICKUP", "pickup"),
        Inspection = ("INSPECTION", "inspection"),
        Attendance = ("ATTENDANCE", "attendance"),
        /// Approve or reject something an agent wants to do (a tool call held by the MCP
        /// proxy's policy): approving it is the whole task, so it completes at once.
        Approval = ("APPROVAL", "approval"),
        Other = ("OTHER", "other"),
    }
}

domain_enum! {
    /// How a human task came to be.
    TaskSource {
        /// Created through the API (GraphQL or REST) by a member or an agent's key.
        Api = ("API", "api"),
        /// Raised by an activity of type `HUMAN_REQUEST`.
        Request = ("REQUEST", "request"),
        /// Flagged by the detection rules (and classifier) in an activity's text.
        Detection = ("DETECTION", "detection"),
        /// Opened by a firing alert rule.
        Alert = ("ALERT", "alert"),
        /// Asked for over MCP: the built-in server's `request_human` tool, or a tool call
        /// held by the MCP proxy for approval.
        Mcp = ("MCP", "mcp"),
    }
}

domain_enum! {
    /// A member's role in their organization.
    Role {
        /// Manages members, keys, settings and the plan.
        Admin = ("ADMIN", "admin"),
        /// Runs agents and tasks.
        Operator = ("OPERATOR", "operator"),
        /// Reads everything, changes nothing.
        Viewer = ("VIEWER", "viewer"),
    }
}

domain_enum! {
    /// How a user signs in.
    AuthProvider {
        Email = ("EMAIL", "email"),
        Google = ("GOOGLE", "google"),
        Github = ("GITHUB", "github"),
    }
}

domain_enum! {
    /// What an API key may do.
    ApiKeyScope {
        /// Record activities, nothing else.
        Ingest = ("INGEST", "ingest"),
        /// Read everything an operator can read.
        Read = ("READ", "read"),
        /// Everything an operator can do.
        Full = ("FULL", "full"),
    }
}

impl Role {
    /// The roles that change agents, activities and tasks: the server's role matrix and the
    /// dashboard's buttons both read it.
    pub const OPERATORS: &'static [Role] = &[Role::Admin, Role::Operator];

    /// Whether this role may change agents, activities and tasks.
    pub fn can_operate(self) -> bool {
        Self::OPERATORS.contains(&self)
    }
}

domain_enum! {
    /// What an alert rule watches.
    AlertKind {
        /// The share of an agent's activities with status `ERROR` over the last
        /// `windowMinutes` exceeds `threshold` (a fraction, 0 to 1).
        ErrorRate = ("ERROR_RATE", "error_rate"),
        /// An agent's known cost today (UTC) exceeds `threshold` US dollars.
        DailyCost = ("DAILY_COST", "daily_cost"),
        /// An agent's p95 latency over the last `windowMinutes` exceeds `threshold`
        /// milliseconds.
        P95Latency = ("P95_LATENCY", "p95_latency"),
        /// An activity's error message matched `pattern` (a regular expression) since the
        /// last evaluation.
        ErrorPattern = ("ERROR_PATTERN", "error_pattern"),
        /// An agent that has reported before has reported nothing for `windowMinutes`.
        AgentSilent = ("AGENT_SILENT", "agent_silent"),
        /// A tool behind the MCP proxy changed its definition (description, schema,
        /// annotations) after it was first seen — a possible "rug pull". Raised by the
        /// proxy's tool pinning, not by a rule; resolved when an admin accepts the change.
        ToolChanged = ("TOOL_CHANGED", "tool_changed"),
    }
}

domain_enum! {
    /// Whether an alert rule's condition holds for an agent.
    AlertState {
        Ok = ("OK", "ok"),
        Firing = ("FIRING", "firing"),
    }
}

domain_enum! {
    /// Where a webhook delivery stands.
    DeliveryStatus {
        /// Not sent yet, or to be retried at `nextAttemptAt`.
        Pending = ("PENDING", "pending"),
        /// The receiver answered 2xx.
        Delivered = ("DELIVERED", "delivered"),
        /// Every attempt failed; no more are made.
        Failed = ("FAILED", "failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_parse_and_json_uses_the_api_name() {
        assert_eq!(
            "tool_call".parse::<ActivityType>(),
            Ok(ActivityType::ToolCall)
        );
        assert_eq!(
            "HUMAN_REQUEST".parse::<ActivityType>(),
            Ok(ActivityType::HumanRequest)
        );
        assert_eq!(
            serde_json::to_string(&TaskStatus::InProgress).unwrap(),
            "\"IN_PROGRESS\""
        );
        let parsed: TaskStatus = serde_json::from_str("\"in_progress\"").unwrap();
        assert_eq!(parsed, TaskStatus::InProgress);
    }

    #[test]
    fn an_unknown_value_names_the_valid_ones() {
        let err = "robot".parse::<AgentType>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "`robot` is not a valid AgentType; expected one of: MCP, LANGCHAIN, CREWAI, CUSTOM"
        );
    }
}
