//! What each role may do from the dashboard, so a page shows only the buttons its viewer can
//! use. The server's matrix (`api/src/auth/roles.rs`) stays the authority and refuses whatever
//! slips through; both take their role sets from `entity::Role` (`Role::OPERATORS`).

use crate::api::ops::Role;

/// Something a page offers that not every role may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Approve, reject and assign tasks, and start, complete or fail them for someone else
    /// (the matrix's `OPERATE`: admins and operators).
    ManageTasks,
    /// List, create, rotate and revoke API keys (the matrix's `ADMIN`).
    ManageApiKeys,
    /// Create, change and delete alert rules (the matrix's `OPERATE`).
    ManageAlerts,
    /// List, add and remove webhooks and read their deliveries (`ADMIN`).
    ManageWebhooks,
    /// Read and verify the audit log (`ADMIN`).
    ReadAuditLog,
}

/// Whether `role` may do `action`.
pub fn allows(role: Role, action: Action) -> bool {
    match action {
        Action::ManageTasks => role.can_operate(),
        Action::ManageAlerts => role.can_operate(),
        Action::ManageApiKeys | Action::ManageWebhooks | Action::ReadAuditLog => {
            role == Role::Admin
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewers_manage_nothing_operators_tasks_admins_everything() {
        assert!(!allows(Role::Viewer, Action::ManageTasks));
        assert!(!allows(Role::Viewer, Action::ManageApiKeys));
        assert!(allows(Role::Operator, Action::ManageTasks));
        assert!(!allows(Role::Operator, Action::ManageApiKeys));
        assert!(allows(Role::Admin, Action::ManageTasks));
        assert!(allows(Role::Admin, Action::ManageApiKeys));
    }

    #[test]
    fn operators_manage_alert_rules_admins_webhooks_and_the_audit_log() {
        assert!(!allows(Role::Viewer, Action::ManageAlerts));
        assert!(allows(Role::Operator, Action::ManageAlerts));
        for action in [Action::ManageWebhooks, Action::ReadAuditLog] {
            assert!(!allows(Role::Operator, action));
            assert!(allows(Role::Admin, action));
        }
    }
}
