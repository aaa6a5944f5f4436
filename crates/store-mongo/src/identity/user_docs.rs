//! How a staff user is stored and read back.

use crm_identity::{StaffRole, StaffUser, UserStatus};
use crm_kernel::{CompanyId, EmailAddress, LongText, PersonName, PhoneNumber, UserId};
use mongodb::bson::{Document, doc};

use crate::bson::convert::{Fields, date, opt_text};
use crate::db::error::CorruptData;
use crate::db::names;

/// The document of `user`. `name_sort` and `email_key` are lower-cased
/// copies the list sorts and filters by; a company given twice is kept once,
/// at its first place.
pub(crate) fn user_document(user: &StaffUser) -> Document {
    let mut companies: Vec<String> = Vec::with_capacity(user.company_ids.len());
    for company in &user.company_ids {
        let company = company.to_string();
        if !companies.contains(&company) {
            companies.push(company);
        }
    }
    doc! {
        "_id": user.id.to_string(),
        "name": user.name.as_str(),
        "name_sort": user.name.as_str().to_lowercase(),
        "email": user.email.as_str(),
        "email_key": user.email.key(),
        "phone": opt_text(user.phone.as_ref().map(PhoneNumber::as_str)),
        "role": user.role.as_str(),
        "status": user.status.as_str(),
        "notes": opt_text(user.notes.as_ref().map(LongText::as_str)),
        "company_ids": companies,
        "created_at": date(user.created_at),
        "updated_at": date(user.updated_at),
    }
}

/// The domain user of a stored document, every field parsed by its own constructor.
pub(crate) fn read_user(document: &Document) -> Result<StaffUser, CorruptData> {
    let fields = Fields::of(names::USERS, document);
    Ok(StaffUser {
        id: fields.parse("_id", UserId::parse)?,
        name: fields.parse("name", PersonName::parse)?,
        email: fields.parse("email", EmailAddress::parse)?,
        phone: fields.opt_parse("phone", PhoneNumber::parse)?,
        role: fields.named("role", StaffRole::parse)?,
        status: fields.named("status", UserStatus::parse)?,
        notes: fields.opt_parse("notes", LongText::parse)?,
        company_ids: fields
            .texts("company_ids")?
            .into_iter()
            .map(|id| CompanyId::parse(id).map_err(|error| fields.corrupt("company_ids", error)))
            .collect::<Result<_, _>>()?,
        created_at: fields.time("created_at")?,
        updated_at: fields.time("updated_at")?,
    })
}

#[cfg(test)]
mod tests {
    use crm_kernel::Timestamp;

    use super::*;

    fn user() -> StaffUser {
        let at = Timestamp::from_millis(1_000).unwrap();
        let company = CompanyId::new();
        StaffUser {
            id: UserId::new(),
            name: PersonName::parse("Zoë Ünal").unwrap(),
            email: EmailAddress::parse("Zoe@Example.test").unwrap(),
            phone: Some(PhoneNumber::parse("+49 30 901820").unwrap()),
            role: StaffRole::Agent,
            status: UserStatus::Active,
            notes: None,
            company_ids: vec![company, CompanyId::new(), company],
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn users_round_trip_with_lower_cased_keys() {
        let user = user();
        let document = user_document(&user);
        assert_eq!(document.get_str("name_sort").unwrap(), "zoë ünal");
        assert_eq!(document.get_str("email_key").unwrap(), user.email.key());
        assert_eq!(document.get_array("company_ids").unwrap().len(), 2);
        let read = read_user(&document).unwrap();
        assert_eq!(read.company_ids, user.company_ids[..2].to_vec());
        assert_eq!(
            StaffUser {
                company_ids: user.company_ids[..2].to_vec(),
                ..user
            },
            read
        );
    }

    #[test]
    fn unknown_roles_are_corrupt_data() {
        let mut document = user_document(&user());
        document.insert("role", "owner");
        assert!(read_user(&document).is_err());
    }
}
