"""Every Kubernetes manifest in `infra/`, and the Job the executor builds for a real tool,
pass `kubernetes-validate` (strict: no unknown fields) for the Kubernetes version the test
control plane is built from (1.36; kubernetes-validate ships that schema)."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from wonderland.cwl.command_job import PreparedCommand, prepare_command
from wonderland.cwl.invocation import ToolSettings
from wonderland.engine import preparation
from wonderland.engine.executors.kubernetes_manifest import job_manifest
from wonderland.engine.executors.kubernetes_names import MAX_NAME, job_name, label_value
from wonderland.engine.kubernetes_settings import KubernetesSettings

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
KUBERNETES_VERSION = "1.36.0"


def manifests() -> list[tuple[str, dict]]:
    found = []
    for path in sorted((ROOT / "infra").rglob("*.y*ml")):
        for index, doc in enumerate(yaml.safe_load_all(path.read_text())):
            if isinstance(doc, dict) and "apiVersion" in doc:
                found.append((f"{path.relative_to(ROOT)}#{index}", doc))
    return found


def test_the_server_manifests_are_there() -> None:
    kinds = {doc["kind"] for _, doc in manifests()}
    assert {"Deployment", "Service", "ServiceAccount", "Role", "RoleBinding",
            "PersistentVolume", "PersistentVolumeClaim"} <= kinds


@pytest.mark.parametrize("where,doc", manifests(), ids=[w for w, _ in manifests()])
def test_manifest_is_valid(where: str, doc: dict) -> None:
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_work_area_is_an_azure_files_share_shared_by_all_pods() -> None:
    docs = {doc["kind"]: doc for _, doc in manifests()}
    volume, claim = docs["PersistentVolume"], docs["PersistentVolumeClaim"]
    assert volume["spec"]["csi"]["driver"] == "file.csi.azure.com"
    assert volume["spec"]["csi"]["nodeStageSecretRef"]["name"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    assert docs["Service"]["spec"]["ports"][0]["port"] == 50051


def _prepared(tmp_path: Path, document: str, job: dict) -> PreparedCommand:
    job_file = tmp_path / "job.yaml"
    job_file.write_text(yaml.safe_dump(job))
    loaded = preparation.load(str(DATA / document), [str(job_file)], no_container=True)
    context = preparation.runtime_context(loaded.input_basedir)
    inputs = preparation.checked_inputs(loaded.tool, loaded.job_order or {}, context,
                                        no_container=True)
    settings = ToolSettings(work_dir=str(tmp_path / "work"), tmpdir_prefix=str(tmp_path / "t"),
                            basedir=loaded.input_basedir)
    prepared = prepare_command(loaded.tool, inputs, settings, str(tmp_path / "work" / "main"), True)
    assert isinstance(prepared, PreparedCommand), prepared
    return prepared


def test_the_job_of_a_tool_is_valid(tmp_path: Path) -> None:
    text = tmp_path / "in.txt"
    text.write_text("a\nb\n")
    prepared = _prepared(tmp_path, "count_lines.cwl", {"text": {"class": "File",
                                                                "path": str(text)}})
    settings = KubernetesSettings(work_area=str(tmp_path / "work"), work_area_pvc="work")
    manifest = job_manifest(prepared, name=job_name("7-abcdef", "main", 1), launch="7-abcdef",
                            key="main",
                            node_name="main", settings=settings)
    kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    spec = manifest["spec"]
    pod = spec["template"]["spec"]
    container = pod["containers"][0]
    assert spec["backoffLimit"] == 0 and spec["ttlSecondsAfterFinished"] > 0
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["volumeMounts"][0]["mountPath"] == settings.work_area
    assert pod["volumes"][0]["persistentVolumeClaim"]["claimName"] == "work"
    assert container["workingDir"] == prepared.cwd
    # stdin and stdout through a shell; `$` doubled against Kubernetes' $(VAR) expansion
    assert container["command"][:2] == ["/bin/sh", "-c"]
    assert container["command"][2] == (
        f'exec "$$@" < {text} > {prepared.cwd}/count.txt'
    )
    assert container["command"][4:] == ["wc", "-l"]


def test_the_job_carries_the_tools_image_resources_and_time_limit(tmp_path: Path) -> None:
    (tmp_path / "tool.cwl").write_text(yaml.safe_dump({
        "cwlVersion": "v1.2", "class": "CommandLineTool",
        "requirements": {
            "DockerRequirement": {"dockerPull": "alpine:3.20"},
            "ResourceRequirement": {"coresMin": 2, "ramMin": 300, "ramMax": 600},
            "ToolTimeLimit": {"timelimit": 45},
        },
        "baseCommand": ["echo", "$(HOME)"], "inputs": {}, "outputs": {},
    }))
    prepared = _prepared(tmp_path, str(tmp_path / "tool.cwl"), {})
    manifest = job_manifest(prepared, name="x", launch="1-abcdef", key="main", node_name="main",
                            settings=KubernetesSettings(work_area=str(tmp_path)))
    kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    container = manifest["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "alpine:3.20"
    assert container["resources"] == {"requests": {"cpu": "2000m", "memory": "300Mi"},
                                      "limits": {"memory": "600Mi"}}
    assert manifest["spec"]["activeDeadlineSeconds"] == 45
    assert container["command"] == ["echo", "$$(HOME)"]
    assert "PATH" not in {e["name"] for e in container["env"]}


@pytest.mark.parametrize("key", ["main", "main/align[3]", "a/b[1]", "a/b/1", "a-b-1",
                                 "x" * 300 + "[999999]", "Step_With.Odd~Chars[0]"])
def test_job_names_are_dns_labels_and_tell_keys_apart(key: str) -> None:
    name = job_name("123456-abcdef", key, 2)
    assert len(name) <= MAX_NAME
    assert all(c.isdigit() or c.islower() or c == "-" for c in name)
    assert name[0].isalnum() and name[-1].isalnum()
    assert name == job_name("123456-abcdef", key, 2)
    assert name != job_name("123456-abcdef", key, 3)
    assert name != job_name("123456-fedcba", key, 2)
    others = {job_name("123456-abcdef", k, 2) for k in ("a/b[1]", "a/b/1", "a-b-1")}
    assert len(others) == 3
    value = label_value(key)
    assert len(value) <= MAX_NAME and value[0].isalnum() and value[-1].isalnum()
