//! What `/api/auth/*` accepts, and its parsing into the identity context's input.

use crm_identity::{CustomerSignup, Password, RefreshToken};
use crm_kernel::{CompanyId, EmailAddress, PersonName, PhoneNumber, ValidationErrors};
use serde::Deserialize;
use utoipa::ToSchema;

/// A customer signing up.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    /// First name.
    #[schema(min_length = 1, max_length = 200, example = "Ada")]
    pub first_name: String,
    /// Last name.
    #[schema(min_length = 1, max_length = 200, example = "Lovelace")]
    pub last_name: String,
    /// Sign-in email; unique among customers and staff (case-insensitive).
    #[schema(format = Email, max_length = 254, example = "ada@example.com")]
    pub email: String,
    /// At least 12 characters.
    #[schema(format = Password, min_length = 12, max_length = 128)]
    pub password: String,
    /// Phone with country code.
    #[schema(example = "+44 20 7946 0958")]
    pub phone: Option<String>,
    /// The company the customer belongs to (must exist).
    pub company_id: Option<CompanyId>,
}

impl TryFrom<SignupRequest> for CustomerSignup {
    type Error = ValidationErrors;

    fn try_from(request: SignupRequest) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let first_name = errors.check("first_name", PersonName::parse(&request.first_name));
        let last_name = errors.check("last_name", PersonName::parse(&request.last_name));
        let email = errors.check("email", EmailAddress::parse(&request.email));
        let password = errors.check("password", Password::new_secret(&request.password));
        let phone = match request.phone.as_deref() {
            None => Some(None),
            Some(text) => errors.check("phone", PhoneNumber::parse(text)).map(Some),
        };
        match (first_name, last_name, email, password, phone) {
            (Some(first_name), Some(last_name), Some(email), Some(password), Some(phone))
                if errors.is_empty() =>
            {
                Ok(Self {
                    first_name,
                    last_name,
                    email,
                    phone,
                    company_id: request.company_id,
                    password,
                    // The body does not say; the handler adds the peer's address.
                    client_ip: None,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Email and password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Sign-in email.
    #[schema(format = Email, max_length = 254, example = "ada@example.com")]
    pub email: String,
    /// Password.
    #[schema(format = Password, max_length = 128)]
    pub password: String,
}

impl LoginRequest {
    /// The email and password, or every reason they are not valid.
    pub fn credentials(&self) -> Result<(EmailAddress, Password), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let email = errors.check("email", EmailAddress::parse(&self.email));
        let password = errors.check("password", Password::for_login(&self.password));
        match (email, password) {
            (Some(email), Some(password)) => Ok((email, password)),
            _ => Err(errors),
        }
    }
}

/// A refresh token to exchange or revoke.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from sign-in or the last refresh.
    #[schema(min_length = 1, max_length = 512)]
    pub refresh_token: String,
}

impl TryFrom<RefreshRequest> for RefreshToken {
    type Error = ValidationErrors;

    fn try_from(request: RefreshRequest) -> Result<Self, ValidationErrors> {
        Self::parse(&request.refresh_token)
            .map_err(|error| ValidationErrors::single("refresh_token", error))
    }
}
