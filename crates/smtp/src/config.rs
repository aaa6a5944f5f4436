//! `CRM_SMTP_URL`: where and how to reach the mail server.

use std::fmt;

use url::Url;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte (`smtps://`, port 465 by default).
    Implicit,
    /// `STARTTLS`, and refuse to go on without it (`smtp://…?tls=required`;
    /// the default for `smtp://` with credentials, so that a password is
    /// never sent in clear).
    Required,
    /// `STARTTLS` when the server offers it, plain otherwise
    /// (`smtp://…?tls=opportunistic`; the default for `smtp://` without
    /// credentials).
    Opportunistic,
    /// Plain text only (`smtp://…?tls=none`): for a relay on the same
    /// machine or a test server.
    None,
}

/// Why an SMTP URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SmtpUrlError(String);

/// A parsed `CRM_SMTP_URL`:
///
/// - `smtp://host[:port]` (port 587 by default): STARTTLS when the server
///   offers it; with `user:pass@`, STARTTLS is required;
/// - `smtps://[user:pass@]host[:port]` (port 465 by default): implicit TLS;
/// - `?tls=required|opportunistic|none` overrides the default of `smtp://`.
///
/// Certificates are checked against the Mozilla roots (`webpki-roots`).
/// User and password are percent-decoded; `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    /// The server's host name or address.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// How the connection is protected.
    pub tls: TlsMode,
    /// `AUTH` user and password, when given.
    pub credentials: Option<(String, String)>,
}

impl SmtpUrl {
    /// Parses and checks a URL.
    pub fn parse(text: &str) -> Result<Self, SmtpUrlError> {
        let error = |message: &str| SmtpUrlError(message.to_owned());
        let url = Url::parse(text.trim())
            .map_err(|_| error("is not a URL such as smtp://mail.example.com:587"))?;
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| error("has no host"))?
            .trim_matches(['[', ']'])
            .to_owned();
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        let credentials = match (url.username(), url.password()) {
            ("", None) => None,
            (user, Some(password)) if !user.is_empty() => Some((decode(user), decode(password))),
            _ => return Err(error("must give both user and password, or neither")),
        };
        let tls_param = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        if url.query_pairs().any(|(k, _)| k != "tls") {
            return Err(error("knows only the query parameter `tls`"));
        }
        let tls = match (url.scheme(), tls_param.as_deref()) {
            ("smtps", None) => TlsMode::Implicit,
            ("smtps", Some(_)) => return Err(error("smtps:// is always TLS; drop `tls=`")),
            ("smtp", None) if credentials.is_some() => TlsMode::Required,
            ("smtp", None | Some("opportunistic")) => TlsMode::Opportunistic,
            ("smtp", Some("required")) => TlsMode::Required,
            ("smtp", Some("none")) => TlsMode::None,
            ("smtp", Some(_)) => {
                return Err(error("`tls` must be required, opportunistic or none"));
            }
            _ => return Err(error("must start with smtp:// or smtps://")),
        };
        let port = url
            .port()
            .unwrap_or(if tls == TlsMode::Implicit { 465 } else { 587 });
        Ok(Self {
            host,
            port,
            tls,
            credentials,
        })
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpUrl")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .finish_non_exhaustive()
    }
}

impl From<String> for SmtpUrlError {
    fn from(message: String) -> Self {
        Self(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> SmtpUrl {
        SmtpUrl::parse(text).unwrap()
    }

    #[test]
    fn schemes_ports_and_tls() {
        let plain = parse("smtp://mail.example.com");
        assert_eq!(
            (
                plain.host.as_str(),
                plain.port,
                plain.tls,
                plain.credentials
            ),
            ("mail.example.com", 587, TlsMode::Opportunistic, None)
        );
        let implicit = parse("smtps://crm:app%20pass@smtp.example.com");
        assert_eq!((implicit.port, implicit.tls), (465, TlsMode::Implicit));
        assert_eq!(
            implicit.credentials,
            Some(("crm".into(), "app pass".into()))
        );
        let with_password = parse("smtp://crm:s3cr%2Bt@smtp.example.com:2525");
        assert_eq!(
            (with_password.port, with_password.tls),
            (2525, TlsMode::Required),
            "credentials are never sent in clear"
        );
        assert_eq!(with_password.credentials.unwrap().1, "s3cr+t");
        assert_eq!(
            parse("smtp://u:p@127.0.0.1:1025?tls=none").tls,
            TlsMode::None
        );
        assert_eq!(parse("smtp://h?tls=required").tls, TlsMode::Required);
        assert_eq!(parse("smtp://[::1]:25").host, "::1");
    }

    #[test]
    fn refuses_what_it_cannot_use() {
        for bad in [
            "http://mail.example.com",
            "mail.example.com",
            "smtp://",
            "smtp://user@host",
            "smtp://host?tls=maybe",
            "smtps://host?tls=none",
            "smtp://host?timeout=3",
        ] {
            assert!(SmtpUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_hides_the_password() {
        let shown = format!("{:?}", parse("smtps://crm:hunter2@smtp.example.com"));
        assert!(
            shown.contains("crm") && !shown.contains("hunter2"),
            "{shown}"
        );
    }
}
