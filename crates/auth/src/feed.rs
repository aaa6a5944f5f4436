//! Calendar feed tokens: random secrets in feed URLs, stored only as their hash.

use crm_interactions::ports::FeedTokens;
use crm_interactions::{FeedToken, FeedTokenHash};

use crate::digest::{random_base64url, sha256_base64url};

/// Bytes of entropy in a feed token (256 bits).
pub const FEED_TOKEN_BYTES: usize = 32;

/// [`FeedTokens`] as the server has always made them: [`FEED_TOKEN_BYTES`]
/// bytes from the OS CSPRNG, base64url without padding (43 characters),
/// stored as their SHA-256 in base64url. Feed URLs handed out earlier keep
/// working as long as this scheme stays.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomFeedTokens;

impl FeedTokens for RandomFeedTokens {
    fn generate(&self) -> (FeedToken, FeedTokenHash) {
        let token = FeedToken::new(random_base64url::<FEED_TOKEN_BYTES>());
        let hash = self.hash(&token);
        (token, hash)
    }

    fn hash(&self, token: &FeedToken) -> FeedTokenHash {
        FeedTokenHash::new(sha256_base64url(token.expose()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_url_safe_chars_distinct_and_parse_back() {
        let (first, first_hash) = RandomFeedTokens.generate();
        let (second, _) = RandomFeedTokens.generate();
        assert_eq!(first.expose().len(), 43);
        assert_ne!(first, second);
        assert!(
            first
                .expose()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        let presented = FeedToken::parse(first.expose()).expect("a generated token parses");
        assert_eq!(RandomFeedTokens.hash(&presented), first_hash);
    }

    #[test]
    fn the_hash_is_sha256_in_base64url_as_stored_feeds_expect() {
        let token = FeedToken::parse("abc").expect("a token");
        // SHA-256("abc"), base64url without padding: a known answer.
        assert_eq!(
            RandomFeedTokens.hash(&token).as_str(),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
        let (generated, hash) = RandomFeedTokens.generate();
        assert_ne!(hash.as_str(), generated.expose());
        assert_eq!(hash.as_str().len(), 43);
    }
}
