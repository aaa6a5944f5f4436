//! A customer's move carries its records' counts (ADR 0015): before the
//! copies of its company and owner are rewritten on its records, the
//! counts of every counted source's records (`sources.rs`), grouped by UTC
//! hour and key in the database, are taken from the old keys and added
//! under the new ones, in the write's transaction. The totals do not
//! change.

use crm_kernel::BackendError;
use mongodb::ClientSession;
use mongodb::bson::{Bson, Document, doc};

use crate::analytics::buckets::Bucket;
use crate::analytics::counters::{Counted, Part, Tally, instant, optional};
use crate::analytics::query::count_of;
use crate::analytics::sources::{Source, event_source, sources};
use crate::db::client::MongoStore;
use crate::db::error::DbError;
use crate::db::ops::aggregate_all;

impl MongoStore {
    /// Moves the counts of every counted record `filter` selects (on the
    /// customer fields every counted collection has) to their customers'
    /// new company (`company`, when given) and owner (`owner`, when given),
    /// before their copies are rewritten. The totals do not change.
    pub(crate) async fn move_report_counts<R>(
        &self,
        session: &mut ClientSession,
        filter: &Document,
        company: Option<&Bson>,
        owner: Option<&Bson>,
    ) -> Result<(), DbError<R>> {
        let mut tally = Tally::default();
        for source in sources() {
            self.tally_moves(session, &source, filter, company, owner, &mut tally)
                .await?;
        }
        self.write_tally(Some(session), &tally).await
    }

    /// As [`Self::move_report_counts`], of ticket `ticket`'s resolutions
    /// and reopenings only (a ticket moved to another customer).
    pub(crate) async fn move_ticket_event_counts<R>(
        &self,
        session: &mut ClientSession,
        ticket: &str,
        company: &Bson,
        owner: &Bson,
    ) -> Result<(), DbError<R>> {
        let mut tally = Tally::default();
        let filter = doc! { "ticket_id": ticket };
        self.tally_moves(
            session,
            &event_source(),
            &filter,
            Some(company),
            Some(owner),
            &mut tally,
        )
        .await?;
        self.write_tally(Some(session), &tally).await
    }

    /// Adds the moves of `source`'s records that `filter` selects, grouped
    /// by UTC hour and key in the database, to `tally`.
    async fn tally_moves<R>(
        &self,
        session: &mut ClientSession,
        source: &Source,
        filter: &Document,
        company: Option<&Bson>,
        owner: Option<&Bson>,
        tally: &mut Tally,
    ) -> Result<(), DbError<R>> {
        let pipeline = source.grouped(filter.clone(), Bucket::Hour);
        let groups =
            aggregate_all(&self.collection(source.collection), pipeline, Some(session)).await?;
        let company = company.map(|c| optional(Some(c))).transpose()?;
        let owner = owner.map(|o| optional(Some(o))).transpose()?;
        for group in &groups {
            let key = group
                .get_document("_id")
                .map_err(|_| BackendError::msg("a counted group without its key"))?;
            let before = Counted {
                family: source.family,
                at: instant(key, "at", "a counted group")?,
                measure: [Part::of(key.get("a"))?, Part::of(key.get("b"))?],
                company: optional(key.get("c"))?,
                owner: optional(key.get("o"))?,
            };
            let after = before.moved(company.as_ref(), owner.as_ref());
            let n = count_of(group.get("n"), "of counted records")?;
            let n = i64::try_from(n).map_err(BackendError::new)?;
            tally.add(&before, -n);
            tally.add(&after, n);
        }
        Ok(())
    }
}
