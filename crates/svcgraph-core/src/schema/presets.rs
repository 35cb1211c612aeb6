//! The built-in schemas, one per producer in the design notes (ARCHITECTURE §3).

use super::{Failures, LatencyHistogram, NodeKey, Schema, Side, TimeUnit};
use crate::model::NodeKind;
use crate::query::LabelMatcher;

pub(super) fn by_name(name: &str) -> Option<Schema> {
    match name {
        "gmp-beyla" => Some(gmp_beyla()),
        "servicegraph" => Some(servicegraph()),
        "beyla" => Some(beyla()),
        "istio" => Some(istio()),
        "linkerd" => Some(linkerd()),
        _ => None,
    }
}

fn labels(names: &[&str]) -> Vec<String> {
    names.iter().map(|&n| n.to_owned()).collect()
}

fn side(name: &[&str], kind: NodeKind) -> Side {
    Side {
        name: labels(name),
        external: Vec::new(),
        namespace: None,
        address: None,
        kind,
        unknown_values: Vec::new(),
        virtual_names: Vec::new(),
    }
}

/// Preset matchers are literals checked by the preset tests; a typo fails them.
fn matcher(text: &str) -> LabelMatcher {
    text.parse()
        .unwrap_or_else(|e| panic!("preset matcher `{text}`: {e}"))
}

/// The seed recipe: span metrics over Beyla server spans, exported to GMP. Pods keyed by IP.
fn gmp_beyla() -> Schema {
    Schema {
        name: "gmp-beyla".into(),
        description: "Beyla spans -> spanmetrics -> Google Managed Prometheus (the seed recipe); pods keyed by IP".into(),
        requests: "traces_service_graph_request_total".into(),
        selector: Vec::new(),
        failures: None,
        latency: None,
        client: Side {
            external: labels(&["client_address"]),
            address: Some("client_address".into()),
            ..side(&["client"], NodeKind::Pod)
        },
        server: Side {
            external: labels(&["server_address"]),
            address: Some("server_address".into()),
            namespace: Some("namespace".into()),
            ..side(&["server"], NodeKind::Pod)
        },
        connection_type: None,
        key: NodeKey::Address,
        cluster_label: Some("cluster".into()),
        namespace_labels: labels(&["namespace"]),
    }
}

/// The OpenTelemetry Collector `servicegraph` connector and Tempo's metrics-generator.
fn servicegraph() -> Schema {
    Schema {
        name: "servicegraph".into(),
        description: "OpenTelemetry Collector servicegraph connector / Tempo metrics-generator"
            .into(),
        requests: "traces_service_graph_request_total".into(),
        selector: Vec::new(),
        failures: Some(Failures {
            metric: Some("traces_service_graph_request_failed_total".into()),
            matchers: Vec::new(),
        }),
        latency: Some(LatencyHistogram {
            bucket: "traces_service_graph_request_server_seconds_bucket".into(),
            unit: TimeUnit::Seconds,
        }),
        client: Side {
            namespace: Some("client_service_namespace".into()),
            virtual_names: labels(&["user"]),
            ..side(&["client"], NodeKind::Service)
        },
        server: Side {
            namespace: Some("server_service_namespace".into()),
            ..side(&["server"], NodeKind::Service)
        },
        connection_type: Some("connection_type".into()),
        key: NodeKey::Name,
        cluster_label: Some("cluster".into()),
        namespace_labels: labels(&["client_service_namespace", "server_service_namespace"]),
    }
}

/// Beyla's own service-graph metrics (no span pairing).
fn beyla() -> Schema {
    Schema {
        name: "beyla".into(),
        description: "Beyla's native service-graph metrics (failures may be counted on both sides)"
            .into(),
        selector: vec![matcher(r#"source="beyla""#)],
        connection_type: None,
        ..servicegraph()
    }
}

fn istio() -> Schema {
    Schema {
        name: "istio".into(),
        description: "Istio standard metrics, as reported by the client-side proxy".into(),
        requests: "istio_requests_total".into(),
        selector: vec![matcher(r#"reporter="source""#)],
        failures: Some(Failures {
            metric: None,
            matchers: vec![matcher(r#"response_code=~"5..""#)],
        }),
        latency: Some(LatencyHistogram {
            bucket: "istio_request_duration_milliseconds_bucket".into(),
            unit: TimeUnit::Milliseconds,
        }),
        client: Side {
            namespace: Some("source_workload_namespace".into()),
            unknown_values: labels(&["unknown"]),
            ..side(&["source_workload"], NodeKind::Workload)
        },
        server: Side {
            external: labels(&["destination_service_name"]),
            namespace: Some("destination_workload_namespace".into()),
            unknown_values: labels(&["unknown"]),
            ..side(&["destination_workload"], NodeKind::Workload)
        },
        connection_type: None,
        key: NodeKey::Name,
        cluster_label: Some("cluster".into()),
        namespace_labels: labels(&[
            "source_workload_namespace",
            "destination_workload_namespace",
        ]),
    }
}

fn linkerd() -> Schema {
    Schema {
        name: "linkerd".into(),
        description: "Linkerd proxy metrics, outbound side".into(),
        requests: "response_total".into(),
        selector: vec![matcher(r#"direction="outbound""#)],
        failures: Some(Failures {
            metric: None,
            matchers: vec![matcher(r#"classification="failure""#)],
        }),
        latency: Some(LatencyHistogram {
            bucket: "response_latency_ms_bucket".into(),
            unit: TimeUnit::Milliseconds,
        }),
        client: Side {
            namespace: Some("namespace".into()),
            ..side(
                &["deployment", "statefulset", "daemonset"],
                NodeKind::Workload,
            )
        },
        server: Side {
            external: labels(&["authority"]),
            namespace: Some("dst_namespace".into()),
            ..side(
                &["dst_deployment", "dst_statefulset", "dst_daemonset"],
                NodeKind::Workload,
            )
        },
        connection_type: None,
        key: NodeKey::Name,
        cluster_label: Some("cluster".into()),
        namespace_labels: labels(&["namespace", "dst_namespace"]),
    }
}
