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
}

/// Whether `role` may do `action`.
pub fn allows(role: Role, action: Action) -> bool {
    match action {
        Action::ManageTasks => role.can_operate(),
        Action::ManageApiKeys => role == Role::Admin,
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
}
