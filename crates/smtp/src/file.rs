//! The `Mailer` port as `.eml` files in an outbox folder.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use crm_email::ports::Mailer;
use crm_email::{Accepted, Outgoing, SendError, SmtpReply};
use tracing::info;

use crate::build::build_message;

/// Writes each copy as `<recipient id>.eml` into a folder, as a local mail
/// drop would: a `Return-Path` line with the envelope sender (VERP), then
/// the message exactly as it would go over SMTP. For machines with no mail
/// server (`CRM_SMTP_URL` unset): sending works, and people can open the
/// files in any mail program.
///
/// A file is written under a temporary name and renamed, so a crash never
/// leaves half a message; a resend of the same recipient replaces its file
/// (one file per recipient, never two).
#[derive(Debug, Clone)]
pub struct FileMailer {
    folder: PathBuf,
}

impl FileMailer {
    /// A mailer writing into `folder` (created on the first send).
    #[must_use]
    pub fn new(folder: impl Into<PathBuf>) -> Self {
        Self {
            folder: folder.into(),
        }
    }

    /// The folder.
    #[must_use]
    pub fn folder(&self) -> &Path {
        &self.folder
    }
}

#[async_trait]
impl Mailer for FileMailer {
    #[tracing::instrument(level = "debug", skip_all, fields(recipient_id = %message.recipient_id))]
    async fn send(&self, message: &Outgoing) -> Result<Accepted, SendError> {
        let (built, envelope) = build_message(message).map_err(|e| SendError::Permanent {
            reply: SmtpReply::new(553, &e.to_string()),
        })?;
        let sender = envelope.from().map(ToString::to_string).unwrap_or_default();
        let mut bytes = format!("Return-Path: <{sender}>\r\n").into_bytes();
        bytes.extend_from_slice(&built.formatted());
        let io = |e: std::io::Error| {
            SendError::transient(format!("outbox folder {}: {e}", self.folder.display()))
        };
        tokio::fs::create_dir_all(&self.folder).await.map_err(io)?;
        let name = message.recipient_id.to_string();
        let partial = self.folder.join(format!(".{name}.eml.tmp"));
        let path = self.folder.join(format!("{name}.eml"));
        tokio::fs::write(&partial, &bytes).await.map_err(io)?;
        tokio::fs::rename(&partial, &path).await.map_err(io)?;
        info!(path = %path.display(), "written to the outbox folder");
        Ok(Accepted { reply: None })
    }
}
