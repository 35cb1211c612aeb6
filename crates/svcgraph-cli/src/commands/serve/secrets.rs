//! Credentials from the command line, kept out of everything the server sends: a message
//! from the source may quote a header or a URL, and the browser must never see either.

use url::Url;

use crate::args::PrometheusArgs;

/// The secret strings of the command line, longest first.
#[derive(Debug, Default)]
pub struct Secrets {
    values: Vec<String>,
}

/// Shorter values would blank out ordinary words of a message.
const SHORTEST: usize = 3;

impl Secrets {
    /// The bearer token, the basic-auth password, header values, and the password and query
    /// values of `--url`.
    pub fn of(args: &PrometheusArgs) -> Self {
        let mut values = Vec::new();
        values.extend(args.bearer_token.clone());
        if let Some(pair) = &args.basic_auth {
            values.extend(
                pair.split_once(':')
                    .map(|(_, password)| password.to_owned()),
            );
        }
        for header in &args.headers {
            if let Some((_, value)) = header.split_once(':') {
                values.push(value.trim().to_owned());
            }
        }
        if let Some(url) = args.url.as_deref().and_then(|u| Url::parse(u).ok()) {
            values.extend(url.password().map(str::to_owned));
            if let Some(password) = url.password() {
                values.extend(percent_decoded(password));
            }
            values.extend(url.query_pairs().map(|(_, value)| value.into_owned()));
        }
        values.retain(|v| v.len() >= SHORTEST);
        values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        values.dedup();
        Secrets { values }
    }

    /// `text` with every secret replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.values {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "***");
            }
        }
        out
    }
}

fn percent_decoded(text: &str) -> Option<String> {
    let decoded = url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    (decoded != text).then_some(decoded)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::args::{Cli, Command};

    fn secrets(args: &[&str]) -> Secrets {
        let cli =
            Cli::try_parse_from(["svcgraph", "serve"].iter().chain(args.iter()).copied()).unwrap();
        let Command::Serve(serve) = cli.command else {
            unreachable!()
        };
        Secrets::of(&serve.prometheus)
    }

    #[test]
    fn every_credential_of_the_command_line_is_scrubbed() {
        let s = secrets(&[
            "--url",
            "http://alice:pa%24%24word@h:9090/p?token=querysecret",
            "--bearer-token",
            "tokensecret",
            "-H",
            "X-Scope-OrgID: tenantsecret",
        ]);
        let text = "failed: http://alice:pa%24%24word@h:9090/p?token=querysecret with tokensecret \
                    pa$$word tenantsecret";
        let scrubbed = s.scrub(text);
        for secret in [
            "pa%24%24word",
            "pa$$word",
            "querysecret",
            "tokensecret",
            "tenantsecret",
        ] {
            assert!(!scrubbed.contains(secret), "{secret} in {scrubbed}");
        }
        assert!(scrubbed.starts_with("failed: http://alice:***@h:9090/p?token=***"));
    }

    #[test]
    fn basic_auth_passwords_are_scrubbed_and_short_values_kept() {
        let s = secrets(&["--basic-auth", "bob:hunter2", "-H", "X-A: on"]);
        assert_eq!(s.scrub("bob hunter2 on"), "bob *** on");
    }
}
