//! Exporting every customer a query matches, batch by batch.

use crm_kernel::{CursorPosition, Limit, PageRequest, Principal};

use super::CustomerService;
use crate::customer::Customer;
use crate::error::CustomerError;
use crate::query::CustomerQuery;

/// The customers a query matches, read page after page (keyset pages of
/// [`Limit::MAX`] through the customer list), so that an export of any size
/// never holds more than one page in memory. Made by
/// [`CustomerService::export_customers`].
#[derive(Debug, Clone)]
pub struct CustomerExport {
    service: CustomerService,
    caller: Principal,
    query: CustomerQuery,
    limit: Limit,
    /// The first batch, read when the export began.
    first: Option<Vec<Customer>>,
    /// Where the next batch starts; `None` after the last page (or an error).
    next: Option<CursorPosition>,
}

impl CustomerExport {
    /// The next customers in the query's order, as the caller may see them;
    /// `None` once every matching customer was yielded. After an error the
    /// export is over: later calls yield `None`.
    pub async fn next_batch(&mut self) -> Result<Option<Vec<Customer>>, CustomerError> {
        if let Some(first) = self.first.take() {
            return Ok(non_empty(first));
        }
        let Some(after) = self.next.take() else {
            return Ok(None);
        };
        let page = PageRequest {
            limit: self.limit,
            after: Some(after),
        };
        let page = self
            .service
            .list_customers(&self.caller, &self.query, &page)
            .await?;
        self.next = page.next;
        Ok(non_empty(page.items))
    }
}

fn non_empty(batch: Vec<Customer>) -> Option<Vec<Customer>> {
    (!batch.is_empty()).then_some(batch)
}

impl CustomerService {
    /// Every customer `query` matches that the caller may see (staff only),
    /// in the query's order, to be read batch by batch with
    /// [`CustomerExport::next_batch`].
    ///
    /// The permission check and the first page happen now, so that a
    /// refusal or a failing store is an error of this call rather than of
    /// a half-sent export.
    #[tracing::instrument(level = "debug", skip_all, fields(caller = %caller.id))]
    pub async fn export_customers(
        &self,
        caller: &Principal,
        query: CustomerQuery,
    ) -> Result<CustomerExport, CustomerError> {
        let limit = Limit::parse(Some(Limit::MAX)).unwrap_or_default();
        let first = self
            .list_customers(caller, &query, &PageRequest { limit, after: None })
            .await?;
        Ok(CustomerExport {
            service: self.clone(),
            caller: caller.clone(),
            query,
            limit,
            first: Some(first.items),
            next: first.next,
        })
    }
}
