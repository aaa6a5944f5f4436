//! ECharts in QuickJS on a thread of its own: SVG (and PNG from it) without
//! a browser, V8 or network.
//!
//! Loading the ECharts script takes a while (about 0.4 s in a debug build),
//! so one engine thread loads it once and then draws every chart asked of
//! it; callers wait for the answer without blocking their task.

use std::sync::mpsc;
use std::thread;

use futures_channel::oneshot;
use rquickjs::{Context, Ctx, Function, Runtime};

use crate::assets::ECHARTS_JS;
use crate::metrics::TextMetrics;
use crate::raster::Rasteriser;

/// What to draw: an ECharts option as JSON, at a size, as SVG or also PNG.
struct Job {
    option: String,
    width: u32,
    height: u32,
    png: bool,
    reply: oneshot::Sender<Result<Vec<u8>, String>>,
}

/// Draws charts on its own thread, one at a time.
#[derive(Debug)]
pub(crate) struct Engine {
    jobs: mpsc::Sender<Job>,
}

/// Defines `__crmRender(optionJson, width, height)`: an SVG string drawn
/// by ECharts' server-side renderer, the chart disposed afterwards.
const RENDER_FN: &str = r"
globalThis.__crmRender = function (optionJson, width, height) {
    var chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: width, height: height });
    try {
        chart.setOption(JSON.parse(optionJson));
        return chart.renderToSVGString();
    } finally {
        chart.dispose();
    }
};
";

/// Hands ECharts the real text widths of the bundled fonts (`__crmTextWidth`,
/// defined from Rust) for its layout.
const MEASURE_FN: &str = r"
echarts.setPlatformAPI({
    measureText: function (text, font) {
        return { width: __crmTextWidth(String(text), font ? String(font) : '') };
    }
});
";

/// Timers do not exist without an event loop; ECharts only needs them for
/// animation, which the options switch off.
const SHIMS: &str =
    "globalThis.setTimeout = function () { return 0; }; globalThis.clearTimeout = function () {};";

impl Engine {
    /// Starts the engine thread (the script is loaded with the first chart).
    pub(crate) fn start() -> Result<Self, String> {
        let (jobs, queue) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("crm-charts".to_owned())
            .spawn(move || run(&queue))
            .map_err(|e| format!("cannot start the chart thread: {e}"))?;
        Ok(Self { jobs })
    }

    /// The SVG (or, with `png`, the PNG) of an ECharts option.
    pub(crate) async fn draw(
        &self,
        option: String,
        width: u32,
        height: u32,
        png: bool,
    ) -> Result<Vec<u8>, String> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job {
                option,
                width,
                height,
                png,
                reply,
            })
            .map_err(|_| "the chart thread has stopped".to_owned())?;
        answer
            .await
            .map_err(|_| "the chart thread dropped the job".to_owned())?
    }
}

/// The engine thread: loads QuickJS and ECharts at the first job, then
/// answers jobs until every sender is gone.
fn run(queue: &mpsc::Receiver<Job>) {
    let rasteriser = Rasteriser::new();
    let mut js: Option<(Runtime, Context)> = None;
    while let Ok(job) = queue.recv() {
        if js.is_none() {
            match load() {
                Ok(loaded) => js = Some(loaded),
                Err(error) => {
                    tracing::error!(%error, "cannot load ECharts");
                    let _ = job.reply.send(Err(error));
                    continue;
                }
            }
        }
        let Some((_, context)) = &js else { continue };
        let started = std::time::Instant::now();
        let result = context
            .with(|ctx| svg(&ctx, &job.option, job.width, job.height))
            .and_then(|svg| {
                if job.png {
                    rasteriser.png(&svg, job.width, job.height)
                } else {
                    Ok(svg.into_bytes())
                }
            });
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis(),
            png = job.png,
            "chart drawn"
        );
        // The caller may have gone away meanwhile; nothing to do then.
        let _ = job.reply.send(result);
    }
}

fn load() -> Result<(Runtime, Context), String> {
    let started = std::time::Instant::now();
    let runtime = Runtime::new().map_err(|e| format!("QuickJS: {e}"))?;
    runtime.set_memory_limit(512 * 1024 * 1024);
    let context = Context::full(&runtime).map_err(|e| format!("QuickJS: {e}"))?;
    let metrics = TextMetrics::new()?;
    context.with(|ctx| {
        let measure = Function::new(ctx.clone(), move |text: String, font: String| {
            metrics.width(&text, &font)
        })
        .map_err(|e| format!("QuickJS: {e}"))?;
        ctx.globals()
            .set("__crmTextWidth", measure)
            .map_err(|e| format!("QuickJS: {e}"))?;
        for (name, code) in [
            ("shims", SHIMS),
            ("echarts", ECHARTS_JS),
            ("measure", MEASURE_FN),
            ("render", RENDER_FN),
        ] {
            ctx.eval::<(), _>(code)
                .map_err(|e| format!("loading {name}: {}", exception(&ctx, &e)))?;
        }
        Ok::<_, String>(())
    })?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis(),
        "ECharts loaded into QuickJS"
    );
    Ok((runtime, context))
}

fn svg(ctx: &Ctx<'_>, option: &str, width: u32, height: u32) -> Result<String, String> {
    let render: Function = ctx
        .globals()
        .get("__crmRender")
        .map_err(|e| exception(ctx, &e))?;
    render
        .call((option, width, height))
        .map_err(|e| format!("ECharts: {}", exception(ctx, &e)))
}

/// The text of a JavaScript exception, or of the error itself.
fn exception(ctx: &Ctx<'_>, error: &rquickjs::Error) -> String {
    if error.is_exception() {
        let thrown = ctx.catch();
        if let Some(exception) = thrown.as_exception() {
            return format!(
                "{} {}",
                exception.message().unwrap_or_default(),
                exception.stack().unwrap_or_default()
            );
        }
        return format!("{thrown:?}");
    }
    error.to_string()
}
