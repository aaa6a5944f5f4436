//! Networks of privacy proxies and security scanners.

use std::net::IpAddr;

use ipnet::IpNet;

use super::HitClass;

/// The list that ships with the crate (`data/machine-networks.txt`).
const BUILTIN: &str = include_str!("../../data/machine-networks.txt");

/// One network of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkEntry {
    /// The network.
    pub network: IpNet,
    /// What hits from it are (`privacy_proxy` or `scanner`).
    pub class: HitClass,
    /// Whose it is (for people reading the list).
    pub label: String,
}

/// A line of a network list is not `CIDR class label`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct NetworkListError {
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

/// Networks whose hits are machines: a data file, one `CIDR class label`
/// per line (`#` comments), longest prefix first when they overlap.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkList(Vec<NetworkEntry>);

impl NetworkList {
    /// The list that ships with the crate: a conservative start (see the
    /// file's comments for how to keep a longer one current).
    pub fn builtin() -> Result<Self, NetworkListError> {
        Self::parse(BUILTIN)
    }

    /// Parses a list.
    pub fn parse(text: &str) -> Result<Self, NetworkListError> {
        let mut entries = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let content = line.split('#').next().unwrap_or_default().trim();
            if content.is_empty() {
                continue;
            }
            let error = |message: String| NetworkListError {
                line: index + 1,
                message,
            };
            let mut fields = content.split_whitespace();
            let (Some(cidr), Some(class)) = (fields.next(), fields.next()) else {
                return Err(error("expected `CIDR class label`".into()));
            };
            let network: IpNet = cidr
                .parse()
                .map_err(|_| error(format!("`{cidr}` is not a network such as 17.0.0.0/8")))?;
            let class = match class {
                "privacy_proxy" => HitClass::PrivacyProxy,
                "scanner" => HitClass::Scanner,
                other => {
                    return Err(error(format!(
                        "`{other}` is not a class (privacy_proxy or scanner)"
                    )));
                }
            };
            let label = fields.collect::<Vec<_>>().join(" ");
            entries.push(NetworkEntry {
                network: network.trunc(),
                class,
                label,
            });
        }
        entries.sort_by_key(|e| std::cmp::Reverse(e.network.prefix_len()));
        Ok(Self(entries))
    }

    /// The most specific network that holds `ip`, if any.
    #[must_use]
    pub fn lookup(&self, ip: IpAddr) -> Option<&NetworkEntry> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            IpAddr::V4(_) => ip,
        };
        self.0.iter().find(|e| e.network.contains(&ip))
    }

    /// How many networks the list holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the list is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_builtin_list_parses_and_knows_apple_and_google() {
        let list = NetworkList::builtin().unwrap();
        assert!(list.len() >= 4);
        assert_eq!(list.lookup(ip("17.58.1.2")).unwrap().label, "apple");
        let proxy = list.lookup(ip("66.249.84.10")).unwrap();
        assert_eq!(
            (proxy.class, proxy.label.as_str()),
            (HitClass::PrivacyProxy, "google-image-proxy")
        );
        let bot = list.lookup(ip("66.249.66.1")).unwrap();
        assert_eq!(bot.class, HitClass::Scanner, "the longest prefix wins");
        assert_eq!(list.lookup(ip("::ffff:17.0.0.1")).unwrap().label, "apple");
        assert!(list.lookup(ip("2001:4860:4801:10::1")).is_some());
        assert!(list.lookup(ip("192.0.2.1")).is_none());
    }

    #[test]
    fn names_the_bad_line() {
        let error = NetworkList::parse("# ok\n10.0.0.0/8 scanner lab\n10.0.0.0/33 scanner x\n")
            .unwrap_err();
        assert_eq!(error.line, 3);
        let error = NetworkList::parse("10.0.0.0/8 person x").unwrap_err();
        assert!(
            error.message.contains("privacy_proxy or scanner"),
            "{error}"
        );
        assert!(NetworkList::parse("10.0.0.0/8").is_err());
        let list = NetworkList::parse("10.1.2.3/8 scanner  lab net # comment\n\n").unwrap();
        let entry = list.lookup(ip("10.200.0.1")).unwrap();
        assert_eq!(entry.network.to_string(), "10.0.0.0/8");
        assert_eq!(entry.label, "lab net");
    }
}
