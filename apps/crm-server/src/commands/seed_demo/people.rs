//! The demo's people: staff users and the ASCII email names of customers.

use crm_identity::{NewStaffUser, Password, StaffRole, UserStatus};
use crm_kernel::{CompanyId, EmailAddress, PersonName};

use super::{DEMO_PASSWORD, failed};
use crate::error::CommandError;

pub(super) fn staff(
    name: &str,
    email: &str,
    role: StaffRole,
    company_ids: Vec<CompanyId>,
) -> Result<NewStaffUser, CommandError> {
    Ok(NewStaffUser {
        name: PersonName::parse(name).map_err(|e| failed(&e))?,
        email: EmailAddress::parse(email).map_err(|e| failed(&e))?,
        phone: None,
        role,
        status: UserStatus::Active,
        notes: None,
        company_ids,
        password: Password::new_secret(DEMO_PASSWORD).map_err(|e| failed(&e))?,
    })
}

/// Lower-case ASCII letters of a name, for demo email addresses.
pub(super) fn ascii(name: &str) -> String {
    let text: String = name
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_lowercase();
    if text.is_empty() {
        "x".to_owned()
    } else {
        text
    }
}
