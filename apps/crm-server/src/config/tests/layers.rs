//! Where settings come from: layers, precedence, the file's keys, the
//! variables that are read, and the messages of bad values.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::cli::Overrides;
use crate::config::{ConfigError, DEFAULT_LISTEN, DatabaseUrl, LogFormat, Settings, variable_name};

fn file(dir: &tempfile::TempDir, text: &str) -> PathBuf {
    let path = dir.path().join("crm.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn vars(pairs: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).into(), (*value).into()))
        .collect()
}

#[test]
fn each_layer_wins_over_the_ones_below_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(
        &dir,
        "listen = \"127.0.0.1:9000\"\nmail_from = \"File <f@example.com>\"\n\
         log = \"debug\"\nmax_body_bytes = 4096\n",
    );
    let env = vars(&[
        ("CRM_LISTEN", "127.0.0.1:9001"),
        ("CRM_MAIL_FROM", "Env <e@example.com>"),
    ]);
    let flags = Overrides {
        listen: Some("127.0.0.1:9002".into()),
        ..Overrides::default()
    };
    let settings = Settings::load_with_env(Some(&path), env, &flags, false).unwrap();
    assert_eq!(settings.listen.port(), 9002, "flag over variable and file");
    assert_eq!(
        settings.mail_from, "Env <e@example.com>",
        "variable over file"
    );
    assert_eq!(settings.log, "debug", "file over default");
    assert_eq!(settings.max_body_bytes, 4096);
    assert_eq!(settings.ticket_reopen_window, Duration::from_hours(14 * 24));
}

#[test]
fn values_are_read_into_their_types_from_every_layer() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(
        &dir,
        "agents_see_all = true\nticket_reopen_window = \"3d\"\n\
         public_url = \"https://crm.example.com/\"\nlog_format = \"pretty\"\n",
    );
    let env = vars(&[
        ("CRM_MAX_IMPORT_BYTES", "2048"),
        ("CRM_REFRESH_TOKEN_TTL", "1h"),
        ("CRM_INBOUND_SECRET", ""),
        ("CRM_DATABASE_URL", "sqlite://./x/crm.db"),
    ]);
    let settings = Settings::load_with_env(Some(&path), env, &Overrides::default(), false).unwrap();
    assert!(settings.agents_see_all);
    assert_eq!(settings.ticket_reopen_window, Duration::from_hours(72));
    assert_eq!(
        settings.public_url.as_deref(),
        Some("https://crm.example.com")
    );
    assert_eq!(settings.log_format, LogFormat::Pretty);
    assert_eq!(settings.max_import_bytes, 2048);
    assert_eq!(settings.refresh_token_ttl, Duration::from_hours(1));
    assert_eq!(settings.inbound_secret, None, "empty means unset");
    assert_eq!(
        settings.database,
        DatabaseUrl::Sqlite(PathBuf::from("./x/crm.db"))
    );

    let flags = Overrides {
        agents_see_all: Some("0".into()),
        log_format: Some("json".into()),
        ..Overrides::default()
    };
    let settings = Settings::load(Some(&path), &flags, true).unwrap();
    assert!(!settings.agents_see_all);
    assert_eq!(settings.log_format, LogFormat::Json);
    let settings = Settings::load(None, &Overrides::default(), true).unwrap();
    assert_eq!(settings.log_format, LogFormat::Pretty, "terminal default");
}

#[test]
fn a_bad_value_names_its_variable_whichever_layer_gave_it() {
    let dir = tempfile::tempdir().unwrap();
    let expected = "CRM_LISTEN: `nowhere` is not an address:port such as 127.0.0.1:8080";

    let path = file(&dir, "listen = \"nowhere\"\n");
    let error = Settings::load(Some(&path), &Overrides::default(), false).unwrap_err();
    assert_eq!(error.to_string(), expected, "file");

    let env = vars(&[("CRM_LISTEN", "nowhere")]);
    let error = Settings::load_with_env(None, env, &Overrides::default(), false).unwrap_err();
    assert_eq!(error.to_string(), expected, "variable");

    let flags = Overrides {
        listen: Some("nowhere".into()),
        ..Overrides::default()
    };
    let error = Settings::load(None, &flags, false).unwrap_err();
    assert_eq!(error.to_string(), expected, "flag");

    let path = file(&dir, "max_body_bytes = 10\n");
    let error = Settings::load(Some(&path), &Overrides::default(), false).unwrap_err();
    assert_eq!(
        error.to_string(),
        "CRM_MAX_BODY_BYTES: must be at least 1024"
    );
    // A TOML value of the wrong type names the setting too.
    let path = file(&dir, "log = 5\n");
    let error = Settings::load(Some(&path), &Overrides::default(), false).unwrap_err();
    assert_eq!(
        error.to_string(),
        "CRM_LOG: invalid type: integer `5`, expected a string"
    );
    let path = file(&dir, "agents_see_all = \"yes\"\n");
    let error = Settings::load(Some(&path), &Overrides::default(), false).unwrap_err();
    assert_eq!(
        error.to_string(),
        "CRM_AGENTS_SEE_ALL: `yes` is neither `true` nor `false`"
    );
    let path = file(&dir, "inbound_secret = 12345\n");
    let error = Settings::load(Some(&path), &Overrides::default(), false).unwrap_err();
    assert_eq!(
        error.to_string(),
        "CRM_INBOUND_SECRET: invalid type: integer `12345`, expected a string"
    );
}

#[test]
fn every_rule_keeps_its_message() {
    let cases = [
        (
            "CRM_PUBLIC_URL",
            "ftp://x",
            "must be an http:// or https:// URL",
        ),
        ("CRM_REFRESH_TOKEN_TTL", "500ms", "must be at least 1s"),
        (
            "CRM_TICKET_REOPEN_WINDOW",
            "soon",
            "`soon` is not a duration such as 15m or 30d (expected number at 0)",
        ),
        ("CRM_SMTP_URL", "smtp://user@", "has no host"),
        (
            "CRM_MAIL_FROM",
            "nobody",
            "must be an address such as `CRM <crm@example.com>`",
        ),
        (
            "CRM_MAX_BODY_BYTES",
            "lots",
            "must be a whole number of bytes",
        ),
        ("CRM_MAX_IMPORT_BYTES", "100", "must be at least 1024"),
        (
            "CRM_AGENTS_SEE_ALL",
            "yes",
            "`yes` is neither `true` nor `false`",
        ),
        (
            "CRM_LOG_FORMAT",
            "xml",
            "`xml` is neither `pretty` nor `json`",
        ),
        ("CRM_JWT_SECRET", "", "must be at least 32 bytes"),
        (
            "CRM_DATABASE_URL",
            "sqlite://",
            "sqlite:// needs a file path, e.g. sqlite://./data/crm.db",
        ),
    ];
    for (variable, value, message) in cases {
        let env = vars(&[(variable, value)]);
        let error = Settings::load_with_env(None, env, &Overrides::default(), false).unwrap_err();
        assert_eq!(error.setting, variable, "{error}");
        assert_eq!(error.message, message, "{error}");
    }
    let env = vars(&[("CRM_BOOTSTRAP_ADMIN_PASSWORD", "long-enough-password")]);
    let error = Settings::load_with_env(None, env, &Overrides::default(), false).unwrap_err();
    assert_eq!(
        error.to_string(),
        "CRM_BOOTSTRAP_ADMIN_EMAIL: must be set together with CRM_BOOTSTRAP_ADMIN_PASSWORD"
    );
    let env = vars(&[
        ("CRM_BOOTSTRAP_ADMIN_EMAIL", "nope"),
        ("CRM_BOOTSTRAP_ADMIN_PASSWORD", "long-enough-password"),
    ]);
    let error = Settings::load_with_env(None, env, &Overrides::default(), false).unwrap_err();
    assert_eq!(error.setting, "CRM_BOOTSTRAP_ADMIN_EMAIL", "{error}");
    let env = vars(&[
        ("CRM_BOOTSTRAP_ADMIN_EMAIL", "root@example.com"),
        ("CRM_BOOTSTRAP_ADMIN_PASSWORD", "short"),
    ]);
    let error = Settings::load_with_env(None, env, &Overrides::default(), false).unwrap_err();
    assert_eq!(error.setting, "CRM_BOOTSTRAP_ADMIN_PASSWORD", "{error}");
}

#[test]
fn the_file_refuses_unknown_keys_and_names_itself() {
    let dir = tempfile::tempdir().unwrap();
    let named = |error: &ConfigError| error.setting.starts_with("config file ");
    for text in [
        "Listen = \"127.0.0.1:1\"\n",
        "\"lis.ten\" = 1\n",
        "[crm]\nlisten = 1\n",
    ] {
        let path = file(&dir, text);
        let error = Settings::load(Some(&path), &Overrides::default(), false).unwrap_err();
        assert!(named(&error), "{error}");
        assert!(error.message.starts_with("unknown field"), "{error}");
        assert!(
            error.message.contains("`listen`, `database_url`"),
            "{error}"
        );
    }
    let path = file(&dir, "listen = \n");
    let error = Settings::load(Some(&path), &Overrides::default(), false).unwrap_err();
    assert!(named(&error), "{error}");
    assert!(!error.to_string().contains('\n'), "one line: {error}");

    let missing = dir.path().join("missing.toml");
    let error = Settings::load(Some(&missing), &Overrides::default(), false).unwrap_err();
    assert!(
        named(&error) && error.setting.contains("missing.toml"),
        "{error}"
    );
}

#[test]
fn variables_that_are_not_settings_are_left_alone() {
    let env = vars(&[
        ("CRM_CONFIG", "/nowhere.toml"),
        ("CRM_NOT_A_SETTING", "x"),
        ("crm_listen", "nowhere"),
        ("Crm_Listen", "nowhere"),
        ("CRM_LISTENER", "nowhere"),
        ("PATH", "/bin"),
    ]);
    let settings = Settings::load_with_env(None, env, &Overrides::default(), false).unwrap();
    assert_eq!(settings.listen.to_string(), DEFAULT_LISTEN);
}

#[cfg(unix)]
#[test]
fn a_variable_that_is_not_utf8_is_named() {
    use std::os::unix::ffi::OsStringExt;
    let env = vec![("CRM_LOG".into(), OsString::from_vec(vec![0xff]))];
    let error = Settings::load_with_env(None, env, &Overrides::default(), false).unwrap_err();
    assert_eq!(error.setting, "CRM_LOG", "{error}");
}

#[test]
fn no_secret_shows_in_debug_output() {
    let secrets = [
        "jwt-secret-jwt-secret-jwt-secret-1234",
        "admin-password-5678",
        "smtp-pass-9012",
        "inbound-secret-3456",
        "mongo-pass-7890",
    ];
    let flags = Overrides {
        jwt_secret: Some(secrets[0].into()),
        bootstrap_admin_email: Some("root@example.com".into()),
        bootstrap_admin_password: Some(secrets[1].into()),
        smtp_url: Some(format!("smtps://crm:{}@smtp.example.com:465", secrets[2])),
        inbound_secret: Some(secrets[3].into()),
        database_url: Some(format!("mongodb://crm:{}@db.example.com", secrets[4])),
        ..Overrides::default()
    };
    let settings = Settings::load(None, &flags, false).unwrap();
    let shown = format!("{settings:?}");
    for secret in secrets {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("root@example.com"), "{shown}");
    let admin = settings.bootstrap_admin().unwrap();
    assert_eq!(admin.email.as_str(), "root@example.com");
}

#[test]
fn every_setting_has_a_flag_and_every_flag_is_a_setting() {
    let command = crate::cli::Cli::clap_command();
    let mut flags: Vec<&str> = command
        .get_arguments()
        .map(|arg| arg.get_id().as_str())
        .filter(|id| *id != "config")
        .collect();
    let mut keys = Settings::keys().to_vec();
    flags.sort_unstable();
    keys.sort_unstable();
    assert_eq!(flags, keys);

    let help = crate::cli::Cli::clap_command()
        .render_long_help()
        .to_string();
    for key in Settings::keys() {
        let variable = variable_name(key);
        assert!(help.contains(&format!("[env: {variable}]")), "{help}");
    }
}
