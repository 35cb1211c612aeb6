//! The one error type of `svcgraph-gcp`, and how Google's answers map onto it.

use std::fmt::Write as _;

/// Everything that can go wrong reading service-graph metrics from Google Cloud.
///
/// Messages are one line and say what to do: which `gcloud` command refreshes credentials or
/// enables the API, which IAM role is missing on which project.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is unusable: a bad project ID, endpoint or timeout.
    #[error("{0}")]
    Config(String),

    /// No credentials could be loaded or no token obtained; the message says what to do.
    #[error("{0}")]
    Credentials(String),

    /// Google refused the credentials (HTTP 401, `UNAUTHENTICATED`): expired or revoked.
    #[error(
        "Google Cloud did not accept the credentials ({detail}); refresh Application Default Credentials with `gcloud auth application-default login`, or check the key file named by GOOGLE_APPLICATION_CREDENTIALS or given as the credentials file (on GKE: the Workload Identity setup)"
    )]
    Unauthenticated {
        /// Google's status and message.
        detail: String,
    },

    /// The credentials may not read the project's metrics (HTTP 403, `PERMISSION_DENIED`).
    #[error(
        "permission denied reading metrics of project `{project}` ({detail}); the account svcgraph runs as needs the role `roles/monitoring.viewer` on that project (`gcloud projects add-iam-policy-binding {project} --member=ACCOUNT --role=roles/monitoring.viewer`); on GKE with Workload Identity, grant it to the Google service account that the pod's Kubernetes service account is bound to (`roles/iam.workloadIdentityUser` binding and the `iam.gke.io/gcp-service-account` annotation)"
    )]
    PermissionDenied {
        /// The project asked for.
        project: String,
        /// Google's status and message.
        detail: String,
    },

    /// The Cloud Monitoring API is switched off in the project.
    #[error(
        "the Cloud Monitoring API is not enabled in project `{project}` ({detail}); enable it with `gcloud services enable monitoring.googleapis.com --project {project}` and try again in a minute"
    )]
    ApiDisabled {
        /// The project asked for.
        project: String,
        /// Google's status and message.
        detail: String,
    },

    /// The API's quota ran out (HTTP 429, `RESOURCE_EXHAUSTED`).
    #[error(
        "the Monitoring API quota is exhausted ({detail}); wait a minute and try again, query less often or a narrower scope (a cluster, a namespace), or bill another project as the quota project"
    )]
    QuotaExhausted {
        /// Google's status and message.
        detail: String,
    },

    /// The project does not exist, or the endpoint has no such path (HTTP 404).
    #[error(
        "project `{project}` was not found ({detail}); check the project: it is the project ID shown by `gcloud projects list`, not the display name{endpoint_hint}"
    )]
    ProjectNotFound {
        /// The project asked for.
        project: String,
        /// Google's status and message.
        detail: String,
        /// A note on the endpoint when it was overridden.
        endpoint_hint: String,
    },

    /// Any other failure of a Cloud Monitoring request.
    #[error("Cloud Monitoring at {url}: {detail}")]
    CloudMonitoring {
        /// The endpoint.
        url: String,
        /// What happened.
        detail: String,
    },

    /// Any other HTTP failure (the same errors as any Prometheus server: unreachable,
    /// timeout, an answer over the size limit).
    #[error(transparent)]
    Prometheus(svcgraph_prometheus::Error),

    /// Planning the queries or reading the results failed in `svcgraph-core`.
    #[error(transparent)]
    Core(#[from] svcgraph_core::Error),
}

/// The result type of `svcgraph-gcp`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One HTTP error from Google, in the parts that decide what to tell the user.
pub(crate) struct GoogleFailure<'a> {
    pub project: &'a str,
    pub endpoint_overridden: bool,
    pub http_status: Option<u16>,
    /// The `status` of Google's error envelope, e.g. `PERMISSION_DENIED`.
    pub status: Option<&'a str>,
    /// Google's message, plus any `ErrorInfo` reasons (`SERVICE_DISABLED`).
    pub message: &'a str,
}

impl GoogleFailure<'_> {
    /// The specific error for this failure, when it is one svcgraph has advice for.
    pub(crate) fn classify(&self) -> Option<Error> {
        let detail = self.detail();
        let project = self.project.to_owned();
        let status = self.status.unwrap_or("");
        let http = self.http_status.unwrap_or(0);
        let message = self.message;
        let disabled = message.contains("SERVICE_DISABLED")
            || message.contains("has not been used in project")
            || (message.contains("API") && message.contains("is disabled"));
        Some(if disabled {
            Error::ApiDisabled { project, detail }
        } else if http == 401 || status == "UNAUTHENTICATED" {
            Error::Unauthenticated { detail }
        } else if http == 403 || status == "PERMISSION_DENIED" {
            Error::PermissionDenied { project, detail }
        } else if http == 429 || status == "RESOURCE_EXHAUSTED" {
            Error::QuotaExhausted { detail }
        } else if http == 404 || status == "NOT_FOUND" {
            Error::ProjectNotFound {
                project,
                detail,
                endpoint_hint: if self.endpoint_overridden {
                    ", and that the endpoint is the Monitoring API's address (scheme, host and port only)".into()
                } else {
                    String::new()
                },
            }
        } else {
            return None;
        })
    }

    /// `HTTP 403 PERMISSION_DENIED: message`, shortened to one line.
    fn detail(&self) -> String {
        let mut out = String::new();
        if let Some(code) = self.http_status {
            let _ = write!(out, "HTTP {code}");
        }
        if let Some(status) = self.status.filter(|s| !s.is_empty()) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(status);
        }
        let message = one_line(self.message, 300);
        if !message.is_empty() {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&message);
        }
        out
    }
}

impl Error {
    /// A GMP (PromQL client) error, with Google's advice where the status calls for it.
    pub(crate) fn from_prometheus(
        error: svcgraph_prometheus::Error,
        project: &str,
        endpoint_overridden: bool,
    ) -> Error {
        use svcgraph_prometheus::Error as P;
        let mut inner = &error;
        loop {
            match inner {
                P::Query { cause, .. } => inner = cause,
                P::RetriesExhausted { last, .. } => inner = last,
                _ => break,
            }
        }
        let (http, status, message) = match inner {
            P::Credentials(message) => return Error::Credentials(message.clone()),
            P::Auth { status, detail, .. } => (*status, envelope_status(detail), detail),
            P::Status {
                status,
                error_type,
                detail,
                ..
            } => (*status, error_type.clone(), detail),
            _ => return Error::Prometheus(error),
        };
        let message = strip_status(message.trim_start_matches(": "), status.as_deref());
        GoogleFailure {
            project,
            endpoint_overridden,
            http_status: Some(http),
            status: status.as_deref(),
            message,
        }
        .classify()
        .unwrap_or(Error::Prometheus(error))
    }
}

/// `PERMISSION_DENIED` from a prometheus-client detail `: PERMISSION_DENIED: message`.
fn envelope_status(detail: &str) -> Option<String> {
    let rest = detail.trim_start_matches(": ");
    let (head, _) = rest.split_once(": ")?;
    let is_code = !head.is_empty() && head.chars().all(|c| c.is_ascii_uppercase() || c == '_');
    is_code.then(|| head.to_owned())
}

fn strip_status<'a>(message: &'a str, status: Option<&str>) -> &'a str {
    match status {
        Some(status) => message
            .strip_prefix(status)
            .and_then(|m| m.strip_prefix(": "))
            .unwrap_or(message),
        None => message,
    }
}

/// An error and its causes on one line, without repeats.
pub(crate) fn source_chain(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    one_line(&parts.join(": "), 400)
}

/// At most `max` characters, line breaks made spaces, echoed credentials scrubbed.
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let flat: String = svcgraph_prometheus::scrub_credentials(text)
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() > max {
        let mut cut: String = flat.chars().take(max).collect();
        cut.push('…');
        cut
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(http: u16, status: &str, message: &str) -> String {
        GoogleFailure {
            project: "my-proj",
            endpoint_overridden: false,
            http_status: Some(http),
            status: Some(status),
            message,
        }
        .classify()
        .map(|e| e.to_string())
        .unwrap_or_default()
    }

    #[test]
    fn each_google_failure_says_what_to_do() {
        let cases = [
            (
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials.",
                "gcloud auth application-default login",
            ),
            (
                403,
                "PERMISSION_DENIED",
                "Permission monitoring.timeSeries.list denied",
                "roles/monitoring.viewer",
            ),
            (
                403,
                "PERMISSION_DENIED",
                "Cloud Monitoring API has not been used in project 123 before or it is disabled.",
                "gcloud services enable monitoring.googleapis.com --project my-proj",
            ),
            (
                429,
                "RESOURCE_EXHAUSTED",
                "Quota exceeded for quota metric 'Time series queries'",
                "quota is exhausted",
            ),
            (
                404,
                "NOT_FOUND",
                "Project not found",
                "project `my-proj` was not found",
            ),
        ];
        for (http, status, message, expected) in cases {
            let text = classify(http, status, message);
            assert!(text.contains(expected), "{expected}: {text}");
            assert!(text.contains(message), "{text}");
            assert!(!text.contains('\n'));
            // A library's advice names no command-line flag (the CLI adds its own).
            let flags = text.replace(
                "gcloud services enable monitoring.googleapis.com --project",
                "",
            );
            let flags = flags.replace("--member=ACCOUNT --role=", "");
            assert!(!flags.contains(" --"), "names a flag: {text}");
        }
        assert!(classify(403, "PERMISSION_DENIED", "x").contains("Workload Identity"));
        assert!(classify(500, "INTERNAL", "boom").is_empty());
    }

    #[test]
    fn prometheus_details_give_back_google_status() {
        assert_eq!(
            envelope_status(": PERMISSION_DENIED: nope").as_deref(),
            Some("PERMISSION_DENIED")
        );
        assert_eq!(envelope_status(": bad_data: x"), None);
        assert_eq!(envelope_status(": plain text"), None);
    }
}
