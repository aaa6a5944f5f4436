//! Who may do what with identity resources.

use crm_kernel::{Action, Policy, Principal, UserId};

/// The resources of the identity context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityResource {
    /// The directory of staff users (list, create).
    StaffDirectory,
    /// One staff user.
    StaffUser(UserId),
    /// The caller's own account (`/api/me`).
    OwnAccount,
}

/// The identity context's authorization rules:
///
/// - admins may do everything with staff users;
/// - every principal may read its own account;
/// - staff users may read their own staff record;
/// - nothing else.
#[derive(Debug, Clone, Copy, Default)]
pub struct IdentityPolicy;

impl Policy<IdentityResource> for IdentityPolicy {
    fn can(&self, principal: &Principal, action: Action, resource: &IdentityResource) -> bool {
        if principal.is_admin() {
            return true;
        }
        match resource {
            IdentityResource::OwnAccount => action == Action::Read,
            IdentityResource::StaffUser(id) => {
                action == Action::Read && principal.user_id() == Some(*id)
            }
            IdentityResource::StaffDirectory => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_kernel::{CustomerId, PrincipalId, Role};

    fn principal(role: Role) -> Principal {
        let id = match role {
            Role::Customer => PrincipalId::Customer(CustomerId::new()),
            _ => PrincipalId::User(UserId::new()),
        };
        Principal {
            id,
            role,
            company_ids: vec![],
        }
    }

    #[test]
    fn only_admins_manage_the_staff_directory() {
        let policy = IdentityPolicy;
        let actions = [Action::Read, Action::Create, Action::Update, Action::Delete];
        for action in actions {
            assert!(policy.can(
                &principal(Role::Admin),
                action,
                &IdentityResource::StaffDirectory
            ));
            assert!(!policy.can(
                &principal(Role::Agent),
                action,
                &IdentityResource::StaffDirectory
            ));
            assert!(!policy.can(
                &principal(Role::Customer),
                action,
                &IdentityResource::StaffDirectory
            ));
        }
    }

    #[test]
    fn everyone_reads_only_their_own_account() {
        let policy = IdentityPolicy;
        let agent = principal(Role::Agent);
        let own = IdentityResource::StaffUser(agent.user_id().unwrap());
        assert!(policy.can(&agent, Action::Read, &own));
        assert!(!policy.can(&agent, Action::Update, &own));
        assert!(!policy.can(
            &agent,
            Action::Read,
            &IdentityResource::StaffUser(UserId::new())
        ));
        for role in [Role::Agent, Role::Customer] {
            assert!(policy.can(
                &principal(role),
                Action::Read,
                &IdentityResource::OwnAccount
            ));
        }
    }
}
