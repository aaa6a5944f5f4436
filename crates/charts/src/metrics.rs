//! Text widths in the bundled fonts, for ECharts' layout.
//!
//! Without a canvas, ECharts estimates text widths from a built-in table,
//! which is narrower than DejaVu Sans: legends and labels drawn by resvg
//! would overlap. The engine hands ECharts this measure instead
//! (`echarts.setPlatformAPI({ measureText })`).

use skrifa::prelude::{FontRef, LocationRef, MetadataProvider, Size};

use crate::assets::FONTS;

/// Measures text set in DejaVu Sans (regular or bold).
#[derive(Clone)]
pub(crate) struct TextMetrics {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

impl std::fmt::Debug for TextMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TextMetrics(DejaVu Sans)")
    }
}

impl TextMetrics {
    /// The metrics of the bundled fonts.
    pub(crate) fn new() -> Result<Self, String> {
        let parse = |data: &'static [u8]| FontRef::new(data).map_err(|e| format!("font: {e}"));
        Ok(Self {
            regular: parse(FONTS[0])?,
            bold: parse(FONTS[1])?,
        })
    }

    /// The width in pixels of `text` set in the CSS `font` shorthand that
    /// ECharts passes (`bold 18px sans-serif`, `12px Microsoft YaHei`): its
    /// size in pixels (12 when absent) and whether it is bold are used; the
    /// family is always DejaVu Sans, as in the PNG.
    pub(crate) fn width(&self, text: &str, font: &str) -> f64 {
        let mut size = 12.0_f32;
        let mut bold = false;
        for token in font.split_whitespace() {
            if let Some(px) = token.strip_suffix("px").and_then(|n| n.parse::<f32>().ok()) {
                size = px;
            } else if matches!(token, "bold" | "bolder" | "600" | "700" | "800" | "900") {
                bold = true;
            }
        }
        let face = if bold { &self.bold } else { &self.regular };
        let charmap = face.charmap();
        let glyphs = face.glyph_metrics(Size::new(size), LocationRef::default());
        let fallback = 0.6 * size;
        let width: f32 = text
            .chars()
            .map(|c| {
                charmap
                    .map(c)
                    .and_then(|g| glyphs.advance_width(g))
                    .unwrap_or(fallback)
            })
            .sum();
        f64::from(width)
    }
}

#[cfg(test)]
mod tests {
    use super::TextMetrics;

    #[test]
    fn widths_follow_size_weight_and_text() {
        let m = TextMetrics::new().unwrap();
        let regular = m.width("Leads", "12px sans-serif");
        assert!(regular > 25.0 && regular < 40.0, "{regular}");
        assert!((m.width("Leads", "24px sans-serif") - 2.0 * regular).abs() < 0.01);
        assert!(m.width("Leads", "bold 12px sans-serif") > regular);
        assert!(m.width("Leads, prospects", "12px sans-serif") > regular);
        assert!(m.width("", "12px sans-serif").abs() < f64::EPSILON);
        assert!((m.width("abc", "") - m.width("abc", "12px serif")).abs() < 0.01);
    }
}
