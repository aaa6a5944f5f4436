//! The participants of an interaction besides its organizer.

use crate::interaction::Attendee;

/// The participants of an interaction besides its organizer: at most
/// [`Attendees::MAX`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attendees(Vec<Attendee>);

/// More participants than an interaction may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must hold at most 100 participants")]
pub struct TooManyAttendees;

impl Attendees {
    /// The most participants an interaction may hold besides its organizer.
    pub const MAX: usize = 100;

    /// The participants, when there are at most [`MAX`](Self::MAX) of them
    /// (report the error against the field `attendees`).
    pub fn parse(attendees: Vec<Attendee>) -> Result<Self, TooManyAttendees> {
        if attendees.len() > Self::MAX {
            return Err(TooManyAttendees);
        }
        Ok(Self(attendees))
    }

    /// The participants, in the order given.
    #[must_use]
    pub fn as_slice(&self) -> &[Attendee] {
        &self.0
    }

    /// The participants as a list.
    #[must_use]
    pub fn into_vec(self) -> Vec<Attendee> {
        self.0
    }
}

impl TryFrom<Vec<Attendee>> for Attendees {
    type Error = TooManyAttendees;

    fn try_from(attendees: Vec<Attendee>) -> Result<Self, Self::Error> {
        Self::parse(attendees)
    }
}

#[cfg(test)]
mod tests {
    use crm_kernel::{EmailAddress, UserId};

    use super::*;

    fn people(n: usize) -> Vec<Attendee> {
        (0..n)
            .map(|i| {
                if i % 2 == 0 {
                    Attendee::Staff(UserId::new())
                } else {
                    Attendee::Email(EmailAddress::parse(&format!("guest{i}@example.com")).unwrap())
                }
            })
            .collect()
    }

    #[test]
    fn up_to_a_hundred_participants_are_kept_in_order() {
        for n in [0, 1, 100] {
            let list = people(n);
            let attendees = Attendees::parse(list.clone()).unwrap();
            assert_eq!(attendees.as_slice(), list.as_slice());
            assert_eq!(attendees.into_vec(), list);
        }
    }

    #[test]
    fn a_hundred_and_one_are_too_many() {
        let error = Attendees::parse(people(101)).unwrap_err();
        assert_eq!(error.to_string(), "must hold at most 100 participants");
        assert_eq!(Attendees::try_from(people(500)), Err(TooManyAttendees));
    }
}
