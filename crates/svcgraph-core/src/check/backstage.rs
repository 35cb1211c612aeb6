//! A Backstage catalog (`catalog-info.yaml`, one or more YAML documents) as a declaration.
//!
//! Each `Component` and `Resource` entity's `spec.dependsOn` (this entity calls that one)
//! and `spec.dependencyOf` (that one calls this one) are the declared calls: each is
//! allowed and expected, and any other call is undeclared. Entity references read
//! `[kind:][namespace/]name`; without a namespace they take the entity's own (`default`
//! when it has none).
//!
//! An entity matches the nodes of its name, compared without regard to case, as Backstage
//! compares names; its namespace must be the node's namespace, unless it is `default` (what
//! most catalogs use whatever the cluster), which matches any.

use std::collections::BTreeSet;

use serde::Deserialize;

use super::{Architecture, CallRule, Endpoint, Glob};
use crate::error::{Error, Result};

#[derive(Debug, Deserialize)]
struct Entity {
    kind: Option<String>,
    metadata: Option<Metadata>,
    spec: Option<Spec>,
}

#[derive(Debug, Deserialize)]
struct Metadata {
    name: Option<String>,
    namespace: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Spec {
    #[serde(rename = "dependsOn", default)]
    depends_on: Vec<String>,
    #[serde(rename = "dependencyOf", default)]
    dependency_of: Vec<String>,
}

/// An entity's namespace and name, lower-cased.
type Ref = (String, String);

impl Architecture {
    /// Reads a Backstage catalog: its `Component` and `Resource` entities' `dependsOn` and
    /// `dependencyOf` relations are the allowed and expected calls; nothing else is allowed.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for text that is not YAML, documents that are not entities, an
    /// entity without `metadata.name`, a reference that is not `[kind:][namespace/]name`, or
    /// a catalog without any `Component` or `Resource`.
    pub fn from_backstage(text: &str) -> Result<Architecture> {
        let mut declared: BTreeSet<(Ref, Ref)> = BTreeSet::new();
        let mut entities = 0;
        for (index, document) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
            let entity = Option::<Entity>::deserialize(document).map_err(|e| {
                Error::Invalid(format!(
                    "the catalog's document {} is not a Backstage entity: {e}",
                    index + 1
                ))
            })?;
            let Some(entity) = entity else { continue };
            let kind = entity
                .kind
                .as_deref()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if kind != "component" && kind != "resource" {
                continue;
            }
            entities += 1;
            let Some(name) = entity.metadata.as_ref().and_then(|m| m.name.as_deref()) else {
                return Err(Error::Invalid(format!(
                    "the catalog's document {} ({kind}) has no metadata.name",
                    index + 1
                )));
            };
            let namespace = entity
                .metadata
                .as_ref()
                .and_then(|m| m.namespace.as_deref())
                .unwrap_or("default");
            let this: Ref = (namespace.to_lowercase(), name.to_lowercase());
            let spec = entity.spec.unwrap_or_default();
            for target in &spec.depends_on {
                declared.insert((this.clone(), entity_ref(target, namespace)?));
            }
            for source in &spec.dependency_of {
                declared.insert((entity_ref(source, namespace)?, this.clone()));
            }
        }
        if entities == 0 {
            return Err(Error::Invalid(
                "the catalog holds no Component or Resource entity; is it a Backstage catalog-info.yaml?"
                    .into(),
            ));
        }
        let expect = declared
            .into_iter()
            .map(|(from, to)| CallRule {
                label: format!(
                    "catalog: {}/{} depends on {}/{}",
                    from.0, from.1, to.0, to.1
                ),
                from: endpoint(&from),
                to: endpoint(&to),
            })
            .collect();
        Ok(Architecture {
            allow: Vec::new(),
            forbid: Vec::new(),
            expect,
            budgets: Vec::new(),
            deny_undeclared: true,
        })
    }
}

/// `[kind:][namespace/]name`, its namespace defaulting to the referring entity's.
fn entity_ref(text: &str, namespace: &str) -> Result<Ref> {
    let rest = text.split_once(':').map_or(text, |(_, rest)| rest);
    let (ns, name) = rest.split_once('/').unwrap_or((namespace, rest));
    if name.is_empty() || ns.is_empty() || name.contains(['/', ':']) {
        return Err(Error::Invalid(format!(
            "`{}` in the catalog is not an entity reference; write [kind:][namespace/]name, e.g. component:default/cart",
            crate::error::excerpt(text)
        )));
    }
    Ok((ns.to_lowercase(), name.to_lowercase()))
}

fn endpoint((namespace, name): &Ref) -> Endpoint {
    Endpoint {
        name: Some(Glob::literal_any_case(name)),
        namespace: (namespace != "default").then(|| Glob::literal_any_case(namespace)),
        kinds: Vec::new(),
    }
}
