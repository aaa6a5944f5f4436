//! The processes the load generator drives: the real server (this
//! executable's hidden `serve` command, which runs crm-server's own
//! start-up) and the ceiling server, each a child process on loopback.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use crate::error::BenchError;

/// A running child server.
#[derive(Debug)]
pub struct Running {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    pid: u32,
}

/// A free loopback port.
fn free_addr() -> Result<SocketAddr, BenchError> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

impl Running {
    /// Starts `crm-bench <command>` with `env` and `CRM_LISTEN`, its output
    /// into `log`, and waits until `ready_path` answers 200.
    pub async fn start(
        command: &str,
        env: &[(String, String)],
        log: &Path,
        ready_path: &str,
    ) -> Result<Self, BenchError> {
        let addr = free_addr()?;
        let exe = std::env::current_exe()?;
        let log_file = std::fs::File::create(log)?;
        let child = Command::new(exe)
            .arg(command)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("CRM_LISTEN", addr.to_string())
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()?;
        let pid = child
            .id()
            .ok_or_else(|| BenchError::Server("the child has no pid".into()))?;
        let running = Self { child, addr, pid };
        running.wait_ready(ready_path, log).await?;
        Ok(running)
    }

    async fn wait_ready(&self, path: &str, log: &Path) -> Result<(), BenchError> {
        let deadline = Instant::now() + Duration::from_mins(2);
        while Instant::now() < deadline {
            if crate::client::get_status(self.addr, path).await == Some(200) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(BenchError::Server(format!(
            "{path} did not answer 200 within 2 minutes; see {}",
            log.display()
        )))
    }

    /// The process id (for `perf record -p`).
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Peak and current resident memory, in KiB (`VmHWM`, `VmRSS`).
    pub fn memory_kib(&self) -> (u64, u64) {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        (field("VmHWM:"), field("VmRSS:"))
    }

    /// Stops it with SIGTERM (a graceful stop) and waits for it.
    pub async fn stop(mut self) -> Result<(), BenchError> {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status()
            .await?;
        if !status.success() {
            self.child.kill().await?;
        }
        match tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await {
            Ok(result) => {
                result?;
            }
            Err(_) => self.child.kill().await?,
        }
        Ok(())
    }
}
