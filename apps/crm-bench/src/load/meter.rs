//! Progress, timing and pipelining of the loader's batches.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::TableLoad;
use crate::error::BenchError;

/// Times batches of one table and draws its progress bar.
pub struct Meter {
    table: &'static str,
    bar: ProgressBar,
    started: Instant,
    total: u64,
    done: u64,
    first_tenth: Option<Duration>,
    last_tenth_from: Option<Instant>,
    in_flight: u64,
}

impl Meter {
    pub fn new(table: &'static str, total: u64) -> Self {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{msg:>14} {bar:40} {pos}/{len} {per_sec} ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message(table);
        Self {
            table,
            bar,
            started: Instant::now(),
            total,
            done: 0,
            first_tenth: None,
            last_tenth_from: None,
            in_flight: 0,
        }
    }

    /// Counts the batch handed over last (see [`Meter::handed`]) as written.
    fn written(&mut self) {
        let rows = std::mem::take(&mut self.in_flight);
        self.add(rows);
    }

    /// A batch of `rows` records handed to the writer.
    fn handed(&mut self, rows: u64) {
        self.before(rows);
        self.in_flight = rows;
    }

    pub fn add(&mut self, rows: u64) {
        self.done += rows;
        self.bar.inc(rows);
        if self.first_tenth.is_none() && self.done * 10 >= self.total {
            self.first_tenth = Some(self.started.elapsed());
        }
        if self.last_tenth_from.is_none() && self.done * 10 >= self.total * 9 {
            self.last_tenth_from = Some(Instant::now());
        }
    }

    /// Marks where the last tenth starts (call before its batch).
    pub fn before(&mut self, rows: u64) {
        if self.last_tenth_from.is_none() && (self.done + rows) * 10 > self.total * 9 {
            self.last_tenth_from = Some(Instant::now());
        }
    }

    #[allow(clippy::cast_precision_loss, reason = "row counts far below 2^52")]
    pub fn finish(self) -> TableLoad {
        self.bar.finish_and_clear();
        let seconds = self.started.elapsed().as_secs_f64();
        let tenth = self.total as f64 / 10.0;
        let rate = |d: Option<Duration>| d.map_or(0.0, |d| tenth / d.as_secs_f64().max(1e-9));
        let last = self.last_tenth_from.map(|from| from.elapsed());
        tracing::info!(table = self.table, rows = self.done, seconds, "loaded");
        TableLoad {
            table: self.table,
            rows: self.done,
            seconds,
            first_tenth_per_s: rate(self.first_tenth),
            last_tenth_per_s: rate(last),
        }
    }
}

/// One batch written while the next is generated.
#[derive(Default)]
pub struct Pipeline {
    pending: Option<tokio::task::JoinHandle<Result<(), crm_kernel::BackendError>>>,
}

impl Pipeline {
    /// Waits for the batch being written, then starts writing `write` (a
    /// batch of `rows` records counted by `meter` when written).
    pub async fn submit<F>(
        &mut self,
        meter: &mut Meter,
        rows: u64,
        write: F,
    ) -> Result<(), BenchError>
    where
        F: std::future::Future<Output = Result<(), crm_kernel::BackendError>> + Send + 'static,
    {
        self.drain(meter).await?;
        meter.handed(rows);
        self.pending = Some(tokio::spawn(write));
        Ok(())
    }

    /// Waits for the batch being written.
    pub async fn drain(&mut self, meter: &mut Meter) -> Result<(), BenchError> {
        if let Some(pending) = self.pending.take() {
            pending
                .await
                .map_err(|e| BenchError::Store(e.to_string()))??;
            meter.written();
        }
        Ok(())
    }
}
