"""Checks for the manifests under deploy/.

Every `check_*` function takes the deploy/ directory and returns a list of problems, each naming
the file and what is wrong; an empty list means the check passed. The tests run the checks on
deploy/ itself and on deliberately broken copies of it, so the same code is exercised both ways.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import kubernetes_validate
import yaml

# Core objects are validated against the schemas kubernetes-validate bundles for this version.
# Older than the newest on purpose: the manifests must work on GKE's slower release channels.
KUBERNETES_VERSION = "1.33.0"

KUSTOMIZATION = "kustomization.yaml"

# Each variant directory, and the svcgraph schema preset that reads what it produces.
VARIANTS = {
    "gke-gmp": "gmp-beyla",
    "prometheus/servicegraph": "servicegraph",
    "prometheus/beyla": "beyla",
}

CLUSTER_SCOPED_KINDS = {"Namespace", "ClusterRole", "ClusterRoleBinding"}

# Top-level fields of an OpenTelemetryCollector's spec in opentelemetry.io/v1beta1
# (OpenTelemetryCollectorSpec and the common fields it embeds, in the Operator's apis/v1beta1).
COLLECTOR_SPEC_FIELDS = set(
    """
    managementState resources nodeSelector args replicas podDisruptionBudget securityContext
    podSecurityContext podAnnotations serviceAccount image imagePullPolicy volumeMounts ports env
    envFrom tolerations volumes affinity lifecycle terminationGracePeriodSeconds
    topologySpreadConstraints hostNetwork shareProcessNamespace priorityClassName initContainers
    additionalContainers podDnsConfig ipFamilies ipFamilyPolicy volumeClaimTemplates
    persistentVolumeClaimRetentionPolicy autoscaler targetAllocator mode upgradeStrategy config
    configVersions ingress livenessProbe readinessProbe observability configmaps
    daemonSetUpdateStrategy deploymentUpdateStrategy
    """.split()
)
COLLECTOR_MODES = {"deployment", "daemonset", "statefulset", "sidecar"}

# Connectors in use: (pipeline type they take, pipeline type they emit).
CONNECTOR_TYPES = {"spanmetrics": ("traces", "metrics"), "servicegraph": ("traces", "metrics")}

# Facts about the producers: the design notes (ARCHITECTURE.md §3) and each component's docs.
SPANMETRICS_DEFAULT_DIMENSIONS = {"service.name", "span.name", "span.kind", "status.code"}
SERVICE_GRAPH_METRICS = {
    "traces_service_graph_request_total",
    "traces_service_graph_request_failed_total",
    "traces_service_graph_request_server_seconds_bucket",
    "traces_service_graph_request_client_seconds_bucket",
}
SERVICEGRAPH_CONNECTOR_LABELS = {"client", "server", "connection_type"}
BEYLA_SERVICE_GRAPH_LABELS = {"client", "server", "source"}
BEYLA_SERVICE_GRAPH_LABELS |= {"client_service_namespace", "server_service_namespace"}
BEYLA_SOURCE = "beyla"
# GMP's own labels (its prometheus_target resource); cluster and namespace come from these
# resource attributes.
GMP_TARGET_LABELS = {"project_id", "location", "job", "instance"}
GMP_TARGET_FROM_RESOURCE = {"k8s.cluster.name": "cluster", "k8s.namespace.name": "namespace"}


# --- files ----------------------------------------------------------------------------------------


def yaml_files(deploy: Path) -> list[Path]:
    """Every YAML file under deploy/, except the tests' own."""
    found = [*deploy.rglob("*.yaml"), *deploy.rglob("*.yml")]
    return sorted(p for p in found if "tests" not in p.relative_to(deploy).parts)


def parse_documents(text: str) -> list:
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


def load_documents(path: Path) -> list:
    return parse_documents(path.read_text())


def check_yaml_parses(deploy: Path) -> list[str]:
    problems = []
    for path in yaml_files(deploy):
        try:
            load_documents(path)
        except yaml.YAMLError as err:
            problems.append(f"{path.relative_to(deploy)}: not valid YAML: {err}")
    return problems


def kustomization_dirs(deploy: Path) -> list[Path]:
    found = deploy.rglob(KUSTOMIZATION)
    return sorted(p.parent for p in found if "tests" not in p.relative_to(deploy).parts)


def read_kustomization(directory: Path) -> dict:
    return yaml.safe_load((directory / KUSTOMIZATION).read_text()) or {}


def is_component(directory: Path) -> bool:
    """Whether the kustomization is a Component, which overlays include with `components:`."""
    return read_kustomization(directory).get("kind") == "Component"


def component_base(directory: Path) -> Path:
    """The base a component is made for: components live in `<base>/components/<name>`."""
    return directory.parent.parent


def referenced_files(directory: Path) -> dict[str, list[Path]]:
    """The files (and base directories) a kustomization names, by role."""
    k = read_kustomization(directory)

    def at(relative: str) -> Path:
        # Lexically, so that ../../gke-gmp/x.yaml and gke-gmp/x.yaml are one file.
        return Path(os.path.normpath(directory / relative))

    generators = k.get("configMapGenerator", [])
    return {
        "resources": [at(r) for r in k.get("resources", [])],
        "patches": [at(p["path"]) for p in k.get("patches", []) if "path" in p],
        "generator files": [at(f) for g in generators for f in g.get("files", [])],
        "configurations": [at(c) for c in k.get("configurations", [])],
        "components": [at(c) for c in k.get("components", [])],
    }


def chain(directory: Path) -> list[Path]:
    """A kustomization followed by every base and component it builds on."""
    dirs = [directory]
    references = referenced_files(directory)
    for entry in [*references["resources"], *references["components"]]:
        if entry.is_dir():
            dirs += chain(entry)
    return dirs


def resource_files(directory: Path) -> list[Path]:
    """The resource files of a kustomization and of its bases."""
    return [f for d in chain(directory) for f in referenced_files(d)["resources"] if f.is_file()]


def chain_namespaces(directory: Path) -> list[str]:
    """Every `namespace:` set along a kustomization's chain (there should be one)."""
    kustomizations = [read_kustomization(d) for d in chain(directory)]
    return [k["namespace"] for k in kustomizations if "namespace" in k]


def check_files_are_used(deploy: Path) -> list[str]:
    used = {d / KUSTOMIZATION for d in kustomization_dirs(deploy)}
    for directory in kustomization_dirs(deploy):
        for files in referenced_files(directory).values():
            used.update(files)
    return [
        f"{path.relative_to(deploy)}: no kustomization uses this file"
        for path in yaml_files(deploy)
        if path not in used
    ]


# --- Kubernetes schemas ---------------------------------------------------------------------------


def describe(doc: dict) -> str:
    return f"{doc.get('kind')} {doc.get('metadata', {}).get('name')}"


def collector_resource_problems(doc: dict) -> list[str]:
    """OpenTelemetryCollector is a custom resource: kubernetes-validate has no schema for it."""
    problems = []
    if doc.get("apiVersion") != "opentelemetry.io/v1beta1":
        problems.append(f"apiVersion {doc.get('apiVersion')!r}, expected opentelemetry.io/v1beta1")
    if not doc.get("metadata", {}).get("name"):
        problems.append("metadata.name is missing")
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        return [*problems, "spec is missing"]
    problems += [f"unknown spec field {f!r}" for f in sorted(set(spec) - COLLECTOR_SPEC_FIELDS)]
    if spec.get("mode", "deployment") not in COLLECTOR_MODES:
        problems.append(f"spec.mode {spec.get('mode')!r} is none of {sorted(COLLECTOR_MODES)}")
    if not isinstance(spec.get("config", {}).get("service", {}).get("pipelines"), dict):
        problems.append("spec.config.service.pipelines is missing")
    return problems


CUSTOM_RESOURCES = {"OpenTelemetryCollector": collector_resource_problems}


def schema_problems(doc: dict) -> list[str]:
    """Problems of one object: core kinds against the Kubernetes schemas, custom ones by shape."""
    if not isinstance(doc, dict) or "kind" not in doc or "apiVersion" not in doc:
        return ["not a Kubernetes object (no apiVersion and kind)"]
    if doc["kind"] in CUSTOM_RESOURCES:
        return [f"{describe(doc)}: {p}" for p in CUSTOM_RESOURCES[doc["kind"]](doc)]
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.SchemaNotFoundError as err:
        return [f"{describe(doc)}: {err.message}"]
    except kubernetes_validate.ValidationError as err:
        where = ".".join(str(p) for p in err.path) or "(top level)"
        return [f"{describe(doc)}: {where}: {err.message}"]
    return []


def check_schemas(deploy: Path) -> list[str]:
    problems = []
    for path in sorted({f for d in kustomization_dirs(deploy) for f in resource_files(d)}):
        for doc in load_documents(path):
            problems += [f"{path.relative_to(deploy)}: {p}" for p in schema_problems(doc)]
    return problems


# --- kustomize structure (no kustomize binary needed) ---------------------------------------------


def container_images(doc: dict) -> list[str]:
    spec = doc.get("spec") or {}
    if doc.get("kind") in CUSTOM_RESOURCES:
        return [spec["image"]] if "image" in spec else []
    pod = spec.get("template", {}).get("spec", {})
    return [c["image"] for c in [*pod.get("containers", []), *pod.get("initContainers", [])]]


def image_name(image: str) -> str:
    """The image without tag or digest (a registry's port is not a tag)."""
    repository, _, last = image.split("@")[0].rpartition("/")
    return f"{repository}/{last.split(':')[0]}" if repository else last.split(":")[0]


def reference_problems(directory: Path) -> list[str]:
    problems = []
    for role, paths in referenced_files(directory).items():
        for path in paths:
            is_base = role in {"resources", "components"} and (path / KUSTOMIZATION).is_file()
            if not (path.is_file() or is_base):
                problems.append(f"{role} entry {os.path.relpath(path, directory)} does not exist")
    return problems


def image_problems(directory: Path, deploy: Path) -> list[str]:
    """Manifests name images without a version; one `images:` entry along the chain pins each."""
    problems, pins, custom_paths = [], {}, set()
    for d in chain(directory):
        for pin in read_kustomization(d).get("images", []):
            pins[pin["name"]] = pins.get(pin["name"], 0) + 1
            if not (pin.get("newTag") or pin.get("digest")):
                problems.append(f"image {pin['name']} has no newTag or digest")
        for c in referenced_files(d)["configurations"]:
            custom_paths |= {
                (s["kind"], s["path"]) for s in yaml.safe_load(c.read_text())["images"]
            }
    for path in resource_files(directory):
        for doc in load_documents(path):
            label = f"{path.relative_to(deploy)}: {describe(doc)}"
            for image in container_images(doc):
                if image != image_name(image):
                    problems.append(f"{label}: image {image} has a version; pin it in `images:`")
                if pins.get(image_name(image)) != 1:
                    problems.append(f"{label}: pin {image_name(image)} once in `images:`")
            custom = doc.get("kind") in CUSTOM_RESOURCES
            if custom and (doc["kind"], "spec/image") not in custom_paths:
                problems.append(f"{label}: no `configurations:` entry takes `images:` there")
    return problems


def namespace_problems(directory: Path, deploy: Path) -> list[str]:
    """The kustomization's `namespace:` is the only one, and binding subjects follow it. A
    component sets none: it takes the namespace of the overlay that includes it."""
    problems = []
    count = len(chain_namespaces(directory))
    expected = 0 if is_component(directory) else 1
    if count != expected:
        problems.append(
            f"`namespace:` is set {count} times along the bases, expected "
            + ("none in a component" if expected == 0 else "once")
        )
    docs = [(p, doc) for p in resource_files(directory) for doc in load_documents(p)]
    accounts = {doc["metadata"]["name"] for _, doc in docs if doc.get("kind") == "ServiceAccount"}
    for path, doc in docs:
        label = f"{path.relative_to(deploy)}: {describe(doc)}"
        if "namespace" in doc.get("metadata", {}):
            problems.append(f"{label}: sets metadata.namespace; leave it to the kustomization")
        for subject in doc.get("subjects", []):
            if subject.get("kind") != "ServiceAccount":
                continue
            if "namespace" in subject:
                problems.append(
                    f"{label}: subject {subject['name']} hard-codes namespace "
                    f"{subject['namespace']!r}; leave it out so kustomize sets it"
                )
            if subject.get("name") not in accounts:
                problems.append(f"{label}: subject {subject.get('name')} is not defined here")
    return problems


def check_kustomize_structure(deploy: Path) -> list[str]:
    problems = []
    for directory in kustomization_dirs(deploy):
        where = directory.relative_to(deploy) / KUSTOMIZATION
        found = reference_problems(directory)
        if not found:
            found = image_problems(directory, deploy) + namespace_problems(directory, deploy)
        problems += [f"{where}: {p}" for p in found]
    return problems


# --- kustomize build (when a kustomize v5 is installed) -------------------------------------------


def kustomize_command() -> list[str] | None:
    """`kustomize build` or `kubectl kustomize`, if one of them has kustomize v5 or newer."""
    for command, version in (
        (["kustomize", "build"], ["kustomize", "version"]),
        (["kubectl", "kustomize"], ["kubectl", "version", "--client"]),
    ):
        if shutil.which(command[0]) is None:
            continue
        out = subprocess.run(version, capture_output=True, text=True, check=False).stdout
        found = re.search(r"v(\d+)\.\d+\.\d+", out.split("Kustomize Version:")[-1])
        if found and int(found.group(1)) >= 5:
            return command
    return None


def kustomize_build(command: list[str], directory: Path) -> tuple[list, str]:
    """The built objects, or an error message."""
    run = subprocess.run([*command, str(directory)], capture_output=True, text=True, check=False)
    if run.returncode != 0:
        return [], run.stderr.strip() or f"exit status {run.returncode}"
    return parse_documents(run.stdout), ""


def build_with_component(command: list[str], component: Path) -> tuple[list, str]:
    """A component built as an overlay of its base would use it: the base, the component, and
    the base's namespace (an overlay's `namespace:` reaches the component's objects; the
    base's own stops at the base)."""
    base = component_base(component)
    with tempfile.TemporaryDirectory() as overlay:
        # kustomize takes relative paths only.
        (Path(overlay) / KUSTOMIZATION).write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "kustomize.config.k8s.io/v1beta1",
                    "kind": "Kustomization",
                    "namespace": chain_namespaces(base)[0],
                    "resources": [os.path.relpath(base, overlay)],
                    "components": [os.path.relpath(component, overlay)],
                }
            )
        )
        return kustomize_build(command, Path(overlay))


def check_builds(deploy: Path, command: list[str]) -> list[str]:
    """Each kustomization builds, and what it builds is valid, pinned and in its namespace.
    A component is built as an overlay of its base that includes it."""
    problems = []
    for directory in kustomization_dirs(deploy):
        where = f"{directory.relative_to(deploy)} (built)"
        if is_component(directory):
            docs, error = build_with_component(command, directory)
            namespaces = chain_namespaces(component_base(directory))
        else:
            docs, error = kustomize_build(command, directory)
            namespaces = chain_namespaces(directory)
        if error:
            problems.append(f"{where}: kustomize build failed: {error}")
            continue
        namespace = namespaces[0]
        for doc in docs:
            problems += [f"{where}: {p}" for p in schema_problems(doc)]
            label = f"{where}: {describe(doc)}"
            placed = doc["metadata"].get("namespace")
            if doc["kind"] not in CLUSTER_SCOPED_KINDS and placed != namespace:
                problems.append(f"{label}: in namespace {placed!r}, expected {namespace!r}")
            for subject in doc.get("subjects", []):
                bound = subject.get("namespace")
                if subject.get("kind") == "ServiceAccount" and bound != namespace:
                    problems.append(f"{label}: binds {subject['name']} in {bound!r}")
            for image in container_images(doc):
                if image == image_name(image):
                    problems.append(f"{label}: image {image} is not pinned to a version")
    return problems


# --- what each variant runs (read from its files, combined as kustomize combines them) ------------


@dataclass
class Variant:
    collector_name: str | None = None
    collector_config: dict | None = None
    beyla_config: dict | None = None


def variant(directory: Path) -> Variant:
    """The Collector and Beyla configuration a kustomization ends up with."""
    k = read_kustomization(directory)
    result = Variant()
    for entry in referenced_files(directory)["resources"]:
        if entry.is_dir():
            result = variant(entry)
            continue
        for doc in load_documents(entry):
            if doc.get("kind") == "OpenTelemetryCollector":
                result.collector_name = doc["metadata"]["name"]
                result.collector_config = doc["spec"]["config"]
    for generator in k.get("configMapGenerator", []):
        if generator["name"] == "beyla-config":
            result.beyla_config = yaml.safe_load((directory / generator["files"][0]).read_text())
    for patch in k.get("patches", []):
        text = (directory / patch["path"]).read_text() if "path" in patch else patch["patch"]
        for doc in parse_documents(text):
            if isinstance(doc, list) and patch["target"]["kind"] == "OpenTelemetryCollector":
                for op in doc:  # a JSON patch
                    if op["path"] == "/spec/config" and op["op"] in {"add", "replace"}:
                        result.collector_config = op["value"]
            elif doc.get("$patch") == "delete" and doc["kind"] == "OpenTelemetryCollector":
                result.collector_name = result.collector_config = None
    return result


def built_variant(docs: list[dict]) -> Variant:
    """The same, read from kustomize's output."""
    result = Variant()
    for doc in docs:
        if doc["kind"] == "OpenTelemetryCollector":
            result.collector_name = doc["metadata"]["name"]
            result.collector_config = doc["spec"]["config"]
        if doc["kind"] == "ConfigMap" and doc["metadata"]["name"].startswith("beyla-config"):
            result.beyla_config = yaml.safe_load(doc["data"]["beyla-config.yml"])
    return result


# --- Collector pipelines --------------------------------------------------------------------------


def pipeline_problems(config: dict) -> list[str]:
    """Pipelines use only defined components, and each connector joins one pipeline to another."""
    problems, used = [], set()
    pipelines = config.get("service", {}).get("pipelines", {})
    connectors = config.get("connectors") or {}
    for name, pipeline in pipelines.items():
        for role in ("receivers", "processors", "exporters"):
            for component in pipeline.get(role, []):
                used.add(component)
                defined = component in (config.get(role) or {})
                if not defined and not (role != "processors" and component in connectors):
                    problems.append(f"pipeline {name}: undefined {role[:-1]} {component!r}")
        if not pipeline.get("receivers") or not pipeline.get("exporters"):
            problems.append(f"pipeline {name}: needs a receiver and an exporter")
    for connector in connectors:
        takes = [p for p, spec in pipelines.items() if connector in spec.get("exporters", [])]
        emits = [p for p, spec in pipelines.items() if connector in spec.get("receivers", [])]
        if not takes or not emits:
            problems.append(f"connector {connector!r} must export from one pipeline into another")
            continue
        take_type, emit_type = CONNECTOR_TYPES.get(connector.split("/")[0], (None, None))
        for p in takes if take_type else []:
            if p.split("/")[0] != take_type:
                problems.append(f"connector {connector!r} takes {take_type}, not pipeline {p}")
        for p in emits if emit_type else []:
            if p.split("/")[0] != emit_type:
                problems.append(f"connector {connector!r} emits {emit_type}, not pipeline {p}")
    for section in ("receivers", "processors", "exporters", "connectors"):
        for component in config.get(section) or {}:
            if component not in used:
                problems.append(f"{section[:-1]} {component!r} is defined but in no pipeline")
    return problems


def check_collector_pipelines(deploy: Path) -> list[str]:
    problems = []
    for name in VARIANTS:
        config = variant(deploy / name).collector_config
        if config is not None:
            problems += [f"{name}: Collector: {p}" for p in pipeline_problems(config)]
    return problems


def check_beyla_reaches_collector(deploy: Path) -> list[str]:
    """Beyla sends to the Service the Operator makes for the Collector, on a port it listens on."""
    problems = []
    for name in VARIANTS:
        v = variant(deploy / name)
        export = (v.beyla_config or {}).get("otel_traces_export")
        if export is None:
            continue
        if v.collector_config is None:
            problems.append(f"{name}: Beyla exports traces, but there is no Collector")
            continue
        service = f"{v.collector_name}-collector"
        endpoint = export.get("endpoint", "")
        found = re.fullmatch(r"https?://([^:/]+):(\d+)/?", endpoint)
        protocol = "grpc" if export.get("protocol") == "grpc" else "http"
        otlp = v.collector_config.get("receivers", {}).get("otlp", {}).get("protocols", {})
        port = str((otlp.get(protocol) or {}).get("endpoint", "")).rpartition(":")[2]
        if not found or found.group(1) != service:
            problems.append(f"{name}: Beyla sends to {endpoint!r}, not to the Service {service}")
        elif found.group(2) != port:
            problems.append(
                f"{name}: Beyla sends {protocol} to port {found.group(2)}, "
                f"the Collector listens on {port!r}"
            )
    return problems


# --- metric and label names, as svcgraph reads them -----------------------------------------------


@dataclass
class Series:
    metrics: set[str]
    labels: set[str]
    # Labels the metric store adds by itself (GMP's target labels).
    store_labels: set[str]


def prometheus_name(attribute: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", attribute)


def pipeline_from(config: dict, connector_kind: str) -> tuple[str, dict]:
    """The connector of that kind and the pipeline it feeds."""
    for pipeline in config["service"]["pipelines"].values():
        for receiver in pipeline.get("receivers", []):
            if receiver.split("/")[0] == connector_kind:
                return receiver, pipeline
    raise ValueError(f"no pipeline receives from a {connector_kind} connector")


def gmp_series(config: dict) -> Series:
    """What the GMP exporter writes for the spanmetrics count, following the processors."""
    connector, pipeline = pipeline_from(config, "spanmetrics")
    spanmetrics = config["connectors"][connector]
    namespace = spanmetrics.get("namespace", "")
    name = f"{namespace}.calls" if namespace else "calls"
    point = SPANMETRICS_DEFAULT_DIMENSIONS - set(spanmetrics.get("exclude_dimensions", []))
    point |= {d["name"] for d in spanmetrics.get("dimensions", [])}
    resource: set[str] = set()
    for processor in pipeline.get("processors", []):
        kind, settings = processor.split("/")[0], config["processors"][processor] or {}
        if kind == "groupbyattrs":
            resource |= point & set(settings["keys"])
            point -= set(settings["keys"])
        elif kind == "k8sattributes":
            resource |= set(settings["extract"]["metadata"])
        elif kind == "resourcedetection" and "gcp" in settings.get("detectors", []):
            resource |= {"k8s.cluster.name", "cloud.availability_zone"}
        elif kind == "transform":
            for group in settings.get("metric_statements", []):
                for statement in group["statements"]:
                    if group["context"] == "resource":
                        resource |= set(re.findall(r'^set\(attributes\["([^"]+)"\]', statement))
                        resource -= set(re.findall(r'^delete_key\(attributes, "(.+)"\)', statement))
                    rename = re.fullmatch(r'set\(name, "(.+)"\) where name == "(.+)"', statement)
                    if group["context"] == "metric" and rename and rename.group(2) == name:
                        name = rename.group(1)
    exporter = next(e for e in pipeline["exporters"] if e.startswith("googlemanagedprometheus"))
    metric = (config["exporters"][exporter] or {}).get("metric", {})
    copied = {
        attribute
        for attribute in resource
        for f in metric.get("resource_filters", [])
        if attribute.startswith(f.get("prefix", "")) and re.search(f.get("regex", ""), attribute)
    }
    # GMP names counters the Prometheus way: `_total`, unless suffixes are turned off.
    suffix = "_total" if metric.get("add_metric_suffixes", True) else ""
    from_resource = {GMP_TARGET_FROM_RESOURCE[a] for a in resource & set(GMP_TARGET_FROM_RESOURCE)}
    return Series(
        metrics={prometheus_name(name) + suffix},
        labels={prometheus_name(a) for a in point | copied},
        store_labels=GMP_TARGET_LABELS | from_resource,
    )


def servicegraph_series(config: dict) -> Series:
    connector, pipeline = pipeline_from(config, "servicegraph")
    dimensions = config["connectors"][connector].get("dimensions", [])
    prefixes = [
        f"{namespace}_" if (namespace := (config["exporters"][e] or {}).get("namespace")) else ""
        for e in pipeline["exporters"]
        if e.split("/")[0] in {"prometheus", "prometheusremotewrite"}
    ]
    if not prefixes:
        raise ValueError("the servicegraph metrics reach no Prometheus exporter")
    sides = {f"{s}_{prometheus_name(d)}" for d in dimensions for s in ("client", "server")}
    return Series(
        metrics={p + m for p in prefixes for m in SERVICE_GRAPH_METRICS},
        labels=SERVICEGRAPH_CONNECTOR_LABELS | sides,
        store_labels=set(),
    )


def beyla_native_series(beyla_config: dict) -> Series:
    export = beyla_config.get("prometheus_export") or {}
    if not export.get("port") or "application_service_graph" not in export.get("features", []):
        raise ValueError("Beyla serves no application_service_graph metrics on a Prometheus port")
    if beyla_config.get("attributes", {}).get("kubernetes", {}).get("enable") is not True:
        raise ValueError("Beyla's Kubernetes decoration is off: no service names or namespaces")
    return Series(set(SERVICE_GRAPH_METRICS), set(BEYLA_SERVICE_GRAPH_LABELS), set())


def variant_series(deploy: Path, name: str) -> Series:
    v = variant(deploy / name)
    schema = VARIANTS[name]
    if schema == "gmp-beyla":
        return gmp_series(v.collector_config)
    if schema == "servicegraph":
        return servicegraph_series(v.collector_config)
    return beyla_native_series(v.beyla_config)


def svcgraph_command(repo: Path) -> list[str]:
    """The svcgraph CLI: $SVCGRAPH_BIN, the debug build `cargo test` leaves, or cargo run."""
    if os.environ.get("SVCGRAPH_BIN"):
        return [os.environ["SVCGRAPH_BIN"]]
    binary = repo / "target" / "debug" / "svcgraph"
    if binary.is_file():
        return [str(binary)]
    return ["cargo", "run", "-q", "-p", "svcgraph", "--"]


def svcgraph_schema(repo: Path, name: str) -> dict:
    command = [*svcgraph_command(repo), "schemas", "--show", name]
    run = subprocess.run(command, cwd=repo, capture_output=True, text=True, check=True)
    return tomllib.loads(run.stdout)


def schema_reads(schema: dict) -> tuple[set[str], set[str], dict[str, str]]:
    """The metric names, the labels and the fixed label values a svcgraph schema reads."""
    metrics = {schema["requests"]}
    if "metric" in schema.get("failures", {}):
        metrics.add(schema["failures"]["metric"])
    if "latency" in schema:
        metrics.add(schema["latency"]["bucket"])
    labels = set(schema.get("namespace_labels", []))
    if "connection_type" in schema:
        labels.add(schema["connection_type"])
    for side in (schema["client"], schema["server"]):
        labels |= set(side.get("name", [])) | set(side.get("external", []))
        labels |= {side[key] for key in ("address", "namespace") if key in side}
    selectors = [re.fullmatch(r'(\w+)="([^"]*)"', s) for s in schema.get("selector", [])]
    return metrics, labels, {s.group(1): s.group(2) for s in selectors}


def series_problems(series: Series, schema: dict) -> list[str]:
    """Where what a variant produces and what its svcgraph schema reads disagree.

    The cluster label is left out: GMP adds it, and a Prometheus gets it from its own
    configuration (external labels or relabelling), not from these manifests.
    """
    metrics, labels, selectors = schema_reads(schema)
    labels.discard(schema.get("cluster_label"))
    available = series.labels | series.store_labels
    problems = [
        f"svcgraph reads metric {m}, not produced" for m in sorted(metrics - series.metrics)
    ]
    problems += [f"svcgraph reads label {n!r}, not produced" for n in sorted(labels - available)]
    extra = sorted(series.labels - labels - set(selectors))
    problems += [f"the manifests add label {n!r}, which svcgraph does not read" for n in extra]
    for label, value in selectors.items():
        if label not in series.labels:
            problems.append(f"svcgraph selects {label}={value!r}, a label not produced")
        elif label == "source" and value != BEYLA_SOURCE:
            problems.append(f"svcgraph selects source={value!r}, Beyla writes {BEYLA_SOURCE!r}")
    return problems


# --- everything -----------------------------------------------------------------------------------


# --- svcgraph serve: the optional component and the image it runs ------------------------------

SERVE_COMPONENT = "gke-gmp/components/serve"
SERVE_NAME = "svcgraph-serve"
SERVE_PORT = 7676
WORKLOAD_IDENTITY = "iam.gke.io/gcp-service-account"
# The operator creates this Secret (see gke-gmp/README.md); the component only mounts it.
SERVE_TOKEN_SECRET = "svcgraph-serve-token"
SERVE_TOKEN_KEY = "token"
SERVE_USER = 65532
# What svcgraph serve needs besides the memory its flags cap: the program and one request.
SERVE_BASE_MEMORY = 64 << 20
MIB = 1 << 20

# svcgraph's sizes (svcgraph-cli's args::parse_size): case-insensitive, no `Mi`.
SVCGRAPH_SIZE_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "kib": 1 << 10}
SVCGRAPH_SIZE_UNITS |= {"m": 10**6, "mb": 10**6, "mib": 1 << 20}
SVCGRAPH_SIZE_UNITS |= {"g": 10**9, "gb": 10**9, "gib": 1 << 30}
# Kubernetes quantities: case-sensitive (`m` is a thousandth, `M` a million).
QUANTITY_SUFFIXES = {f"{p}i": 1 << (10 * (i + 1)) for i, p in enumerate("KMGTPE")}
QUANTITY_SUFFIXES |= {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 10**3, "M": 10**6}
QUANTITY_SUFFIXES |= {"G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}


def svcgraph_size(text: str) -> int | None:
    """Bytes in a size as svcgraph reads it (64MiB, 1GiB, 500MB, 1000000), or None."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", text)
    multiplier = found and SVCGRAPH_SIZE_UNITS.get(found.group(2).lower())
    return int(float(found.group(1)) * multiplier) if multiplier else None


def quantity_bytes(quantity: str | int) -> float | None:
    """Bytes in a Kubernetes quantity (512Mi, 1G, 5e8, 536870912), or None."""
    found = re.fullmatch(r"(\d+(?:\.\d+)?)(?:[eE]([+-]?\d+)|([A-Za-z]*))", str(quantity))
    if not found:
        return None
    if found.group(2) is not None:
        return float(found.group(1)) * 10 ** int(found.group(2))
    multiplier = QUANTITY_SUFFIXES.get(found.group(3))
    return float(found.group(1)) * multiplier if multiplier is not None else None


def flag_values(command: list[str], flag: str) -> list[str]:
    """The values given to a flag, as `--flag=value` or `--flag value`."""
    values = []
    for i, word in enumerate(command):
        if word.startswith(f"{flag}="):
            values.append(word.partition("=")[2])
        elif word == flag and i + 1 < len(command):
            values.append(command[i + 1])
    return values


def named(docs: list[dict], kind: str, name: str) -> dict | None:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    return found[0] if len(found) == 1 else None


def serve_container_problems(container: dict, docs: list[dict]) -> list[str]:
    problems = []
    security = container.get("securityContext", {})
    if security.get("readOnlyRootFilesystem") is not True:
        problems.append("the container's root file system is not read-only")
    if security.get("allowPrivilegeEscalation") is not False:
        problems.append("the container allows privilege escalation")
    if "ALL" not in security.get("capabilities", {}).get("drop", []):
        problems.append("the container keeps Linux capabilities (drop ALL)")
    resources = container.get("resources", {})
    if not resources.get("requests") or "memory" not in resources.get("limits", {}):
        problems.append("the container needs resource requests and a memory limit")
    if "ephemeral-storage" not in resources.get("limits", {}):
        problems.append("the container needs an ephemeral-storage limit")
    command = [*container.get("command", []), *container.get("args", [])]
    if command[:2] != ["svcgraph", "serve"]:
        problems.append(f"the container runs {command[:2]}, not `svcgraph serve`")
    for flag in ("--source=gmp", f"--listen=0.0.0.0:{SERVE_PORT}"):
        if flag not in command:
            problems.append(f"the container's arguments lack {flag}")
    problems += serve_memory_problems(command, resources.get("limits", {}).get("memory"))
    ports = {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}
    if ports.get("http") != SERVE_PORT:
        problems.append(f"no container port `http` at {SERVE_PORT}")
    for probe in ("livenessProbe", "readinessProbe"):
        get = container.get(probe, {}).get("httpGet", {})
        if get.get("path") != "/healthz" or get.get("port") not in ("http", SERVE_PORT):
            problems.append(f"{probe} does not GET /healthz on the http port")
    # The project comes from a ConfigMap of the build (kustomize renames generated ones).
    maps = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
    sources = [
        e["configMapRef"]["name"] for e in container.get("envFrom", []) if "configMapRef" in e
    ]
    if not any("GOOGLE_CLOUD_PROJECT" in maps.get(m, {}).get("data", {}) for m in sources):
        problems.append("GOOGLE_CLOUD_PROJECT does not come from a ConfigMap of the build")
    return problems


def serve_memory_problems(command: list[str], limit: str | int | None) -> list[str]:
    """The memory limit holds what the flags let svcgraph serve keep at once: its query sets
    in flight, each with its answers twice (raw and parsed), its cache, and the program."""
    caps, problems = {}, []
    for flag in ("--max-query-sets", "--max-response-size", "--cache-size"):
        values = flag_values(command, flag)
        if len(values) != 1:
            problems.append(f"the container's arguments set {flag} {len(values)} times, not once")
            continue
        if flag == "--max-query-sets":
            value = int(values[0]) if values[0].isdigit() else None
        else:
            value = svcgraph_size(values[0])
        if not value:
            problems.append(f"{flag}={values[0]} is not a value svcgraph accepts")
        caps[flag] = value
    limit_bytes = quantity_bytes(limit) if limit is not None else None
    if limit is not None and limit_bytes is None:
        problems.append(f"the memory limit {limit!r} is not a Kubernetes quantity")
    if problems or limit_bytes is None:
        return problems
    needed = (
        caps["--max-query-sets"] * caps["--max-response-size"] * 2
        + caps["--cache-size"]
        + SERVE_BASE_MEMORY
    )
    if limit_bytes < needed:
        problems.append(
            f"the memory limit {limit} is under what the flags allow: --max-query-sets x "
            f"--max-response-size x 2 + --cache-size + {SERVE_BASE_MEMORY // MIB}Mi = "
            f"{needed / MIB:g}Mi; raise the limit or lower the caps"
        )
    return problems


def serve_token_problems(pod: dict, container: dict) -> list[str]:
    """--auth-token-file names a file of the Secret the operator creates, mounted read-only,
    required, and readable by svcgraph's user but not by every user."""
    files = flag_values(container.get("args", []), "--auth-token-file")
    if len(files) != 1:
        return [f"the container's arguments set --auth-token-file {len(files)} times, not once"]
    volumes = {v.get("name"): v for v in pod.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        directory = mount.get("mountPath", "").rstrip("/")
        if os.path.dirname(files[0]) == directory:
            break
    else:
        return [f"--auth-token-file {files[0]} is in no volume mounted in the container"]
    secret = volumes.get(mount.get("name"), {}).get("secret")
    if secret is None or secret.get("secretName") != SERVE_TOKEN_SECRET:
        return [f"--auth-token-file {files[0]} is not from the Secret {SERVE_TOKEN_SECRET}"]
    problems = []
    if mount.get("readOnly") is not True:
        problems.append(f"the Secret {SERVE_TOKEN_SECRET} is not mounted read-only")
    if secret.get("optional", False):
        problems.append(f"the Secret {SERVE_TOKEN_SECRET} is optional: the pod starts without it")
    item = next(
        (i for i in secret.get("items", []) if i.get("path") == os.path.basename(files[0])),
        None,
    )
    if item is None or item.get("key") != SERVE_TOKEN_KEY:
        problems.append(f"--auth-token-file {files[0]} is not the key {SERVE_TOKEN_KEY!r}")
        return problems
    # Secret files are root's; with fsGroup their group is that group, which the user has.
    mode = item.get("mode", secret.get("defaultMode", 0o644))
    group = (pod.get("securityContext") or {}).get("fsGroup")
    if mode & 0o004:
        problems.append(f"the token file (mode {mode:04o}) is readable by every user")
    if not mode & 0o040:
        problems.append(
            f"the token file (mode {mode:04o}) is not group-readable, and user {SERVE_USER} "
            "reads it through the pod's fsGroup"
        )
    if group is None:
        problems.append(f"the pod sets no fsGroup: user {SERVE_USER} cannot read the token file")
    return problems


def serve_host_problems(container: dict, service: dict) -> list[str]:
    """--allow-host names the Service by every name a pod of the cluster may use, in the
    namespace the build puts it in, and not `*`."""
    hosts = flag_values(container.get("args", []), "--allow-host")
    if "*" in hosts:
        return ["--allow-host=* answers to any Host name (DNS rebinding); name the Service"]
    name, namespace = service["metadata"]["name"], service["metadata"].get("namespace")
    if namespace is None:
        return []
    wanted = [name, f"{name}.{namespace}", f"{name}.{namespace}.svc"]
    wanted.append(f"{name}.{namespace}.svc.cluster.local")
    return [f"--allow-host lacks {w}, the Service's name" for w in wanted if w not in hosts]


def allows_port(rule: dict, port: int | str, protocol: str = "TCP") -> bool:
    """Whether a NetworkPolicy rule lets this port (a number or a container port's name)
    through; no `ports` is every port."""
    ports = rule.get("ports")
    return ports is None or any(
        p.get("protocol", "TCP") == protocol and p.get("port") in (None, port) for p in ports
    )


def network_policy_problems(docs: list[dict], pod_labels: dict) -> list[str]:
    """A NetworkPolicy selects the serve pods, lets in only the page's port and only from
    pods, and lets out DNS and HTTPS; every rule names its ports."""
    policy = named(docs, "NetworkPolicy", SERVE_NAME)
    if policy is None:
        return [f"no NetworkPolicy {SERVE_NAME}"]
    spec = policy.get("spec", {})
    selector = spec.get("podSelector", {}).get("matchLabels") or {}
    if not selector or any(pod_labels.get(k) != v for k, v in selector.items()):
        return [f"NetworkPolicy {SERVE_NAME} does not select the pods"]
    problems = []
    if set(spec.get("policyTypes", [])) != {"Ingress", "Egress"}:
        problems.append(f"NetworkPolicy {SERVE_NAME} does not limit both Ingress and Egress")
    ingress, egress = spec.get("ingress", []), spec.get("egress", [])
    if not any(allows_port(rule, SERVE_PORT) or allows_port(rule, "http") for rule in ingress):
        problems.append(f"NetworkPolicy {SERVE_NAME} does not let in port {SERVE_PORT}")
    for rule in ingress:
        others = [p.get("port") for p in rule.get("ports") or [{"port": "every port"}]]
        if any(p not in (SERVE_PORT, "http") for p in others):
            problems.append(f"NetworkPolicy {SERVE_NAME} lets in ports {others}, not {SERVE_PORT}")
        if not rule.get("from") or any("ipBlock" in peer for peer in rule["from"]):
            problems.append(f"NetworkPolicy {SERVE_NAME} lets in addresses, not only pods")
    for rule in egress:
        if not rule.get("ports") or not rule.get("to"):
            problems.append(f"NetworkPolicy {SERVE_NAME} lets out to every port or every peer")
    for port, protocol, what in ((53, "UDP", "DNS"), (443, "TCP", "HTTPS to Google's APIs")):
        if not any(rule.get("ports") and allows_port(rule, port, protocol) for rule in egress):
            problems.append(f"NetworkPolicy {SERVE_NAME} does not let out {what}")
    return problems


def serve_problems(docs: list[dict]) -> list[str]:
    """svcgraph serve runs non-root on a read-only root, probed on /healthz, as a ServiceAccount
    tied to Google Cloud by Workload Identity, behind a cluster-internal Service."""
    deployment = named(docs, "Deployment", SERVE_NAME)
    if deployment is None:
        return [f"no Deployment {SERVE_NAME}"]
    pod = deployment["spec"]["template"]["spec"]
    problems = []
    if pod.get("securityContext", {}).get("runAsNonRoot") is not True:
        problems.append("the pod does not set runAsNonRoot: true")
    containers = pod.get("containers", [])
    if len(containers) != 1:
        problems.append(f"{len(containers)} containers, expected one")
    else:
        problems += serve_container_problems(containers[0], docs)
        problems += serve_token_problems(pod, containers[0])
    secrets = [d["metadata"]["name"] for d in docs if d["kind"] == "Secret"]
    if any(name.startswith(SERVE_TOKEN_SECRET) for name in secrets):
        problems.append(f"the build carries the Secret {SERVE_TOKEN_SECRET}: leave the token out")
    account = named(docs, "ServiceAccount", pod.get("serviceAccountName", "default"))
    if account is None:
        problems.append(f"its ServiceAccount {pod.get('serviceAccountName')} is not in the build")
    elif WORKLOAD_IDENTITY not in (account["metadata"].get("annotations") or {}):
        problems.append(f"its ServiceAccount has no {WORKLOAD_IDENTITY} annotation")
    service = named(docs, "Service", SERVE_NAME)
    if service is None:
        return [*problems, f"no Service {SERVE_NAME}"]
    spec = service["spec"]
    if spec.get("type", "ClusterIP") != "ClusterIP":
        problems.append(f"Service {SERVE_NAME} is {spec['type']}, expected ClusterIP")
    labels = deployment["spec"]["template"]["metadata"].get("labels", {})
    selector = spec.get("selector") or {}
    if not selector or any(labels.get(k) != v for k, v in selector.items()):
        problems.append(f"Service {SERVE_NAME} does not select the pods")
    if not any(p.get("targetPort") in ("http", SERVE_PORT) for p in spec.get("ports", [])):
        problems.append(f"Service {SERVE_NAME} does not send to the http port")
    if len(containers) == 1:
        problems += serve_host_problems(containers[0], service)
    return problems + network_policy_problems(docs, labels)


def component_objects(component: Path) -> list[dict]:
    """A component's objects as an overlay of its base would place them, without kustomize:
    its resources and literal ConfigMaps, in the base's namespace."""
    docs = [doc for path in resource_files(component) for doc in load_documents(path)]
    for generator in read_kustomization(component).get("configMapGenerator", []):
        data = dict(literal.split("=", 1) for literal in generator.get("literals", []))
        docs.append({"kind": "ConfigMap", "metadata": {"name": generator["name"]}, "data": data})
    namespace = chain_namespaces(component_base(component))
    for doc in docs:
        if namespace and doc["kind"] not in CLUSTER_SCOPED_KINDS:
            doc["metadata"] = {**doc["metadata"], "namespace": namespace[0]}
    return docs


def check_serve_structure(deploy: Path) -> list[str]:
    """The serve component's checks on its own files, for machines without kustomize."""
    docs = component_objects(deploy / SERVE_COMPONENT)
    return [f"{SERVE_COMPONENT}: {p}" for p in serve_problems(docs)]


def check_serve_component(deploy: Path, command: list[str]) -> list[str]:
    docs, error = build_with_component(command, deploy / SERVE_COMPONENT)
    if error:
        return [f"{SERVE_COMPONENT}: kustomize build failed: {error}"]
    return [f"{SERVE_COMPONENT} (built): {p}" for p in serve_problems(docs)]


def dockerfile_stages(text: str) -> list[dict]:
    """The stages of a Dockerfile: base image, name, and instructions (continuations joined)."""
    stages = []
    joined = re.sub(r"\\\n", " ", text)
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            words = rest.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append({"image": words[0], "name": name, "steps": []})
        elif stages:
            stages[-1]["steps"].append((instruction, rest.strip()))
    return stages


DEBIAN_CODENAMES = {"11": "bullseye", "12": "bookworm", "13": "trixie"}


def image_pinned(image: str) -> bool:
    """A tag that names a version (or a digest); `latest` and no tag float."""
    if "@sha256:" in image:
        return True
    tag = image.rpartition("/")[2].partition(":")[2]
    return bool(tag) and tag != "latest"


def check_dockerfile(repo: Path, deploy: Path) -> list[str]:
    """The image builds the `svcgraph` package, pinned, and runs `svcgraph serve` as non-root
    on the port the component expects."""
    stages = dockerfile_stages((repo / "Dockerfile").read_text())
    if len(stages) < 2:
        return ["Dockerfile: expected a build stage and a runtime stage"]
    problems = [
        f"Dockerfile: base image {s['image']} is not pinned to a version"
        for s in stages
        if not image_pinned(s["image"])
    ]
    build, runtime = stages[:-1], stages[-1]
    # A binary built against a newer glibc than the runtime's does not start.
    release = re.search(r"debian(\d+)", runtime["image"])
    codename = DEBIAN_CODENAMES.get(release.group(1)) if release else None
    if codename and not any(codename in s["image"] for s in build):
        problems.append(f"Dockerfile: the build stage is not on {codename}, the runtime's Debian")
    runs = " ".join(rest for s in build for instruction, rest in s["steps"] if instruction == "RUN")
    if not re.search(r"cargo build --release --locked -p svcgraph\b", runs):
        problems.append("Dockerfile: no `cargo build --release --locked -p svcgraph`")
    steps = dict(runtime["steps"])
    user = steps.get("USER", "root").split(":")[0]
    if user in {"root", "0"}:
        problems.append(f"Dockerfile: the runtime stage runs as {user}, not a non-root user")
    elif not user.isdigit():
        problems.append(f"Dockerfile: USER {user} is not numeric; Kubernetes cannot check it")
    if str(SERVE_PORT) not in steps.get("EXPOSE", "").split():
        problems.append(f"Dockerfile: does not EXPOSE {SERVE_PORT}")
    try:
        entrypoint = yaml.safe_load(steps.get("ENTRYPOINT", "[]"))
    except yaml.YAMLError:
        entrypoint = None
    if not isinstance(entrypoint, list) or entrypoint[:2] != ["svcgraph", "serve"]:
        problems.append("Dockerfile: the ENTRYPOINT is not the exec form of `svcgraph serve`")
    copies = [rest for instruction, rest in runtime["steps"] if instruction == "COPY"]
    if not any(c.startswith("--from=") and "svcgraph" in c for c in copies):
        problems.append("Dockerfile: the runtime stage does not copy the built binary")
    # The component runs the image as the image's user.
    component = deploy / SERVE_COMPONENT / "deployment.yaml"
    if component.is_file() and user.isdigit():
        pod = load_documents(component)[0]["spec"]["template"]["spec"]
        uid = pod.get("securityContext", {}).get("runAsUser")
        if uid != int(user):
            problems.append(f"{SERVE_COMPONENT}: runAsUser {uid} is not the image's user {user}")
    ignored = [
        line.strip()
        for line in (repo / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for needed in ("Cargo.toml", "Cargo.lock", ".cargo", "crates", "examples"):
        if any(re.fullmatch(p.replace("*", ".*"), needed) for p in ignored):
            problems.append(f".dockerignore: leaves {needed} out of the build context")
    return problems


def check_all(deploy: Path) -> list[str]:
    """Every check that needs no other tool, and the kustomize build when kustomize is there."""
    problems = check_yaml_parses(deploy)
    if problems:
        return problems
    problems += check_files_are_used(deploy)
    problems += check_schemas(deploy)
    problems += check_kustomize_structure(deploy)
    problems += check_collector_pipelines(deploy)
    problems += check_beyla_reaches_collector(deploy)
    problems += check_serve_structure(deploy)
    command = kustomize_command()
    if command is not None:
        problems += check_builds(deploy, command)
        problems += check_serve_component(deploy, command)
    return problems
