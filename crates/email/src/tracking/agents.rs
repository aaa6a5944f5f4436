//! What request headers tell about who is fetching.

use super::HitClass;

/// User-agent fragments (lower case) of mail providers' image proxies.
const PROXY_AGENTS: &[&str] = &[
    "googleimageproxy",
    "via ggpht.com",
    "yahoomailproxy",
    "yahoo! mail proxy",
];

/// User-agent fragments (lower case) of security scanners, crawlers, link
/// previewers and HTTP libraries: no person reads mail with these.
const SCANNER_AGENTS: &[&str] = &[
    "bot/",
    "bot;",
    "bot-",
    "crawler",
    "spider",
    "facebookexternalhit",
    "bingpreview",
    "headlesschrome",
    "phantomjs",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "httpx",
    "curl/",
    "wget/",
    "go-http-client",
    "okhttp",
    "java/",
    "apache-httpclient",
    "libwww-perl",
    "node-fetch",
    "axios/",
    "scrapy",
    "barracuda",
    "mimecast",
    "proofpoint",
    "safelinks",
    "symantec",
    "trendmicro",
    "forcepoint",
    "fireeye",
    "sophos",
    "cisco",
    "ironport",
    "zscaler",
];

/// The class a user agent reveals: a known image proxy, a known scanner or
/// library, or `None` when it looks like a mail client or browser.
#[must_use]
pub fn user_agent_class(user_agent: &str) -> Option<HitClass> {
    let lower = user_agent.to_ascii_lowercase();
    if PROXY_AGENTS.iter().any(|p| lower.contains(p)) {
        Some(HitClass::PrivacyProxy)
    } else if SCANNER_AGENTS.iter().any(|p| lower.contains(p)) {
        Some(HitClass::Scanner)
    } else {
        None
    }
}

/// Whether a `Sec-Purpose`, `Purpose`, `X-Purpose` or `X-Moz` header value
/// says the fetch is a prefetch or a preview rather than a visit
/// (`prefetch`, `prefetch;anonymous-client-ip`, `preview`).
#[must_use]
pub fn purpose_is_prefetch(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    lower
        .split([';', ',', ' '])
        .any(|token| matches!(token.trim(), "prefetch" | "preview" | "prerender"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_proxies_scanners_and_people() {
        let proxy = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)";
        assert_eq!(user_agent_class(proxy), Some(HitClass::PrivacyProxy));
        assert_eq!(
            user_agent_class(
                "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html"
            ),
            Some(HitClass::PrivacyProxy)
        );
        for scanner in [
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0)",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "python-requests/2.31.0",
            "curl/8.5.0",
            "Go-http-client/1.1",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0 Safari/537.36",
            "Barracuda Sentinel (EE)",
        ] {
            assert_eq!(
                user_agent_class(scanner),
                Some(HitClass::Scanner),
                "{scanner}"
            );
        }
        for person in [
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
            "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17029; Pro)",
            "Thunderbird/115.0",
            "Mozilla/5.0 (Linux; Android 10; Cubot X30) AppleWebKit/537.36 Chrome/119.0 Mobile Safari/537.36",
        ] {
            assert_eq!(user_agent_class(person), None, "{person}");
        }
    }

    #[test]
    fn reads_purpose_headers() {
        for yes in [
            "prefetch",
            "Prefetch",
            "prefetch;anonymous-client-ip",
            "preview",
            "prerender",
        ] {
            assert!(purpose_is_prefetch(yes), "{yes}");
        }
        for no in ["", "navigate", "prefetcher", "nopreview"] {
            assert!(!purpose_is_prefetch(no), "{no}");
        }
    }
}
