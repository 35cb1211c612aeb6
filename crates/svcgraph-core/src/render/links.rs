//! Link templates: URLs to other tools (traces, logs, dashboards) for a service or a call,
//! shown in the interactive page's side panel.
//!
//! A template is written `NAME=URL` with placeholders in braces, each replaced by its value
//! percent-encoded (every byte but the unreserved `A-Z a-z 0-9 - . _ ~`):
//!
//! * for a service: `{service}` (its name), `{namespace}` (empty when it has none);
//! * for a call: `{client}`, `{server}`, `{client_namespace}`, `{server_namespace}`;
//! * for both: `{from}` and `{to}`, the view's time window in Unix milliseconds.
//!
//! A template with a call placeholder is a call's link; any other is a service's. Mixing
//! `{service}`/`{namespace}` with call placeholders, an unknown placeholder, or a URL whose
//! scheme is not `http` or `https` is refused. `{{` and `}}` write a brace; any other brace
//! (JSON in a Grafana URL) is kept as written.
//!
//! ```
//! use svcgraph_core::render::links::{LinkTemplate, LinkValues};
//!
//! let link = LinkTemplate::parse("Traces=https://grafana.example/explore?q={service}&from={from}")?;
//! let values = LinkValues { service: "cart & co", from: Some(1_700_000_000_000), ..LinkValues::default() };
//! assert_eq!(link.expand(&values), "https://grafana.example/explore?q=cart%20%26%20co&from=1700000000000");
//! assert!(LinkTemplate::parse("x=javascript:alert(1)").is_err());
//! # Ok::<(), svcgraph_core::Error>(())
//! ```

use crate::error::{Error, Result};

/// What a template links: a service (node) or a call (edge).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum LinkTarget {
    /// A service: `{service}`, `{namespace}`.
    Node,
    /// A call: `{client}`, `{server}`, `{client_namespace}`, `{server_namespace}`.
    Call,
}

/// A value a placeholder stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Placeholder {
    /// The service's name.
    Service,
    /// The service's namespace.
    Namespace,
    /// The calling service's name.
    Client,
    /// The called service's name.
    Server,
    /// The calling service's namespace.
    ClientNamespace,
    /// The called service's namespace.
    ServerNamespace,
    /// The start of the view's window, Unix milliseconds.
    From,
    /// The end of the view's window (its moment), Unix milliseconds.
    To,
}

impl Placeholder {
    /// Every placeholder, as written between braces.
    pub const ALL: [(&'static str, Placeholder); 8] = [
        ("service", Placeholder::Service),
        ("namespace", Placeholder::Namespace),
        ("client", Placeholder::Client),
        ("server", Placeholder::Server),
        ("client_namespace", Placeholder::ClientNamespace),
        ("server_namespace", Placeholder::ServerNamespace),
        ("from", Placeholder::From),
        ("to", Placeholder::To),
    ];

    fn target(self) -> Option<LinkTarget> {
        match self {
            Placeholder::Service | Placeholder::Namespace => Some(LinkTarget::Node),
            Placeholder::Client
            | Placeholder::Server
            | Placeholder::ClientNamespace
            | Placeholder::ServerNamespace => Some(LinkTarget::Call),
            Placeholder::From | Placeholder::To => None,
        }
    }
}

/// A piece of a template: text as written, or a placeholder.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Part {
    /// Written as is.
    Text(String),
    /// Replaced by its value, percent-encoded.
    Value(Placeholder),
}

/// A link template, checked: see the [module](self) documentation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkTemplate {
    /// The link's text in the page.
    pub name: String,
    /// What it links.
    pub target: LinkTarget,
    /// The URL, in pieces.
    pub parts: Vec<Part>,
}

/// The values of one service's or one call's link; placeholders of the other kind are empty.
#[derive(Debug, Clone, Copy, Default)]
pub struct LinkValues<'a> {
    /// The service's name.
    pub service: &'a str,
    /// The service's namespace.
    pub namespace: &'a str,
    /// The calling service's name.
    pub client: &'a str,
    /// The called service's name.
    pub server: &'a str,
    /// The calling service's namespace.
    pub client_namespace: &'a str,
    /// The called service's namespace.
    pub server_namespace: &'a str,
    /// The start of the window, Unix milliseconds (empty when unknown).
    pub from: Option<i64>,
    /// The end of the window, Unix milliseconds (empty when unknown).
    pub to: Option<i64>,
}

impl LinkTemplate {
    /// A template written `NAME=URL`.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] without a name, or for a URL [`LinkTemplate::new`] refuses.
    pub fn parse(spec: &str) -> Result<LinkTemplate> {
        let Some((name, url)) = spec.split_once('=') else {
            return Err(Error::Invalid(format!(
                "a link is written NAME=URL, e.g. 'Traces=https://grafana.example/explore?service={{service}}', not `{}`",
                crate::render::shown(spec)
            )));
        };
        LinkTemplate::new(name, url)
    }

    /// A template named `name` for `url`.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for an empty name, a URL that does not start with `http://` or
    /// `https://` (`javascript:` and `data:` URLs run code in the page's stead), control
    /// characters, an unknown placeholder, or service and call placeholders together.
    pub fn new(name: &str, url: &str) -> Result<LinkTemplate> {
        let name = name.trim();
        let url = url.trim_matches(' ');
        if name.is_empty() {
            return Err(Error::Invalid(format!(
                "the link `{}` has no name: write NAME=URL",
                crate::render::shown(url)
            )));
        }
        let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(Error::Invalid(format!(
                "the link `{}` must be an http:// or https:// URL, not `{}`",
                crate::render::shown(name),
                crate::render::shown(url)
            )));
        }
        if url.chars().any(char::is_control) {
            return Err(Error::Invalid(format!(
                "the link `{}` holds control characters (a newline?)",
                crate::render::shown(name)
            )));
        }
        let parts = parse_parts(url).map_err(|why| {
            Error::Invalid(format!("the link `{}`: {why}", crate::render::shown(name)))
        })?;
        let mut node = false;
        let mut call = false;
        for part in &parts {
            match part {
                Part::Value(p) if p.target() == Some(LinkTarget::Node) => node = true,
                Part::Value(p) if p.target() == Some(LinkTarget::Call) => call = true,
                _ => {}
            }
        }
        if node && call {
            return Err(Error::Invalid(format!(
                "the link `{}` mixes {{service}}/{{namespace}} (a service's link) with {{client}}/{{server}} (a call's); a call's link can use {{client_namespace}} and {{server_namespace}}",
                crate::render::shown(name)
            )));
        }
        Ok(LinkTemplate {
            name: name.to_owned(),
            target: if call {
                LinkTarget::Call
            } else {
                LinkTarget::Node
            },
            parts,
        })
    }

    /// The URL for `values`, each placeholder's value percent-encoded.
    pub fn expand(&self, values: &LinkValues<'_>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Value(p) => {
                    let time = |t: Option<i64>| t.map(|t| t.to_string()).unwrap_or_default();
                    let value = match p {
                        Placeholder::Service => values.service.to_owned(),
                        Placeholder::Namespace => values.namespace.to_owned(),
                        Placeholder::Client => values.client.to_owned(),
                        Placeholder::Server => values.server.to_owned(),
                        Placeholder::ClientNamespace => values.client_namespace.to_owned(),
                        Placeholder::ServerNamespace => values.server_namespace.to_owned(),
                        Placeholder::From => time(values.from),
                        Placeholder::To => time(values.to),
                    };
                    encode_into(&mut out, &value);
                }
            }
        }
        out
    }
}

/// The pieces of a URL template.
fn parse_parts(url: &str) -> std::result::Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut rest = url;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("{{") || rest.starts_with("}}") {
            text.push(c);
            rest = &rest[2..];
            continue;
        }
        if c == '{' {
            let inner = &rest[1..];
            let word_len = inner
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .unwrap_or(inner.len());
            if word_len > 0 && inner[word_len..].starts_with('}') {
                let word = &inner[..word_len];
                let Some((_, p)) = Placeholder::ALL.iter().find(|(w, _)| *w == word) else {
                    let known: Vec<String> = Placeholder::ALL
                        .iter()
                        .map(|(w, _)| format!("{{{w}}}"))
                        .collect();
                    return Err(format!(
                        "unknown placeholder {{{word}}}; known: {} (write {{{{ for a brace)",
                        known.join(", ")
                    ));
                };
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(Part::Value(*p));
                rest = &inner[word_len + 1..];
                continue;
            }
        }
        text.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(parts)
}

/// `value` percent-encoded: every byte but `A-Z a-z 0-9 - . _ ~` as `%XX`, as the page's
/// script does it (`encodeURIComponent`, and `!'()*` too).
fn encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_encoded_whatever_they_hold() {
        let link =
            LinkTemplate::parse("Logs=https://logs.example/?s={service}&ns={namespace}#x").unwrap();
        assert_eq!(link.target, LinkTarget::Node);
        let hostile = "a\"<script>&#\n \u{202E}x";
        let url = link.expand(&LinkValues {
            service: hostile,
            namespace: "",
            ..LinkValues::default()
        });
        assert_eq!(
            url,
            "https://logs.example/?s=a%22%3Cscript%3E%26%23%0A%20%E2%80%AEx&ns=#x"
        );
        let value = &url["https://logs.example/?s=".len()..url.find("&ns=").unwrap()];
        for bad in ['"', '<', '>', '&', '#', ' ', '\n', '\u{202E}'] {
            assert!(!value.contains(bad), "{value}");
        }
    }

    #[test]
    fn calls_and_times() {
        let link = LinkTemplate::parse(
            "Traces = https://grafana.example/explore?left={\"q\":\"{client}->{server}\"}&from={from}&to={to}&ns={client_namespace}",
        )
        .unwrap();
        assert_eq!(link.name, "Traces");
        assert_eq!(link.target, LinkTarget::Call);
        let url = link.expand(&LinkValues {
            client: "front end",
            server: "cart",
            client_namespace: "shop",
            from: Some(1_795_539_300_000),
            to: Some(1_795_539_600_000),
            ..LinkValues::default()
        });
        assert_eq!(
            url,
            "https://grafana.example/explore?left={\"q\":\"front%20end->cart\"}&from=1795539300000&to=1795539600000&ns=shop"
        );
        // Unknown times are empty; {{ and }} are braces.
        let link = LinkTemplate::parse("x=http://h/{{service}}?t={to}").unwrap();
        assert_eq!(link.target, LinkTarget::Node);
        assert_eq!(link.expand(&LinkValues::default()), "http://h/{service}?t=");
    }

    #[test]
    fn what_is_refused() {
        for (spec, why) in [
            ("Run=javascript:alert(1)", "http:// or https://"),
            ("Run=JavaScript:alert(1)//http://", "http:// or https://"),
            (
                "Img=data:text/html,<script>alert(1)</script>",
                "http:// or https://",
            ),
            ("Tab=\thttps://x/", "http:// or https://"),
            ("Ftp=ftp://x/{service}", "http:// or https://"),
            ("Rel=/explore?s={service}", "http:// or https://"),
            ("no name given", "NAME=URL"),
            ("=https://x/", "no name"),
            ("Nl=https://x/\n{service}", "control characters"),
            ("Typo=https://x/{servce}", "unknown placeholder {servce}"),
            ("Mix=https://x/{service}/{server}", "mixes"),
        ] {
            let err = LinkTemplate::parse(spec).unwrap_err().to_string();
            assert!(err.contains(why), "{spec:?}: {err}");
        }
        assert!(LinkTemplate::parse("Ok=HTTPS://x/{service}").is_ok());
    }
}
