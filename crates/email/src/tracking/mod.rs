//! Tracking hits and how they are told apart: people, privacy proxies and
//! security scanners.

mod agents;
mod classify;
mod networks;

pub use agents::{purpose_is_prefetch, user_agent_class};
pub use classify::{Classifier, HitKind, Verdict};
pub use networks::{NetworkEntry, NetworkList, NetworkListError};

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// Who fetched a tracking URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HitClass {
    /// A person, as far as we can tell.
    Human,
    /// A mail provider fetching on the reader's behalf (image proxies,
    /// Apple Mail Privacy Protection): the message arrived, maybe nobody read it.
    PrivacyProxy,
    /// A security scanner or bot checking links: nobody read it.
    Scanner,
}

impl HitClass {
    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Human => "human",
            Self::PrivacyProxy => "privacy_proxy",
            Self::Scanner => "scanner",
        }
    }

    /// Parses the wire name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Human, Self::PrivacyProxy, Self::Scanner]
            .into_iter()
            .find(|c| c.as_str() == text)
    }
}

impl fmt::Display for HitClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a hit was classified as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Sooner after delivery than a person opens or clicks.
    TooSoonAfterDelivery,
    /// A `HEAD` request: link checkers ask, browsers fetch.
    HeadRequest,
    /// `Sec-Purpose`/`Purpose: prefetch` (or a preview): fetched ahead, not followed.
    Prefetch,
    /// No `User-Agent` at all: a script.
    NoUserAgent,
    /// A known image proxy's user agent.
    ProxyUserAgent,
    /// A known scanner's, bot's or HTTP library's user agent.
    ScannerUserAgent,
    /// From a network of a privacy proxy (the configured list).
    ProxyNetwork,
    /// From a network of a security scanner (the configured list).
    ScannerNetwork,
    /// Several different links of one recipient followed within one second.
    LinksInSameSecond,
    /// The hidden link was followed.
    Honeypot,
    /// Near a hit on the hidden link.
    NearHoneypot,
}

impl Reason {
    /// Every reason.
    pub const ALL: [Self; 11] = [
        Self::TooSoonAfterDelivery,
        Self::HeadRequest,
        Self::Prefetch,
        Self::NoUserAgent,
        Self::ProxyUserAgent,
        Self::ScannerUserAgent,
        Self::ProxyNetwork,
        Self::ScannerNetwork,
        Self::LinksInSameSecond,
        Self::Honeypot,
        Self::NearHoneypot,
    ];

    /// Parses the wire name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TooSoonAfterDelivery => "too_soon_after_delivery",
            Self::HeadRequest => "head_request",
            Self::Prefetch => "prefetch",
            Self::NoUserAgent => "no_user_agent",
            Self::ProxyUserAgent => "proxy_user_agent",
            Self::ScannerUserAgent => "scanner_user_agent",
            Self::ProxyNetwork => "proxy_network",
            Self::ScannerNetwork => "scanner_network",
            Self::LinksInSameSecond => "links_in_same_second",
            Self::Honeypot => "honeypot",
            Self::NearHoneypot => "near_honeypot",
        }
    }
}

/// A hit's class and the reasons for it. `human` has no reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// Who.
    pub class: HitClass,
    /// Why (sorted, each once).
    pub reasons: Vec<Reason>,
}

impl Classification {
    /// A person.
    #[must_use]
    pub fn human() -> Self {
        Self {
            class: HitClass::Human,
            reasons: Vec::new(),
        }
    }

    /// The classification these `(reason, class)` findings make: the most
    /// machine-like class among them (scanner over privacy proxy over human).
    #[must_use]
    pub fn from_findings(findings: impl IntoIterator<Item = (Reason, HitClass)>) -> Self {
        let mut class = HitClass::Human;
        let mut reasons = Vec::new();
        for (reason, found) in findings {
            class = class.max(found);
            reasons.push(reason);
        }
        reasons.sort_unstable();
        reasons.dedup();
        Self { class, reasons }
    }

    /// This classification with one more finding.
    #[must_use]
    pub fn with(&self, reason: Reason, class: HitClass) -> Self {
        Self::from_findings(
            self.reasons
                .iter()
                .map(|r| (*r, self.class))
                .chain([(reason, class)]),
        )
    }

    /// True for machines of either kind.
    #[must_use]
    pub fn is_machine(&self) -> bool {
        self.class != HitClass::Human
    }
}

/// A request for a tracking URL, as the HTTP layer saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// True for `HEAD`.
    pub head: bool,
    /// The `User-Agent`.
    pub user_agent: Option<String>,
    /// The client's address (used to classify, never stored).
    pub ip: Option<IpAddr>,
    /// True when `Sec-Purpose`, `Purpose` or `X-Moz` said prefetch or preview
    /// (see [`purpose_is_prefetch`]).
    pub prefetch: bool,
}
