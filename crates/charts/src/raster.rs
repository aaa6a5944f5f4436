//! SVG to PNG with resvg and the bundled fonts.

use std::sync::Arc;

use resvg::tiny_skia::{Color, Pixmap, Transform};
use resvg::usvg::{self, fontdb};

use crate::assets::{FONT_FAMILY, FONTS};

/// Rasterises SVGs with only the bundled fonts: text looks the same on every
/// machine, and never silently disappears for want of a system font.
#[derive(Debug, Clone)]
pub(crate) struct Rasteriser {
    fonts: Arc<fontdb::Database>,
}

impl Rasteriser {
    /// A rasteriser whose `sans-serif` (and default family) is DejaVu Sans.
    pub(crate) fn new() -> Self {
        let mut fonts = fontdb::Database::new();
        for font in FONTS {
            fonts.load_font_data(font.to_vec());
        }
        fonts.set_sans_serif_family(FONT_FAMILY);
        Self {
            fonts: Arc::new(fonts),
        }
    }

    /// The PNG of `svg` at `width` × `height` pixels on a white background.
    #[allow(
        clippy::cast_precision_loss,
        reason = "sizes are at most a few thousand pixels"
    )]
    pub(crate) fn png(&self, svg: &str, width: u32, height: u32) -> Result<Vec<u8>, String> {
        let options = usvg::Options {
            font_family: FONT_FAMILY.to_owned(),
            fontdb: Arc::clone(&self.fonts),
            ..usvg::Options::default()
        };
        let tree = usvg::Tree::from_str(svg, &options).map_err(|e| format!("SVG: {e}"))?;
        let mut pixmap = Pixmap::new(width, height).ok_or("empty image size")?;
        pixmap.fill(Color::WHITE);
        let size = tree.size();
        let scale =
            Transform::from_scale(width as f32 / size.width(), height as f32 / size.height());
        resvg::render(&tree, scale, &mut pixmap.as_mut());
        pixmap.encode_png().map_err(|e| format!("PNG: {e}"))
    }
}
