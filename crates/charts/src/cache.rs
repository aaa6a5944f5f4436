//! Rendered charts kept for reuse.

use std::num::NonZeroUsize;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use crm_analytics::chart::{ChartFormat, ChartSize, ChartSpec, RenderError, RenderedChart};
use crm_analytics::ports::ChartRenderer;
use lru::LruCache;

/// What identifies a rendering: the format, the size, and the whole
/// specification (chart, title, subtitle with the range, granularity and
/// zone, every label and value) as JSON.
///
/// Keying on the content instead of on a data version the caller supplies
/// means a changed figure can never be served from an old image, and two
/// callers who may see different customers can never share an image unless
/// their charts are identical anyway.
type Key = (ChartFormat, ChartSize, String);

/// A [`ChartRenderer`] decorator that keeps the last `capacity` renderings
/// (least recently used goes first). Rendering an image takes tens to
/// hundreds of milliseconds; a hit costs a hash of the specification.
#[derive(Debug)]
pub struct CachedRenderer<R> {
    inner: R,
    cache: Mutex<LruCache<Key, RenderedChart>>,
}

impl<R: ChartRenderer> CachedRenderer<R> {
    /// Caches up to `capacity` renderings of `inner`.
    pub fn new(inner: R, capacity: NonZeroUsize) -> Self {
        Self {
            inner,
            cache: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// How many renderings are kept.
    pub fn len(&self) -> usize {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl<R: ChartRenderer> ChartRenderer for CachedRenderer<R> {
    async fn render(
        &self,
        chart: &ChartSpec,
        format: ChartFormat,
        size: ChartSize,
    ) -> Result<RenderedChart, RenderError> {
        let spec = serde_json::to_string(chart)
            .map_err(|e| RenderError(format!("chart specification: {e}")))?;
        let key = (format, size, spec);
        if let Some(hit) = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return Ok(hit.clone());
        }
        let rendered = self.inner.render(chart, format, size).await?;
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .put(key, rendered.clone());
        Ok(rendered)
    }
}
