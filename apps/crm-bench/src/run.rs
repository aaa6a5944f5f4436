//! One benchmark run: load, serve, drive, measure, report.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hyper::Method;
use serde_json::json;

use crate::client::{self, Load, Plan, Req};
use crate::database::{Database, StoreKind};
use crate::error::BenchError;
use crate::load::{self, Facts, STAFF_PASSWORD};
use crate::report::{self, HttpResult, Memory, Report};
use crate::scale::Scale;
use crate::scenarios::{self, Ceiling, HISTORY_PAGE, LIST};
use crate::server::Running;
use crate::store_phase;
use crate::wiring;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The scale.
    pub scale: Scale,
    /// The store.
    pub store: StoreKind,
    /// Where reports (and, while running, the database) go.
    pub out: PathBuf,
    /// Connections of the load generator.
    pub connections: u64,
    /// Warm-up of each scenario, if not the scale's.
    pub warmup: Option<Duration>,
    /// Measured time of each scenario, if not the scale's.
    pub measure: Option<Duration>,
    /// Keep the database afterwards.
    pub keep: bool,
    /// The command line, for the report.
    pub command: String,
}

/// The run's MongoDB database: named after the scale and the time it
/// started (and this process, so two runs at once do not meet).
fn mongo_name(scale: Scale) -> String {
    format!(
        "crm_bench_{}_{}_{}",
        scale.name(),
        chrono::Utc::now().format("%Y%m%d_%H%M%S"),
        std::process::id()
    )
}

/// Runs the benchmark and writes its report; the database is removed at
/// the end (also when the run fails) unless `keep`.
pub async fn run(options: Options) -> Result<Report, BenchError> {
    std::fs::create_dir_all(&options.out)?;
    let database = match options.store {
        StoreKind::Sqlite => {
            let path = options
                .out
                .join(format!("bench-{}.db", options.scale.name()));
            Database::sqlite(path).await?
        }
        StoreKind::Mongo => Database::mongo(mongo_name(options.scale), &options.out).await?,
    };
    let outcome = run_on(&options, &database).await;
    let finished = database.finish(options.keep).await;
    let report = outcome?;
    finished?;
    Ok(report)
}

async fn run_on(options: &Options, database: &Database) -> Result<Report, BenchError> {
    let mut machine = report::machine();
    let sizes = options.scale.sizes();
    tracing::info!(scale = options.scale.name(), database = %database.describe(), "loading");
    let (facts, loaded) = load::load(database, sizes).await?;
    tracing::info!(seconds = loaded.seconds, "loaded; invariants hold");
    let facts = Arc::new(facts);
    let (warmup, measure) = options.scale.timing();
    let (warmup, measure) = (
        options.warmup.unwrap_or(warmup),
        options.measure.unwrap_or(measure),
    );
    let plan = Plan {
        connections: options.connections,
        warmup,
        measure,
    };
    let deep_pages = sizes.customers / 1_000;
    let mut http = HttpPhase::default();
    if options.scale.serves_http() {
        http = http_phase(
            database,
            &options.out,
            &facts,
            plan,
            sizes.customers / 1_000,
        )
        .await?;
    }
    tracing::info!("store-only phase");
    let store_ops = store_phase::run(database, &facts, deep_pages, plan).await?;
    fill_ceilings(
        &mut http.results,
        &http.kinds,
        &http.ceilings,
        &store_ops,
        database,
    );
    machine.load_end = report::load_average();
    let report = Report {
        scale: options.scale.name().to_owned(),
        store: database.kind().into(),
        command: options.command.clone(),
        machine,
        sizes,
        load: loaded,
        database_bytes: database.bytes().await,
        connections: plan.connections,
        warmup_s: warmup.as_secs_f64(),
        measure_s: measure.as_secs_f64(),
        ceilings: http.ceilings,
        http: http.results,
        memory: http.memory,
        store_ops,
    };
    report::write(&report, &options.out)?;
    Ok(report)
}

/// What the HTTP phase measured.
#[derive(Debug, Default)]
struct HttpPhase {
    ceilings: Vec<HttpResult>,
    results: Vec<HttpResult>,
    kinds: Vec<Ceiling>,
    memory: Option<Memory>,
}

/// Starts the server on `database`, measures the ceilings, runs every HTTP
/// scenario, reads the server's memory and stops it.
async fn http_phase(
    database: &Database,
    out: &Path,
    facts: &Arc<Facts>,
    plan: Plan,
    deep_pages: u32,
) -> Result<HttpPhase, BenchError> {
    let mut phase = HttpPhase::default();
    let env = wiring::server_env(database);
    let server = Running::start("serve", &env, &out.join("server.log"), "/health/ready").await?;
    tracing::info!(pid = server.pid(), addr = %server.addr, "server up");
    let token = login(server.addr, &facts.agent_email).await?;
    phase.ceilings = measure_ceilings(&env, database, out, &token, facts, plan).await?;
    let deep = walk(server.addr, &token, LIST, deep_pages).await?;
    let history = walk(
        server.addr,
        &token,
        &format!(
            "/api/customers/{}/interactions?limit=50",
            facts.heavy_customer
        ),
        HISTORY_PAGE - 1,
    )
    .await?;
    for scenario in scenarios::http(facts, &token, deep, history) {
        tracing::info!(scenario = scenario.name, "HTTP scenario");
        let plan = Plan {
            connections: scenario.connections.unwrap_or(plan.connections),
            // Sign-in takes tens of milliseconds by design: a longer
            // window gives it enough answers to measure.
            // (three times the usual window, up to 3 s).
            measure: if scenario.connections.is_some() {
                plan.measure
                    .max(plan.measure.min(std::time::Duration::from_secs(1)) * 3)
            } else {
                plan.measure
            },
            ..plan
        };
        let figures = client::run(server.addr, Arc::new(scenario.load), plan).await?;
        if figures.requests == 0 {
            tracing::warn!(
                scenario = scenario.name,
                "no answer within the measured window"
            );
        }
        if figures.errors > 0 {
            tracing::warn!(scenario = scenario.name, errors = figures.errors, first = ?figures.first_error, "errors");
        }
        // The ceiling is filled in once the store phase has run.
        phase.kinds.push(scenario.ceiling);
        #[allow(clippy::cast_precision_loss, reason = "KiB shown in MiB")]
        let rss = server.memory_kib().1 as f64 / 1024.0;
        phase.results.push(HttpResult {
            name: scenario.name.to_owned(),
            figures,
            ceiling: String::new(),
            ceiling_rps: None,
            ratio: None,
            rss_after_mib: Some(rss),
        });
    }
    let (peak, end) = server.memory_kib();
    #[allow(clippy::cast_precision_loss, reason = "KiB shown in MiB")]
    let to_mib = |kib: u64| kib as f64 / 1024.0;
    phase.memory = Some(Memory {
        peak_rss_mib: to_mib(peak),
        end_rss_mib: to_mib(end),
    });
    server.stop().await?;
    Ok(phase)
}

/// Signs the agent in; its access token.
async fn login(addr: std::net::SocketAddr, email: &str) -> Result<String, BenchError> {
    let (status, body) = client::once(
        addr,
        Req::json(
            Method::POST,
            "/api/auth/login",
            &json!({"email": email, "password": STAFF_PASSWORD}),
        ),
        None,
    )
    .await?;
    let value: serde_json::Value = serde_json::from_slice(&body)?;
    match (status, value["access_token"].as_str()) {
        (200, Some(token)) => Ok(token.to_owned()),
        _ => Err(BenchError::Server(format!(
            "sign-in failed: {status} {value}"
        ))),
    }
}

/// The cursor after `pages` pages of `path`, if the list is that long.
async fn walk(
    addr: std::net::SocketAddr,
    token: &str,
    path: &str,
    pages: u32,
) -> Result<Option<String>, BenchError> {
    let mut cursor: Option<String> = None;
    for _ in 0..pages {
        let url = match &cursor {
            Some(c) => format!("{path}&cursor={c}"),
            None => path.to_owned(),
        };
        let (status, body) = client::once(addr, Req::get(url), Some(token)).await?;
        if status != 200 {
            return Err(BenchError::Server(format!(
                "walking {path}: status {status}"
            )));
        }
        match scenarios::next_cursor(&body) {
            Some(next) => cursor = Some(next),
            None => return Ok(cursor),
        }
    }
    Ok(cursor)
}

/// The ceilings: the ceiling server answering a fixed document and a bare
/// primary-key read of the same store, behind the same token check.
async fn measure_ceilings(
    env: &[(String, String)],
    database: &Database,
    out: &Path,
    token: &str,
    facts: &Arc<Facts>,
    plan: Plan,
) -> Result<Vec<HttpResult>, BenchError> {
    let mut env = env.to_vec();
    env.extend(database.ceiling_env());
    let ceiling =
        Running::start("ceiling", &env, &out.join("ceiling.log"), "/health/ready").await?;
    let mut results = Vec::new();
    let f = Arc::clone(facts);
    let bare = match database {
        Database::Sqlite { .. } => {
            "ceiling: bare SQLite primary-key read (same HTTP stack and token check)"
        }
        Database::Mongo { .. } => {
            "ceiling: bare MongoDB find_one by _id (same HTTP stack and token check)"
        }
    };
    let loads: [(&str, crate::client::MakeRequest); 2] = [
        (
            "ceiling: fixed document (same HTTP stack and token check)",
            Box::new(|_, _| Req::get("/ceiling/fixed")),
        ),
        (
            bare,
            Box::new(move |w: &mut client::Walk, _| {
                let n = usize::try_from(w.n * 977 + w.conn).unwrap_or(0) % f.customers.len();
                Req::get(format!("/ceiling/row/{}", f.customers[n]))
            }),
        ),
    ];
    for (name, make) in loads {
        tracing::info!(scenario = name, "ceiling");
        let load = Load {
            make,
            read: None,
            expect: 200,
            token: Some(token.to_owned()),
        };
        let figures = client::run(ceiling.addr, Arc::new(load), plan).await?;
        results.push(HttpResult {
            name: name.to_owned(),
            figures,
            ceiling: String::new(),
            ceiling_rps: None,
            ratio: None,
            rss_after_mib: None,
        });
    }
    ceiling.stop().await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(results)
}

/// Each HTTP scenario's ceiling and ratio.
fn fill_ceilings(
    http: &mut [HttpResult],
    kinds: &[Ceiling],
    ceilings: &[HttpResult],
    store: &[store_phase::StoreFigures],
    database: &Database,
) {
    let bare_name = match database {
        Database::Sqlite { .. } => "bare SQLite read",
        Database::Mongo { .. } => "bare MongoDB read",
    };
    let fixed = ceilings.first().map(|c| c.figures.rps);
    let bare = ceilings.get(1).map(|c| c.figures.rps);
    for (r, kind) in http.iter_mut().zip(kinds) {
        let (name, rps) = match kind {
            Ceiling::BareRow => (bare_name.to_owned(), bare),
            Ceiling::Fixed => ("fixed document".to_owned(), fixed),
            Ceiling::Store(op) => {
                let store_rps = store.iter().find(|s| s.name == *op).map(|s| s.figures.rps);
                let combined = match (fixed, store_rps) {
                    (Some(f), Some(s)) if f > 0.0 && s > 0.0 => Some(1.0 / (1.0 / f + 1.0 / s)),
                    _ => None,
                };
                (format!("HTTP ⊕ {op}"), combined)
            }
            Ceiling::None => ("none".to_owned(), None),
        };
        r.ceiling = name;
        r.ceiling_rps = rps;
        r.ratio = rps.map(|c| r.figures.rps / c);
    }
}
