//! Builds the email service from the settings: the sender, the public URL,
//! the token key, the retry rules, the proxy/scanner networks, and the
//! mailer (SMTP when `CRM_SMTP_URL` is set, `.eml` files otherwise).

use std::sync::Arc;
use std::time::Duration;

use crm_auth::JwtSecret;
use crm_customers::AgentScope;
use crm_email::ports::Mailer;
use crm_email::{
    Classifier, EmailPolicy, EmailPorts, EmailService, EmailSettings, Mailbox, NetworkList,
    OutboxPolicy, PublicUrl, RetryPolicy, TokenKey,
};
use crm_kernel::{Clock, SystemClock};
use crm_smtp::{FileMailer, SmtpMailer};
use crm_store_sqlite::SqliteStore;

use crate::config::Settings;
use crate::error::CommandError;

/// How long one SMTP command may take before the attempt counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest wait between two attempts.
const MAX_RETRY_DELAY: Duration = Duration::from_hours(1);

fn config_error(variable: &str, message: impl std::fmt::Display) -> CommandError {
    CommandError::Config(format!("{variable}: {message}"))
}

/// The mailer the settings ask for: SMTP, or `.eml` files in the outbox folder.
pub fn mailer(settings: &Settings) -> Result<Arc<dyn Mailer>, CommandError> {
    let Some(url) = &settings.smtp_url else {
        let folder = settings.outbox_folder();
        tracing::info!(folder = %folder.display(), "no CRM_SMTP_URL: writing mail as .eml files");
        return Ok(Arc::new(FileMailer::new(folder)));
    };
    let parsed =
        crm_smtp::SmtpUrl::parse(url.expose()).map_err(|e| config_error("CRM_SMTP_URL", e))?;
    let mailer =
        SmtpMailer::new(&parsed, SMTP_TIMEOUT).map_err(|e| config_error("CRM_SMTP_URL", e))?;
    tracing::info!(server = %format!("{}:{}", parsed.host, parsed.port), "sending mail over SMTP");
    Ok(Arc::new(mailer))
}

/// The email settings: sender, links, token key, retries, classification.
pub fn email_settings(
    settings: &Settings,
    jwt_secret: &JwtSecret,
    public_url: &str,
) -> Result<EmailSettings, CommandError> {
    let mail_from =
        Mailbox::parse(&settings.mail_from).map_err(|e| config_error("CRM_MAIL_FROM", e))?;
    let public_url = PublicUrl::parse(public_url).map_err(|e| config_error("CRM_PUBLIC_URL", e))?;
    let key = match &settings.email_secret {
        Some(secret) => TokenKey::new(secret.expose().as_bytes()),
        None => TokenKey::derive(jwt_secret.expose()),
    }
    .map_err(|e| config_error("CRM_EMAIL_SECRET", e))?;
    let networks = match &settings.mail_networks_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                config_error("CRM_MAIL_NETWORKS_FILE", format!("{}: {e}", path.display()))
            })?;
            NetworkList::parse(&text)
        }
        None => NetworkList::builtin(),
    }
    .map_err(|e| config_error("CRM_MAIL_NETWORKS_FILE", e))?;
    Ok(EmailSettings {
        mail_from,
        public_url,
        key,
        retry: RetryPolicy {
            max_attempts: settings.mail_max_attempts,
            first_delay: settings.mail_retry_delay,
            max_delay: MAX_RETRY_DELAY.max(settings.mail_retry_delay),
        },
        outbox: OutboxPolicy::default(),
        classifier: Classifier::new(networks),
        policy: EmailPolicy {
            agent_scope: if settings.agents_see_all {
                AgentScope::All
            } else {
                AgentScope::Assigned
            },
        },
    })
}

/// The email service over the store, with `mailer` and `clock`.
pub fn email_service(
    store: &Arc<SqliteStore>,
    settings: EmailSettings,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
) -> EmailService {
    let ports = EmailPorts {
        emails: store.clone(),
        outbox: store.clone(),
        events: store.clone(),
        inbound: store.clone(),
        suppressions: store.clone(),
        templates: store.clone(),
        customers: store.clone(),
        staff: store.clone(),
        mailer,
        clock,
    };
    EmailService::new(ports, settings)
}

/// The email service the settings describe, on the system clock.
pub fn from_settings(
    store: &Arc<SqliteStore>,
    settings: &Settings,
    jwt_secret: &JwtSecret,
    public_url: &str,
) -> Result<EmailService, CommandError> {
    Ok(email_service(
        store,
        email_settings(settings, jwt_secret, public_url)?,
        mailer(settings)?,
        Arc::new(SystemClock),
    ))
}
