//! # crm-smtp
//!
//! The mail adapter of the CRM, one technology in both directions:
//!
//! - [`SmtpMailer`]: `crm-email`'s `Mailer` port over SMTP with `lettre`
//!   (rustls on ring, pooled connections), configured by one URL
//!   ([`SmtpUrl`]: `smtp://` with STARTTLS, `smtps://` with implicit TLS,
//!   credentials in the URL);
//! - [`FileMailer`]: the same port writing `.eml` files into an outbox
//!   folder, for machines without a mail server;
//! - [`build_message`]: one recipient's RFC 5322 message (multipart/alternative
//!   text and HTML, `Message-ID`, `Reply-To`, `List-Unsubscribe` with RFC 8058
//!   one-click) and its envelope (the VERP bounce address as `MAIL FROM`);
//! - [`parse_inbound`]: a raw RFC 5322 message as a mail gateway posts it,
//!   parsed with `mail-parser` into `crm-email`'s `InboundMail`, delivery
//!   status notifications (RFC 3464) included.
//!
//! Inbound parsing lives here rather than in a crate of its own: it is the
//! other half of the same protocol family, it is small, and the server
//! needs both halves whenever it needs one.

mod build;
mod config;
mod file;
mod inbound;
mod smtp;

pub use build::{BuildError, build_message};
pub use config::{SmtpUrl, SmtpUrlError, TlsMode};
pub use file::FileMailer;
pub use inbound::{InboundError, parse_inbound};
pub use smtp::SmtpMailer;
