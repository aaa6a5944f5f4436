//! The `Mailer` port over SMTP.

use std::error::Error as _;
use std::time::Duration;

use async_trait::async_trait;
use crm_email::ports::Mailer;
use crm_email::{Accepted, Outgoing, SendError, SmtpReply};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::response::Response;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tracing::debug;

use crate::build::build_message;
use crate::config::{SmtpUrl, SmtpUrlError, TlsMode};

/// Sends each copy in its own SMTP transaction (one `RCPT`), over pooled
/// connections. Replies map to the port's outcome: accepted; a 5xx refusal
/// that no retry can fix ([`SmtpReply::is_permanent`]) → permanent, with
/// the reply; 4xx replies, authentication and TLS-required replies, refused
/// or dropped connections, timeouts and TLS failures → transient.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    target: String,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("server", &self.target)
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for `url` (see [`SmtpUrl`]); `timeout` bounds each SMTP
    /// command (lettre's default is 60 s). Nothing connects until the
    /// first send.
    pub fn new(url: &SmtpUrl, timeout: Duration) -> Result<Self, SmtpUrlError> {
        let parameters = || {
            TlsParameters::new(url.host.clone())
                .map_err(|e| SmtpUrlError::from(format!("TLS set-up for {}: {e}", url.host)))
        };
        let tls = match url.tls {
            TlsMode::Implicit => Tls::Wrapper(parameters()?),
            TlsMode::Required => Tls::Required(parameters()?),
            TlsMode::Opportunistic => Tls::Opportunistic(parameters()?),
            TlsMode::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(url.host.clone())
            .port(url.port)
            .tls(tls)
            .timeout(Some(timeout));
        if let Some((user, password)) = &url.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            target: format!("{}:{}", url.host, url.port),
        })
    }

    /// Parses `text` as an SMTP URL and makes a mailer with the default
    /// timeout (30 s per command).
    pub fn from_url(text: &str) -> Result<Self, SmtpUrlError> {
        Self::new(&SmtpUrl::parse(text)?, Duration::from_secs(30))
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    #[tracing::instrument(level = "debug", skip_all, fields(server = %self.target, recipient_id = %message.recipient_id))]
    async fn send(&self, message: &Outgoing) -> Result<Accepted, SendError> {
        let (built, envelope) = build_message(message).map_err(|e| SendError::Permanent {
            reply: SmtpReply::new(553, &e.to_string()),
        })?;
        match self.transport.send_raw(&envelope, &built.formatted()).await {
            Ok(response) => {
                debug!(code = %response.code(), "accepted");
                Ok(Accepted {
                    reply: Some(reply_of(&response)),
                })
            }
            Err(error) => Err(send_error(&error)),
        }
    }
}

fn reply_of(response: &Response) -> SmtpReply {
    let text: Vec<&str> = response.message().collect();
    SmtpReply::new(u16::from(response.code()), &text.join(" "))
}

/// The port's outcome for a lettre error.
fn send_error(error: &lettre::transport::smtp::Error) -> SendError {
    if let Some(code) = error.status() {
        let text = error
            .source()
            .map(|s| s.to_string().replace(['\r', '\n'], " "))
            .unwrap_or_default();
        return SendError::from_reply(SmtpReply::new(u16::from(code), &text));
    }
    let mut detail = error.to_string();
    if error.is_timeout() {
        detail = format!("timed out: {detail}");
    }
    SendError::transient(detail)
}
