"""deploy/kubernetes/: each manifest against the Kubernetes API's own schemas (strict: unknown
fields fail), for the oldest and newest versions we support, and against what the deployment
promises (probes, replicas, a non-root user, selectors that match). No cluster needed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from recotrack.settings import Settings
from tests.deploy.support import KUBERNETES, deployable_setting_names, stages

VERSIONS = ["1.30.0", kubernetes_validate.latest_version()]
KUSTOMIZATION = KUBERNETES / "kustomization.yaml"
MANIFESTS = sorted(p for p in KUBERNETES.glob("*.yaml") if p != KUSTOMIZATION)


def load(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def by_kind() -> dict[str, dict[str, Any]]:
    """One of each kind; the Secrets (the service's and the owner's) under their names, and
    the worker's Deployment too ("Deployment" is the API's)."""
    found: dict[str, dict[str, Any]] = {}
    for path in MANIFESTS:
        for doc in load(path):
            named = doc["kind"] == "Secret" or doc["metadata"]["name"] == "recotrack-worker"
            key = f"{doc['kind']}/{doc['metadata']['name']}" if named else doc["kind"]
            assert key not in found, f"two {key}s"
            found[key] = doc
    return found


SERVICE_SECRET, MIGRATION_SECRET = "Secret/recotrack", "Secret/recotrack-migration"
WORKER = "Deployment/recotrack-worker"


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_is_valid(path: Path, version: str) -> None:
    for doc in load(path):
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_validator_rejects_a_wrong_manifest() -> None:
    deployment = by_kind()["Deployment"]
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["pth"] = (
        "/readyz"
    )
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, VERSIONS[-1], strict=True)


def test_every_kind_the_issue_asks_for_is_there() -> None:
    kinds = set(by_kind())
    expected = {"Deployment", "Service", "ConfigMap", SERVICE_SECRET, MIGRATION_SECRET, "Job"}
    expected.add(WORKER)
    assert {*expected, "HorizontalPodAutoscaler", "PodDisruptionBudget"} <= kinds


def _api_container(doc: dict[str, Any]) -> dict[str, Any]:
    containers: list[dict[str, Any]] = doc["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def test_the_deployment_probes_runs_several_and_bounds_its_resources() -> None:
    deployment = by_kind()["Deployment"]
    assert deployment["spec"]["replicas"] >= 2
    container = _api_container(deployment)
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["args"] == ["serve"]
    resources = container["resources"]
    assert resources["requests"]["cpu"]
    assert resources["requests"]["memory"]
    assert resources["limits"]["memory"]
    port = container["ports"][0]
    assert port["containerPort"] == 8000
    assert port["name"] == container["readinessProbe"]["httpGet"]["port"]
    # the service drains for up to 25 s; the pod must be given that long
    assert deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > 25


@pytest.mark.parametrize("kind", ["Deployment", WORKER, "Job"])
def test_pods_run_as_the_image_user_without_privileges(kind: str) -> None:
    doc = by_kind()[kind]
    image_user = next(i["value"] for i in stages()[-1] if i["instruction"] == "USER")
    pod = doc["spec"]["template"]["spec"]["securityContext"]
    assert pod["runAsNonRoot"] is True
    assert f"{pod['runAsUser']}:{pod['runAsGroup']}" == image_user
    container = _api_container(doc)["securityContext"]
    assert container["allowPrivilegeEscalation"] is False
    assert container["readOnlyRootFilesystem"] is True
    assert container["capabilities"]["drop"] == ["ALL"]


def test_the_migration_job_migrates_with_the_same_configuration_as_the_owner() -> None:
    kinds = by_kind()
    job, deployment = kinds["Job"], kinds["Deployment"]
    assert _api_container(job)["args"] == ["migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    owner = {"secretRef": {"name": kinds[MIGRATION_SECRET]["metadata"]["name"]}}
    assert _api_container(job)["envFrom"] == [*_api_container(deployment)["envFrom"], owner]
    assert _api_container(job)["image"] == _api_container(deployment)["image"]


def test_the_api_connects_as_the_service_role_and_only_the_job_as_the_owner() -> None:
    kinds = by_kind()
    service = kinds[SERVICE_SECRET]["stringData"]
    owner = kinds[MIGRATION_SECRET]["stringData"]
    assert set(owner) == {"RECOTRACK_MIGRATION_DATABASE_URL"}
    assert "RECOTRACK_MIGRATION_DATABASE_URL" not in service
    assert urlsplit(service["DATABASE_URL"]).username == "recotrack_api"
    owner_url = urlsplit(owner["RECOTRACK_MIGRATION_DATABASE_URL"])
    assert owner_url.username not in (None, "recotrack_api")
    assert owner_url.password != urlsplit(service["DATABASE_URL"]).password
    # the API's and the worker's pods never see the owner's Secret
    for deployment in ("Deployment", WORKER):
        assert kinds[MIGRATION_SECRET]["metadata"]["name"] not in json.dumps(kinds[deployment])


def test_selectors_and_references_match() -> None:
    kinds = by_kind()
    deployment = kinds["Deployment"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert kinds["Service"]["spec"]["selector"].items() <= labels.items()
    assert kinds["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"].items() <= labels.items()
    target = kinds["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
    hpa = kinds["HorizontalPodAutoscaler"]["spec"]
    assert hpa["minReplicas"] >= 2
    assert kinds["PodDisruptionBudget"]["spec"]["minAvailable"] < hpa["minReplicas"]
    env_from = _api_container(deployment)["envFrom"]
    assert {"configMapRef": {"name": kinds["ConfigMap"]["metadata"]["name"]}} in env_from
    assert {"secretRef": {"name": kinds[SERVICE_SECRET]["metadata"]["name"]}} in env_from


def test_configuration_holds_only_settings_the_service_reads() -> None:
    kinds = by_kind()
    known = deployable_setting_names()
    assert set(kinds["ConfigMap"]["data"]) <= known
    for secret in (SERVICE_SECRET, MIGRATION_SECRET):
        assert set(kinds[secret]["stringData"]) <= known
    assert "DATABASE_URL" in kinds[SERVICE_SECRET]["stringData"]
    assert "DATABASE_URL" not in kinds["ConfigMap"]["data"], "the URL holds a password"


def test_the_worker_does_the_background_work_and_the_api_none() -> None:
    """The worker's Deployment runs `recotrack worker` with the API's image, settings, keys
    and security; the API's pods turn their own background work off."""
    kinds = by_kind()
    api, worker = kinds["Deployment"], kinds[WORKER]
    api_container, worker_container = _api_container(api), _api_container(worker)
    assert worker_container["args"] == ["worker"]
    assert {"name": "RECOTRACK_WORKER", "value": "false"} in api_container["env"]
    assert "env" not in worker_container
    for same in ("image", "envFrom", "securityContext", "volumeMounts"):
        assert worker_container[same] == api_container[same], same
    pod, api_pod = worker["spec"]["template"]["spec"], api["spec"]["template"]["spec"]
    for same in ("securityContext", "volumes", "automountServiceAccountToken"):
        assert pod[same] == api_pod[same], same
    assert pod["terminationGracePeriodSeconds"] >= api_pod["terminationGracePeriodSeconds"]
    assert worker["spec"]["replicas"] >= 1
    # no port, so no probes that ask one, and neither the Service nor the API's autoscaler,
    # disruption budget or selector takes its pods for the API's
    assert "ports" not in worker_container
    assert not {"readinessProbe", "livenessProbe", "startupProbe"} & set(worker_container)
    labels = worker["spec"]["template"]["metadata"]["labels"]
    assert worker["spec"]["selector"]["matchLabels"].items() <= labels.items()
    for selector in (
        kinds["Service"]["spec"]["selector"],
        kinds["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"],
        api["spec"]["selector"]["matchLabels"],
    ):
        assert not selector.items() <= labels.items(), selector
    assert (
        kinds["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"]
        != (worker["metadata"]["name"])
    )


def test_mail_settings_come_from_the_secret() -> None:
    """The SMTP URL holds a password: in the Secret, never the ConfigMap."""
    kinds = by_kind()
    service = kinds[SERVICE_SECRET]["stringData"]
    assert {"RECOTRACK_SMTP_URL", "RECOTRACK_MAIL_FROM", "RECOTRACK_PUBLIC_URL"} <= set(service)
    assert urlsplit(service["RECOTRACK_SMTP_URL"]).scheme in ("smtp", "smtps")
    assert "RECOTRACK_SMTP_URL" not in kinds["ConfigMap"]["data"]


def test_the_kustomization_applies_everything_but_the_example_secret() -> None:
    listed = set(yaml.safe_load(KUSTOMIZATION.read_text())["resources"])
    assert listed == {p.name for p in MANIFESTS} - {"secret.example.yaml"}


def test_the_service_accepts_the_example_configuration() -> None:
    """The ConfigMap with the example Secret is a configuration `Settings` takes (the mail
    settings' rules among it: a sender with the server)."""
    kinds = by_kind()
    settings = Settings.from_env(
        {**kinds["ConfigMap"]["data"], **kinds[SERVICE_SECRET]["stringData"]}
    )
    assert settings.smtp_url is not None
    assert settings.mail_from == kinds[SERVICE_SECRET]["stringData"]["RECOTRACK_MAIL_FROM"]
