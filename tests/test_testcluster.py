"""The test control plane itself (infra/testcluster/), through the real API server: a Ready
node, Jobs completed or failed by the Job controller from the exit codes the node agent
reports (OOMKilled over a memory limit), pod logs through the API, the work-area PVC at the same
path as on the host, a Job's deadline stopping its process, finished Jobs and pods collected,
and RBAC keeping the engine's ServiceAccount in its namespace.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cluster
import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

kube_cluster = cluster.kube_cluster
TIMEOUT = 90


def wait_for(what: str, probe: Callable[[], Any], timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not after {timeout}s")
        time.sleep(0.3)


@pytest.fixture(scope="module")
def engine(kube_cluster: cluster.KubeCluster) -> client.ApiClient:
    return kube_cluster.api_client(kube_cluster.engine_kubeconfig)


@pytest.fixture(scope="module")
def admin(kube_cluster: cluster.KubeCluster) -> client.ApiClient:
    return kube_cluster.api_client(kube_cluster.admin_kubeconfig)


def job(command: str, **spec: Any) -> dict:
    name = f"tc-{uuid.uuid4().hex[:10]}"
    container = {"name": "main", "image": "busybox:1.36", "command": ["sh", "-c", command]}
    return {
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
        "spec": {"backoffLimit": 0, "ttlSecondsAfterFinished": 300, **spec.pop("job", {}),
                 "template": {"spec": {"restartPolicy": "Never", "containers": [container],
                                       **spec}}},
    }


def run_job(api: client.ApiClient, namespace: str, body: dict) -> tuple[str, list[dict]]:
    """Create the Job, wait for its Complete or Failed condition; (condition, its pods)."""
    batch = client.BatchV1Api(api)
    name = body["metadata"]["name"]
    batch.create_namespaced_job(namespace, body)

    def finished() -> str | None:
        conditions = batch.read_namespaced_job(name, namespace).status.conditions or []
        return next((c.type for c in conditions
                     if c.type in ("Complete", "Failed") and c.status == "True"), None)

    condition = wait_for(f"job {name} finished", finished)
    pods = client.CoreV1Api(api).list_namespaced_pod(namespace, label_selector=f"job-name={name}")
    return condition, [pod.to_dict() for pod in pods.items]


def test_node_is_ready(kube_cluster: cluster.KubeCluster, admin: client.ApiClient) -> None:
    node = client.CoreV1Api(admin).read_node(kube_cluster.node_name)
    ready = {c.type: c.status for c in node.status.conditions}["Ready"]
    assert ready == "True"
    assert int(node.status.capacity["pods"]) == 110


def test_a_job_completes_and_its_log_is_readable(kube_cluster: cluster.KubeCluster,
                                                 engine: client.ApiClient) -> None:
    ns = kube_cluster.namespace
    condition, [pod] = run_job(engine, ns, job("echo hi; exit 0"))
    assert condition == "Complete"
    assert pod["status"]["phase"] == "Succeeded"
    terminated = pod["status"]["container_statuses"][0]["state"]["terminated"]
    assert (terminated["exit_code"], terminated["reason"]) == (0, "Completed")
    log = client.CoreV1Api(engine).read_namespaced_pod_log(pod["metadata"]["name"], ns)
    assert log == "hi\n"


def test_a_followed_log_streams_until_the_container_ends(kube_cluster: cluster.KubeCluster,
                                                         engine: client.ApiClient) -> None:
    ns = kube_cluster.namespace
    body = job("for i in 1 2 3; do echo line $$i; sleep 1; done")
    name = body["metadata"]["name"]
    client.BatchV1Api(engine).create_namespaced_job(ns, body)
    core = client.CoreV1Api(engine)

    def running_pod() -> str | None:
        pods = core.list_namespaced_pod(ns, label_selector=f"job-name={name}").items
        return next((p.metadata.name for p in pods if p.status.phase == "Running"), None)

    pod = wait_for("the pod running", running_pod)
    stream = core.read_namespaced_pod_log(pod, ns, follow=True, _preload_content=False)
    assert stream.read().decode() == "line 1\nline 2\nline 3\n"  # lines written after it began
    tail = core.read_namespaced_pod_log(pod, ns, tail_lines=1)
    assert tail == "line 3\n"


def test_a_failing_job_fails_with_the_exit_code(kube_cluster: cluster.KubeCluster,
                                                engine: client.ApiClient) -> None:
    condition, [pod] = run_job(engine, kube_cluster.namespace, job("echo oops >&2; exit 3"))
    assert condition == "Failed"
    assert pod["status"]["phase"] == "Failed"
    terminated = pod["status"]["container_statuses"][0]["state"]["terminated"]
    assert (terminated["exit_code"], terminated["reason"]) == (3, "Error")


def test_a_job_over_its_memory_limit_is_oomkilled(kube_cluster: cluster.KubeCluster,
                                                  engine: client.ApiClient) -> None:
    body = job("python3 -c 'x = b\"1\" * 300_000_000; import time; time.sleep(60)'")
    body["spec"]["template"]["spec"]["containers"][0]["resources"] = {
        "requests": {"memory": "50Mi"}, "limits": {"memory": "100Mi"}}
    condition, [pod] = run_job(engine, kube_cluster.namespace, body)
    assert condition == "Failed"
    terminated = pod["status"]["container_statuses"][0]["state"]["terminated"]
    assert (terminated["exit_code"], terminated["reason"]) == (137, "OOMKilled")


def test_an_invalid_image_name_keeps_the_pod_waiting(kube_cluster: cluster.KubeCluster,
                                                     engine: client.ApiClient) -> None:
    ns = kube_cluster.namespace
    body = job("true")
    body["spec"]["template"]["spec"]["containers"][0]["image"] = "Not/A:valid image"
    name = body["metadata"]["name"]
    batch, core = client.BatchV1Api(engine), client.CoreV1Api(engine)
    batch.create_namespaced_job(ns, body)

    def waiting_reason() -> str | None:
        pods = core.list_namespaced_pod(ns, label_selector=f"job-name={name}").items
        statuses = (pods[0].status.container_statuses or []) if pods else []
        waiting = statuses[0].state.waiting if statuses else None
        return waiting.reason if waiting and waiting.reason != "ContainerCreating" else None

    assert wait_for("the pod waiting", waiting_reason) == "InvalidImageName"
    batch.delete_namespaced_job(name, ns, propagation_policy="Background")


def test_the_work_pvc_is_the_work_dir_at_the_same_path(kube_cluster: cluster.KubeCluster,
                                                       engine: client.ApiClient) -> None:
    work = kube_cluster.work_dir
    marker = f"marker-{uuid.uuid4().hex[:8]}"
    body = job(f'cd "$WORK" && pwd > {marker}',
               volumes=[{"name": "work",
                         "persistentVolumeClaim": {"claimName": kube_cluster.work_pvc}}])
    container = body["spec"]["template"]["spec"]["containers"][0]
    container["volumeMounts"] = [{"name": "work", "mountPath": str(work)}]
    container["env"] = [{"name": "WORK", "value": str(work)}]
    condition, _ = run_job(engine, kube_cluster.namespace, body)
    assert condition == "Complete"
    assert (work / marker).read_text() == f"{work}\n"


def test_a_pvc_of_a_tests_own_folder(kube_cluster: cluster.KubeCluster,
                                     engine: client.ApiClient, tmp_path: Path) -> None:
    claim = kube_cluster.host_folder_pvc(tmp_path, f"work-{uuid.uuid4().hex[:8]}")
    body = job(f"echo $$HOSTNAME > {tmp_path}/out",
               volumes=[{"name": "work", "persistentVolumeClaim": {"claimName": claim}}])
    body["spec"]["template"]["spec"]["containers"][0]["volumeMounts"] = [
        {"name": "work", "mountPath": str(tmp_path)}]
    condition, [pod] = run_job(engine, kube_cluster.namespace, body)
    assert condition == "Complete"
    assert (tmp_path / "out").read_text() == pod["metadata"]["name"] + "\n"


def test_a_job_past_its_deadline_is_stopped(kube_cluster: cluster.KubeCluster,
                                            engine: client.ApiClient, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    # `$$` in a container's command is Kubernetes' escape for `$`: `$$$$` reaches sh as `$$`.
    body = job(f"echo $$$$ > {pid_file}; exec sleep 120", job={"activeDeadlineSeconds": 3})
    condition, _ = run_job(engine, kube_cluster.namespace, body)
    assert condition == "Failed"
    pid = int(pid_file.read_text())
    wait_for("the job's process gone", lambda: not Path(f"/proc/{pid}").exists(), 40)


def test_finished_jobs_and_their_pods_are_collected(kube_cluster: cluster.KubeCluster,
                                                    engine: client.ApiClient) -> None:
    """The TTL-after-finished controller deletes the Job, the garbage collector its pod."""
    body = job("true", job={"ttlSecondsAfterFinished": 1})
    name, ns = body["metadata"]["name"], kube_cluster.namespace
    condition, _ = run_job(engine, ns, body)
    assert condition == "Complete"
    batch, core = client.BatchV1Api(engine), client.CoreV1Api(engine)
    wait_for("job deleted", lambda: not batch.list_namespaced_job(
        ns, field_selector=f"metadata.name={name}").items)
    wait_for("its pod deleted", lambda: not core.list_namespaced_pod(
        ns, label_selector=f"job-name={name}").items)


def test_rbac_keeps_the_engine_in_its_namespace(kube_cluster: cluster.KubeCluster,
                                                engine: client.ApiClient) -> None:
    core = client.CoreV1Api(engine)
    with pytest.raises(ApiException) as secrets:
        core.list_namespaced_secret(kube_cluster.namespace)
    assert secrets.value.status == 403
    with pytest.raises(ApiException) as elsewhere:
        client.BatchV1Api(engine).create_namespaced_job("default", job("true"))
    assert elsewhere.value.status == 403
    with pytest.raises(ApiException) as nodes:
        core.list_node()
    assert nodes.value.status == 403
