//! Access tokens end with their sign-in: at logout, when the reuse of a
//! refresh token revokes the sign-in, and when the password changes.
#![allow(
    clippy::unwrap_used,
    clippy::too_many_lines,
    reason = "scenario tests read top to bottom and fail by panicking"
)]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Answer, PASSWORD, TestApp, spawn_app, spawn_app_with, token};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

fn refresh_token(answer: &Answer) -> String {
    answer.body["refresh_token"].as_str().unwrap().to_owned()
}

async fn works(app: &TestApp, access: &str) -> bool {
    let answer = app.get("/api/me", Some(access)).await;
    match answer.status.as_u16() {
        200 => true,
        401 => {
            assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
            false
        }
        other => panic!("unexpected status {other}: {:#}", answer.body),
    }
}

#[tokio::test]
async fn logout_ends_the_access_tokens_of_that_sign_in_only() {
    let app = spawn_app().await;
    app.signup("ada@example.com").await;
    let first = app.login("ada@example.com", PASSWORD).await.expect(200);
    let second = app.login("ada@example.com", PASSWORD).await.expect(200);
    // A refresh keeps the sign-in: the access token issued before it still works.
    let rotated = app
        .post(
            "/api/auth/refresh",
            None,
            json!({"refresh_token": refresh_token(&first)}),
        )
        .await
        .expect(200);
    assert!(works(&app, &token(&first)).await);
    assert!(works(&app, &token(&rotated)).await);

    app.post(
        "/api/auth/logout",
        Some(&token(&first)),
        json!({"refresh_token": refresh_token(&rotated)}),
    )
    .await
    .expect(204);

    assert!(!works(&app, &token(&first)).await, "logged out at once");
    assert!(!works(&app, &token(&rotated)).await, "the rotated one too");
    assert!(works(&app, &token(&second)).await, "another sign-in stays");
}

#[tokio::test]
async fn refresh_token_reuse_ends_the_access_tokens_of_that_sign_in() {
    let app = spawn_app().await;
    app.signup("ada@example.com").await;
    let login = app.login("ada@example.com", PASSWORD).await.expect(200);
    let other = app.login("ada@example.com", PASSWORD).await.expect(200);
    let stolen = refresh_token(&login);
    let rotated = app
        .post("/api/auth/refresh", None, json!({"refresh_token": stolen}))
        .await
        .expect(200);
    assert!(works(&app, &token(&rotated)).await);

    let reused = app
        .post("/api/auth/refresh", None, json!({"refresh_token": stolen}))
        .await
        .expect_problem(401);
    assert_eq!(reused.body["type"], "/problems/refresh-token-reused");

    assert!(!works(&app, &token(&login)).await);
    assert!(!works(&app, &token(&rotated)).await);
    assert!(works(&app, &token(&other)).await, "another sign-in stays");
}

#[tokio::test]
async fn a_password_change_ends_every_sign_in_of_the_user() {
    let app = spawn_app().await;
    let admin_login = app
        .login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD)
        .await
        .expect(200);
    let admin = token(&admin_login);
    let agent = app.create_user(&admin, "agent@example.com", "agent").await;
    let path = format!("/api/users/{}", agent["user_id"].as_str().unwrap());
    let phone = app.login("agent@example.com", PASSWORD).await.expect(200);
    let laptop = app.login("agent@example.com", PASSWORD).await.expect(200);
    assert!(works(&app, &token(&phone)).await && works(&app, &token(&laptop)).await);

    // A change that is not the password ends nothing.
    app.patch(&path, Some(&admin), json!({"name": "Renamed Agent"}))
        .await
        .expect(200);
    assert!(works(&app, &token(&phone)).await);

    let new_password = "a-brand-new-long-password";
    app.patch(&path, Some(&admin), json!({"password": new_password}))
        .await
        .expect(200);
    assert!(!works(&app, &token(&phone)).await, "ended at once");
    assert!(!works(&app, &token(&laptop)).await, "every sign-in");
    app.post(
        "/api/auth/refresh",
        None,
        json!({"refresh_token": refresh_token(&laptop)}),
    )
    .await
    .expect_problem(401);
    let again = app
        .login("agent@example.com", new_password)
        .await
        .expect(200);
    assert!(works(&app, &token(&again)).await);

    // An admin changing its own password signs itself out too.
    let admin_id = admin_login.body["principal"]["id"].as_str().unwrap();
    app.patch(
        &format!("/api/users/{admin_id}"),
        Some(&admin),
        json!({"password": new_password}),
    )
    .await
    .expect(200);
    assert!(!works(&app, &token(&admin_login)).await);
    assert!(works(&app, &token(&again)).await, "other users stay");
}

/// HS256 over `header.payload` with `secret`, as a JWT library would sign it.
fn sign(secret: &str, claims: &serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{header}.{payload}").as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{header}.{payload}.{signature}")
}

/// Tokens issued before access tokens named their sign-in (no `sid`) are
/// refused, however valid their signature: deploying signs everyone out once.
/// A `sid` naming no sign-in of the token's principal is refused too.
#[tokio::test]
async fn tokens_without_a_live_sign_in_are_refused() {
    const SECRET: &str = "a-known-test-secret-that-is-long-enough";
    let app = spawn_app_with(|o| o.jwt_secret = Some(SECRET.into())).await;
    let (customer, access) = app.customer_account("ada@example.com").await;
    assert!(works(&app, &access).await);
    let (other, _) = app.customer_account("bob@example.com").await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = |sub: &str, sid: Option<&str>| {
        let mut claims = json!({
            "sub": sub, "kind": "customer", "role": "customer",
            "iat": now, "exp": now + 600, "jti": "0123456789abcdef0123456789abcdef",
        });
        if let Some(sid) = sid {
            claims["sid"] = json!(sid);
        }
        claims
    };
    // The signature is right: the same token with the sign-in's id works.
    let payload: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(access.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    let sid = payload["sid"]
        .as_str()
        .expect("the token names its sign-in");
    assert!(works(&app, &sign(SECRET, &claims(&customer, Some(sid)))).await);

    for (case, forged) in [
        ("no sid", claims(&customer, None)),
        (
            "unknown sid",
            claims(&customer, Some("0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b")),
        ),
        ("another principal's sid", claims(&other, Some(sid))),
        ("not an id", claims(&customer, Some("sid"))),
    ] {
        assert!(!works(&app, &sign(SECRET, &forged)).await, "{case}");
    }
}
