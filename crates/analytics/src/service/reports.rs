//! Reports and metric series.

use crm_kernel::Principal;
use futures_util::future::try_join4;

use super::AnalyticsService;
use crate::error::AnalyticsError;
use crate::query::ReportQuery;
use crate::report::Report;
use crate::series::{MetricName, MetricSeries};

impl AnalyticsService {
    /// Every figure of `query` over what `caller` may see. The four stores
    /// are asked at once (their answers are awaited together), so a report
    /// takes about as long as its slowest figures, not their sum.
    ///
    /// Errors: [`AnalyticsError::Forbidden`] for customers;
    /// [`AnalyticsError::Backend`] when a store fails.
    #[tracing::instrument(level = "debug", skip_all, fields(granularity = %query.granularity(), periods = query.periods().len()))]
    pub async fn report(
        &self,
        caller: &Principal,
        query: &ReportQuery,
    ) -> Result<Report, AnalyticsError> {
        let request = self.request(caller, query)?;
        let (interactions, lifecycle, tickets, email) = try_join4(
            self.interactions(query, &request),
            self.lifecycle(query, &request),
            self.tickets(query, &request),
            self.email(query, &request),
        )
        .await?;
        Ok(Report {
            from: query.from(),
            to: query.to(),
            granularity: query.granularity(),
            tz: query.zone().name().to_owned(),
            periods: query.periods().to_vec(),
            interactions,
            lifecycle,
            tickets,
            email,
        })
    }

    /// One metric's series; only the store port that metric needs is asked.
    ///
    /// Errors: as [`AnalyticsService::report`].
    #[tracing::instrument(level = "debug", skip_all, fields(%metric))]
    pub async fn series(
        &self,
        caller: &Principal,
        query: &ReportQuery,
        metric: MetricName,
    ) -> Result<MetricSeries, AnalyticsError> {
        let request = self.request(caller, query)?;
        let periods = query.periods();
        Ok(match metric {
            MetricName::Interactions => MetricSeries::interactions(
                periods,
                &self.interactions(query, &request).await?.per_period,
            ),
            MetricName::Customers => MetricSeries::customers(
                periods,
                &self.lifecycle(query, &request).await?.customers.per_period,
            ),
            MetricName::Conversion => MetricSeries::conversion(
                periods,
                &self.lifecycle(query, &request).await?.conversion.per_period,
            ),
            MetricName::Funnel => MetricSeries::funnel(
                periods,
                &self.lifecycle(query, &request).await?.funnel.per_period,
            ),
            MetricName::Tickets => {
                MetricSeries::tickets(periods, &self.tickets(query, &request).await?.per_period)
            }
            MetricName::Email => {
                MetricSeries::email(periods, &self.email(query, &request).await?.per_period)
            }
        })
    }
}
