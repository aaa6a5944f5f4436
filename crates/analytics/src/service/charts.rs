//! Charts.

use crm_kernel::Principal;

use super::AnalyticsService;
use crate::chart::{
    ChartFormat, ChartName, ChartSize, ChartSpec, RenderedChart, email_chart, funnel_chart,
    interactions_chart, tickets_chart,
};
use crate::error::AnalyticsError;
use crate::query::ReportQuery;

impl AnalyticsService {
    /// The specification of one chart of `query` over what `caller` may
    /// see; only the store port that chart needs is asked.
    ///
    /// Errors: as [`AnalyticsService::report`].
    #[tracing::instrument(level = "debug", skip_all, fields(%chart))]
    pub async fn chart_spec(
        &self,
        caller: &Principal,
        query: &ReportQuery,
        chart: ChartName,
    ) -> Result<ChartSpec, AnalyticsError> {
        let request = self.request(caller, query)?;
        Ok(match chart {
            ChartName::InteractionsByKind => {
                interactions_chart(query, &self.interactions(query, &request).await?)
            }
            ChartName::ConversionFunnel => {
                funnel_chart(query, &self.lifecycle(query, &request).await?.funnel.total)
            }
            ChartName::TicketBacklog => tickets_chart(query, &self.tickets(query, &request).await?),
            ChartName::EmailEngagement => email_chart(query, &self.email(query, &request).await?),
        })
    }

    /// One chart of `query`, rendered.
    ///
    /// Errors: as [`AnalyticsService::report`], and
    /// [`AnalyticsError::Render`] when the renderer fails.
    #[tracing::instrument(level = "debug", skip_all, fields(%chart, format = format.extension()))]
    pub async fn chart(
        &self,
        caller: &Principal,
        query: &ReportQuery,
        chart: ChartName,
        format: ChartFormat,
        size: ChartSize,
    ) -> Result<RenderedChart, AnalyticsError> {
        let spec = self.chart_spec(caller, query, chart).await?;
        Ok(self.ports.charts.render(&spec, format, size).await?)
    }
}
