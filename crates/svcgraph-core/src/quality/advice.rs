//! What usually causes each finding, and the producer settings that fix it: written for
//! svcgraph from the producers' documentation (Beyla's name resolver and Kubernetes metadata,
//! the Collector's servicegraph connector, Istio's sidecar injection and reporters).

use super::{FindingKind, Fix};

fn fix(producer: &'static str, setting: &'static str) -> Fix {
    Fix { producer, setting }
}

/// The usual cause of a finding.
pub(super) fn cause(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::IpNamed => {
            "The producer knew this peer only by its network address. Beyla names a peer by its IP when it cannot match the address to a pod or Service (the pod is gone, the peer is outside the cluster, or Kubernetes metadata is off); a Collector without Kubernetes attributes passes the address on as the name."
        }
        FindingKind::Unknown => {
            "The producer could not tell who one end of these calls is. Istio says `unknown` for traffic that did not come through a mesh proxy: callers without a sidecar, the kubelet's health probes, node-level clients. The servicegraph connector says `unknown` for an HTTP peer whose client span names no server."
        }
        FindingKind::Virtual => {
            "Only one side of these calls is instrumented, so the producer made up the other: the servicegraph connector calls a caller without a client span `user`, and names a callee without a server span from the client span's peer attributes (such edges carry connection_type virtual_node)."
        }
        FindingKind::UnpairedSpans => {
            "The connector kept a client or server span waiting for its other half, which never came: the two halves went to different Collector instances, the other side is not instrumented, or the halves arrived further apart than the store keeps them."
        }
        FindingKind::DroppedSpans => {
            "The connector's store of spans waiting for their partner was full, so it dropped spans; their calls are missing from the graph."
        }
        FindingKind::ExpiredEdges => {
            "Edges waited in the connector's store past its time-to-live without their second span and were thrown away; their calls are missing from the graph."
        }
        FindingKind::OneSided => {
            "Only one proxy reported these calls. Reported by the destination only: the caller has no sidecar (outside the mesh, or injection off), and svcgraph, which draws the source proxy's view, leaves the call out. Reported by the source only: the destination is outside the mesh or its proxy does not report."
        }
        FindingKind::NamespaceVariants => {
            "One name under several namespaces is either several services or one service seen several ways: a move between namespaces, a staging copy calling production, or a namespace set differently on the two sides of a call (the connector's client and server namespace come from each side's own resource attributes)."
        }
        FindingKind::Vanished => {
            "These calls reported earlier in the window and not at its end: pods were replaced (a new pod reusing an old IP makes a phantom edge), a producer restarted, or the call stopped. Their rate still counts over the window, so the picture may show calls that no longer happen."
        }
    }
}

/// The settings that usually fix a finding, by producer.
pub(super) fn fixes(kind: FindingKind) -> Vec<Fix> {
    match kind {
        FindingKind::IpNamed => vec![
            fix(
                "Beyla",
                "turn Kubernetes metadata on (`attributes.kubernetes.enable`) and resolve peers with `name_resolver.sources` (`BEYLA_NAME_RESOLVER_SOURCES`): `k8s` for pods and Services, `dns` for peers outside the cluster",
            ),
            fix(
                "OpenTelemetry Collector",
                "run the `k8sattributes` processor before the servicegraph connector, so spans carry pod and service names",
            ),
            fix(
                "svcgraph",
                "name what remains with `--naming`: `[[cidr]]` ranges to names, or `ip_peers = \"collapse\"`",
            ),
        ],
        FindingKind::Unknown => vec![
            fix(
                "Istio",
                "inject the sidecar into the calling workloads (namespace label `istio-injection=enabled`) or enrol them in ambient mode; leave probe rewriting on (`sidecar.istio.io/rewriteAppHTTPProbers`, the default) so probes do not pass as calls",
            ),
            fix(
                "OpenTelemetry Collector",
                "have client spans set `server.address` or `peer.service`, and list the attributes that name peers in the connector's `virtual_node_peer_attributes`",
            ),
        ],
        FindingKind::Virtual => vec![
            fix(
                "OpenTelemetry Collector",
                "instrument the missing side; for peers that cannot be (databases, outside APIs) list their naming attributes in `virtual_node_peer_attributes`, and set `virtual_node_extra_label` to mark such edges",
            ),
            fix(
                "Beyla",
                "instrument the peer's process as well (`discovery.instrument`), so both sides of the call report",
            ),
        ],
        FindingKind::UnpairedSpans | FindingKind::ExpiredEdges => vec![
            fix(
                "OpenTelemetry Collector",
                "send every span of a trace to the same Collector instance (the `loadbalancing` exporter with `routing_key: traceID` in front of the connector), and raise the connector's `store.ttl` when halves arrive late",
            ),
            fix(
                "Beyla",
                "when Beyla feeds the connector, instrument both processes of a call so both spans exist",
            ),
        ],
        FindingKind::DroppedSpans => vec![fix(
            "OpenTelemetry Collector",
            "raise the connector's `store.max_items`, or lower `store.ttl` so waiting spans leave the store sooner",
        )],
        FindingKind::OneSided => vec![fix(
            "Istio",
            "inject sidecars on both ends (or enrol both in ambient mode); describe destinations outside the mesh with a ServiceEntry",
        )],
        FindingKind::NamespaceVariants => vec![
            fix(
                "OpenTelemetry Collector",
                "set `service.namespace` the same way for every service (SDK resource or the `resource` processor)",
            ),
            fix(
                "Beyla",
                "take namespaces from Kubernetes metadata (`attributes.kubernetes.enable`) on every node, so both sides agree",
            ),
            fix(
                "svcgraph",
                "merge the variants of one service with an `[[alias]]` in `--naming`",
            ),
        ],
        FindingKind::Vanished => vec![
            fix(
                "svcgraph",
                "look again with a shorter `--window`, or compare with an earlier moment (`--compare-at`)",
            ),
            fix(
                "Beyla",
                "key nodes by name rather than by pod IP (Kubernetes metadata on; the `beyla` schema instead of `gmp-beyla`), so replaced pods do not leave phantom edges",
            ),
        ],
    }
}
