//! Google credentials: Application Default Credentials, a credentials file, or none, always
//! with the read-only Monitoring scope.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use google_cloud_auth::credentials::{
    AccessTokenCredentials, Builder as AdcBuilder, impersonated, service_account, user_account,
};
use svcgraph_prometheus::{TokenFuture, TokenSource};

use crate::config::{CredentialSource, MONITORING_READ_SCOPE};
use crate::error::{Error, Result, one_line, source_chain};

/// Credentials ready to use, with what the user should hear when they fail.
#[derive(Clone, Debug)]
pub(crate) struct GoogleCredentials {
    /// `None` for [`CredentialSource::Anonymous`].
    pub tokens: Option<AccessTokenCredentials>,
    /// Said in front of a token failure: where the credentials were looked for.
    pub origin: String,
}

/// What to do when no token can be had: the cause, then how to get working credentials.
pub(crate) fn guidance(cause: &str) -> String {
    format!(
        "cannot get a Google access token: {}; run `gcloud auth application-default login` (or `gcloud auth application-default print-access-token` to check), name a service-account key file in GOOGLE_APPLICATION_CREDENTIALS or as the credentials file, or on GKE/GCE check that the metadata server is reachable and Workload Identity is set up",
        one_line(cause, 400)
    )
}

/// Builds the credentials. Needs a Tokio runtime: the Google library refreshes tokens in a
/// background task.
pub(crate) fn credentials(
    source: &CredentialSource,
    quota_project: Option<&str>,
) -> Result<GoogleCredentials> {
    // The Google library signs service-account tokens with the process' rustls provider;
    // only `ring` is linked.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let scopes = [MONITORING_READ_SCOPE];
    let built = match source {
        CredentialSource::Anonymous => {
            return Ok(GoogleCredentials {
                tokens: None,
                origin: "no credentials".into(),
            });
        }
        CredentialSource::ApplicationDefault => {
            let mut builder = AdcBuilder::default().with_scopes(scopes);
            if let Some(q) = quota_project {
                builder = builder.with_quota_project_id(q);
            }
            builder.build_access_token_credentials()
        }
        CredentialSource::File(path) => {
            let json = read_credentials_file(path)?;
            let kind = json
                .get("type")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
                .to_owned();
            match kind.as_str() {
                "service_account" => {
                    let mut b = service_account::Builder::new(json).with_access_specifier(
                        service_account::AccessSpecifier::from_scopes(scopes),
                    );
                    if let Some(q) = quota_project {
                        b = b.with_quota_project_id(q);
                    }
                    b.build_access_token_credentials()
                }
                "authorized_user" => {
                    let mut b = user_account::Builder::new(json).with_scopes(scopes);
                    if let Some(q) = quota_project {
                        b = b.with_quota_project_id(q);
                    }
                    b.build_access_token_credentials()
                }
                "impersonated_service_account" => {
                    let mut b = impersonated::Builder::new(json).with_scopes(scopes);
                    if let Some(q) = quota_project {
                        b = b.with_quota_project_id(q);
                    }
                    b.build_access_token_credentials()
                }
                other => {
                    return Err(Error::Credentials(format!(
                        "the credentials file {} is of type `{}`, which svcgraph does not read as a credentials file; use a service-account key, an `authorized_user` file from `gcloud auth application-default login`, or name the file in GOOGLE_APPLICATION_CREDENTIALS instead",
                        path.display(),
                        one_line(other, 60)
                    )));
                }
            }
        }
    };
    let tokens = built.map_err(|e| Error::Credentials(guidance(&source_chain(&e))))?;
    Ok(GoogleCredentials {
        tokens: Some(tokens),
        origin: origin(source),
    })
}

impl GoogleCredentials {
    /// A token source for the HTTP client, `None` when anonymous.
    pub(crate) fn token_source(&self) -> Option<Arc<dyn TokenSource>> {
        self.tokens.as_ref().map(|tokens| {
            Arc::new(GoogleTokens {
                tokens: tokens.clone(),
                origin: self.origin.clone(),
            }) as Arc<dyn TokenSource>
        })
    }
}

/// Google access tokens for the HTTP client; the Google library caches and refreshes them.
struct GoogleTokens {
    tokens: AccessTokenCredentials,
    origin: String,
}

impl TokenSource for GoogleTokens {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            self.tokens
                .access_token()
                .await
                .map(|t| t.token)
                .map_err(|e| {
                    svcgraph_prometheus::Error::Credentials(guidance(&format!(
                        "{}: {}",
                        self.origin,
                        source_chain(&e)
                    )))
                })
        })
    }
}

fn read_credentials_file(path: &Path) -> Result<serde_json::Value> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Credentials(format!(
            "cannot read the credentials file {}: {e}; pass a service-account key file (IAM > Service accounts > Keys) or the file `gcloud auth application-default login` writes",
            path.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        Error::Credentials(format!(
            "the credentials file {} is not JSON ({e}); pass a service-account key file or the file `gcloud auth application-default login` writes",
            path.display()
        ))
    })
}

/// Where the credentials were looked for, as the user would put it.
fn origin(source: &CredentialSource) -> String {
    match source {
        CredentialSource::Anonymous => "no credentials".into(),
        CredentialSource::File(path) => format!("credentials file {}", path.display()),
        CredentialSource::ApplicationDefault => {
            if let Some(path) = std::env::var_os("GOOGLE_APPLICATION_CREDENTIALS") {
                return format!(
                    "GOOGLE_APPLICATION_CREDENTIALS={}",
                    PathBuf::from(path).display()
                );
            }
            let gcloud = std::env::var_os("HOME").map(|home| {
                PathBuf::from(home).join(".config/gcloud/application_default_credentials.json")
            });
            match gcloud {
                Some(path) if path.exists() => format!("gcloud credentials {}", path.display()),
                _ => {
                    let host = std::env::var("GCE_METADATA_HOST")
                        .unwrap_or_else(|_| "metadata.google.internal".into());
                    format!(
                        "no Google credentials found (GOOGLE_APPLICATION_CREDENTIALS is not set, there is no gcloud ADC file in ~/.config/gcloud) and the metadata server at {host} gave no token"
                    )
                }
            }
        }
    }
}
