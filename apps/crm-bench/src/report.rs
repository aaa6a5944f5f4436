//! The report of a run: JSON (everything measured) and Markdown (the
//! tables of docs/benchmarks.md), with the scaling curve of every scale
//! whose JSON lies in the same folder.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::client::Figures;
use crate::error::BenchError;
use crate::load::Loaded;
use crate::scale::Sizes;
use crate::store_phase::StoreFigures;

/// The machine a run ran on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Machine {
    /// Logical CPUs.
    pub cores: usize,
    /// Memory, in MiB.
    pub memory_mib: u64,
    /// `/proc/loadavg` when the run started and when it ended.
    pub load_start: String,
    /// See `load_start`.
    pub load_end: String,
}

/// One HTTP scenario's figures and its ceiling.
#[derive(Debug, Clone, Serialize)]
pub struct HttpResult {
    /// The scenario.
    pub name: String,
    /// What it measured.
    pub figures: Figures,
    /// What it is held against.
    pub ceiling: String,
    /// The ceiling's requests per second.
    pub ceiling_rps: Option<f64>,
    /// `rps / ceiling_rps`.
    pub ratio: Option<f64>,
    /// The server's resident memory right after the scenario, MiB.
    pub rss_after_mib: Option<f64>,
}

/// The server's memory.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Memory {
    /// Peak resident memory over the run (`VmHWM`), MiB.
    pub peak_rss_mib: f64,
    /// Resident memory at the end of the run (`VmRSS`), MiB.
    pub end_rss_mib: f64,
}

/// Everything one run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `small`, `default` or `large`.
    pub scale: String,
    /// `sqlite` or `mongo`.
    pub store: String,
    /// The command line.
    pub command: String,
    /// The machine.
    pub machine: Machine,
    /// The data set.
    pub sizes: Sizes,
    /// Loading.
    pub load: Loaded,
    /// Size of the database file (with its WAL), bytes.
    pub database_bytes: u64,
    /// Connections, warm-up and measured seconds of each scenario.
    pub connections: u64,
    /// Warm-up seconds.
    pub warmup_s: f64,
    /// Measured seconds.
    pub measure_s: f64,
    /// The ceilings (HTTP stack with a fixed document; bare read of the store).
    pub ceilings: Vec<HttpResult>,
    /// The HTTP scenarios.
    pub http: Vec<HttpResult>,
    /// The server's memory.
    pub memory: Option<Memory>,
    /// The store calls in-process.
    pub store_ops: Vec<StoreFigures>,
}

/// The part of an earlier report the scaling curve reads.
#[derive(Debug, Deserialize)]
struct ScalePoint {
    scale: String,
    sizes: SizesPoint,
    store_ops: Vec<OpPoint>,
}

#[derive(Debug, Deserialize)]
struct SizesPoint {
    customers: u64,
    interactions: u64,
}

#[derive(Debug, Deserialize)]
struct OpPoint {
    name: String,
    figures: FiguresPoint,
}

#[derive(Debug, Deserialize)]
struct FiguresPoint {
    rps: f64,
    p50_ms: f64,
}

fn ms(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.0}")
    }
}

fn row(out: &mut String, r: &HttpResult) {
    let f = &r.figures;
    let _ = writeln!(
        out,
        "| {} | {:.0} | {} | {} | {} | {} | {} | {} | {} | {} |",
        r.name,
        f.rps,
        ms(f.p50_ms),
        ms(f.p95_ms),
        ms(f.p99_ms),
        ms(f.max_ms),
        f.errors,
        r.ceiling_rps
            .map_or_else(|| "–".to_owned(), |c| format!("{c:.0} ({})", r.ceiling)),
        r.ratio
            .map_or_else(|| "–".to_owned(), |x| format!("{x:.2}×")),
        r.rss_after_mib
            .map_or_else(|| "–".to_owned(), |m| format!("{m:.0}")),
    );
}

/// The Markdown of `report`, with the scaling curve of the reports in `dir`.
#[must_use]
#[allow(clippy::cast_precision_loss, reason = "byte counts shown in MiB")]
pub fn markdown(report: &Report, dir: &Path) -> String {
    let mut out = String::new();
    let m = &report.machine;
    let _ = writeln!(out, "## `{}` on {}\n", report.scale, report.store);
    let _ = writeln!(
        out,
        "Machine: {} cores, {} MiB memory; load average at start `{}`, at end `{}`.  ",
        m.cores, m.memory_mib, m.load_start, m.load_end
    );
    let _ = writeln!(out, "Command: `{}`  ", report.command);
    let s = &report.sizes;
    let _ = writeln!(
        out,
        "Data: {} companies, {} customers, {} interactions (one customer with {}, one organizer with {}), {} tickets ({} open), {} emails.  ",
        s.companies,
        s.customers,
        s.interactions,
        s.heavy_customer,
        s.heavy_organizer,
        s.tickets,
        s.open_tickets,
        s.emails
    );
    let _ = writeln!(
        out,
        "Load time {:.0} s; database {:.0} MiB; {} connections, {} s warm-up then {} s measured per scenario.\n",
        report.load.seconds,
        report.database_bytes as f64 / 1_048_576.0,
        report.connections,
        report.warmup_s,
        report.measure_s
    );
    let _ = writeln!(
        out,
        "| table | rows | seconds | rows/s, first tenth | rows/s, last tenth |"
    );
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: |");
    for t in &report.load.tables {
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} | {:.0} | {:.0} |",
            t.table, t.rows, t.seconds, t.first_tenth_per_s, t.last_tenth_per_s
        );
    }
    let i = &report.load.invariants;
    let _ = writeln!(
        out,
        "\nInvariants after loading ({} customers, {} tickets): status ≠ last change {}, stale last_interaction {}, search index gap {}, ticket status ≠ last event {}.\n",
        i.customers,
        i.tickets,
        i.status_not_last_change,
        i.stale_last_interaction,
        i.search_index_gap,
        i.ticket_status_not_last_event
    );
    if !report.http.is_empty() {
        let _ = writeln!(
            out,
            "| scenario | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | ceiling req/s | ratio | RSS after, MiB |"
        );
        let _ = writeln!(
            out,
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |"
        );
        for r in report.ceilings.iter().chain(&report.http) {
            row(&mut out, r);
        }
        if let Some(memory) = report.memory {
            let _ = writeln!(
                out,
                "\nServer memory: peak RSS {:.0} MiB, at the end {:.0} MiB.",
                memory.peak_rss_mib, memory.end_rss_mib
            );
        }
    }
    let _ = writeln!(out, "\nStore calls in-process (same services, no HTTP):\n");
    let _ = writeln!(out, "| operation | calls/s | p50 ms | p99 ms | errors |");
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: |");
    for op in &report.store_ops {
        let f = &op.figures;
        let _ = writeln!(
            out,
            "| {} | {:.0} | {} | {} | {} |",
            op.name,
            f.rps,
            ms(f.p50_ms),
            ms(f.p99_ms),
            f.errors
        );
    }
    out.push_str(&scaling(dir, &report.store));
    out
}

/// The scaling curve: each store operation's median cost at each scale
/// whose report on `store` is in `dir`.
fn scaling(dir: &Path, store: &str) -> String {
    let mut points: Vec<ScalePoint> = ["tiny", "small", "default", "large"]
        .iter()
        .filter_map(|scale| {
            std::fs::read(dir.join(format!("{}.json", file_stem(scale, store)))).ok()
        })
        .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
        .collect();
    if points.len() < 2 {
        return String::new();
    }
    points.sort_by_key(|p| p.sizes.interactions);
    let mut out =
        String::from("\nScaling (median ms per store call; calls/s in brackets):\n\n| operation |");
    for p in &points {
        let _ = write!(
            out,
            " {} ({}k customers, {}k interactions) |",
            p.scale,
            p.sizes.customers / 1000,
            p.sizes.interactions / 1000
        );
    }
    out.push_str("\n| --- |");
    out.push_str(&" ---: |".repeat(points.len()));
    out.push('\n');
    for op in &points[0].store_ops {
        let _ = write!(out, "| {} |", op.name);
        for p in &points {
            match p.store_ops.iter().find(|o| o.name == op.name) {
                Some(o) => {
                    let _ = write!(out, " {} ({:.0}) |", ms(o.figures.p50_ms), o.figures.rps);
                }
                None => out.push_str(" – |"),
            }
        }
        out.push('\n');
    }
    out
}

/// The file name of a report without its extension: `bench-<scale>` on
/// SQLite, `bench-<scale>-mongo` on MongoDB (so both stores' reports can
/// share a folder, each with its own scaling curve).
#[must_use]
pub fn stem(report: &Report) -> String {
    file_stem(&report.scale, &report.store)
}

fn file_stem(scale: &str, store: &str) -> String {
    match store {
        "sqlite" => format!("bench-{scale}"),
        other => format!("bench-{scale}-{other}"),
    }
}

/// Writes `<stem>.json` and `<stem>.md` into `dir` (see [`stem`]).
pub fn write(report: &Report, dir: &Path) -> Result<(), BenchError> {
    let json = serde_json::to_vec_pretty(report)?;
    std::fs::write(dir.join(format!("{}.json", stem(report))), json)?;
    std::fs::write(
        dir.join(format!("{}.md", stem(report))),
        markdown(report, dir),
    )?;
    Ok(())
}

/// The machine's cores and memory, and its load average now.
#[must_use]
pub fn machine() -> Machine {
    let memory_kib: u64 = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0);
    Machine {
        cores: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        memory_mib: memory_kib / 1024,
        load_start: load_average(),
        load_end: String::new(),
    }
}

/// `/proc/loadavg`'s three averages.
#[must_use]
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}
