//! Tests of [`JwtIssuer`]: claims, expiry by the given clock, and every
//! way a token can be forged or malformed.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use crm_kernel::{CompanyId, CustomerId, UserId};

use super::*;

const FIFTEEN_MINUTES: Duration = Duration::from_mins(15);

fn issuer(secret: &str) -> JwtIssuer {
    JwtIssuer::new(&JwtSecret::new(secret).expect("a long enough secret"))
}

fn main_issuer() -> JwtIssuer {
    issuer("a-test-secret-that-is-long-enough-for-hs256")
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).expect("a valid time")
}

fn agent() -> Principal {
    Principal {
        id: PrincipalId::User(UserId::new()),
        role: Role::Agent,
        company_ids: vec![CompanyId::new()],
    }
}

fn customer() -> Principal {
    Principal {
        id: PrincipalId::Customer(CustomerId::new()),
        role: Role::Customer,
        company_ids: Vec::new(),
    }
}

fn b64(json: &str) -> String {
    URL_SAFE_NO_PAD.encode(json)
}

fn session() -> SessionFamilyId {
    SessionFamilyId::new()
}

#[test]
fn round_trip_gives_back_principal_role_and_expiry() {
    let tokens = main_issuer();
    let now = at("2026-03-29T09:00:00.250Z");
    for principal in [agent(), customer()] {
        let sign_in = session();
        let access = tokens
            .issue_access(&principal, sign_in, now, FIFTEEN_MINUTES)
            .expect("issuing works");
        assert_eq!(access.expires_in, FIFTEEN_MINUTES);
        let verified = tokens
            .verify_access(&access.token, now)
            .expect("a valid token");
        assert_eq!(verified.principal, principal.id);
        assert_eq!(verified.session, sign_in);
        assert_eq!(verified.role, principal.role);
        assert_eq!(verified.expires_at, at("2026-03-29T09:15:00Z"));
    }
}

#[test]
fn admin_role_survives_the_round_trip() {
    let tokens = main_issuer();
    let now = at("2026-03-29T09:00:00Z");
    let admin = Principal {
        role: Role::Admin,
        ..agent()
    };
    let access = tokens
        .issue_access(&admin, session(), now, FIFTEEN_MINUTES)
        .expect("issuing works");
    let verified = tokens
        .verify_access(&access.token, now)
        .expect("a valid token");
    assert_eq!(verified.role, Role::Admin);
}

#[test]
fn claims_are_the_documented_ones() {
    let tokens = main_issuer();
    let now = at("2026-03-29T09:00:00Z");
    let principal = customer();
    let sign_in = session();
    let access = tokens
        .issue_access(&principal, sign_in, now, FIFTEEN_MINUTES)
        .expect("issuing works");
    let header = jsonwebtoken::decode_header(&access.token).expect("a JWT header");
    assert_eq!(header.alg, Algorithm::HS256);
    let claims =
        jsonwebtoken::decode::<AccessClaims>(&access.token, &tokens.decoding, &tokens.validation)
            .expect("a valid token")
            .claims;
    assert_eq!(claims.sub, principal.id.to_string());
    assert_eq!(claims.kind, PrincipalKind::Customer);
    assert_eq!(claims.role, Role::Customer);
    assert_eq!(claims.iat, now.as_secs());
    assert_eq!(claims.exp, now.as_secs() + 900);
    assert_eq!(claims.jti.len(), 32);
    assert_eq!(claims.sid, sign_in.to_string());
    let again = tokens
        .issue_access(&principal, session(), now, FIFTEEN_MINUTES)
        .expect("issuing works");
    assert_ne!(access.token, again.token, "each token has its own jti");
}

#[test]
fn expiry_follows_the_given_clock() {
    let tokens = main_issuer();
    let now = at("2026-03-29T09:00:00Z");
    let access = tokens
        .issue_access(&agent(), session(), now, FIFTEEN_MINUTES)
        .expect("issuing works");
    let exp = now.plus(FIFTEEN_MINUTES);
    assert!(
        tokens
            .verify_access(
                &access.token,
                Timestamp::from_millis(exp.as_millis() - 1).expect("in range")
            )
            .is_ok()
    );
    assert_eq!(
        tokens.verify_access(&access.token, exp),
        Err(TokenError::Expired)
    );
    assert_eq!(
        tokens.verify_access(&access.token, now.plus(Duration::from_hours(24))),
        Err(TokenError::Expired)
    );
    // Long ago by the system clock, still valid by the given one.
    let old = at("2001-01-01T00:00:00Z");
    let access = tokens
        .issue_access(&agent(), session(), old, FIFTEEN_MINUTES)
        .expect("issuing works");
    assert!(tokens.verify_access(&access.token, old).is_ok());
}

#[test]
fn zero_lifetime_is_expired_at_once() {
    let tokens = main_issuer();
    let now = at("2026-03-29T09:00:00Z");
    let access = tokens
        .issue_access(&agent(), session(), now, Duration::ZERO)
        .expect("issuing works");
    assert_eq!(
        tokens.verify_access(&access.token, now),
        Err(TokenError::Expired)
    );
}

#[test]
fn absurd_lifetime_is_a_backend_error_not_a_panic() {
    let tokens = main_issuer();
    let now = at("2026-03-29T09:00:00Z");
    assert!(
        tokens
            .issue_access(&agent(), session(), now, Duration::MAX)
            .is_err()
    );
}

#[test]
fn tampered_token_is_invalid() {
    let tokens = main_issuer();
    let now = at("2026-03-29T09:00:00Z");
    let access = tokens
        .issue_access(&agent(), session(), now, FIFTEEN_MINUTES)
        .expect("issuing works");
    let (message, signature) = access.token.rsplit_once('.').expect("three parts");

    // A changed signature (its first character: still valid base64url).
    let mut bad = signature.to_owned();
    let first = if bad.starts_with('A') { "B" } else { "A" };
    bad.replace_range(..1, first);
    let forged = format!("{message}.{bad}");
    assert_eq!(tokens.verify_access(&forged, now), Err(TokenError::Invalid));

    // A changed payload (promoted to admin) under the old signature.
    let sid = session();
    let (header, _) = message.split_once('.').expect("header and payload");
    let payload = b64(&format!(
        r#"{{"sub":"{}","kind":"user","role":"admin","exp":{},"iat":{},"jti":"x","sid":"{sid}"}}"#,
        agent().id,
        now.as_secs() + 900,
        now.as_secs()
    ));
    let forged = format!("{header}.{payload}.{signature}");
    assert_eq!(tokens.verify_access(&forged, now), Err(TokenError::Invalid));
}

#[test]
fn token_of_another_secret_is_invalid_even_when_expired() {
    let now = at("2026-03-29T09:00:00Z");
    let other = issuer("another-secret-that-is-long-enough-for-hs256");
    let access = other
        .issue_access(&agent(), session(), now, FIFTEEN_MINUTES)
        .expect("issuing works");
    let tokens = main_issuer();
    assert_eq!(
        tokens.verify_access(&access.token, now),
        Err(TokenError::Invalid)
    );
    assert_eq!(
        tokens.verify_access(&access.token, now.plus(Duration::from_hours(24))),
        Err(TokenError::Invalid)
    );
}

#[test]
fn unsigned_and_other_algorithm_tokens_are_invalid() {
    let tokens = main_issuer();
    let now = at("2026-03-29T09:00:00Z");
    let sid = session();
    let payload = b64(&format!(
        r#"{{"sub":"{}","kind":"user","role":"admin","exp":{},"iat":{},"jti":"x","sid":"{sid}"}}"#,
        agent().id,
        now.as_secs() + 900,
        now.as_secs()
    ));
    let none = b64(r#"{"alg":"none","typ":"JWT"}"#);
    for token in [format!("{none}.{payload}."), format!("{none}.{payload}")] {
        assert_eq!(tokens.verify_access(&token, now), Err(TokenError::Invalid));
    }

    // HS512 with the right secret is still not HS256.
    let secret = b"a-test-secret-that-is-long-enough-for-hs256";
    let claims = AccessClaims {
        sub: agent().id.to_string(),
        kind: PrincipalKind::User,
        role: Role::Agent,
        exp: now.as_secs() + 900,
        iat: now.as_secs(),
        jti: "x".to_owned(),
        sid: session().to_string(),
    };
    let hs512 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("encoding works");
    assert_eq!(tokens.verify_access(&hs512, now), Err(TokenError::Invalid));

    // The same claims under HS256 pass: the refusal above was the algorithm.
    let hs256 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("encoding works");
    assert!(tokens.verify_access(&hs256, now).is_ok());
}

#[test]
fn missing_or_inconsistent_claims_are_invalid() {
    let secret = b"a-test-secret-that-is-long-enough-for-hs256";
    let tokens = main_issuer();
    let now = at("2026-03-29T09:00:00Z");
    let exp = now.as_secs() + 900;
    let iat = now.as_secs();
    let user = agent().id;
    let sid = session();
    let sign = |payload: &str| {
        let claims: serde_json::Value = serde_json::from_str(payload).expect("JSON");
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret),
        )
        .expect("encoding works")
    };
    for payload in [
        format!(
            r#"{{"kind":"user","role":"agent","exp":{exp},"iat":{iat},"jti":"x","sid":"{sid}"}}"#
        ),
        format!(
            r#"{{"sub":"{user}","kind":"user","role":"agent","iat":{iat},"jti":"x","sid":"{sid}"}}"#
        ),
        format!(
            r#"{{"sub":"{user}","kind":"user","role":"agent","exp":{exp},"jti":"x","sid":"{sid}"}}"#
        ),
        format!(
            r#"{{"sub":"{user}","kind":"user","role":"agent","exp":{exp},"iat":{iat},"sid":"{sid}"}}"#
        ),
        format!(
            r#"{{"sub":"not-a-uuid","kind":"user","role":"agent","exp":{exp},"iat":{iat},"jti":"x","sid":"{sid}"}}"#
        ),
        format!(
            r#"{{"sub":"{user}","kind":"robot","role":"agent","exp":{exp},"iat":{iat},"jti":"x","sid":"{sid}"}}"#
        ),
        format!(
            r#"{{"sub":"{user}","kind":"user","role":"root","exp":{exp},"iat":{iat},"jti":"x","sid":"{sid}"}}"#
        ),
        format!(
            r#"{{"sub":"{user}","kind":"user","role":"customer","exp":{exp},"iat":{iat},"jti":"x","sid":"{sid}"}}"#
        ),
        format!(
            r#"{{"sub":"{user}","kind":"customer","role":"admin","exp":{exp},"iat":{iat},"jti":"x","sid":"{sid}"}}"#
        ),
        format!(
            r#"{{"sub":"{user}","kind":"user","role":"agent","exp":"soon","iat":{iat},"jti":"x","sid":"{sid}"}}"#
        ),
        // Issued before tokens named their sign-in: no `sid`.
        format!(
            r#"{{"sub":"{user}","kind":"user","role":"agent","exp":{exp},"iat":{iat},"jti":"x"}}"#
        ),
        format!(
            r#"{{"sub":"{user}","kind":"user","role":"agent","exp":{exp},"iat":{iat},"jti":"x","sid":"not-a-uuid"}}"#
        ),
        format!(
            r#"{{"sub":"{user}","kind":"user","role":"agent","exp":{exp},"iat":{iat},"jti":"x","sid":null}}"#
        ),
    ] {
        assert_eq!(
            tokens.verify_access(&sign(&payload), now),
            Err(TokenError::Invalid),
            "{payload}"
        );
    }
    let good = format!(
        r#"{{"sub":"{user}","kind":"user","role":"agent","exp":{exp},"iat":{iat},"jti":"x","sid":"{sid}"}}"#
    );
    assert!(tokens.verify_access(&sign(&good), now).is_ok());
}

#[test]
fn garbage_is_invalid() {
    let tokens = main_issuer();
    let now = at("2026-03-29T09:00:00Z");
    for garbage in [
        "",
        "garbage",
        "a.b.c",
        "...",
        "eyJhbGciOiJIUzI1NiJ9.e30.",
        "🦀.🦀.🦀",
    ] {
        assert_eq!(
            tokens.verify_access(garbage, now),
            Err(TokenError::Invalid),
            "{garbage:?}"
        );
    }
}

#[test]
fn refresh_tokens_through_the_port() {
    let tokens = main_issuer();
    let first = tokens.new_refresh_token();
    let second = tokens.new_refresh_token();
    assert_eq!(first.expose().len(), 43);
    assert_ne!(first, second);
    let hash = tokens.hash_refresh_token(first.expose());
    assert_eq!(hash, tokens.hash_refresh_token(first.expose()));
    assert_ne!(hash.as_str(), first.expose());
    // The hash does not depend on the signing secret.
    assert_eq!(
        hash,
        issuer("another-secret-that-is-long-enough-for-hs256").hash_refresh_token(first.expose())
    );
}

#[test]
fn debug_hides_the_secret() {
    let shown = format!("{:?}", main_issuer());
    assert!(!shown.contains("a-test-secret"), "{shown}");
    assert!(shown.contains("HS256"), "{shown}");
}
