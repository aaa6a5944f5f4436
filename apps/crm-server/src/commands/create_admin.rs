//! `crm-server create-admin --email E [--name N] [--password-stdin]`.

use std::io::{BufRead, IsTerminal, Write};

use crm_identity::{NewStaffUser, Password, StaffRole, UserStatus};
use crm_kernel::{EmailAddress, PersonName};

use crate::config::Settings;
use crate::error::CommandError;
use crate::wiring;

/// Creates an admin; the password comes from stdin or an interactive prompt,
/// never from the command line.
pub async fn run(
    settings: &Settings,
    email: &str,
    name: &str,
    password_stdin: bool,
) -> Result<(), CommandError> {
    let email =
        EmailAddress::parse(email).map_err(|e| CommandError::Config(format!("--email: {e}")))?;
    let name = PersonName::parse(name).map_err(|e| CommandError::Config(format!("--name: {e}")))?;
    let password = read_password(password_stdin)?;
    let password = Password::new_secret(&password)
        .map_err(|e| CommandError::Config(format!("password: {e}")))?;

    let store = wiring::open_store(settings, true).await?;
    let secret = wiring::jwt_secret(settings)?;
    let identity = wiring::identity_service(&store, &secret, settings);
    let user = identity
        .create_admin(NewStaffUser {
            name,
            email,
            phone: None,
            role: StaffRole::Admin,
            status: UserStatus::Active,
            notes: None,
            company_ids: Vec::new(),
            password,
        })
        .await
        .map_err(|e| match e {
            crm_identity::IdentityError::DuplicateEmail => {
                CommandError::Config("--email: this email address is already in use".into())
            }
            other => CommandError::Failed(format!("cannot create the admin: {other}")),
        })?;
    writeln!(
        std::io::stdout(),
        "created admin {} <{}>",
        user.id,
        user.email
    )
    .map_err(|e| CommandError::Failed(format!("cannot write to stdout: {e}")))?;
    Ok(())
}

fn read_password(from_stdin: bool) -> Result<String, CommandError> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| {
            CommandError::Failed(format!("cannot read the password from stdin: {e}"))
        })?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CommandError::Config(
            "no terminal to prompt for the password; pass --password-stdin and pipe it in".into(),
        ));
    }
    let first = rpassword::prompt_password("Password: ")
        .map_err(|e| CommandError::Failed(format!("cannot read the password: {e}")))?;
    let second = rpassword::prompt_password("Repeat password: ")
        .map_err(|e| CommandError::Failed(format!("cannot read the password: {e}")))?;
    if first != second {
        return Err(CommandError::Config("the passwords do not match".into()));
    }
    Ok(first)
}
