//! The settings the bench runs the server with, and the services it calls
//! in-process (built by the server's own wiring).

use std::ffi::OsString;
use std::sync::Arc;

use crm_kernel::Clock;
use crm_server::cli::Overrides;
use crm_server::config::Settings;

use crate::database::Database;
use crate::error::BenchError;

/// The token secret of the bench's server (the bench signs tracking tokens
/// with it, and the ceiling server checks access tokens with it).
pub const JWT_SECRET: &str = "crm-bench-secret-not-for-production-0123456789";

/// The `CRM_*` variables of the server under test, besides its address.
/// Agents see every customer (`CRM_AGENTS_SEE_ALL`): see docs/benchmarks.md.
/// The token secret is given (MongoDB requires it; SQLite would otherwise
/// keep one beside its file).
pub fn server_env(database: &Database) -> Vec<(String, String)> {
    vec![
        ("CRM_DATABASE_URL".into(), database.url()),
        ("CRM_JWT_SECRET".into(), JWT_SECRET.into()),
        ("CRM_AGENTS_SEE_ALL".into(), "true".into()),
        (
            "CRM_OUTBOX_DIR".into(),
            database.outbox().display().to_string(),
        ),
        ("CRM_LOG_FORMAT".into(), "json".into()),
    ]
}

/// The settings of the server under test, for the in-process services.
pub fn settings(database: &Database) -> Result<Settings, BenchError> {
    let env: Vec<(OsString, OsString)> = server_env(database)
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    Settings::load_with_env(None, env, &Overrides::default(), false)
        .map_err(|e| BenchError::Server(format!("settings: {e}")))
}

/// The email service on `database` with `clock` and a mailer that accepts all.
pub fn email_service(
    database: &Database,
    clock: Arc<dyn Clock>,
) -> Result<crm_email::EmailService, BenchError> {
    let settings = settings(database)?;
    let secret = crm_auth::JwtSecret::new(JWT_SECRET.as_bytes().to_vec())
        .map_err(|e| BenchError::Server(e.to_string()))?;
    let email_settings =
        crm_server::mail::setup::email_settings(&settings, &secret, "http://127.0.0.1")
            .map_err(|e| BenchError::Server(e.to_string()))?;
    Ok(crm_server::mail::setup::email_service(
        &database.stores(),
        email_settings,
        Arc::new(crate::load::AcceptAll),
        clock,
    ))
}
