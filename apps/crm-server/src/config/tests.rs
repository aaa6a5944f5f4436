//! Unit tests of the configuration: layers, precedence, errors, redaction.

use std::path::PathBuf;
use std::time::Duration;

use super::*;
use crate::cli::Overrides;

mod layers;

fn load(cli: &Overrides) -> Result<Settings, ConfigError> {
    Settings::load(None, cli, false)
}

#[test]
fn defaults() {
    let settings = load(&Overrides::default()).unwrap();
    assert_eq!(settings.listen.to_string(), DEFAULT_LISTEN);
    assert_eq!(
        settings.database,
        DatabaseUrl::Sqlite(PathBuf::from("./data/crm.db"))
    );
    assert_eq!(settings.access_token_ttl, Duration::from_mins(15));
    assert_eq!(settings.refresh_token_ttl, Duration::from_hours(30 * 24));
    assert_eq!(settings.log_format, LogFormat::Json);
}

#[test]
fn file_is_overridden_by_flags_and_unknown_keys_fail() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.toml");
    std::fs::write(
        &path,
        "listen = \"127.0.0.1:9000\"\naccess_token_ttl = \"5m\"\n",
    )
    .unwrap();
    let cli = Overrides {
        listen: Some("127.0.0.1:9001".into()),
        ..Overrides::default()
    };
    let settings = Settings::load(Some(&path), &cli, false).unwrap();
    assert_eq!(settings.listen.port(), 9001);
    assert_eq!(settings.access_token_ttl, Duration::from_mins(5));

    std::fs::write(&path, "lisen = \"127.0.0.1:9000\"\n").unwrap();
    let error = Settings::load(Some(&path), &Overrides::default(), false).unwrap_err();
    assert!(error.to_string().contains("lisen"), "{error}");
}

#[test]
fn bad_values_name_their_setting() {
    let cases = [
        (
            Overrides {
                listen: Some("nowhere".into()),
                ..Overrides::default()
            },
            "CRM_LISTEN",
        ),
        (
            Overrides {
                jwt_secret: Some("short".into()),
                ..Overrides::default()
            },
            "CRM_JWT_SECRET",
        ),
        (
            Overrides {
                database_url: Some("postgres://x".into()),
                ..Overrides::default()
            },
            "CRM_DATABASE_URL",
        ),
        (
            Overrides {
                database_url: Some("mongodb://localhost".into()),
                ..Overrides::default()
            },
            "CRM_JWT_SECRET",
        ),
        (
            Overrides {
                access_token_ttl: Some("soon".into()),
                ..Overrides::default()
            },
            "CRM_ACCESS_TOKEN_TTL",
        ),
        (
            Overrides {
                smtp_url: Some("http://x".into()),
                ..Overrides::default()
            },
            "CRM_SMTP_URL",
        ),
        (
            Overrides {
                bootstrap_admin_email: Some("a@example.com".into()),
                ..Overrides::default()
            },
            "CRM_BOOTSTRAP_ADMIN_PASSWORD",
        ),
        (
            Overrides {
                log_format: Some("xml".into()),
                ..Overrides::default()
            },
            "CRM_LOG_FORMAT",
        ),
    ];
    for (cli, setting) in cases {
        let error = load(&cli).unwrap_err();
        assert_eq!(error.setting, setting, "{error}");
    }
}

#[test]
fn secrets_are_redacted() {
    let cli = Overrides {
        jwt_secret: Some("x".repeat(40)),
        ..Overrides::default()
    };
    let settings = load(&cli).unwrap();
    assert!(!format!("{settings:?}").contains(&"x".repeat(40)));
}
