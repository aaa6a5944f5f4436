//! Chart specifications: what each chart shows, independent of how it is drawn.
//!
//! A [`ChartSpec`] names its series, axes and values; a [`ChartRenderer`]
//! (the `crm-charts` adapter) turns it into ECharts JSON, HTML, SVG or PNG.
//!
//! [`ChartRenderer`]: crate::ports::ChartRenderer

mod build;

use std::fmt;

use serde::Serialize;

pub use build::{email_chart, funnel_chart, interactions_chart, tickets_chart};

/// The charts reports offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ChartName {
    /// Interactions per period, stacked by kind.
    InteractionsByKind,
    /// The conversion funnel lead → prospect → customer over the range,
    /// with the median days of each step.
    ConversionFunnel,
    /// The ticket backlog at the end of each period (bars) with the median
    /// and 90th-percentile resolution time in hours (lines).
    TicketBacklog,
    /// Email recipients per period of sending: opened by a person and
    /// opened by machines only (stacked bars), clicked by a person and
    /// replied (lines), and the human open rate.
    EmailEngagement,
}

impl ChartName {
    /// Every chart.
    pub const ALL: [Self; 4] = [
        Self::InteractionsByKind,
        Self::ConversionFunnel,
        Self::TicketBacklog,
        Self::EmailEngagement,
    ];

    /// The name in URLs (`interactions-by-kind`, …).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InteractionsByKind => "interactions-by-kind",
            Self::ConversionFunnel => "conversion-funnel",
            Self::TicketBacklog => "ticket-backlog",
            Self::EmailEngagement => "email-engagement",
        }
    }

    /// Parses the name in URLs.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

impl fmt::Display for ChartName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a chart is rendered as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChartFormat {
    /// An SVG image drawn on the server.
    Svg,
    /// A PNG image rasterised from the SVG.
    Png,
    /// The ECharts option as JSON (for clients that draw it themselves).
    Json,
    /// A standalone HTML page that draws the chart with ECharts from our own server.
    Html,
}

impl ChartFormat {
    /// Every format.
    pub const ALL: [Self; 4] = [Self::Svg, Self::Png, Self::Json, Self::Html];

    /// The file extension (`svg`, `png`, `json`, `html`).
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Self::Svg => "svg",
            Self::Png => "png",
            Self::Json => "json",
            Self::Html => "html",
        }
    }

    /// Parses a file extension.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.extension() == text)
    }

    /// The media type of the rendering.
    #[must_use]
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Svg => "image/svg+xml",
            Self::Png => "image/png",
            Self::Json => "application/json",
            Self::Html => "text/html; charset=utf-8",
        }
    }
}

/// The size of a chart in pixels, within [`ChartSize::MIN`] and [`ChartSize::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct ChartSize {
    width: u32,
    height: u32,
}

/// A chart size outside the allowed bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be between {min} and {max} pixels")]
pub struct SizeOutOfRange {
    /// Smallest allowed.
    pub min: u32,
    /// Largest allowed.
    pub max: u32,
}

impl ChartSize {
    /// Smallest width and height.
    pub const MIN: u32 = 200;
    /// Largest width and height.
    pub const MAX: u32 = 3000;

    /// A size; each side between [`Self::MIN`] and [`Self::MAX`] pixels.
    pub fn new(width: u32, height: u32) -> Result<Self, SizeOutOfRange> {
        let ok = |v: u32| (Self::MIN..=Self::MAX).contains(&v);
        if ok(width) && ok(height) {
            Ok(Self { width, height })
        } else {
            Err(SizeOutOfRange {
                min: Self::MIN,
                max: Self::MAX,
            })
        }
    }

    /// Width in pixels.
    #[must_use]
    pub fn width(self) -> u32 {
        self.width
    }

    /// Height in pixels.
    #[must_use]
    pub fn height(self) -> u32 {
        self.height
    }
}

impl Default for ChartSize {
    /// 800 × 400.
    fn default() -> Self {
        Self {
            width: 800,
            height: 400,
        }
    }
}

/// A chart: title, and either category series or funnel stages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartSpec {
    /// Which chart.
    pub name: ChartName,
    /// Title.
    pub title: String,
    /// Subtitle: the range, granularity and zone.
    pub subtitle: String,
    /// What is drawn.
    pub body: ChartBody,
}

/// What a chart draws.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChartBody {
    /// Series over categories (the periods).
    Cartesian(Cartesian),
    /// A funnel of stages, widest first.
    Funnel {
        /// The stages.
        stages: Vec<FunnelStage>,
    },
}

/// Series over a category axis, each on one of one or two value axes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cartesian {
    /// The categories (period labels), left to right.
    pub categories: Vec<String>,
    /// The value axes: the first on the left, a second on the right.
    pub axes: Vec<ValueAxis>,
    /// The series, drawn in order.
    pub series: Vec<Series>,
}

/// A value axis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueAxis {
    /// Its name, with the unit (`tickets`, `hours`, `%`).
    pub name: String,
}

/// One series: a value per category (`None` where there is no value).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// How it is drawn.
    pub mark: Mark,
    /// Index of its value axis in [`Cartesian::axes`].
    pub axis: usize,
    /// One value per category.
    pub values: Vec<Option<f64>>,
}

/// How a series is drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Mark {
    /// Bars; bars of one stack are piled up.
    Bar {
        /// Stack name, if stacked.
        stack: Option<String>,
    },
    /// A line.
    Line {
        /// Dashed instead of solid.
        dashed: bool,
    },
}

/// One stage of a funnel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelStage {
    /// Stage name (with its figures, for the label).
    pub name: String,
    /// Its count.
    pub value: f64,
}

/// A rendered chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedChart {
    /// Its format.
    pub format: ChartFormat,
    /// The bytes (UTF-8 text for SVG, JSON and HTML).
    pub bytes: Vec<u8>,
}

/// The renderer failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("chart rendering failed: {0}")]
pub struct RenderError(pub String);
