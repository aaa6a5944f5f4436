//! Customer accounts as the identity context sees them: a credential and a
//! profile. The customer record itself belongs to the customers context; the
//! store that implements [`crate::ports::CustomerAccounts`] creates both at once.

use crm_kernel::{CompanyId, CustomerId, EmailAddress, PersonName, PhoneNumber, Timestamp};

use crate::password::Password;
use crate::user::StaffUser;

/// A customer signing up.
#[derive(Debug, Clone)]
pub struct CustomerSignup {
    /// First name.
    pub first_name: PersonName,
    /// Last name.
    pub last_name: PersonName,
    /// Sign-in email.
    pub email: EmailAddress,
    /// Phone, optional.
    pub phone: Option<PhoneNumber>,
    /// The company the customer belongs to, optional.
    pub company_id: Option<CompanyId>,
    /// Chosen password.
    pub password: Password,
    /// The client's address, when known (sign-ups are throttled per address).
    pub client_ip: Option<std::net::IpAddr>,
}

/// What the store records for a new customer account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomerAccount {
    /// The new customer's id.
    pub id: CustomerId,
    /// First name.
    pub first_name: PersonName,
    /// Last name.
    pub last_name: PersonName,
    /// Sign-in email.
    pub email: EmailAddress,
    /// Phone, optional.
    pub phone: Option<PhoneNumber>,
    /// The company the customer belongs to, optional.
    pub company_id: Option<CompanyId>,
    /// When.
    pub created_at: Timestamp,
}

/// A customer's own profile as shown by `/api/me`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerProfile {
    /// Its id.
    pub id: CustomerId,
    /// First name.
    pub first_name: PersonName,
    /// Last name.
    pub last_name: PersonName,
    /// Email.
    pub email: EmailAddress,
    /// Phone.
    pub phone: Option<PhoneNumber>,
    /// When the account was created.
    pub created_at: Timestamp,
}

/// The caller's own profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Profile {
    /// A staff user.
    Staff(StaffUser),
    /// A customer.
    Customer(CustomerProfile),
}
