//! The rules that tell people from machines.

use std::time::Duration;

use crm_kernel::{EmailEventId, Timestamp};

use super::agents::user_agent_class;
use super::networks::NetworkList;
use super::{Classification, Hit, HitClass, Reason};
use crate::event::{EmailEvent, EventKind};

/// What was fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitKind {
    /// The image.
    Open,
    /// The `n`th web link.
    Click(u16),
    /// The hidden link.
    Honeypot,
}

/// The classification of a new hit, and the earlier hits it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The new hit's classification.
    pub classification: Classification,
    /// Whole seconds since delivery, when the copy was delivered.
    pub seconds_since_delivery: Option<u64>,
    /// Earlier hits of the same recipient that this one shows to be a
    /// scanner's, with their new classification.
    pub reclassify: Vec<(EmailEventId, Classification)>,
}

/// The classification rules and their thresholds.
///
/// A hit is a machine's when any rule says so; the class is the most
/// machine-like one found (scanner over privacy proxy over human):
///
/// | rule | open | click |
/// | --- | --- | --- |
/// | sooner after delivery than `open_too_soon` (3 s) / `click_too_soon` (10 s) | privacy proxy | scanner |
/// | `HEAD` request | scanner | scanner |
/// | `Sec-Purpose`/`Purpose: prefetch` or preview | privacy proxy | scanner |
/// | no `User-Agent` | scanner | scanner |
/// | a known image proxy's / scanner's user agent | as listed | as listed |
/// | from a network of the [`NetworkList`] | as listed | as listed |
/// | another link of the recipient followed within `same_second` (1 s) | | scanner, and that other click too |
/// | the hidden link | scanner (`honeypot`), and every hit of the recipient within `honeypot_window` (30 s) before or after it (`near_honeypot`) | |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classifier {
    /// Networks of proxies and scanners.
    pub networks: NetworkList,
    /// An open sooner than this after delivery is a proxy's prefetch.
    pub open_too_soon: Duration,
    /// A click sooner than this after delivery is a scanner's.
    pub click_too_soon: Duration,
    /// Clicks on different links closer than this are a scanner's.
    pub same_second: Duration,
    /// Hits this close to a honeypot hit are a scanner's.
    pub honeypot_window: Duration,
}

impl Classifier {
    /// The rules with the default thresholds over `networks`.
    #[must_use]
    pub fn new(networks: NetworkList) -> Self {
        Self {
            networks,
            open_too_soon: Duration::from_secs(3),
            click_too_soon: Duration::from_secs(10),
            same_second: Duration::from_secs(1),
            honeypot_window: Duration::from_secs(30),
        }
    }

    /// How far back [`Classifier::classify`] needs the recipient's earlier hits.
    #[must_use]
    pub fn lookback(&self) -> Duration {
        self.honeypot_window.max(self.same_second)
    }

    /// Classifies a hit of `kind` at `at`, for a copy delivered at
    /// `delivered_at`, given the recipient's hits of the last
    /// [`Classifier::lookback`] (`recent`, any order).
    #[must_use]
    pub fn classify(
        &self,
        kind: HitKind,
        hit: &Hit,
        at: Timestamp,
        delivered_at: Option<Timestamp>,
        recent: &[EmailEvent],
    ) -> Verdict {
        let open = matches!(kind, HitKind::Open);
        let prefetch_class = if open {
            HitClass::PrivacyProxy
        } else {
            HitClass::Scanner
        };
        let mut findings = Vec::new();

        let since = delivered_at.map(|d| at.since(d));
        let too_soon = if open {
            self.open_too_soon
        } else {
            self.click_too_soon
        };
        if since.is_some_and(|s| s < too_soon) {
            findings.push((Reason::TooSoonAfterDelivery, prefetch_class));
        }
        if hit.head {
            findings.push((Reason::HeadRequest, HitClass::Scanner));
        }
        if hit.prefetch {
            findings.push((Reason::Prefetch, prefetch_class));
        }
        match hit.user_agent.as_deref().map(str::trim) {
            None | Some("") => findings.push((Reason::NoUserAgent, HitClass::Scanner)),
            Some(agent) => match user_agent_class(agent) {
                Some(HitClass::PrivacyProxy) => {
                    findings.push((Reason::ProxyUserAgent, HitClass::PrivacyProxy));
                }
                Some(class) => findings.push((Reason::ScannerUserAgent, class)),
                None => {}
            },
        }
        if let Some(entry) = hit.ip.and_then(|ip| self.networks.lookup(ip)) {
            let reason = match entry.class {
                HitClass::PrivacyProxy => Reason::ProxyNetwork,
                HitClass::Human | HitClass::Scanner => Reason::ScannerNetwork,
            };
            findings.push((reason, entry.class));
        }

        let mut reclassify = Vec::new();
        let near = |event: &EmailEvent, window: Duration| {
            event.at.since(at).max(at.since(event.at)) <= window
        };
        match kind {
            HitKind::Click(link) => {
                let siblings: Vec<&EmailEvent> = recent
                    .iter()
                    .filter(|e| e.kind == EventKind::Clicked && e.link != Some(link))
                    .filter(|e| at.since(e.at) < self.same_second)
                    .collect();
                if !siblings.is_empty() {
                    findings.push((Reason::LinksInSameSecond, HitClass::Scanner));
                    reclassify.extend(
                        siblings
                            .into_iter()
                            .filter_map(|e| rescored(e, Reason::LinksInSameSecond)),
                    );
                }
            }
            HitKind::Honeypot => {
                findings.push((Reason::Honeypot, HitClass::Scanner));
                reclassify.extend(
                    recent
                        .iter()
                        .filter(|e| e.kind.is_hit() && near(e, self.honeypot_window))
                        .filter_map(|e| rescored(e, Reason::NearHoneypot)),
                );
            }
            HitKind::Open => {}
        }
        if !matches!(kind, HitKind::Honeypot)
            && recent
                .iter()
                .any(|e| e.kind == EventKind::Honeypot && near(e, self.honeypot_window))
        {
            findings.push((Reason::NearHoneypot, HitClass::Scanner));
        }

        Verdict {
            classification: Classification::from_findings(findings),
            seconds_since_delivery: since.map(|s| s.as_secs()),
            reclassify,
        }
    }
}

/// An earlier hit's classification with one more scanner finding, when that
/// changes it.
fn rescored(event: &EmailEvent, reason: Reason) -> Option<(EmailEventId, Classification)> {
    let current = event
        .hit
        .as_ref()
        .map_or_else(Classification::human, |h| h.classification.clone());
    let next = current.with(reason, HitClass::Scanner);
    (next != current).then_some((event.id, next))
}

#[cfg(test)]
mod tests;
