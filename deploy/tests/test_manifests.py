"""The manifests under deploy/ are valid, wired together, and produce what svcgraph reads.

Run by scripts/deploy-checks.sh. The checks themselves live in validate.py; the last tests
break a copy of deploy/ on purpose to prove they catch what they claim to.
"""

import shutil
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
