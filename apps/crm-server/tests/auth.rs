//! Sign-up, sign-in, tokens, sign-out and throttling over HTTP.
#![allow(
    clippy::unwrap_used,
    clippy::too_many_lines,
    reason = "scenario tests read top to bottom and fail by panicking"
)]

mod common;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, spawn_app, token};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn customer_signup_login_me_refresh_reuse_logout() {
    let app = spawn_app().await;

    // Sign up: 201 with the promised keys.
    let signup = app
        .post(
            "/api/auth/signup",
            None,
            json!({"first_name": "Ada", "last_name": "Lovelace", "email": "Ada@Example.COM", "password": PASSWORD, "phone": "+44 20 7946 0958"}),
        )
        .await
        .expect(201);
    for key in [
        "customer_id",
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
    ] {
        assert!(
            !signup.body[key].is_null(),
            "missing {key}: {:#}",
            signup.body
        );
    }
    assert_eq!(signup.body["token_type"], "Bearer");
    assert_eq!(signup.body["expires_in"], 900);
    assert_eq!(signup.header("location"), Some("/api/me"));
    let customer_id = signup.body["customer_id"].as_str().unwrap().to_owned();

    // Sign in with the email in another case: the domain is normalised, the key is case-insensitive.
    let login = app.login("ada@example.com", PASSWORD).await.expect(200);
    assert_eq!(
        login.body["principal"],
        json!({"id": customer_id, "kind": "customer", "role": "customer"})
    );
    let access = token(&login);

    // Me.
    let me = app.get("/api/me", Some(&access)).await.expect(200);
    assert_eq!(me.body["kind"], "customer");
    assert_eq!(me.body["customer_id"], customer_id.as_str());
    assert_eq!(me.body["email"], "Ada@example.com");
    assert_eq!(me.body["phone"], "+442079460958");
    assert!(me.body.get("password").is_none() && me.body.get("password_hash").is_none());

    // Refresh rotates: a new pair, and the new access token works.
    let first_refresh = login.body["refresh_token"].as_str().unwrap().to_owned();
    let rotated = app
        .post(
            "/api/auth/refresh",
            None,
            json!({"refresh_token": first_refresh}),
        )
        .await
        .expect(200);
    let second_refresh = rotated.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, first_refresh);
    app.get("/api/me", Some(&token(&rotated))).await.expect(200);

    // Reusing the old refresh token is detected and revokes the whole family.
    let reused = app
        .post(
            "/api/auth/refresh",
            None,
            json!({"refresh_token": first_refresh}),
        )
        .await
        .expect_problem(401);
    assert_eq!(reused.body["type"], "/problems/refresh-token-reused");
    app.post(
        "/api/auth/refresh",
        None,
        json!({"refresh_token": second_refresh}),
    )
    .await
    .expect_problem(401);

    // Logout ends a fresh sign-in's refresh token.
    let again = app.login("ada@example.com", PASSWORD).await.expect(200);
    let refresh = again.body["refresh_token"].as_str().unwrap().to_owned();
    let access = token(&again);
    app.post(
        "/api/auth/logout",
        Some(&access),
        json!({"refresh_token": refresh}),
    )
    .await
    .expect(204);
    app.post("/api/auth/refresh", None, json!({"refresh_token": refresh}))
        .await
        .expect_problem(401);
    // Logout needs a bearer token.
    app.post("/api/auth/logout", None, json!({"refresh_token": refresh}))
        .await
        .expect_problem(401);
}

#[tokio::test]
async fn staff_login_and_duplicate_emails_across_kinds() {
    let app = spawn_app().await;
    let login = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.expect(200);
    assert_eq!(login.body["principal"]["kind"], "user");
    assert_eq!(login.body["principal"]["role"], "admin");
    let me = app.get("/api/me", Some(&token(&login))).await.expect(200);
    assert_eq!(me.body["kind"], "user");
    assert_eq!(me.body["role"], "admin");
    assert_eq!(me.body["email"], ADMIN_EMAIL);

    // A customer cannot take a staff email, in any case.
    let taken = app
        .post(
            "/api/auth/signup",
            None,
            json!({"first_name": "A", "last_name": "B", "email": "ADMIN@example.com", "password": PASSWORD}),
        )
        .await
        .expect_problem(409);
    assert_eq!(taken.error_fields(), vec!["email"]);
    // Nor a second customer a customer's email.
    app.signup("c@example.com").await;
    app.post(
        "/api/auth/signup",
        None,
        json!({"first_name": "A", "last_name": "B", "email": "C@EXAMPLE.com", "password": PASSWORD}),
    )
    .await
    .expect_problem(409);
}

#[tokio::test]
async fn unknown_email_and_wrong_password_look_the_same() {
    let app = spawn_app().await;
    let unknown = app
        .login("nobody@example.com", PASSWORD)
        .await
        .expect_problem(401);
    let wrong = app
        .login(ADMIN_EMAIL, "not-the-password")
        .await
        .expect_problem(401);
    assert_eq!(unknown.body["detail"], wrong.body["detail"]);
    assert_eq!(unknown.body["type"], wrong.body["type"]);
}

#[tokio::test]
async fn disabled_users_cannot_sign_in_and_their_tokens_stop_working() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let agent = app.create_user(&admin, "agent@example.com", "agent").await;
    let login = app.login("agent@example.com", PASSWORD).await.expect(200);
    let agent_access = token(&login);
    let agent_refresh = login.body["refresh_token"].as_str().unwrap().to_owned();
    app.get("/api/me", Some(&agent_access)).await.expect(200);

    let path = format!("/api/users/{}", agent["user_id"].as_str().unwrap());
    app.patch(&path, Some(&admin), json!({"status": "disabled"}))
        .await
        .expect(200);

    app.get("/api/me", Some(&agent_access))
        .await
        .expect_problem(401);
    app.post(
        "/api/auth/refresh",
        None,
        json!({"refresh_token": agent_refresh}),
    )
    .await
    .expect_problem(401);
    let refused = app
        .login("agent@example.com", PASSWORD)
        .await
        .expect_problem(403);
    assert_eq!(refused.body["type"], "/problems/account-disabled");

    // Enabled again, the user signs in.
    app.patch(&path, Some(&admin), json!({"status": "active"}))
        .await
        .expect(200);
    app.login("agent@example.com", PASSWORD).await.expect(200);
}

#[tokio::test]
async fn demoted_admin_loses_admin_rights_at_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let second = app.create_user(&admin, "second@example.com", "admin").await;
    let second_token = token(&app.login("second@example.com", PASSWORD).await.expect(200));
    app.get("/api/users", Some(&second_token)).await.expect(200);
    let path = format!("/api/users/{}", second["user_id"].as_str().unwrap());
    app.patch(&path, Some(&admin), json!({"role": "agent"}))
        .await
        .expect(200);
    app.get("/api/users", Some(&second_token))
        .await
        .expect_problem(403);
}

#[tokio::test]
async fn bad_tokens_are_401_with_a_challenge() {
    let app = spawn_app().await;
    for header in [None, Some("garbage"), Some("eyJhbGciOiJIUzI1NiJ9.e30.sig")] {
        let answer = app.get("/api/me", header).await.expect_problem(401);
        assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
    }
    app.post("/api/auth/refresh", None, json!({"refresh_token": "nope"}))
        .await
        .expect_problem(401);
}

#[tokio::test]
async fn repeated_failures_for_an_email_are_throttled() {
    let app = spawn_app().await;
    for _ in 0..5 {
        app.login(ADMIN_EMAIL, "wrong-password")
            .await
            .expect_problem(401);
    }
    // Even the right password is refused while throttled.
    let throttled = app
        .login(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_problem(429);
    let retry_after: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    // Other emails are not affected by this email's failures.
    app.signup("other@example.com").await;
    app.login("other@example.com", PASSWORD).await.expect(200);
}

#[tokio::test]
async fn repeated_failures_from_an_address_are_throttled() {
    let app = spawn_app().await;
    for n in 0..30 {
        app.login(&format!("nobody{n}@example.com"), "wrong-password")
            .await
            .expect_problem(401);
    }
    let throttled = app
        .login(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_problem(429);
    assert!(throttled.header("retry-after").is_some());
}

#[tokio::test]
async fn parallel_wrong_passwords_cannot_pass_the_limit_together() {
    let app = spawn_app().await;
    for _ in 0..4 {
        app.login(ADMIN_EMAIL, "wrong-password")
            .await
            .expect_problem(401);
    }
    // One attempt is left: of sixteen sent at once, exactly one may have its
    // password checked; the rest are throttled, even the right password.
    let attempts = (0..16).map(|n| {
        let password = if n == 7 {
            ADMIN_PASSWORD
        } else {
            "wrong-password"
        };
        app.login(ADMIN_EMAIL, password)
    });
    let answers = futures_util::future::join_all(attempts).await;
    let checked = answers.iter().filter(|a| a.status != 429).count();
    assert_eq!(checked, 1, "{answers:#?}");
    for answer in answers.iter().filter(|a| a.status == 429) {
        assert!(answer.header("retry-after").is_some());
    }
    // And afterwards the email stays throttled, unless the one checked was
    // the right password (which then took its attempt back).
    let right_one_passed = answers.iter().any(|a| a.status == 200);
    let after = app.login(ADMIN_EMAIL, "wrong-password").await;
    assert_eq!(after.status, if right_one_passed { 401 } else { 429 });
}

#[tokio::test]
async fn sign_ups_from_one_address_are_throttled() {
    let app = spawn_app().await;
    for n in 0..20 {
        app.signup(&format!("flood{n}@example.com")).await;
    }
    let throttled = app
        .post(
            "/api/auth/signup",
            None,
            json!({"first_name": "Ada", "last_name": "Lovelace", "email": "flood20@example.com", "password": PASSWORD}),
        )
        .await
        .expect_problem(429);
    let retry_after: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    // An existing email is throttled too: the 409 is no free oracle.
    app.post(
        "/api/auth/signup",
        None,
        json!({"first_name": "Ada", "last_name": "Lovelace", "email": "flood0@example.com", "password": PASSWORD}),
    )
    .await
    .expect_problem(429);
    // Nothing was created by the refused sign-up.
    app.login("flood20@example.com", PASSWORD)
        .await
        .expect_problem(401);
}

#[tokio::test]
async fn blank_passwords_and_control_characters_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for (password, message) in [
        (" ".repeat(12), "must not be blank"),
        ("\u{0}".repeat(12), "must not contain control characters"),
        (
            "good passphrase\twith a tab".to_owned(),
            "must not contain control characters",
        ),
    ] {
        let refused = app
            .post(
                "/api/auth/signup",
                None,
                json!({"first_name": "Ada", "last_name": "Lovelace", "email": "blank@example.com", "password": password}),
            )
            .await
            .expect_problem(400);
        assert_eq!(refused.error_fields(), vec!["password"]);
        assert_eq!(refused.body["errors"][0]["message"], message);
        // The same rule for staff passwords, on creation and on change.
        let refused = app
            .post(
                "/api/users",
                Some(&admin),
                json!({"name": "Blank", "email": "blank-staff@example.com", "role": "agent", "password": password}),
            )
            .await
            .expect_problem(400);
        assert_eq!(refused.error_fields(), vec!["password"]);
    }
    let user = app.create_user(&admin, "staff@example.com", "agent").await;
    let id = user["user_id"].as_str().unwrap();
    app.call(
        Method::PATCH,
        &format!("/api/users/{id}"),
        Some(&admin),
        Some(json!({"password": " ".repeat(16)})),
    )
    .await
    .expect_problem(400);
    app.login("staff@example.com", PASSWORD).await.expect(200);
}
