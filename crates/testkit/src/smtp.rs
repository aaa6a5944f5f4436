//! A real SMTP server for the tests: `smtp_server.py` (aiosmtpd) on a
//! random (or given) loopback port, started with the python that
//! `scripts/aiosmtpd-venv.sh` prepared (`CRM_TEST_SMTP_PYTHON`).
#![allow(
    clippy::unwrap_used,
    clippy::missing_panics_doc,
    clippy::must_use_candidate,
    reason = "a test fixture: it fails by panicking"
)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use base64::Engine as _;

/// The variable that names the python with aiosmtpd installed.
pub const PYTHON_VAR: &str = "CRM_TEST_SMTP_PYTHON";

/// The python to run the server with, or `None` after saying loudly (on
/// the real stderr, past libtest's capture) that `test` is skipped and why.
/// Under CI (`CI` set) a missing variable is a failure, not a skip.
pub fn python_or_skip(test: &str) -> Option<String> {
    if let Some(python) = std::env::var(PYTHON_VAR)
        .ok()
        .filter(|p| !p.trim().is_empty())
    {
        return Some(python);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{PYTHON_VAR} is unset under CI: scripts/test must run scripts/aiosmtpd-venv.sh first"
    );
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {PYTHON_VAR} is unset, so there is no real SMTP server to test against. \
         Run `export {PYTHON_VAR}=\"$(scripts/aiosmtpd-venv.sh)\"` (scripts/test does this)."
    );
    None
}

/// One message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// `MAIL FROM`.
    pub mail_from: String,
    /// `RCPT TO`s.
    pub rcpt_tos: Vec<String>,
    /// The message as it arrived.
    pub data: Vec<u8>,
}

/// A running server; killed (by its process id) when dropped.
#[derive(Debug)]
pub struct SmtpServer {
    child: Child,
    /// Where it listens.
    pub port: u16,
    out: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpServer {
    /// Starts the server; `auth` is `user:pass` to require.
    pub fn start(python: &str, auth: Option<&str>) -> Self {
        Self::start_on(python, auth, 0)
    }

    /// Starts the server on `port` (0: a free one), e.g. again on the port
    /// of one that was stopped; it keeps its own record of what it received.
    pub fn start_on(python: &str, auth: Option<&str>, port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("received.jsonl");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("smtp_server.py");
        let mut command = Command::new(python);
        command
            .arg(&script)
            .arg("--out")
            .arg(&out)
            .arg("--port")
            .arg(port.to_string());
        if let Some(auth) = auth {
            command.arg("--auth").arg(auth);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {python} {}: {e}", script.display()));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ready: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the SMTP server did not start ({e}): {line:?}"));
        let port = u16::try_from(ready["port"].as_u64().unwrap()).unwrap();
        Self {
            child,
            port,
            out,
            _dir: dir,
        }
    }

    /// `smtp://127.0.0.1:PORT` with `extra` (credentials, query) spliced in.
    pub fn url(&self, userinfo: &str, query: &str) -> String {
        format!("smtp://{userinfo}127.0.0.1:{}{query}", self.port)
    }

    /// Everything accepted so far.
    pub fn received(&self) -> Vec<Received> {
        let Ok(text) = std::fs::read_to_string(&self.out) else {
            return Vec::new();
        };
        text.lines()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                Received {
                    mail_from: v["mail_from"].as_str().unwrap().to_owned(),
                    rcpt_tos: v["rcpt_tos"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| r.as_str().unwrap().to_owned())
                        .collect(),
                    data: base64::engine::general_purpose::STANDARD
                        .decode(v["data"].as_str().unwrap())
                        .unwrap(),
                }
            })
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
