//! Staff users: [`UserRepository`] on the `users`, `user_companies` and
//! `credentials` tables.

use async_trait::async_trait;
use crm_identity::ports::{StoreError, UserRepository};
use crm_identity::{AdminGuard, PasswordHash, StaffUser, UserQuery};
use crm_kernel::{LongText, Page, PageRequest, PhoneNumber, PrincipalId, UserId};
use rusqlite::{Connection, OptionalExtension, params};

use crate::db::error::{DbError, email_taken};
use crate::db::open::SqliteStore;
use crate::db::rows::CorruptData;
use crate::identity::credentials::insert_credential;
use crate::identity::user_list;
use crate::identity::user_rows::{USER_COLUMN_COUNT, USER_COLUMNS, UserRow};
use crate::sql::{ListPlan, keyed, keyed_page};

/// Every column of `users` bound as `?1`…`?11`, for the two statements below.
const INSERT_USER: &str = "INSERT INTO users \
     (id, name, name_sort, email, email_sort, phone, role, status, notes, created_at, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
const UPDATE_USER: &str = "UPDATE users SET name = ?2, name_sort = ?3, email = ?4, \
     email_sort = ?5, phone = ?6, role = ?7, status = ?8, notes = ?9, created_at = ?10, \
     updated_at = ?11 WHERE id = ?1";

#[async_trait]
impl UserRepository for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
    async fn insert(
        &self,
        user: &StaffUser,
        password_hash: &PasswordHash,
    ) -> Result<(), StoreError> {
        let user = user.clone();
        let hash = password_hash.as_str().to_owned();
        self.write(move |tx| {
            ensure_no_customer_has(tx, &user.email.key())?;
            write_user(tx, INSERT_USER, &user)?;
            write_companies(tx, &user)?;
            insert_credential(
                tx,
                PrincipalId::User(user.id),
                &user.email,
                &hash,
                user.created_at,
            )
        })
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn get(&self, id: UserId) -> Result<Option<StaffUser>, StoreError> {
        let user = self
            .read(move |conn| {
                let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?1");
                let row = conn
                    .prepare_cached(&sql)?
                    .query_row([id.to_string()], UserRow::read)
                    .optional()?;
                Ok(row.map(UserRow::into_user).transpose()?)
            })
            .await?;
        Ok(user)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list(
        &self,
        query: &UserQuery,
        page: &PageRequest,
    ) -> Result<Page<StaffUser>, StoreError> {
        let plan = ListPlan::Query(user_list::list_query(query, page));
        let rows = self
            .list_rows(plan, |row| {
                keyed(row, USER_COLUMN_COUNT, |row| {
                    Ok::<_, DbError>(UserRow::read(row)?.into_user()?)
                })
            })
            .await?;
        Ok(keyed_page(rows, page.limit, |user| user.id.to_string()))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
    async fn update<'a>(
        &self,
        user: &StaffUser,
        password_hash: Option<&'a PasswordHash>,
        guard: AdminGuard,
    ) -> Result<(), StoreError> {
        let user = user.clone();
        let hash = password_hash.map(|hash| hash.as_str().to_owned());
        self.write(move |tx| {
            let id = user.id.to_string();
            ensure_exists(tx, &id)?;
            ensure_guard(tx, &id, guard)?;
            let current_key: Option<String> = tx
                .prepare_cached("SELECT email_key FROM credentials WHERE user_id = ?1")?
                .query_row([&id], |row| row.get(0))
                .optional()?;
            if current_key.as_deref() != Some(user.email.key().as_str()) {
                ensure_no_customer_has(tx, &user.email.key())?;
            }
            write_user(tx, UPDATE_USER, &user)?;
            tx.prepare_cached("DELETE FROM user_companies WHERE user_id = ?1")?
                .execute([&id])?;
            write_companies(tx, &user)?;
            let changed = tx
                .prepare_cached(
                    "UPDATE credentials SET email = ?2, email_key = ?3, \
                     password_hash = coalesce(?4, password_hash), updated_at = ?5 \
                     WHERE user_id = ?1",
                )?
                .execute(params![
                    id,
                    user.email.as_str(),
                    user.email.key(),
                    hash,
                    user.updated_at.to_rfc3339(),
                ])
                .map_err(email_taken)?;
            if changed == 0 {
                return Err(CorruptData::new(
                    "credentials.user_id",
                    "the staff user has no credential",
                )
                .into());
            }
            Ok(())
        })
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn delete(&self, id: UserId, guard: AdminGuard) -> Result<(), StoreError> {
        self.write(move |tx| {
            let id = id.to_string();
            ensure_exists(tx, &id)?;
            ensure_guard(tx, &id, guard)?;
            tx.prepare_cached(
                "DELETE FROM refresh_sessions WHERE principal_kind = 'user' AND principal_id = ?1",
            )?
            .execute([&id])?;
            // The credential and the company assignments go by ON DELETE CASCADE.
            tx.prepare_cached("DELETE FROM users WHERE id = ?1")?
                .execute([&id])?;
            Ok(())
        })
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn count_active_admins(&self) -> Result<u64, StoreError> {
        let count = self
            .read(|conn| {
                let count = conn
                    .prepare_cached(
                        "SELECT count(*) FROM users WHERE role = 'admin' AND status = 'active'",
                    )?
                    .query_row([], |row| row.get::<_, i64>(0))?;
                // count(*) is never negative.
                Ok(u64::try_from(count).unwrap_or_default())
            })
            .await?;
        Ok(count)
    }
}

/// Runs [`INSERT_USER`] or [`UPDATE_USER`] with the user's columns.
fn write_user(conn: &Connection, sql: &str, user: &StaffUser) -> Result<(), DbError> {
    conn.prepare_cached(sql)?.execute(params![
        user.id.to_string(),
        user.name.as_str(),
        user.name.as_str().to_lowercase(),
        user.email.as_str(),
        user.email.key(),
        user.phone.as_ref().map(PhoneNumber::as_str),
        user.role.as_str(),
        user.status.as_str(),
        user.notes.as_ref().map(LongText::as_str),
        user.created_at.to_rfc3339(),
        user.updated_at.to_rfc3339(),
    ])?;
    Ok(())
}

/// Stores the user's companies in their order (a repeated one is kept once).
fn write_companies(conn: &Connection, user: &StaffUser) -> Result<(), DbError> {
    let mut statement = conn.prepare_cached(
        "INSERT INTO user_companies (user_id, company_id, position) VALUES (?1, ?2, ?3) \
         ON CONFLICT DO NOTHING",
    )?;
    let id = user.id.to_string();
    for (position, company) in (0_i64..).zip(&user.company_ids) {
        statement.execute(params![id, company.to_string(), position])?;
    }
    Ok(())
}

/// [`StoreError::NotFound`] unless the user exists.
fn ensure_exists(conn: &Connection, id: &str) -> Result<(), DbError> {
    if conn
        .prepare_cached("SELECT 1 FROM users WHERE id = ?1")?
        .exists([id])?
    {
        Ok(())
    } else {
        Err(DbError::refused(StoreError::NotFound))
    }
}

/// [`StoreError::LastActiveAdmin`] when `guard` asks for another active
/// admin than user `id` and there is none. Run in the writing transaction,
/// so no concurrent write can change the answer before the write.
fn ensure_guard(conn: &Connection, id: &str, guard: AdminGuard) -> Result<(), DbError> {
    match guard {
        AdminGuard::None => Ok(()),
        AdminGuard::KeepAnotherActiveAdmin => {
            let another = conn
                .prepare_cached(
                    "SELECT 1 FROM users WHERE role = 'admin' AND status = 'active' AND id <> ?1",
                )?
                .exists([id])?;
            if another {
                Ok(())
            } else {
                Err(DbError::refused(StoreError::LastActiveAdmin))
            }
        }
    }
}

/// Refuses an email that a (not erased) customer record has, with or
/// without a sign-in account: emails are unique among staff and customers.
fn ensure_no_customer_has(tx: &Connection, email_key: &str) -> Result<(), DbError> {
    let taken = tx
        .prepare_cached("SELECT 1 FROM customers WHERE email_key = ?1 AND erased_at IS NULL")?
        .exists([email_key])?;
    if taken {
        return Err(DbError::refused(StoreError::DuplicateEmail));
    }
    Ok(())
}
