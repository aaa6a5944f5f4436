//! Every chart kind in every format, drawn for real: ECharts in QuickJS,
//! resvg with the bundled fonts.
#![allow(
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    reason = "tests fail by panicking; pixel counts are small"
)]

mod support;

use std::sync::OnceLock;

use crm_analytics::chart::{ChartBody, ChartFormat, ChartSize, ChartSpec};
use crm_analytics::ports::ChartRenderer;
use crm_charts::{CHART_PAGE_JS, ECHARTS_JS, EchartsRenderer, PageScripts, echarts_option};
use resvg::tiny_skia::Pixmap;

const SCRIPT: &str = "/assets/echarts-5.5.1.min.js";
const PAGE_SCRIPT: &str = "/assets/crm-chart.js";

/// One renderer for the whole file: ECharts loads once.
fn renderer() -> &'static EchartsRenderer {
    static RENDERER: OnceLock<EchartsRenderer> = OnceLock::new();
    RENDERER.get_or_init(|| {
        EchartsRenderer::new(PageScripts {
            echarts: SCRIPT.to_owned(),
            page: PAGE_SCRIPT.to_owned(),
        })
        .unwrap()
    })
}

async fn render(spec: &ChartSpec, format: ChartFormat, size: ChartSize) -> Vec<u8> {
    let rendered = renderer().render(spec, format, size).await.unwrap();
    assert_eq!(rendered.format, format);
    rendered.bytes
}

fn pixels(png: &[u8]) -> Pixmap {
    Pixmap::decode_png(png).unwrap()
}

/// Pixels that are not the white background.
fn ink(pixmap: &Pixmap) -> usize {
    pixmap
        .pixels()
        .iter()
        .filter(|p| (p.red(), p.green(), p.blue()) != (255, 255, 255))
        .count()
}

#[tokio::test]
async fn svg_is_valid_xml_with_the_charts_content() {
    for spec in support::every_chart() {
        let svg =
            String::from_utf8(render(&spec, ChartFormat::Svg, ChartSize::default()).await).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{}: {e}", spec.name));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg", "{}", spec.name);
        assert_eq!(root.attribute("width"), Some("800"));
        assert_eq!(root.attribute("height"), Some("400"));
        let count = |tag: &str| doc.descendants().filter(|n| n.has_tag_name(tag)).count();
        let least = match spec.body {
            ChartBody::Cartesian(_) => 20,
            ChartBody::Funnel { .. } => 3,
        };
        assert!(
            count("path") >= least,
            "{}: {} paths",
            spec.name,
            count("path")
        );
        let texts: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        assert!(
            texts.contains(&spec.title.as_str()),
            "{}: {texts:?}",
            spec.name
        );
        match &spec.body {
            ChartBody::Cartesian(body) => {
                assert!(
                    texts.contains(&body.series[0].name.as_str()),
                    "legend of {}",
                    spec.name
                );
                assert!(
                    texts.iter().any(|t| t.starts_with("2026-03")),
                    "axis of {}",
                    spec.name
                );
            }
            ChartBody::Funnel { stages } => {
                assert!(texts.contains(&stages[0].name.as_str()), "{texts:?}");
            }
        }
    }
}

#[tokio::test]
async fn png_decodes_at_the_asked_size_with_a_real_drawing() {
    let size = ChartSize::new(640, 360).unwrap();
    for spec in support::every_chart() {
        let png = render(&spec, ChartFormat::Png, size).await;
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let pixmap = pixels(&png);
        assert_eq!((pixmap.width(), pixmap.height()), (640, 360));
        let share = ink(&pixmap) as f64 / (640.0 * 360.0);
        assert!(
            share > 0.03 && share < 0.9,
            "{}: {share:.3} of the pixels drawn",
            spec.name
        );
    }
}

#[tokio::test]
async fn text_is_drawn_with_the_bundled_font() {
    let spec = support::every_chart().remove(0);
    let untitled = ChartSpec {
        title: String::new(),
        subtitle: String::new(),
        ..spec.clone()
    };
    let size = ChartSize::default();
    let with = pixels(&render(&spec, ChartFormat::Png, size).await);
    let without = pixels(&render(&untitled, ChartFormat::Png, size).await);
    // The title sits in the top left corner; nothing else is drawn there.
    let corner_ink = |p: &Pixmap| {
        (0..40u32)
            .flat_map(|y| (0..300u32).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let c = p.pixel(x, y).unwrap();
                (c.red(), c.green(), c.blue()) != (255, 255, 255)
            })
            .count()
    };
    assert_eq!(corner_ink(&without), 0);
    assert!(
        corner_ink(&with) > 300,
        "title pixels: {}",
        corner_ink(&with)
    );
}

#[tokio::test]
async fn json_is_the_echarts_option_and_round_trips() {
    for spec in support::every_chart() {
        let json = render(&spec, ChartFormat::Json, ChartSize::default()).await;
        let back: charming::Chart = serde_json::from_slice(&json).unwrap();
        assert_eq!(back, echarts_option(&spec), "{}", spec.name);
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(value["title"][0]["text"], spec.title.as_str());
        assert_eq!(value["animation"], false);
        if let ChartBody::Cartesian(body) = &spec.body {
            let series = value["series"].as_array().unwrap();
            assert_eq!(series.len(), body.series.len());
            assert_eq!(
                value["xAxis"]["data"].as_array().unwrap().len(),
                body.categories.len()
            );
        }
    }
}

#[tokio::test]
async fn html_loads_echarts_from_our_server_only() {
    for spec in support::every_chart() {
        let html = String::from_utf8(render(&spec, ChartFormat::Html, ChartSize::default()).await)
            .unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains(&format!(r#"<script src="{SCRIPT}" defer></script>"#)));
        assert!(html.contains(&format!(r#"<script src="{PAGE_SCRIPT}" defer></script>"#)));
        assert!(html.contains(r#"<script type="application/json" id="chart-option">"#));
        assert_eq!(
            html.matches("<script").count(),
            3,
            "no inline script besides the JSON data"
        );
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "no external URL"
        );
        assert!(html.contains(&format!("<title>{}</title>", spec.title)));
    }
    assert!(CHART_PAGE_JS.contains("echarts.init"));
    assert!(ECHARTS_JS.contains("renderToSVGString"));
}

#[tokio::test]
async fn charts_render_concurrently() {
    let specs = support::every_chart();
    let size = ChartSize::default();
    let handles: Vec<_> = specs
        .iter()
        .cloned()
        .map(|spec| {
            tokio::spawn(async move { renderer().render(&spec, ChartFormat::Svg, size).await })
        })
        .collect();
    for (spec, handle) in specs.iter().zip(handles) {
        let svg = String::from_utf8(handle.await.unwrap().unwrap().bytes).unwrap();
        assert!(svg.contains(&spec.title), "{}", spec.name);
    }
}
