//! Name and email of many staff users at once, for the interactions
//! context's calendars ([`StaffDirectory::staff_contacts`]): one query for
//! every id, however many.
//!
//! [`StaffDirectory::staff_contacts`]: crm_interactions::ports::StaffDirectory::staff_contacts

use crm_interactions::ports::{StaffContact, StoreError};
use crm_kernel::{EmailAddress, PersonName, UserId};

use crate::error::InteractionDbError;
use crate::open::SqliteStore;
use crate::rows::decode;

/// The ids travel as one JSON array parameter, so the statement text is
/// the same for any number of ids (prepared once, cached) and no limit on
/// SQL variables applies.
const SQL: &str = "SELECT id, name, email FROM users WHERE id IN (SELECT value FROM json_each(?1))";

/// The existing users among `ids` (whatever their role and status), each
/// once, in no particular order; their name and email parsed by their
/// domain constructors.
#[tracing::instrument(skip_all, fields(ids = ids.len()))]
pub(crate) async fn staff_contacts(
    store: &SqliteStore,
    ids: &[UserId],
) -> Result<Vec<StaffContact>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = json_array(ids);
    let contacts = store
        .read(move |conn| {
            let mut statement = conn.prepare_cached(SQL)?;
            let rows = statement.query_map([ids], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?;
            let mut contacts = Vec::new();
            for row in rows {
                let (id, name, email) = row?;
                contacts.push(StaffContact {
                    id: decode("users.id", &id, UserId::parse)?,
                    name: decode("users.name", &name, PersonName::parse)?
                        .as_str()
                        .to_owned(),
                    email: decode("users.email", &email, EmailAddress::parse)?
                        .as_str()
                        .to_owned(),
                });
            }
            Ok::<_, InteractionDbError>(contacts)
        })
        .await?;
    Ok(contacts)
}

/// `["<id>","<id>",…]`: ids print as hyphenated hex, which needs no escaping.
fn json_array(ids: &[UserId]) -> String {
    let quoted: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
    format!("[{}]", quoted.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_become_a_json_array_of_strings() {
        let (a, b) = (UserId::new(), UserId::new());
        assert_eq!(json_array(&[a, b]), format!("[\"{a}\",\"{b}\"]"));
        assert_eq!(json_array(&[a]), format!("[\"{a}\"]"));
    }
}
