//! The rendering cache: keyed by the whole specification, format and size.
#![allow(
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    reason = "tests fail by panicking; pixel counts are small"
)]

mod support;

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use crm_analytics::chart::{
    ChartBody, ChartFormat, ChartSize, ChartSpec, RenderError, RenderedChart,
};
use crm_analytics::ports::ChartRenderer;
use crm_charts::CachedRenderer;

/// Counts renderings; each answer carries its number.
#[derive(Debug, Default)]
struct Counting(AtomicUsize);

#[async_trait]
impl ChartRenderer for Counting {
    async fn render(
        &self,
        _chart: &ChartSpec,
        format: ChartFormat,
        _size: ChartSize,
    ) -> Result<RenderedChart, RenderError> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(RenderedChart {
            format,
            bytes: n.to_string().into_bytes(),
        })
    }
}

fn cached(capacity: usize) -> CachedRenderer<Counting> {
    CachedRenderer::new(Counting::default(), NonZeroUsize::new(capacity).unwrap())
}

#[tokio::test]
async fn the_same_chart_is_rendered_once_and_any_change_renders_anew() {
    let cache = cached(16);
    let spec = support::every_chart().remove(2);
    let size = ChartSize::default();
    let first = cache.render(&spec, ChartFormat::Png, size).await.unwrap();
    let again = cache.render(&spec, ChartFormat::Png, size).await.unwrap();
    assert_eq!(
        (first.bytes.as_slice(), again.bytes.as_slice()),
        (&b"1"[..], &b"1"[..])
    );

    // Another figure (new data), another range (subtitle), another format
    // or size: each is a rendering of its own.
    let mut changed = spec.clone();
    if let ChartBody::Cartesian(body) = &mut changed.body {
        body.series[0].values[3] = Some(99.0);
    }
    let moved = ChartSpec {
        subtitle: "2026-03-02 – 2026-03-15 · by day · UTC".to_owned(),
        ..spec.clone()
    };
    let answers = [
        cache
            .render(&changed, ChartFormat::Png, size)
            .await
            .unwrap(),
        cache.render(&moved, ChartFormat::Png, size).await.unwrap(),
        cache.render(&spec, ChartFormat::Svg, size).await.unwrap(),
        cache
            .render(&spec, ChartFormat::Png, ChartSize::new(400, 300).unwrap())
            .await
            .unwrap(),
    ];
    let numbers: Vec<&[u8]> = answers.iter().map(|a| a.bytes.as_slice()).collect();
    assert_eq!(numbers, [&b"2"[..], b"3", b"4", b"5"]);
    assert_eq!(cache.len(), 5);
}

#[tokio::test]
async fn the_least_recently_used_rendering_goes_first() {
    let cache = cached(2);
    let specs = support::every_chart();
    let size = ChartSize::default();
    for spec in &specs[..2] {
        cache.render(spec, ChartFormat::Json, size).await.unwrap();
    }
    // Use the first again, then a third pushes out the second.
    cache
        .render(&specs[0], ChartFormat::Json, size)
        .await
        .unwrap();
    cache
        .render(&specs[2], ChartFormat::Json, size)
        .await
        .unwrap();
    let first = cache
        .render(&specs[0], ChartFormat::Json, size)
        .await
        .unwrap();
    let second = cache
        .render(&specs[1], ChartFormat::Json, size)
        .await
        .unwrap();
    assert_eq!(first.bytes, b"1");
    assert_eq!(second.bytes, b"4");
    assert_eq!(cache.len(), 2);
}
