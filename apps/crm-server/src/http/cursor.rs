//! Opaque, tamper-evident cursors.
//!
//! A cursor is `base64url(position JSON) "." base64url(HMAC-SHA256 tag)`. The
//! tag covers the position and the *scope* of the list it came from (the list
//! name, its sort and its filters), so a cursor that was edited, forged, or
//! replayed against a different query is refused instead of silently
//! restarting or skipping items.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crm_kernel::CursorPosition;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the HMAC tag kept in a cursor.
const TAG_LEN: usize = 16;

/// Why a cursor was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    /// Not of the cursor form at all.
    #[error("is not a valid cursor")]
    Malformed,
    /// Well-formed, but altered or issued for a different query.
    #[error("was altered or belongs to a different query")]
    Tampered,
}

/// Signs and checks cursors with a server secret.
#[derive(Clone)]
pub struct CursorCodec {
    key: Vec<u8>,
}

impl std::fmt::Debug for CursorCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorCodec { key: <redacted> }")
    }
}

impl CursorCodec {
    /// A codec whose key is derived from `secret` (any length), so the same
    /// secret can serve other purposes without the cursor key revealing it.
    #[must_use]
    pub fn new(secret: &[u8]) -> Self {
        let mut mac = HmacSha256::new_from_slice(secret).unwrap_or_else(|_| {
            // HMAC accepts keys of any length; this branch cannot be taken.
            HmacSha256::new_from_slice(b"crm").unwrap_or_else(|_| unreachable!())
        });
        mac.update(b"crm cursor key v1");
        Self {
            key: mac.finalize().into_bytes().to_vec(),
        }
    }

    fn mac(&self, scope: &str, payload: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!());
        mac.update(scope.as_bytes());
        mac.update(&[0]);
        mac.update(payload.as_bytes());
        mac
    }

    /// The cursor for `position` in the list identified by `scope`.
    #[must_use]
    pub fn encode(&self, scope: &str, position: &CursorPosition) -> String {
        let json = serde_json::to_vec(position).unwrap_or_default();
        let payload = URL_SAFE_NO_PAD.encode(json);
        let tag = self.mac(scope, &payload).finalize().into_bytes();
        format!("{payload}.{}", URL_SAFE_NO_PAD.encode(&tag[..TAG_LEN]))
    }

    /// The position inside a cursor, if it was issued by this server for `scope`.
    pub fn decode(&self, scope: &str, cursor: &str) -> Result<CursorPosition, CursorError> {
        let (payload, tag) = cursor.split_once('.').ok_or(CursorError::Malformed)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| CursorError::Malformed)?;
        if tag.len() != TAG_LEN {
            return Err(CursorError::Malformed);
        }
        self.mac(scope, payload)
            .verify_truncated_left(&tag)
            .map_err(|_| CursorError::Tampered)?;
        let json = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| CursorError::Malformed)?;
        serde_json::from_slice(&json).map_err(|_| CursorError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position() -> CursorPosition {
        CursorPosition {
            key: Some("2026-11-25T09:00:00.000Z".into()),
            id: "0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b".into(),
        }
    }

    #[test]
    fn round_trips() {
        let codec = CursorCodec::new(b"secret");
        let cursor = codec.encode("users|-created_at", &position());
        assert_eq!(codec.decode("users|-created_at", &cursor), Ok(position()));
    }

    #[test]
    fn refuses_tampering_other_scopes_and_other_keys() {
        let codec = CursorCodec::new(b"secret");
        let cursor = codec.encode("users|name", &position());
        assert_eq!(
            codec.decode("users|-name", &cursor),
            Err(CursorError::Tampered)
        );
        assert_eq!(
            CursorCodec::new(b"other").decode("users|name", &cursor),
            Err(CursorError::Tampered)
        );
        let (payload, tag) = cursor.split_once('.').unwrap();
        let mut bytes = payload.as_bytes().to_vec();
        bytes[3] = if bytes[3] == b'A' { b'B' } else { b'A' };
        let edited = format!("{}.{tag}", String::from_utf8(bytes).unwrap());
        assert_eq!(
            codec.decode("users|name", &edited),
            Err(CursorError::Tampered)
        );
        for garbage in ["", "abc", "a.b", "!!!.???"] {
            assert!(codec.decode("users|name", garbage).is_err());
        }
    }
}
