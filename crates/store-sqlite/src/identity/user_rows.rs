//! How a staff user is read: the columns of `users u` (with the user's
//! companies, in order) and their parsing back into a domain [`StaffUser`].

use crm_identity::{StaffRole, StaffUser, UserStatus};
use crm_kernel::{CompanyId, EmailAddress, LongText, PersonName, PhoneNumber, UserId};
use rusqlite::Row;

use crate::db::rows::{self, CorruptData, decode, decode_opt};

/// The columns a staff user is read from, on `users u`, in [`UserRow`]'s order.
pub(crate) const USER_COLUMNS: &str = "u.id, u.name, u.email, u.phone, u.role, u.status, u.notes, \
     (SELECT group_concat(c.position || ':' || c.company_id, ',') \
        FROM user_companies c WHERE c.user_id = u.id), \
     u.created_at, u.updated_at";

/// How many columns [`USER_COLUMNS`] has.
pub(crate) const USER_COLUMN_COUNT: usize = 10;

/// A staff user as stored, in the order of [`USER_COLUMNS`].
#[derive(Debug)]
pub(crate) struct UserRow {
    id: String,
    name: String,
    email: String,
    phone: Option<String>,
    role: String,
    status: String,
    notes: Option<String>,
    companies: Option<String>,
    created_at: String,
    updated_at: String,
}

impl UserRow {
    /// Reads the columns of [`USER_COLUMNS`].
    pub(crate) fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            name: row.get(1)?,
            email: row.get(2)?,
            phone: row.get(3)?,
            role: row.get(4)?,
            status: row.get(5)?,
            notes: row.get(6)?,
            companies: row.get(7)?,
            created_at: row.get(8)?,
            updated_at: row.get(9)?,
        })
    }

    /// The domain user, every field parsed by its own constructor.
    pub(crate) fn into_user(self) -> Result<StaffUser, CorruptData> {
        const COMPANIES: &str = "user_companies.company_id";
        let company_ids = rows::in_position_order(COMPANIES, self.companies.as_deref(), ',')?
            .into_iter()
            .map(|id| decode(COMPANIES, id, CompanyId::parse))
            .collect::<Result<_, _>>()?;
        Ok(StaffUser {
            id: decode("users.id", &self.id, UserId::parse)?,
            name: decode("users.name", &self.name, PersonName::parse)?,
            email: decode("users.email", &self.email, EmailAddress::parse)?,
            phone: decode_opt("users.phone", self.phone.as_deref(), PhoneNumber::parse)?,
            role: decode("users.role", &self.role, |text| {
                StaffRole::parse(text).ok_or_else(|| format!("unknown role `{text}`"))
            })?,
            status: decode("users.status", &self.status, |text| {
                UserStatus::parse(text).ok_or_else(|| format!("unknown status `{text}`"))
            })?,
            notes: decode_opt("users.notes", self.notes.as_deref(), LongText::parse)?,
            company_ids,
            created_at: rows::timestamp("users.created_at", &self.created_at)?,
            updated_at: rows::timestamp("users.updated_at", &self.updated_at)?,
        })
    }
}
