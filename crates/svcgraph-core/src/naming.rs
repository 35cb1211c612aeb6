//! Naming rules: give nodes the names a person would use before anything else looks at them.
//!
//! Producers often name a peer by what they saw on the wire: a pod IP when Beyla could not
//! resolve it, a service under two namespaces while a migration runs, a versioned deployment
//! name. [`NamingRules`] (TOML or JSON, one file for the CLI, `serve` and Python) says how to
//! fix that:
//!
//! * `[[cidr]]`: a node named by an IP address (v4 or v6, with or without a port) inside a
//!   range takes the range's name (and namespace and kind when given); the most specific
//!   range wins;
//! * `ip_peers = "collapse"`: IP-named nodes no range claims become one `external` node
//!   (named by `external_name`); `"keep"` (the default) leaves them;
//! * `[[rename]]`: a regex over the node's name, replaced with capture groups (`$1`,
//!   `${name}`); the first rule that matches applies;
//! * `[[alias]]`: names or ids that are one service, merged into `to` (`namespace/name` or a
//!   bare name).
//!
//! Rules apply in that order, each to the result of the one before. A renamed node's id
//! becomes `namespace/name` (or `name`), so nodes given the same name merge, and so do their
//! edges ([`ServiceGraph::map_nodes`]): request and failure rates add up — the merged error
//! ratio is failures over requests of the sums, so each part weighs by its traffic — and
//! latency quantiles keep the larger value, an upper bound of the merged quantile (they
//! cannot be combined exactly without the histogram). Traffic is preserved: the summed
//! request rate is the same before and after. The graph records every rename
//! ([`ServiceGraph::renames`]).
//!
//! ```
//! use svcgraph_core::naming::NamingRules;
//! use svcgraph_core::{Edge, Node, NodeKind, ServiceGraph};
//!
//! let rules = NamingRules::from_toml(r#"
//!     ip_peers = "collapse"
//!     [[cidr]]
//!     range = "10.4.0.0/16"
//!     name = "shop-pods"
//! "#)?;
//! let mut g = ServiceGraph::new();
//! let front = g.upsert_node(Node::named("front", NodeKind::Service));
//! for ip in ["10.4.1.7", "10.4.2.9", "203.0.113.5"] {
//!     let peer = g.upsert_node(Node::named(ip, NodeKind::External));
//!     g.upsert_edge(front, peer, Edge::with_rate(1.0));
//! }
//! let named = rules.apply(&g);
//! assert_eq!(named.node_count(), 3); // front, shop-pods, external
//! assert_eq!(named.total_requests_per_second(), 3.0);
//! assert_eq!(named.renames().len(), 3);
//! # Ok::<(), svcgraph_core::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use regex::Regex;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Error, Result, excerpt};
pub use crate::model::Rename;
use crate::model::{NodeKind, ServiceGraph};

/// What happens to nodes named by an IP address that no `[[cidr]]` range names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IpPeers {
    /// They stay as they are.
    #[default]
    Keep,
    /// They become one external node.
    Collapse,
}

/// An IPv4 or IPv6 network, `address/prefix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `ip` is inside the network (an IPv4 address is never inside an IPv6 network,
    /// except as an IPv4-mapped IPv6 address `::ffff:a.b.c.d`, which counts as its IPv4 form).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 @ IpAddr::V4(_) => v4,
        };
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_eq(
                u128::from(net.to_bits()),
                u128::from(ip.to_bits()),
                32,
                self.prefix,
            ),
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_eq(net.to_bits(), ip.to_bits(), 128, self.prefix)
            }
            _ => false,
        }
    }

    /// The prefix length: more is more specific.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }
}

/// Whether the first `prefix` of `width` bits of `a` and `b` agree.
fn prefix_eq(a: u128, b: u128, width: u32, prefix: u8) -> bool {
    let prefix = u32::from(prefix);
    if prefix == 0 {
        return true;
    }
    let shift = width - prefix;
    (a >> shift) == (b >> shift)
}

impl FromStr for Cidr {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let invalid = |why: &str| {
            Error::Invalid(format!(
                "`{}` is not a CIDR range ({why}); write it as 10.4.0.0/16 or fd00::/8",
                excerpt(text)
            ))
        };
        let (address, prefix) = text
            .trim()
            .split_once('/')
            .ok_or_else(|| invalid("no /prefix"))?;
        let network: IpAddr = address
            .parse()
            .map_err(|_| invalid("the address is not an IP address"))?;
        let prefix: u8 = prefix
            .parse()
            .map_err(|_| invalid("the prefix is not a number"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(invalid(&format!("the prefix is longer than {max} bits")));
        }
        Ok(Cidr { network, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for Cidr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// `[[cidr]]`: addresses in a range get one name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CidrRule {
    /// The range, e.g. `10.4.0.0/16` or `fd00:10::/64`.
    pub range: Cidr,
    /// The name the range's nodes take.
    pub name: String,
    /// Their namespace, when the range belongs to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Their kind; `external` when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<NodeKind>,
}

/// `[[rename]]`: a regex over node names and its replacement.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RenameRule {
    /// The pattern, matched against the node's name (anchor it with `^…$` to match whole
    /// names).
    #[serde(rename = "match", with = "regex_text")]
    pub pattern: Regex,
    /// The replacement; `$1`, `${name}` insert capture groups.
    pub to: String,
}

/// `[[alias]]`: several names of one service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AliasRule {
    /// Node ids (`namespace/name`) or names merged into `to`.
    pub from: Vec<String>,
    /// The one node they become: `namespace/name`, or a name without namespace.
    pub to: String,
}

/// A naming rules file: see the [module documentation](self).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct NamingRules {
    /// What becomes of IP-named nodes no range names.
    #[serde(default)]
    pub ip_peers: IpPeers,
    /// The name of the node collapsed IP peers become (`external` when not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_name: Option<String>,
    /// Ranges to names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cidr: Vec<CidrRule>,
    /// Regex renames, first match wins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rename: Vec<RenameRule>,
    /// Names merged into one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alias: Vec<AliasRule>,
}

mod regex_text {
    use regex::Regex;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(re: &Regex, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(re.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Regex, D::Error> {
        let text = String::deserialize(d)?;
        Regex::new(&text).map_err(|e| {
            serde::de::Error::custom(format!(
                "`{}` is not a valid regex: {}",
                crate::error::excerpt(&text),
                e.to_string().replace('\n', " ")
            ))
        })
    }
}

/// The name of the node collapsed IP peers become when the rules do not name it.
pub const EXTERNAL: &str = "external";

impl NamingRules {
    /// Reads and checks rules written as TOML.
    pub fn from_toml(text: &str) -> Result<Self> {
        let rules: NamingRules = toml::from_str(text).map_err(|e| {
            Error::Invalid(format!(
                "the naming rules are not valid: {}",
                e.message().replace('\n', " ")
            ))
        })?;
        rules.validate()?;
        Ok(rules)
    }

    /// Reads and checks rules written as JSON (the same fields as TOML).
    pub fn from_json(text: &str) -> Result<Self> {
        let rules: NamingRules =
            serde_json::from_str(text).map_err(|e| Error::json("the naming rules", &e))?;
        rules.validate()?;
        Ok(rules)
    }

    fn validate(&self) -> Result<()> {
        let empty = |what: &str| {
            Err(Error::Invalid(format!(
                "the naming rules give {what} an empty name; give it the name nodes should take"
            )))
        };
        if self.external_name.as_deref().is_some_and(str::is_empty) {
            return empty("`external_name`");
        }
        for rule in &self.cidr {
            if rule.name.is_empty() {
                return empty(&format!("the range {}", rule.range));
            }
        }
        for rule in &self.alias {
            if rule.to.is_empty() || rule.to.ends_with('/') {
                return empty("an `[[alias]]`'s `to`");
            }
            if rule.from.is_empty() {
                return Err(Error::Invalid(format!(
                    "the alias to `{}` lists no names in `from`",
                    excerpt(&rule.to)
                )));
            }
        }
        Ok(())
    }

    /// Whether the rules change nothing.
    pub fn is_empty(&self) -> bool {
        self.ip_peers == IpPeers::Keep
            && self.cidr.is_empty()
            && self.rename.is_empty()
            && self.alias.is_empty()
    }

    /// The graph with the rules applied: nodes renamed, nodes given the same id merged with
    /// their edges, and every rename recorded ([`ServiceGraph::renames`]).
    pub fn apply(&self, graph: &ServiceGraph) -> ServiceGraph {
        if self.is_empty() {
            return graph.clone();
        }
        // Aliases by id and by name; a `from` naming a node's id wins over one naming its name.
        let mut by_id: BTreeMap<&str, &AliasRule> = BTreeMap::new();
        let mut by_name: BTreeMap<&str, &AliasRule> = BTreeMap::new();
        for rule in &self.alias {
            for from in &rule.from {
                if from.contains('/') {
                    by_id.entry(from).or_insert(rule);
                } else {
                    by_name.entry(from).or_insert(rule);
                }
            }
        }
        let mut renames = Vec::new();
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        let mut out = graph.map_nodes(|node| {
            let mut n = node.clone();
            let mut rules: Vec<String> = Vec::new();
            if let Some(ip) = ip_of(&n.name) {
                if let Some(rule) = self.range_of(ip) {
                    n.addresses.insert(n.name.clone());
                    n.namespace.clone_from(&rule.namespace);
                    n.kind = rule.kind.unwrap_or(NodeKind::External);
                    n.name.clone_from(&rule.name);
                    n.id = qualified(n.namespace.as_deref(), &n.name);
                    rules.push(format!("cidr {}", rule.range));
                } else if self.ip_peers == IpPeers::Collapse {
                    n.addresses.insert(n.name.clone());
                    self.external_name
                        .as_deref()
                        .unwrap_or(EXTERNAL)
                        .clone_into(&mut n.name);
                    n.namespace = None;
                    n.kind = NodeKind::External;
                    n.id.clone_from(&n.name);
                    rules.push("ip_peers collapse".to_owned());
                }
            }
            if let Some(rule) = self.rename.iter().find(|r| r.pattern.is_match(&n.name)) {
                let renamed = rule.pattern.replace(&n.name, rule.to.as_str()).into_owned();
                if !renamed.is_empty() && renamed != n.name {
                    n.name = renamed;
                    n.id = qualified(n.namespace.as_deref(), &n.name);
                    rules.push(format!("rename {}", rule.pattern.as_str()));
                }
            }
            let alias = by_id
                .get(n.id.as_str())
                .or_else(|| by_name.get(n.name.as_str()));
            if let Some(rule) = alias
                && rule.to != n.id
            {
                let (namespace, name) = match rule.to.rsplit_once('/') {
                    Some((ns, name)) if !ns.is_empty() => (Some(ns.to_owned()), name.to_owned()),
                    _ => (None, rule.to.clone()),
                };
                n.namespace = namespace;
                n.name = name;
                n.id.clone_from(&rule.to);
                rules.push("alias".to_owned());
            }
            if n.id != node.id {
                renames.push(Rename::new(&node.id, &n.id, &rules.join(", ")));
                names.insert(n.id.clone(), n.name.clone());
            }
            n
        });
        // A merged node's kind is the most telling of its parts, but its name is the rule's.
        for (id, name) in &names {
            if let Some(index) = out.node_index(id)
                && let Some(node) = out.node_mut(index)
            {
                node.name.clone_from(name);
            }
        }
        out.record_renames(renames);
        out
    }

    /// The most specific range holding `ip`; the first listed among equally specific ones.
    fn range_of(&self, ip: IpAddr) -> Option<&CidrRule> {
        let mut best: Option<&CidrRule> = None;
        for rule in self.cidr.iter().filter(|r| r.range.contains(ip)) {
            if best.is_none_or(|b| rule.range.prefix() > b.range.prefix()) {
                best = Some(rule);
            }
        }
        best
    }
}

/// The IP address a node's name is, if it is one: `10.4.2.17`, `fd00::1`, and with a port
/// `10.4.2.17:8080` or `[fd00::1]:8080` (as peers are often named).
pub fn ip_of(name: &str) -> Option<IpAddr> {
    name.parse::<IpAddr>()
        .ok()
        .or_else(|| name.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
}

fn qualified(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests;
