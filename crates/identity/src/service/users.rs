//! Administration of staff users.

use crm_kernel::{Action, Page, PageRequest, Policy, Principal, PrincipalId, UserId};
use tracing::info;

use super::IdentityService;
use crate::error::IdentityError;
use crate::policy::IdentityResource;
use crate::user::{
    AdminGuard, NewStaffUser, StaffRole, StaffUser, StaffUserPatch, UserQuery, UserStatus, dedup,
};

impl IdentityService {
    fn require(
        &self,
        caller: &Principal,
        action: Action,
        resource: IdentityResource,
    ) -> Result<(), IdentityError> {
        if self.policy.can(caller, action, &resource) {
            Ok(())
        } else {
            Err(IdentityError::Forbidden)
        }
    }

    /// Creates a staff user (admins only).
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id))]
    pub async fn create_user(
        &self,
        caller: &Principal,
        new: NewStaffUser,
    ) -> Result<StaffUser, IdentityError> {
        self.require(caller, Action::Create, IdentityResource::StaffDirectory)?;
        self.insert_user(new).await
    }

    /// Creates an admin without a caller: for the operator's `create-admin`
    /// command, which runs with the database's owner's rights.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_admin(&self, mut new: NewStaffUser) -> Result<StaffUser, IdentityError> {
        new.role = StaffRole::Admin;
        new.status = UserStatus::Active;
        self.insert_user(new).await
    }

    /// Creates `new` as an admin only when no active admin exists yet (the
    /// bootstrap admin of an empty database). Returns the admin when created.
    ///
    /// Several server instances starting together on one empty database
    /// all try: one creates the admin, and the others, refused for its
    /// email, find an active admin and return `None` like a later start.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn bootstrap_admin(
        &self,
        new: NewStaffUser,
    ) -> Result<Option<StaffUser>, IdentityError> {
        if self.ports.users.count_active_admins().await? > 0 {
            return Ok(None);
        }
        match self.create_admin(new).await {
            Ok(admin) => Ok(Some(admin)),
            Err(IdentityError::DuplicateEmail)
                if self.ports.users.count_active_admins().await? > 0 =>
            {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    async fn insert_user(&self, new: NewStaffUser) -> Result<StaffUser, IdentityError> {
        let now = self.now();
        let hash = self.ports.hasher.hash(&new.password).await?;
        let user = StaffUser {
            id: UserId::new(),
            name: new.name,
            email: new.email,
            phone: new.phone,
            role: new.role,
            status: new.status,
            notes: new.notes,
            company_ids: dedup(&new.company_ids),
            created_at: now,
            updated_at: now,
        };
        self.ports.users.insert(&user, &hash).await?;
        info!(user_id = %user.id, role = user.role.as_str(), "staff user created");
        Ok(user)
    }

    /// One staff user (admins; other staff only themselves).
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, user_id = %id))]
    pub async fn get_user(
        &self,
        caller: &Principal,
        id: UserId,
    ) -> Result<StaffUser, IdentityError> {
        self.require(caller, Action::Read, IdentityResource::StaffUser(id))?;
        self.ports
            .users
            .get(id)
            .await?
            .ok_or(IdentityError::NotFound)
    }

    /// One page of staff users (admins only).
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id))]
    pub async fn list_users(
        &self,
        caller: &Principal,
        query: &UserQuery,
        page: &PageRequest,
    ) -> Result<Page<StaffUser>, IdentityError> {
        self.require(caller, Action::Read, IdentityResource::StaffDirectory)?;
        Ok(self.ports.users.list(query, page).await?)
    }

    /// Changes a staff user (admins only). Disabling a user or changing its
    /// password ends its sessions; the last active admin cannot be disabled
    /// or demoted.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, user_id = %id))]
    pub async fn update_user(
        &self,
        caller: &Principal,
        id: UserId,
        patch: StaffUserPatch,
    ) -> Result<StaffUser, IdentityError> {
        self.require(caller, Action::Update, IdentityResource::StaffUser(id))?;
        let current = self
            .ports
            .users
            .get(id)
            .await?
            .ok_or(IdentityError::NotFound)?;
        let now = self.now();
        let next = patch.apply_to(&current, now);
        let guard = if current.is_active_admin() && !next.is_active_admin() {
            AdminGuard::KeepAnotherActiveAdmin
        } else {
            AdminGuard::None
        };
        let hash = match &patch.password {
            Some(password) => Some(self.ports.hasher.hash(password).await?),
            None => None,
        };
        self.ports.users.update(&next, hash.as_ref(), guard).await?;
        let disabled = current.status == UserStatus::Active && next.status == UserStatus::Disabled;
        if disabled || hash.is_some() {
            self.ports
                .sessions
                .revoke_principal(PrincipalId::User(id), now)
                .await?;
        }
        info!(
            disabled,
            password_changed = hash.is_some(),
            "staff user updated"
        );
        Ok(next)
    }

    /// Deletes a staff user (admins only); the last active admin cannot be deleted.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id, user_id = %id))]
    pub async fn delete_user(&self, caller: &Principal, id: UserId) -> Result<(), IdentityError> {
        self.require(caller, Action::Delete, IdentityResource::StaffUser(id))?;
        let current = self
            .ports
            .users
            .get(id)
            .await?
            .ok_or(IdentityError::NotFound)?;
        let guard = if current.is_active_admin() {
            AdminGuard::KeepAnotherActiveAdmin
        } else {
            AdminGuard::None
        };
        self.ports.users.delete(id, guard).await?;
        info!("staff user deleted");
        Ok(())
    }
}
