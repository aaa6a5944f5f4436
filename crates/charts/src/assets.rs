//! Files this crate ships: the ECharts build and the fonts PNGs are drawn with.

/// The ECharts build (5.5.1, `dist/echarts.min.js` of the npm package
/// `echarts`, Apache-2.0; licence and notice in `assets/echarts/`). The
/// server runs it for SVG and serves it to browsers for the HTML charts,
/// so no page loads anything from a CDN.
pub const ECHARTS_JS: &str = include_str!("../assets/echarts/echarts.min.js");

/// The ECharts version of [`ECHARTS_JS`] (the one `charming` 0.6 targets).
pub const ECHARTS_VERSION: &str = "5.5.1";

/// The script of the HTML pages ([`crate::html_page`]): reads the option
/// from the page's JSON data block and draws it with ECharts. Served from
/// our own server beside [`ECHARTS_JS`].
pub const CHART_PAGE_JS: &str = include_str!("../assets/chart-page.js");

/// DejaVu Sans and DejaVu Sans Bold (Bitstream Vera licence, from Debian's
/// `fonts-dejavu-core`; licence in `assets/fonts/LICENSE`): every text of
/// a PNG is drawn with them, whatever fonts the machine has.
pub(crate) const FONTS: [&[u8]; 2] = [
    include_bytes!("../assets/fonts/DejaVuSans.ttf"),
    include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf"),
];

/// The family name of [`FONTS`], used for `sans-serif` and as the default.
pub(crate) const FONT_FAMILY: &str = "DejaVu Sans";
