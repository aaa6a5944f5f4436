//! The customer search: the keywords a customer is found by, the condition
//! a search text makes, and the relevance tier of a match.
//!
//! A customer's `keywords` hold the shingles ([`crate::bson::keywords`]) of
//! the fields the SQLite store's `customers_fts` indexes, each tagged with
//! its field. Every word of a search text must start one of them
//! (`{keywords.t: {$regex: "^word"}}`, served by the multikey index).
//!
//! Relevance, as in the SQLite store: a match's tier is the first of name
//! (1), email (2), phone (3), company name (4) and notes (5) whose fields,
//! with those of the tiers before it, hold every word of the search, i.e.
//! the largest, over the words, of the best tier each word matches in. The
//! best tier comes first, ties by id (creation order); (tier, id) is a
//! stable key, so relevance pages are keyset pages.

use crm_customers::Customer;
use mongodb::bson::{Bson, Document, doc};

use crate::bson::keywords::{Phrase, shingles};

/// A searchable field of a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    /// First name.
    FirstName,
    /// Last name.
    LastName,
    /// Email.
    Email,
    /// Phone (E.164; its digits are the same tokens).
    Phone,
    /// The company's current name.
    Company,
    /// Staff notes.
    Notes,
}

impl Column {
    /// Every column.
    pub(crate) const ALL: [Self; 6] = [
        Self::FirstName,
        Self::LastName,
        Self::Email,
        Self::Phone,
        Self::Company,
        Self::Notes,
    ];

    /// Its tag in `keywords.c`.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::FirstName => "f",
            Self::LastName => "l",
            Self::Email => "e",
            Self::Phone => "p",
            Self::Company => "c",
            Self::Notes => "n",
        }
    }

    /// Its relevance tier: a match whose every word is found within the
    /// columns of tier `t` or better is in tier `t`.
    pub(crate) fn tier(self) -> i32 {
        match self {
            Self::FirstName | Self::LastName => 1,
            Self::Email => 2,
            Self::Phone => 3,
            Self::Company => 4,
            Self::Notes => 5,
        }
    }
}

/// The keyword entries of `text` in `column`.
pub(crate) fn column_keywords(column: Column, text: &str) -> Vec<Document> {
    shingles(text)
        .into_iter()
        .map(|shingle| doc! { "t": shingle, "c": column.code() })
        .collect()
}

/// Every keyword entry of a customer that is not erased, `company` being
/// its company's current name.
pub(crate) fn keywords(customer: &Customer, company: Option<&str>) -> Vec<Document> {
    let fields = [
        (Column::FirstName, Some(customer.first_name.as_str())),
        (Column::LastName, Some(customer.last_name.as_str())),
        (
            Column::Email,
            customer
                .email
                .as_ref()
                .map(crm_kernel::EmailAddress::as_str),
        ),
        (
            Column::Phone,
            customer.phone.as_ref().map(crm_kernel::PhoneNumber::as_str),
        ),
        (Column::Company, company),
        (
            Column::Notes,
            customer.notes.as_ref().map(crm_kernel::LongText::as_str),
        ),
    ];
    fields
        .into_iter()
        .filter_map(|(column, text)| text.map(|text| column_keywords(column, text)))
        .flatten()
        .collect()
}

/// The condition "every phrase starts a keyword".
pub(crate) fn match_condition(phrases: &[Phrase]) -> Document {
    let each: Vec<Document> = phrases
        .iter()
        .map(|phrase| doc! { "keywords.t": { "$regex": phrase.pattern() } })
        .collect();
    crate::bson::keyset::all_of(each)
}

/// The relevance tier of a matching document: the largest, over the
/// phrases, of the best tier of a column whose keyword the phrase starts.
pub(crate) fn tier_expression(phrases: &[Phrase]) -> Bson {
    let per_phrase: Vec<Bson> = phrases
        .iter()
        .map(|phrase| {
            let tiers: Vec<Bson> = Column::ALL
                .into_iter()
                .map(|column| {
                    let matching = doc! { "$filter": {
                        "input": "$keywords",
                        "cond": { "$and": [
                            { "$eq": ["$$this.c", column.code()] },
                            { "$regexMatch": { "input": "$$this.t", "regex": phrase.pattern() } },
                        ] },
                    } };
                    Bson::Document(doc! { "$cond": [
                        { "$gt": [{ "$size": matching }, 0] },
                        column.tier(),
                        NO_TIER,
                    ] })
                })
                .collect();
            Bson::Document(doc! { "$min": tiers })
        })
        .collect();
    Bson::Document(doc! { "$max": per_phrase })
}

/// What a column that a phrase does not match counts as (after every tier).
const NO_TIER: i32 = 6;

#[cfg(test)]
mod tests {
    use crm_customers::{LifecycleStatus, Tags, Version};
    use crm_kernel::{CustomerId, EmailAddress, LongText, PersonName, PhoneNumber, Timestamp};

    use super::*;
    use crate::bson::keywords::phrases;

    fn customer() -> Customer {
        let at = Timestamp::from_millis(0).unwrap();
        Customer {
            id: CustomerId::new(),
            first_name: PersonName::parse("Zoë").unwrap(),
            last_name: PersonName::parse("Ünal").unwrap(),
            email: Some(EmailAddress::parse("zoe@gamma.test").unwrap()),
            phone: Some(PhoneNumber::parse("+1 650 253 0000").unwrap()),
            company_id: None,
            company: None,
            status: LifecycleStatus::Lead,
            notes: Some(LongText::parse("Met in Berlin.").unwrap()),
            owner_id: None,
            tags: Tags::default(),
            source: None,
            created_at: at,
            updated_at: at,
            last_interaction: None,
            has_account: false,
            version: Version::FIRST,
        }
    }

    #[test]
    fn keywords_cover_every_searchable_field() {
        let found = keywords(&customer(), Some("Globex Corporation"));
        let pairs: Vec<(String, String)> = found
            .iter()
            .map(|k| {
                (
                    k.get_str("c").unwrap().into(),
                    k.get_str("t").unwrap().into(),
                )
            })
            .collect();
        let expect =
            |c: &str, t: &str| assert!(pairs.contains(&(c.into(), t.into())), "{c} {t}: {pairs:?}");
        expect("f", "zoe");
        expect("l", "unal");
        expect("e", "zoe gamma test");
        expect("e", "gamma test");
        expect("p", "16502530000");
        expect("c", "globex corporation");
        expect("c", "corporation");
        expect("n", "met in berlin");
        let bare = Customer {
            email: None,
            phone: None,
            notes: None,
            ..customer()
        };
        assert_eq!(keywords(&bare, None).len(), 2);
    }

    #[test]
    fn every_phrase_must_start_a_keyword() {
        let phrases = phrases("ann lee.x").unwrap();
        assert_eq!(
            match_condition(&phrases),
            doc! { "$and": [
                { "keywords.t": { "$regex": "^ann" } },
                { "keywords.t": { "$regex": "^lee x" } },
            ] }
        );
        assert_eq!(
            match_condition(&phrases[..1]),
            doc! { "keywords.t": { "$regex": "^ann" } }
        );
    }

    #[test]
    fn the_tier_is_the_worst_of_each_phrase_s_best_column() {
        let phrases = phrases("ann smith").unwrap();
        let Bson::Document(tier) = tier_expression(&phrases) else {
            panic!("a document");
        };
        let per_phrase = tier.get_array("$max").unwrap();
        assert_eq!(per_phrase.len(), 2);
        let Bson::Document(first) = &per_phrase[0] else {
            panic!("a document");
        };
        let columns = first.get_array("$min").unwrap();
        assert_eq!(columns.len(), Column::ALL.len());
        assert_eq!(
            columns[0],
            Bson::Document(doc! { "$cond": [
                { "$gt": [{ "$size": { "$filter": {
                    "input": "$keywords",
                    "cond": { "$and": [
                        { "$eq": ["$$this.c", "f"] },
                        { "$regexMatch": { "input": "$$this.t", "regex": "^ann" } },
                    ] },
                } } }, 0] },
                1,
                6,
            ] })
        );
        let tiers: Vec<i32> = Column::ALL.iter().map(|c| c.tier()).collect();
        assert_eq!(tiers, [1, 1, 2, 3, 4, 5]);
    }
}
