//! How a customer is read: the columns of the full record (with its
//! company's current name, its tags and whether it can sign in) and their
//! parsing back into a domain [`Customer`].

use crm_customers::{Customer, LifecycleStatus, Tags};
use crm_kernel::{
    CompanyId, CustomerId, EmailAddress, LongText, PersonName, PhoneNumber, ShortText, UserId,
};
use rusqlite::Row;

use crate::db::rows::{self, CorruptData, decode, decode_opt, version};

/// The tables a customer is read from: `customers c` and its company `co`.
pub(crate) const CUSTOMER_FROM: &str = "customers c LEFT JOIN companies co ON co.id = c.company_id";

/// The columns of a customer, on [`CUSTOMER_FROM`], in [`CustomerRow`]'s order.
/// Tags hold no `,` (see `Tag::parse`), so a comma-separated list is exact;
/// it comes in no order (an ordered aggregate would build a temporary
/// B-tree for every row) and `Tags::parse` sorts it.
pub(crate) const CUSTOMER_COLUMNS: &str = "c.id, c.first_name, c.last_name, c.email, c.phone, \
     c.company_id, co.name, c.status, c.notes, c.owner_id, \
     (SELECT group_concat(t.tag, ',') \
        FROM customer_tags t WHERE t.customer_id = c.id), \
     c.source, c.created_at, c.updated_at, c.last_interaction, \
     EXISTS (SELECT 1 FROM credentials cr WHERE cr.customer_id = c.id), c.version";

/// How many columns [`CUSTOMER_COLUMNS`] has.
pub(crate) const CUSTOMER_COLUMN_COUNT: usize = 17;

/// The name sort key of a customer: "last first", lower-cased (Unicode).
pub(crate) fn name_sort(first_name: &PersonName, last_name: &PersonName) -> String {
    format!("{} {}", last_name.as_str(), first_name.as_str()).to_lowercase()
}

/// Parses a stored lifecycle status.
pub(crate) fn status(column: &'static str, text: &str) -> Result<LifecycleStatus, CorruptData> {
    decode(column, text, |text| {
        LifecycleStatus::parse(text).ok_or_else(|| format!("unknown status `{text}`"))
    })
}

/// A customer as stored, in the order of [`CUSTOMER_COLUMNS`].
#[derive(Debug)]
pub(crate) struct CustomerRow {
    id: String,
    first_name: String,
    last_name: String,
    email: Option<String>,
    phone: Option<String>,
    company_id: Option<String>,
    company: Option<String>,
    status: String,
    notes: Option<String>,
    owner_id: Option<String>,
    tags: Option<String>,
    source: Option<String>,
    created_at: String,
    updated_at: String,
    last_interaction: Option<String>,
    has_account: bool,
    version: i64,
}

impl CustomerRow {
    /// Reads the columns of [`CUSTOMER_COLUMNS`].
    pub(crate) fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            first_name: row.get(1)?,
            last_name: row.get(2)?,
            email: row.get(3)?,
            phone: row.get(4)?,
            company_id: row.get(5)?,
            company: row.get(6)?,
            status: row.get(7)?,
            notes: row.get(8)?,
            owner_id: row.get(9)?,
            tags: row.get(10)?,
            source: row.get(11)?,
            created_at: row.get(12)?,
            updated_at: row.get(13)?,
            last_interaction: row.get(14)?,
            has_account: row.get(15)?,
            version: row.get(16)?,
        })
    }

    /// The domain customer, every field parsed by its own constructor.
    pub(crate) fn into_customer(self) -> Result<Customer, CorruptData> {
        let tags: Vec<&str> = self
            .tags
            .as_deref()
            .map_or_else(Vec::new, |tags| tags.split(',').collect());
        Ok(Customer {
            id: decode("customers.id", &self.id, CustomerId::parse)?,
            first_name: decode("customers.first_name", &self.first_name, PersonName::parse)?,
            last_name: decode("customers.last_name", &self.last_name, PersonName::parse)?,
            email: decode_opt(
                "customers.email",
                self.email.as_deref(),
                EmailAddress::parse,
            )?,
            phone: decode_opt("customers.phone", self.phone.as_deref(), PhoneNumber::parse)?,
            company_id: decode_opt(
                "customers.company_id",
                self.company_id.as_deref(),
                CompanyId::parse,
            )?,
            company: self.company,
            status: status("customers.status", &self.status)?,
            notes: decode_opt("customers.notes", self.notes.as_deref(), LongText::parse)?,
            owner_id: decode_opt(
                "customers.owner_id",
                self.owner_id.as_deref(),
                UserId::parse,
            )?,
            tags: Tags::parse(&tags)
                .map_err(|error| CorruptData::new("customer_tags.tag", error))?,
            source: decode_opt("customers.source", self.source.as_deref(), ShortText::parse)?,
            created_at: rows::timestamp("customers.created_at", &self.created_at)?,
            updated_at: rows::timestamp("customers.updated_at", &self.updated_at)?,
            last_interaction: rows::timestamp_opt(
                "customers.last_interaction",
                self.last_interaction.as_deref(),
            )?,
            has_account: self.has_account,
            version: version("customers.version", self.version)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_sort_is_last_then_first_lower_cased() {
        let first = PersonName::parse("Zoë").unwrap();
        let last = PersonName::parse("Ünal").unwrap();
        assert_eq!(name_sort(&first, &last), "ünal zoë");
    }
}
