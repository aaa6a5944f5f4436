//! Runs the built `crm-server` binary as an operator would.
#![allow(
    clippy::unwrap_used,
    clippy::too_many_lines,
    reason = "scenario tests read top to bottom and fail by panicking"
)]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::process::{KillOnDrop, free_port};

const BIN: &str = env!("CARGO_BIN_EXE_crm-server");
const PASSWORD: &str = "binary-admin-password";

fn command(dir: &std::path::Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "CRM_DATABASE_URL",
            format!("sqlite://{}", dir.join("data/crm.db").display()),
        )
        .env("CRM_LOG", "warn")
        .env("CRM_LOG_FORMAT", "json");
    command
}

#[tokio::test]
async fn serve_creates_the_database_and_bootstrap_admin_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = command(dir.path())
        .arg("serve")
        .env("CRM_LISTEN", format!("127.0.0.1:{port}"))
        .env("CRM_BOOTSTRAP_ADMIN_EMAIL", "root@example.com")
        .env("CRM_BOOTSTRAP_ADMIN_PASSWORD", PASSWORD)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");

    let started = Instant::now();
    let ready = loop {
        if let Ok(response) = client.get(format!("{base}/health/ready")).send().await {
            break response;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(ready.status(), 200);

    let login = client
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({"email": "root@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let body: serde_json::Value = login.json().await.unwrap();
    assert_eq!(body["principal"]["role"], "admin");

    // The database file and the generated secret (mode 0600) are beside each other.
    assert!(dir.path().join("data/crm.db").exists());
    let secret = dir.path().join("data/crm.db.jwt-secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // SIGTERM: graceful stop with status 0.
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not stop"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn migrate_and_status() {
    let dir = tempfile::tempdir().unwrap();
    let pending = command(dir.path())
        .args(["migrate", "--status"])
        .output()
        .unwrap();
    assert!(pending.status.success(), "{pending:?}");
    assert!(
        String::from_utf8_lossy(&pending.stdout).contains("pending"),
        "{pending:?}"
    );
    let migrate = command(dir.path()).arg("migrate").output().unwrap();
    assert!(migrate.status.success(), "{migrate:?}");
    let applied = command(dir.path())
        .args(["migrate", "--status"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&applied.stdout);
    assert!(
        text.contains("applied") && !text.contains("pending"),
        "{text}"
    );
}

#[test]
fn create_admin_reads_the_password_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = command(dir.path())
        .args([
            "create-admin",
            "--email",
            "ops@example.com",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("ops@example.com"));

    // The same email again is a usage error (exit 2).
    let mut again = command(dir.path())
        .args([
            "create-admin",
            "--email",
            "OPS@example.com",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    again
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    assert_eq!(again.wait_with_output().unwrap().status.code(), Some(2));
}

#[test]
fn bad_configuration_exits_2_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let output = command(dir.path())
        .arg("migrate")
        .env("CRM_JWT_SECRET", "short")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("CRM_JWT_SECRET"));
    let output = command(dir.path())
        .arg("serve")
        .env("CRM_LISTEN", "nowhere")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("CRM_LISTEN"));
    let output = command(dir.path()).arg("no-such-command").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// The JSON body of a GET of `url` with `token`.
async fn get_json(client: &reqwest::Client, url: String, token: &str) -> serde_json::Value {
    client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn seed_demo_fills_an_empty_database_once() {
    let dir = tempfile::tempdir().unwrap();
    let seeded = command(dir.path())
        .args(["seed-demo", "--customers", "25"])
        .output()
        .unwrap();
    assert!(seeded.status.success(), "{seeded:?}");
    assert!(String::from_utf8_lossy(&seeded.stdout).contains("25 customers"));
    let again = command(dir.path())
        .args(["seed-demo", "--customers", "5"])
        .output()
        .unwrap();
    // A seeded database is no configuration error (2): a plain failure (1).
    assert_eq!(again.status.code(), Some(1), "{again:?}");
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already holds demo data"),
        "{again:?}"
    );

    let port = free_port();
    let mut child = command(dir.path())
        .arg("serve")
        .env("CRM_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while client
        .get(format!("{base}/health/ready"))
        .send()
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let login: serde_json::Value = client
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({"email": "admin@demo.example.com", "password": "demo-password-1234"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap();
    let get = |path: &str| get_json(&client, format!("{base}{path}"), token);
    let customers = get("/api/customers?limit=200").await;
    let customers = customers["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 25);
    let statuses: std::collections::HashSet<&str> = customers
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert!(statuses.len() >= 2, "{statuses:?}");
    let interactions = get("/api/interactions?limit=200").await;
    let tickets = get("/api/tickets?limit=200").await;
    for (list, key) in [(&interactions, "interactions"), (&tickets, "tickets")] {
        assert!(!list[key].as_array().unwrap().is_empty(), "no demo {key}");
    }
    // Demo interactions are organised by the agent of their customer's
    // company (or the agents in turn), never all by one account.
    let agents = get("/api/users?role=agent&limit=200").await;
    let agents: std::collections::HashSet<&str> = agents["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(agents.len(), 2, "at least two demo agents");
    let organizers: std::collections::HashSet<&str> = interactions["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["organizer_id"].as_str().unwrap_or("none"))
        .collect();
    assert_eq!(organizers, agents, "both agents organise demo interactions");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn file_then_variables_then_flags_and_a_bad_value_from_each_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("crm.toml");
    let db = |name: &str| dir.path().join(name);
    std::fs::write(
        &config,
        format!("database_url = \"sqlite://{}\"\n", db("file.db").display()),
    )
    .unwrap();

    // The file (named by CRM_CONFIG) applies when nothing overrides it.
    let output = command(dir.path())
        .env_remove("CRM_DATABASE_URL")
        .env("CRM_CONFIG", &config)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(db("file.db").exists());

    // A variable beats the file; a flag beats both.
    let output = command(dir.path())
        .env(
            "CRM_DATABASE_URL",
            format!("sqlite://{}", db("env.db").display()),
        )
        .args(["--config".as_ref(), config.as_os_str(), "migrate".as_ref()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(db("env.db").exists());
    let output = command(dir.path())
        .env(
            "CRM_DATABASE_URL",
            format!("sqlite://{}", db("env.db").display()),
        )
        .env("CRM_CONFIG", &config)
        .arg("migrate")
        .arg(format!(
            "--database-url=sqlite://{}",
            db("flag.db").display()
        ))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(db("flag.db").exists());

    // A bad value exits 2 with one line naming the setting, from any layer.
    let stderr_of = |output: std::process::Output| {
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        stderr
    };
    std::fs::write(&config, "access_token_ttl = \"soon\"\n").unwrap();
    let from_file = stderr_of(
        command(dir.path())
            .env("CRM_CONFIG", &config)
            .arg("migrate")
            .output()
            .unwrap(),
    );
    assert!(
        from_file.contains("CRM_ACCESS_TOKEN_TTL: `soon`"),
        "{from_file}"
    );
    let from_variable = stderr_of(
        command(dir.path())
            .env("CRM_MAX_BODY_BYTES", "lots")
            .arg("migrate")
            .output()
            .unwrap(),
    );
    assert!(
        from_variable.contains("CRM_MAX_BODY_BYTES: must be a whole number of bytes"),
        "{from_variable}"
    );
    let from_flag = stderr_of(
        command(dir.path())
            .args(["migrate", "--log-format", "xml"])
            .output()
            .unwrap(),
    );
    assert!(
        from_flag.contains("CRM_LOG_FORMAT: `xml` is neither `pretty` nor `json`"),
        "{from_flag}"
    );

    // An unknown key in the file exits 2 naming the file and the key.
    std::fs::write(&config, "lisen = \"127.0.0.1:9000\"\n").unwrap();
    let unknown = stderr_of(
        command(dir.path())
            .args(["--config".as_ref(), config.as_os_str(), "migrate".as_ref()])
            .output()
            .unwrap(),
    );
    assert!(
        unknown.contains("config file") && unknown.contains("unknown field `lisen`"),
        "{unknown}"
    );
}

#[tokio::test]
async fn sigterm_under_load_answers_every_request_it_read() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = command(dir.path())
        .arg("serve")
        .env("CRM_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while reqwest::get(format!("{base}/health/ready")).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Sixteen clients, each on its own keep-alive connection, send request
    // after request until the server stops answering.
    let serving = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let loops: Vec<_> = (0..16)
        .map(|_| {
            let url = format!("{base}/health/live");
            let serving = std::sync::Arc::clone(&serving);
            tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .build()
                    .unwrap();
                let mut answered = 0_u32;
                let deadline = Instant::now() + Duration::from_mins(1);
                loop {
                    match client.get(&url).send().await {
                        Ok(response) => {
                            assert_eq!(response.status(), 200);
                            answered += 1;
                            if answered == 1 {
                                serving.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            }
                        }
                        // Refused: the server no longer accepts connections;
                        // no request was sent. That is how a stop must look.
                        Err(error) if error.is_connect() => return (answered, None),
                        Err(error) => return (answered, Some(format!("{error:?}"))),
                    }
                    if Instant::now() > deadline {
                        return (answered, Some("the server kept serving".to_owned()));
                    }
                }
            })
        })
        .collect();
    let waiting = Instant::now();
    while serving.load(std::sync::atomic::Ordering::SeqCst) < 16 {
        assert!(
            waiting.elapsed() < Duration::from_secs(30),
            "clients not served"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let stopping = Instant::now();

    for task in loops {
        let (answered, error) = task.await.unwrap();
        assert!(answered > 0, "each client was served before the stop");
        assert_eq!(error, None, "a request was cut off instead of answered");
    }
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            stopping.elapsed() < Duration::from_secs(12),
            "server did not stop within its bound"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit:?}");
}

/// The database, its `-wal` and `-shm` files and the folders the server
/// creates for them hold password hashes and personal data: owner only
/// (0600 and 0700), even under a umask that would let anyone read them.
#[cfg(unix)]
#[tokio::test]
async fn the_database_files_and_folders_are_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("private/data/crm.db");
    let port = free_port();
    // The umask belongs to a process: the shell sets it, proves it with a
    // file of its own, then becomes the server.
    let child = Command::new("sh")
        .args([
            "-c",
            "umask 000 && : > umask-probe && exec \"$0\" serve",
            BIN,
        ])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CRM_DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("CRM_LISTEN", format!("127.0.0.1:{port}"))
        .env("CRM_BOOTSTRAP_ADMIN_EMAIL", "root@example.com")
        .env("CRM_BOOTSTRAP_ADMIN_PASSWORD", PASSWORD)
        .env("CRM_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // A failed assertion must not leave the server running.
    let mut child = KillOnDrop(child);
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while reqwest::get(format!("{base}/health/ready")).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        mode(&dir.path().join("umask-probe")),
        0o666,
        "the umask was 000"
    );

    // While the server runs, the write-ahead log and its index exist.
    for folder in ["private", "private/data"] {
        assert_eq!(mode(&dir.path().join(folder)), 0o700, "{folder}");
    }
    for file in ["crm.db", "crm.db-wal", "crm.db-shm", "crm.db.jwt-secret"] {
        assert_eq!(
            mode(&dir.path().join("private/data").join(file)),
            0o600,
            "{file}"
        );
    }

    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.0.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let stopping = Instant::now();
    let exit = loop {
        if let Some(exit) = child.0.try_wait().unwrap() {
            break exit;
        }
        assert!(
            stopping.elapsed() < Duration::from_secs(20),
            "server did not stop"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit:?}");
}
