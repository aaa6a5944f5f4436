//! Filters and order of interaction lists.

use crm_kernel::{CustomerId, Principal, SortDirection, Timestamp, UserId};

use crate::kind::{InteractionKind, InteractionStatus};

/// Filters of an interaction list; ordered by start, newest first unless asked otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InteractionQuery {
    /// Only this customer's.
    pub customer_id: Option<CustomerId>,
    /// Only this organizer's.
    pub organizer_id: Option<UserId>,
    /// Only this kind.
    pub kind: Option<InteractionKind>,
    /// Only this status.
    pub status: Option<InteractionStatus>,
    /// Starting at or after.
    pub from: Option<Timestamp>,
    /// Starting before.
    pub to: Option<Timestamp>,
    /// `Desc` (newest first, the default for histories) or `Asc`.
    pub direction: SortDirection,
    /// Only the caller's own: those a staff caller organises (in place of
    /// `organizer_id`). A customer's list is its own anyway, so for
    /// customers it changes nothing. The service resolves it
    /// ([`resolved_for`](Self::resolved_for)); stores never see it set.
    pub mine: bool,
}

impl InteractionQuery {
    /// The query as the store answers it for `caller`: `mine` turned into
    /// the staff caller's id as `organizer_id`, and cleared.
    #[must_use]
    pub fn resolved_for(&self, caller: &Principal) -> Self {
        let organizer_id = if self.mine {
            caller.user_id().or(self.organizer_id)
        } else {
            self.organizer_id
        };
        Self {
            organizer_id,
            mine: false,
            ..self.clone()
        }
    }
}

/// The text names no order of interactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be date_time or -date_time")]
pub struct UnknownOrder;

/// The order of interaction lists and histories by start: `date_time` is
/// oldest first; `-date_time`, and no `sort` at all, newest first.
pub fn parse_order(sort: Option<&str>) -> Result<SortDirection, UnknownOrder> {
    match sort {
        None | Some("-date_time") => Ok(SortDirection::Desc),
        Some("date_time") => Ok(SortDirection::Asc),
        Some(_) => Err(UnknownOrder),
    }
}

#[cfg(test)]
mod tests {
    use crm_kernel::{PrincipalId, Role};

    use super::*;

    fn staff() -> Principal {
        Principal {
            id: PrincipalId::User(UserId::new()),
            role: Role::Agent,
            company_ids: Vec::new(),
        }
    }

    fn customer() -> Principal {
        Principal {
            id: PrincipalId::Customer(CustomerId::new()),
            role: Role::Customer,
            company_ids: Vec::new(),
        }
    }

    #[test]
    fn mine_is_the_staff_callers_own_as_organizer() {
        let caller = staff();
        let someone_else = UserId::new();
        for organizer_id in [None, Some(someone_else)] {
            let query = InteractionQuery {
                organizer_id,
                kind: Some(InteractionKind::Call),
                mine: true,
                ..InteractionQuery::default()
            };
            assert_eq!(
                query.resolved_for(&caller),
                InteractionQuery {
                    organizer_id: caller.user_id(),
                    kind: Some(InteractionKind::Call),
                    mine: false,
                    ..InteractionQuery::default()
                },
                "organizer given: {organizer_id:?}"
            );
        }
    }

    #[test]
    fn mine_changes_nothing_for_customers_and_without_it_nothing_changes() {
        let organizer = Some(UserId::new());
        let mine = InteractionQuery {
            organizer_id: organizer,
            mine: true,
            ..InteractionQuery::default()
        };
        assert_eq!(
            mine.resolved_for(&customer()),
            InteractionQuery {
                organizer_id: organizer,
                ..InteractionQuery::default()
            }
        );
        let plain = InteractionQuery {
            organizer_id: organizer,
            ..InteractionQuery::default()
        };
        assert_eq!(plain.resolved_for(&staff()), plain);
    }

    #[test]
    fn lists_are_newest_first_unless_date_time_is_asked() {
        assert_eq!(parse_order(None), Ok(SortDirection::Desc));
        assert_eq!(parse_order(Some("-date_time")), Ok(SortDirection::Desc));
        assert_eq!(parse_order(Some("date_time")), Ok(SortDirection::Asc));
        for refused in ["", "created_at", "-", "Date_time", "date_time "] {
            let error = parse_order(Some(refused)).unwrap_err();
            assert_eq!(error.to_string(), "must be date_time or -date_time");
        }
    }
}
