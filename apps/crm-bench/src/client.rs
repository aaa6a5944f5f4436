//! The load generator: a fixed number of HTTP/1.1 keep-alive connections
//! (hyper), each sending its next request as soon as the previous answer
//! has been read, for a warm-up and then a fixed measured time. Latency is
//! taken per request, from sending to the last byte of the answer.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::net::TcpStream;

use crate::error::BenchError;

/// One request to send.
#[derive(Debug, Clone)]
pub struct Req {
    /// The method.
    pub method: Method,
    /// Path and query.
    pub path: String,
    /// A JSON body, if any.
    pub body: Option<Bytes>,
}

impl Req {
    /// A `GET`.
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            path: path.into(),
            body: None,
        }
    }

    /// A request with a JSON body.
    pub fn json(method: Method, path: impl Into<String>, body: &serde_json::Value) -> Self {
        Self {
            method,
            path: path.into(),
            body: Some(Bytes::from(body.to_string())),
        }
    }
}

/// What one connection remembers between its requests.
#[derive(Debug, Default)]
pub struct Walk {
    /// Requests this connection sent.
    pub n: u64,
    /// The connection's number.
    pub conn: u64,
    /// The cursor of the next page, when walking a list.
    pub cursor: Option<String>,
    /// Pages walked in the current walk.
    pub step: u32,
}

/// Makes the next request of a connection.
pub type MakeRequest = Box<dyn Fn(&mut Walk, &Shared) -> Req + Send + Sync>;
/// Reads an answer's body (to follow cursors).
pub type ReadAnswer = Box<dyn Fn(&mut Walk, &Bytes) + Send + Sync>;

/// State shared by the connections of one scenario.
#[derive(Debug, Default)]
pub struct Shared {
    /// A counter every connection draws from (unique values, pool indexes).
    pub counter: AtomicU64,
}

impl Shared {
    /// The next value of the shared counter.
    pub fn next(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }
}

/// A scenario for the load generator.
pub struct Load {
    /// How requests are made.
    pub make: MakeRequest,
    /// What to read from answers.
    pub read: Option<ReadAnswer>,
    /// The status every answer must have.
    pub expect: u16,
    /// The bearer token, if any.
    pub token: Option<String>,
}

/// How long past its measured window a connection (or an in-process task)
/// keeps going for its first measured answer: a server slower than the
/// window (the MongoDB test server on the short `tiny` and `small` windows)
/// would otherwise leave a scenario with no answer checked at all. With an
/// answer inside the window nothing changes.
pub const FIRST_ANSWER_WAIT: Duration = Duration::from_mins(2);

/// Whether a loop whose window ends at `until` goes on: inside the window,
/// or after it until its first measured answer (at most
/// [`FIRST_ANSWER_WAIT`]).
#[must_use]
pub fn goes_on(until: Instant, answered: bool) -> bool {
    let now = Instant::now();
    now < until || (!answered && now < until + FIRST_ANSWER_WAIT)
}

/// How many connections and for how long.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Open connections (each with one request in flight).
    pub connections: u64,
    /// Time before measuring.
    pub warmup: Duration,
    /// Measured time.
    pub measure: Duration,
}

/// What one scenario measured.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// Requests answered in the measured time.
    pub requests: u64,
    /// Requests per second.
    pub rps: f64,
    /// Latency percentiles and maximum, in milliseconds.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
    /// Answers with another status than expected, or failed requests.
    pub errors: u64,
    /// The first unexpected answer, for diagnosis.
    pub first_error: Option<String>,
}

impl Figures {
    /// Figures from latencies in microseconds over `elapsed`.
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "percentile positions and rates of counts far below 2^52"
    )]
    pub fn from_latencies(
        mut micros: Vec<u32>,
        elapsed: Duration,
        errors: u64,
        first_error: Option<String>,
    ) -> Self {
        micros.sort_unstable();
        let at = |q: f64| -> f64 {
            if micros.is_empty() {
                return 0.0;
            }
            let index = ((micros.len() as f64 - 1.0) * q).round() as usize;
            f64::from(micros[index]) / 1000.0
        };
        Self {
            requests: micros.len() as u64,
            rps: micros.len() as f64 / elapsed.as_secs_f64().max(1e-9),
            p50_ms: at(0.50),
            p95_ms: at(0.95),
            p99_ms: at(0.99),
            max_ms: micros.last().map_or(0.0, |m| f64::from(*m) / 1000.0),
            errors,
            first_error,
        }
    }
}

/// The result of one connection.
struct Tally {
    micros: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
    /// When its last measured answer came (at least the window's end).
    ended: Instant,
}

impl Tally {
    fn new(until: Instant) -> Self {
        Self {
            micros: Vec::new(),
            errors: 0,
            first_error: None,
            ended: until,
        }
    }

    /// Whether it has a measured answer (an expected one or an error).
    fn answered(&self) -> bool {
        !self.micros.is_empty() || self.errors > 0
    }
}

/// Runs `load` against `addr` as `plan` says.
pub async fn run(addr: SocketAddr, load: Arc<Load>, plan: Plan) -> Result<Figures, BenchError> {
    let shared = Arc::new(Shared::default());
    let started = Instant::now();
    let measure_from = started + plan.warmup;
    let until = measure_from + plan.measure;
    let mut tasks = Vec::new();
    for conn in 0..plan.connections {
        let load = Arc::clone(&load);
        let shared = Arc::clone(&shared);
        tasks.push(tokio::spawn(async move {
            connection(addr, &load, &shared, conn, measure_from, until).await
        }));
    }
    let mut all = Tally::new(until);
    let mut ended = until;
    for task in tasks {
        let tally = task
            .await
            .map_err(|e| BenchError::Server(format!("a load task failed: {e}")))?;
        ended = ended.max(tally.ended);
        all.micros.extend(tally.micros);
        all.errors += tally.errors;
        if all.first_error.is_none() {
            all.first_error = tally.first_error;
        }
    }
    // The window, or longer when a connection waited for its first answer.
    let elapsed = plan
        .measure
        .max(ended.saturating_duration_since(measure_from));
    Ok(Figures::from_latencies(
        all.micros,
        elapsed,
        all.errors,
        all.first_error,
    ))
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (sender, conn) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

async fn connection(
    addr: SocketAddr,
    load: &Load,
    shared: &Shared,
    conn: u64,
    measure_from: Instant,
    until: Instant,
) -> Tally {
    let mut tally = Tally::new(until);
    let mut walk = Walk {
        conn,
        ..Walk::default()
    };
    let mut sender = None;
    while goes_on(until, tally.answered()) {
        let measured = Instant::now() >= measure_from;
        let fail = |tally: &mut Tally, why: String| {
            if measured {
                tally.errors += 1;
                tally.first_error.get_or_insert(why);
                tally.ended = tally.ended.max(Instant::now());
            }
        };
        if sender.is_none() {
            match connect(addr).await {
                Ok(s) => sender = Some(s),
                Err(e) => {
                    fail(&mut tally, format!("connect: {e}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let Some(s) = sender.as_mut() else { continue };
        let req = (load.make)(&mut walk, shared);
        walk.n += 1;
        let mut builder = Request::builder()
            .method(req.method)
            .uri(&req.path)
            .header("host", addr.to_string());
        if let Some(token) = &load.token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        if req.body.is_some() {
            builder = builder.header("content-type", "application/json");
        }
        let Ok(request) = builder.body(Full::new(req.body.unwrap_or_default())) else {
            fail(&mut tally, "bad request".into());
            continue;
        };
        let sent = Instant::now();
        let answer = async {
            s.ready().await.map_err(|e| e.to_string())?;
            let response = s.send_request(request).await.map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            Ok::<_, String>((status, body))
        }
        .await;
        let micros = u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX);
        match answer {
            Ok((status, body)) if status == load.expect => {
                if let Some(read) = &load.read {
                    read(&mut walk, &body);
                }
                if measured && (Instant::now() <= until || !tally.answered()) {
                    tally.micros.push(micros);
                    tally.ended = tally.ended.max(Instant::now());
                }
            }
            Ok((status, body)) => {
                let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
                fail(&mut tally, format!("status {status}: {text}"));
                walk.cursor = None;
                walk.step = 0;
            }
            Err(e) => {
                fail(&mut tally, format!("request: {e}"));
                sender = None;
            }
        }
    }
    tally
}

/// The status of one `GET path` (no token), or `None` when it fails.
pub async fn get_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut sender = connect(addr).await.ok()?;
    let request = Request::builder()
        .uri(path)
        .header("host", addr.to_string())
        .body(Full::new(Bytes::new()))
        .ok()?;
    let response = sender.send_request(request).await.ok()?;
    Some(response.status().as_u16())
}

/// One request with an optional token; the status and body.
pub async fn once(
    addr: SocketAddr,
    req: Req,
    token: Option<&str>,
) -> Result<(u16, Bytes), BenchError> {
    let mut sender = connect(addr).await.map_err(BenchError::Server)?;
    let mut builder = Request::builder()
        .method(req.method)
        .uri(&req.path)
        .header("host", addr.to_string())
        .header("content-type", "application/json");
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    let request = builder
        .body(Full::new(req.body.unwrap_or_default()))
        .map_err(|e| BenchError::Server(e.to_string()))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| BenchError::Server(e.to_string()))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| BenchError::Server(e.to_string()))?
        .to_bytes();
    Ok((status, body))
}
