//! Tests of the argon2id hasher.
use super::*;

fn password(text: &str) -> Password {
    Password::for_login(text).expect("a short password is accepted at login")
}

#[tokio::test]
async fn hash_then_verify() {
    let hasher = Argon2Hasher::new();
    let hash = hasher
        .hash(&password("correct horse battery staple"))
        .await
        .expect("hashing works");
    assert!(
        hasher
            .verify(&password("correct horse battery staple"), Some(&hash))
            .await
            .expect("verification works")
    );
    assert!(
        !hasher
            .verify(&password("correct horse battery stapler"), Some(&hash))
            .await
            .expect("verification works")
    );
}

#[tokio::test]
async fn phc_string_carries_owasp_parameters_and_fresh_salt() {
    let hasher = Argon2Hasher::new();
    let first = hasher
        .hash(&password("same password"))
        .await
        .expect("hashing works");
    let second = hasher
        .hash(&password("same password"))
        .await
        .expect("hashing works");
    assert!(
        first
            .as_str()
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        first.as_str()
    );
    assert_ne!(first, second, "each hash has its own salt");
}

#[tokio::test]
async fn unknown_account_never_verifies() {
    let hasher = Argon2Hasher::new();
    for _ in 0..2 {
        assert!(
            !hasher
                .verify(&password("anything at all"), None)
                .await
                .expect("verification works")
        );
    }
    assert!(
        !hasher
            .verify(&password(""), None)
            .await
            .expect("verification works")
    );
}

#[tokio::test]
async fn dummy_hash_has_the_same_parameters() {
    let hasher = Argon2Hasher::new();
    let dummy = hasher
        .inner
        .dummy()
        .expect("the dummy hash builds")
        .to_string();
    assert!(
        dummy.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{dummy}"
    );
}

#[tokio::test]
async fn broken_stored_hash_is_an_error() {
    let hasher = Argon2Hasher::new();
    for garbage in [
        "",
        "not a hash",
        "$argon2id$v=19$m=19456,t=2,p=1",
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ",
        "$unknown$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
    ] {
        let stored = PasswordHash::from_phc(garbage.to_owned());
        assert!(
            hasher
                .verify(&password("whatever"), Some(&stored))
                .await
                .is_err(),
            "{garbage:?} must be refused"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn works_on_the_multi_thread_runtime() {
    let hasher = Argon2Hasher::new();
    let hash = hasher
        .hash(&password("on many threads"))
        .await
        .expect("hashing works");
    assert!(
        hasher
            .verify(&password("on many threads"), Some(&hash))
            .await
            .expect("verification works")
    );
}

#[tokio::test]
async fn custom_parameters_are_used_and_old_hashes_still_verify() {
    let cheap = Params::new(Params::MIN_M_COST * 4, 1, 1, None).expect("valid parameters");
    let cheap_hasher = Argon2Hasher::with_params(cheap);
    let hash = cheap_hasher
        .hash(&password("cheap one"))
        .await
        .expect("hashing works");
    assert!(
        hash.as_str().starts_with("$argon2id$v=19$m=32,t=1,p=1$"),
        "{}",
        hash.as_str()
    );
    assert!(
        Argon2Hasher::new()
            .verify(&password("cheap one"), Some(&hash))
            .await
            .expect("verification works")
    );
}

#[test]
fn debug_shows_parameters() {
    assert_eq!(
        format!("{:?}", Argon2Hasher::new()),
        "Argon2Hasher { algorithm: \"argon2id\", m_cost_kib: 19456, t_cost: 2, p_cost: 1 }"
    );
}
