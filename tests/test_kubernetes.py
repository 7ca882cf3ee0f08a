"""The Kubernetes executor against the real test control plane (`tests/cluster.py`): the engine
runs as `wonderland run --executor kubernetes` with the engine ServiceAccount's kubeconfig (the
Role of infra/kubernetes/ and nothing more), every step a Job that the real Job controller
runs to its end through the test node agent; the tests look at the Jobs with the admin's
kubeconfig.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import cluster
import pytest
import yaml
from conftest import DATA, Result, Sandbox
from kubernetes import client
from servers import ServerProcess

from wonderland.cwl.invocation import SUCCESS, ToolSettings
from wonderland.db import LaunchStatus, Store
from wonderland.engine.executors.base import Task
from wonderland.engine.executors.kubernetes import KubernetesExecutor
from wonderland.engine.executors.kubernetes_create import JobCreator
from wonderland.engine.executors.kubernetes_names import LAUNCH_LABEL, launch_tag
from wonderland.engine.executors.kubernetes_watch import Changed, Relisted, ResourceWatch
from wonderland.engine.kubernetes_settings import KubernetesSettings
from wonderland.engine.work_area import LaunchFiles

kube_cluster = cluster.kube_cluster
ROOT = Path(__file__).resolve().parent.parent
RUN_TIMEOUT = 240


def tool(base_command: list[str], *, inputs: dict | None = None, outputs: dict | None = None,
         **fields: Any) -> dict:
    """A CommandLineTool that asks for a tenth of a core (the test node has this machine's
    cores, which the tests running at once share), unless its requirements say otherwise."""
    hints = {"ResourceRequirement": {"coresMin": 0.1, "ramMin": 64}}
    return {"class": "CommandLineTool", "baseCommand": base_command, "hints": hints,
            "inputs": inputs or {}, "outputs": outputs or {}, **fields}


SCATTER = {
    "cwlVersion": "v1.2", "class": "Workflow",
    "requirements": {"ScatterFeatureRequirement": {}},
    "inputs": {"words": "string[]"},
    "steps": {
        "shout": {
            "run": tool(["sh", "-c", 'printf "%s!\\n" "$0" | tr a-z A-Z'],
                        inputs={"word": {"type": "string", "inputBinding": {"position": 1}}},
                        outputs={"out": {"type": "stdout"}}),
            "scatter": "word", "in": {"word": "words"}, "out": ["out"],
        },
        "join": {
            "run": tool(["cat"], inputs={"parts": {"type": "File[]",
                                                   "inputBinding": {"position": 1}}},
                        outputs={"joined": {"type": "stdout"}}, stdout="joined.txt"),
            "in": {"parts": "shout/out"}, "out": ["joined"],
        },
    },
    "outputs": {"joined": {"type": "File", "outputSource": "join/joined"}},
}


class KubeRuns:
    """`wonderland run --executor kubernetes` with the engine's kubeconfig, its work area on the
    cluster's work-area PVC; the admin's view of the Jobs."""

    def __init__(self, kube: cluster.KubeCluster, sandbox: Sandbox) -> None:
        self.kube = kube
        self.sandbox = sandbox
        self.work_dir = kube.work_dir  # where the claim is mounted; launches have own folders
        api = kube.api_client(kube.admin_kubeconfig)
        self.batch = client.BatchV1Api(api)
        self.core = client.CoreV1Api(api)

    def options(self) -> list[str]:
        return ["--work-dir", str(self.work_dir), "--executor", "kubernetes",
                "--kubeconfig", self.kube.engine_kubeconfig, "--namespace",
                self.kube.namespace, "--work-area-pvc", self.kube.work_pvc]

    def command(self, args: list, *extra: str) -> list[str]:
        return self.sandbox.command([*self.options(), *extra, *args], work_dir=False)

    def write(self, name: str, document: dict) -> Path:
        path = self.sandbox.root / name
        self.sandbox.root.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(document))
        return path

    def run(self, args: list, *extra: str) -> Result:
        self.sandbox.root.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(self.command(args, *extra), cwd=self.sandbox.root,
                              env=self.sandbox.env(), capture_output=True, text=True,
                              timeout=RUN_TIMEOUT, stdin=subprocess.DEVNULL)
        return Result(done.returncode, done.stdout, done.stderr)

    def start(self, args: list, *extra: str) -> subprocess.Popen:
        self.sandbox.root.mkdir(parents=True, exist_ok=True)
        return subprocess.Popen(self.command(args, *extra), cwd=self.sandbox.root,
                                env=self.sandbox.env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def launch(self) -> str:
        """The tag of the sandbox's one launch (its Jobs' launch label)."""
        launches = self.sandbox.launches()
        assert len(launches) == 1, launches
        return launch_tag(launches[0].id, launches[0].work_dir)

    def jobs(self, tag: str) -> list[client.V1Job]:
        return self.batch.list_namespaced_job(
            self.kube.namespace, label_selector=f"{LAUNCH_LABEL}={tag}").items

    def pods(self, tag: str) -> list[client.V1Pod]:
        return self.core.list_namespaced_pod(
            self.kube.namespace, label_selector=f"{LAUNCH_LABEL}={tag}").items

    def wait_for(self, what: str, probe, timeout: float = 90):
        deadline = time.monotonic() + timeout
        while not (found := probe()):
            assert time.monotonic() < deadline, f"{what}: not after {timeout}s"
            time.sleep(0.3)
        return found


@pytest.fixture
def kube_runs(kube_cluster: cluster.KubeCluster, sandbox: Sandbox) -> KubeRuns:
    return KubeRuns(kube_cluster, sandbox)


def test_a_scatter_workflow_runs_as_jobs_with_the_right_outputs(kube_runs: KubeRuns) -> None:
    document = kube_runs.write("scatter.cwl", SCATTER)
    job = kube_runs.write("job.yaml", {"words": ["alpha", "beta", "gamma"]})
    code, out, err = kube_runs.run([document, job])
    assert code == 0, err
    joined = json.loads(out)["joined"]
    assert Path(joined["path"]).read_text() == "ALPHA!\nBETA!\nGAMMA!\n"
    tag = kube_runs.launch()
    jobs = kube_runs.jobs(tag)
    assert len(jobs) == 4
    assert sorted(j.metadata.labels["wonderland.io/step"] for j in jobs) == [
        "join", "shout", "shout", "shout"]
    for found in jobs:
        assert found.spec.backoff_limit == 0
        assert found.status.succeeded == 1
    store = kube_runs.sandbox.open_store()
    try:
        recorded = {j.job_name for j in store.jobs(kube_runs.sandbox.launches()[0].id)}
    finally:
        store.close()
    assert recorded == {j.metadata.name for j in jobs}


def test_a_failing_step_fails_its_launch_with_the_exit_code(kube_runs: KubeRuns) -> None:
    document = kube_runs.write("fail.cwl", {
        "cwlVersion": "v1.2", **tool(["sh", "-c", "echo failing >&2; exit 3"])})
    code, _, err = kube_runs.run([document])
    assert code == 1
    assert "exit code 3" in err.strip().splitlines()[-1]
    launch = kube_runs.sandbox.launches()[0]
    assert launch.status == LaunchStatus.FAILED and "exit code 3" in launch.message


def test_success_codes_and_docker_requirement_are_the_tools(kube_runs: KubeRuns) -> None:
    """A nonzero exit code the tool lists in successCodes is a success (the Job itself failed);
    a DockerRequirement is run in its image rather than refused."""
    document = kube_runs.write("codes.cwl", {
        "cwlVersion": "v1.2",
        **tool(["sh", "-c", "echo done > marker.txt; exit 5"], successCodes=[5],
               requirements={"DockerRequirement": {"dockerPull": "alpine:3.20"}},
               outputs={"marker": {"type": "File", "outputBinding": {"glob": "marker.txt"}}}),
    })
    code, out, err = kube_runs.run([document])
    assert code == 0, err
    assert Path(json.loads(out)["marker"]["path"]).read_text() == "done\n"
    (found,) = kube_runs.jobs(kube_runs.launch())
    assert found.spec.template.spec.containers[0].image == "alpine:3.20"


def test_a_step_over_its_memory_limit_fails_as_out_of_memory(kube_runs: KubeRuns) -> None:
    """`ramMax` is the pod's memory limit; a tool over it is OOMKilled and says so."""
    document = kube_runs.write("hungry.cwl", {
        "cwlVersion": "v1.2",
        **tool(["python3", "-c", "import time; x = bytearray(400 * 2**20); time.sleep(30)"],
               requirements={"ResourceRequirement": {"ramMin": 64, "ramMax": 128}})})
    code, _, err = kube_runs.run([document])
    assert code == 1
    assert "out of memory (OOMKilled, exit code 137)" in err
    (found,) = kube_runs.jobs(kube_runs.launch())
    assert found.spec.template.spec.containers[0].resources.limits == {"memory": "128Mi"}


def test_an_image_that_cannot_be_pulled_fails_its_step_at_once(kube_runs: KubeRuns) -> None:
    document = kube_runs.write("no-image.cwl", {
        "cwlVersion": "v1.2",
        **tool(["true"], requirements={"DockerRequirement": {"dockerPull": "Not A/Valid::Name"}})})
    code, _, err = kube_runs.run([document])
    assert code == 1
    assert "image Not A/Valid::Name cannot be pulled (InvalidImageName" in err
    kube_runs.wait_for("the stuck Job deleted", lambda: not kube_runs.jobs(kube_runs.launch()),
                       timeout=30)


def test_a_step_over_its_time_limit_is_stopped(kube_runs: KubeRuns) -> None:
    document = kube_runs.write("slow.cwl", {
        "cwlVersion": "v1.2",
        **tool(["sleep", "120"], requirements={"ToolTimeLimit": {"timelimit": 3}})})
    code, _, err = kube_runs.run([document])
    assert code == 1
    assert "time limit exceeded" in err
    tag = kube_runs.launch()
    (found,) = kube_runs.jobs(tag)
    assert found.spec.active_deadline_seconds == 3
    kube_runs.wait_for("the pod's process stopped", lambda: all(
        p.status.phase in ("Failed", "Succeeded") for p in kube_runs.pods(tag)))


def test_cancel_removes_the_jobs_and_their_pods(kube_runs: KubeRuns) -> None:
    document = kube_runs.write("sleepy.cwl", {
        "cwlVersion": "v1.2", "class": "Workflow",
        "requirements": {"ScatterFeatureRequirement": {}},
        "inputs": {"seconds": "int[]"},
        "steps": {"nap": {"run": tool(["sleep"], inputs={"s": {
            "type": "int", "inputBinding": {"position": 1}}}),
            "scatter": "s", "in": {"s": "seconds"}, "out": []}},
        "outputs": {},
    })
    job = kube_runs.write("job.yaml", {"seconds": [120, 120]})
    proc = kube_runs.start([document, job])
    try:
        kube_runs.wait_for("the launch", lambda: kube_runs.sandbox.launches())
        tag = kube_runs.launch()
        kube_runs.wait_for("two running pods", lambda: len(
            [p for p in kube_runs.pods(tag) if p.status.phase == "Running"]) == 2)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        proc.kill()
        proc.communicate()
    assert proc.returncode != 0
    kube_runs.wait_for("no Jobs left", lambda: not kube_runs.jobs(tag), timeout=30)
    kube_runs.wait_for("no pods left", lambda: not kube_runs.pods(tag), timeout=60)


def test_sigkilled_engine_restarted_finishes_without_creating_a_job_twice(
    kube_runs: KubeRuns,
) -> None:
    document = kube_runs.write("naps.cwl", {
        "cwlVersion": "v1.2", "class": "Workflow",
        "requirements": {"ScatterFeatureRequirement": {}},
        "inputs": {"seconds": "int[]"},
        "steps": {
            "nap": {"run": tool(["sh", "-c", 'sleep "$0"; echo "$0"'],
                                inputs={"s": {"type": "int", "inputBinding": {"position": 1}}},
                                outputs={"out": {"type": "stdout"}}),
                    "scatter": "s", "in": {"s": "seconds"}, "out": ["out"]},
            "join": {"run": tool(["cat"], inputs={"parts": {
                "type": "File[]", "inputBinding": {"position": 1}}},
                outputs={"joined": {"type": "stdout"}}),
                "in": {"parts": "nap/out"}, "out": ["joined"]},
        },
        "outputs": {"joined": {"type": "File", "outputSource": "join/joined"}},
    })
    job = kube_runs.write("job.yaml", {"seconds": [1, 6, 8]})
    proc = kube_runs.start([document, job])
    try:
        kube_runs.wait_for("the launch", lambda: kube_runs.sandbox.launches())
        tag = kube_runs.launch()
        # killed while the short nap is done and the longer ones still run
        kube_runs.wait_for("a finished nap and two running", lambda: (
            sum(1 for j in kube_runs.jobs(tag) if j.status.succeeded) >= 1
            and sum(1 for j in kube_runs.jobs(tag) if j.status.active) == 2))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.communicate()
    before = {j.metadata.name: j.metadata.uid for j in kube_runs.jobs(tag)}
    assert len(before) == 3
    code, out, err = kube_runs.run([document, job])
    assert code == 0, err
    assert Path(json.loads(out)["joined"]["path"]).read_text() == "1\n6\n8\n"
    assert kube_runs.launch() == tag  # the same launch, resumed
    after = {j.metadata.name: j.metadata.uid for j in kube_runs.jobs(tag)}
    assert len(after) == 4  # three naps and the join, each created once
    assert {name: after[name] for name in before} == before  # the same Jobs, followed


def test_the_engine_needs_only_the_role_of_the_manifests(
    kube_cluster: cluster.KubeCluster, kube_runs: KubeRuns,
) -> None:
    """The Role from infra/kubernetes/ is applied as it is; the engine runs a workflow with the
    ServiceAccount's token, and that token can do nothing else (no secrets, no pods made)."""
    (role,) = [doc for path in sorted((ROOT / "infra" / "kubernetes").glob("*.yaml"))
               for doc in yaml.safe_load_all(path.read_text()) if doc and doc["kind"] == "Role"]
    role["metadata"]["namespace"] = kube_cluster.namespace
    rbac = client.RbacAuthorizationV1Api(kube_cluster.api_client(kube_cluster.admin_kubeconfig))
    rbac.replace_namespaced_role(role["metadata"]["name"], kube_cluster.namespace, role)
    document = kube_runs.write("scatter.cwl", SCATTER)
    job = kube_runs.write("job.yaml", {"words": ["one"]})
    code, out, err = kube_runs.run([document, job])
    assert code == 0, err
    engine = client.CoreV1Api(kube_cluster.api_client(kube_cluster.engine_kubeconfig))
    with pytest.raises(client.exceptions.ApiException) as refused:
        engine.list_namespaced_secret(kube_cluster.namespace)
    assert refused.value.status == 403
    with pytest.raises(client.exceptions.ApiException) as refused:
        engine.create_namespaced_pod(kube_cluster.namespace, {
            "metadata": {"name": "not-allowed"},
            "spec": {"containers": [{"name": "x", "image": "x", "command": ["true"]}]}})
    assert refused.value.status == 403


def _compact_etcd(kube: cluster.KubeCluster, revision: str) -> None:
    request = urllib.request.Request(
        f"{kube.etcd_url}/v3/kv/compaction", method="POST",
        data=json.dumps({"revision": revision, "physical": True}).encode())
    urllib.request.urlopen(request, timeout=10).read()


def test_the_watch_relists_after_410_gone(kube_cluster: cluster.KubeCluster) -> None:
    """A watch from a resourceVersion that etcd has compacted away gets 410 Gone from the API
    server; the watch lists again and goes on. Events are watched here because the API server
    keeps no watch cache for them: their watches read etcd, where compaction is immediate (the
    executor's Jobs and pods go through the same loop)."""
    core = client.CoreV1Api(kube_cluster.api_client(kube_cluster.admin_kubeconfig))
    namespace = kube_cluster.namespace
    key, value = "wonderland.io/test", uuid.uuid4().hex[:12]

    def event(name: str) -> dict:
        return {"metadata": {"name": name, "labels": {key: value}}, "reason": "Test",
                "involvedObject": {"kind": "Pod", "name": "x", "namespace": namespace},
                "message": name, "type": "Normal"}

    old = core.list_namespaced_event(namespace, limit=1).metadata.resource_version
    core.create_namespaced_event(namespace, event(f"before-{value}"))
    latest = core.create_namespaced_event(namespace, event(f"compacted-{value}"))
    _compact_etcd(kube_cluster, latest.metadata.resource_version)
    events: queue.Queue = queue.Queue()
    watch = ResourceWatch("Event", core.list_namespaced_event, namespace, f"{key}={value}",
                          events.put, resource_version=old).start()
    try:
        relisted = events.get(timeout=30)
        assert isinstance(relisted, Relisted) and watch.relists == 1
        assert sorted(e["metadata"]["name"] for e in relisted.items) == [
            f"before-{value}", f"compacted-{value}"]
        core.create_namespaced_event(namespace, event(f"after-{value}"))
        seen = events.get(timeout=30)
        assert isinstance(seen, Changed) and seen.type == "ADDED"
        assert seen.object["metadata"]["name"] == f"after-{value}"
    finally:
        watch.stop()


def test_the_executor_keeps_logs_and_fails_unschedulable_pods(
    kube_cluster: cluster.KubeCluster, tmp_path: Path,
) -> None:
    """In-process, as a server's launch runner uses it: the pod's output ends in the step's log
    file; a pod no node can hold fails its step after the unschedulable timeout."""
    from wonderland.engine import preparation

    work = kube_cluster.work_dir / f"x-{uuid.uuid4().hex[:10]}"
    logs = work / "logs"
    logs.mkdir(parents=True)
    tools = {}
    for name, spec in {
        "say": tool(["sh", "-c", "echo to stdout; echo to stderr >&2"]),
        "huge": tool(["true"], requirements={"ResourceRequirement": {"coresMin": 512}}),
    }.items():
        path = tmp_path / f"{name}.cwl"
        path.write_text(yaml.safe_dump({"cwlVersion": "v1.2", **spec}))
        tools[name] = preparation.load(str(path), [], with_inputs=False,
                                       no_container=True).tool
    settings = ToolSettings(work_dir=str(work / "steps"), tmpdir_prefix=str(tmp_path / "t"))
    k8s = KubernetesSettings(work_area=str(kube_cluster.work_dir),
                             namespace=kube_cluster.namespace,
                             kubeconfig=kube_cluster.engine_kubeconfig,
                             work_area_pvc=kube_cluster.work_pvc, unschedulable_timeout=2)
    launch_id = 900000 + uuid.uuid4().int % 99999
    executor = KubernetesExecutor(tools, settings, k8s, launch_id, log_dir=str(logs))
    try:
        for key in ("say", "huge"):
            executor.submit(Task(key, key, {}, str(work / "steps" / key), toplevel=True))
        results = {}
        deadline = time.monotonic() + 90
        while len(results) < 2 and time.monotonic() < deadline:
            results.update({c.key: c.result for c in executor.wait(1.0)})
    finally:
        executor.cancel_all()
        executor.close()
    assert results["say"].status == SUCCESS
    assert (logs / "say.log").read_text().splitlines() == ["to stdout", "to stderr"] or \
        sorted((logs / "say.log").read_text().splitlines()) == ["to stderr", "to stdout"]
    assert results["huge"].status != SUCCESS
    assert results["huge"].message.startswith("unschedulable for more than 2 s")


def test_serve_runs_submitted_launches_as_jobs_keeps_logs_and_cancels(
    kube_cluster: cluster.KubeCluster, kube_runs: KubeRuns, tmp_path: Path,
) -> None:
    """`wonderland serve --executor kubernetes`: a submitted workflow runs as Jobs (in the
    image the submission names for tools without a DockerRequirement), a step's output is kept
    as its log, a DockerRequirement is accepted at submit, a running step's log is followed
    from its pod, and cancelling a launch deletes its Jobs."""
    server = ServerProcess(tmp_path / "server", f"sqlite:///{tmp_path / 'server.db'}",
                           extra_args=kube_runs.options())
    server.start()
    try:
        with server.client() as wonderland:
            launch = wonderland.submit(DATA / "greet_and_shout.cwl", {"name": "pods"},
                                       default_image="busybox:per-launch")
            done = launch.wait(timeout=120)
            assert done.status == "SUCCEEDED", done
            assert launch.logs("greet") == "greeting pods\n"
            images = {job.spec.template.spec.containers[0].image
                      for job in kube_runs.jobs(_tag_of(server, launch.id))}
            assert images == {"busybox:per-launch"}
            contained = kube_runs.write("contained.cwl", {
                "cwlVersion": "v1.2",
                **tool(["sh", "-c", "echo started; sleep 120"],
                       requirements={"DockerRequirement": {"dockerPull": "alpine:3.20"}})})
            sleeping = wonderland.submit(contained)
            kube_runs.wait_for("a running pod", lambda: [
                p for p in kube_runs.core.list_namespaced_pod(kube_cluster.namespace).items
                if p.status.phase == "Running"
                and p.spec.containers[0].image == "alpine:3.20"])
            tag = _tag_of(server, sleeping.id)
            assert len(kube_runs.jobs(tag)) == 1
            following = wonderland.logs(sleeping.id, "main", follow=True)
            assert next(following) == b"started\n"  # from the pod, while it runs
            following.close()
            sleeping.cancel()
            assert sleeping.wait(timeout=60).status == "CANCELLED"
            kube_runs.wait_for("the cancelled launch's Jobs deleted",
                               lambda: not kube_runs.jobs(tag), timeout=60)
    finally:
        server.stop()


def _tag_of(server: ServerProcess, launch_id: int) -> str:
    """The label value of the Jobs of the server's launch `launch_id`."""
    store = Store(server.db_url)
    try:
        record = store.get_launch(launch_id)
    finally:
        store.close()
    return launch_tag(record.id, LaunchFiles(record.work_dir).steps)


def test_creating_a_job_that_exists_follows_the_existing_one(
    kube_cluster: cluster.KubeCluster,
) -> None:
    """The crash between creating a Job and recording it: the next create of the same name
    gets 409 AlreadyExists and hands back the Job that exists (same uid), not a second one."""
    batch = client.BatchV1Api(kube_cluster.api_client(kube_cluster.engine_kubeconfig))
    answers: queue.Queue = queue.Queue()
    creator = JobCreator(batch, kube_cluster.namespace, answers.put)
    name = f"twice-{uuid.uuid4().hex[:8]}"
    manifest = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {
        "name": name, "labels": {LAUNCH_LABEL: "0-twice"}}, "spec": {
        "suspend": True, "template": {"spec": {"restartPolicy": "Never", "containers": [
            {"name": "step", "image": "x", "command": ["true"]}]}}}}
    try:
        creator.create(name, manifest)
        first = answers.get(timeout=30)
        creator.create(name, manifest)
        second = answers.get(timeout=30)
    finally:
        creator.close()
        batch.delete_namespaced_job(name, kube_cluster.namespace,
                                    propagation_policy="Background")
    assert first.failure == "" and second.failure == ""
    assert second.job["metadata"]["uid"] == first.job["metadata"]["uid"]


def test_a_kubeconfig_that_cannot_be_loaded_is_one_line_and_records_nothing(
    sandbox: Sandbox, tmp_path: Path,
) -> None:
    missing = tmp_path / "missing.kubeconfig"
    document = tmp_path / "true.cwl"
    document.write_text(yaml.safe_dump({"cwlVersion": "v1.2", **tool(["true"])}))
    code, _, err = sandbox.run(["--executor", "kubernetes", "--kubeconfig", missing, document])
    assert code == 1
    assert err.strip() == (
        f"wonderland: {missing}: Invalid kube-config file. No configuration found.")
    assert sandbox.launches() == []


def test_a_namespace_the_engine_may_not_use_is_one_line(kube_runs: KubeRuns) -> None:
    document = kube_runs.write("true.cwl", {"cwlVersion": "v1.2", **tool(["true"])})
    code, _, err = kube_runs.run([document], "--namespace", "kube-system")
    assert code == 1
    (line,) = err.strip().splitlines()
    assert "cannot list Jobs in namespace 'kube-system'" in line and "403" in line
    assert kube_runs.sandbox.launches()[0].status == LaunchStatus.FAILED


def test_a_server_restarted_follows_the_jobs_its_launch_left_running(
    kube_cluster: cluster.KubeCluster, kube_runs: KubeRuns, tmp_path: Path,
) -> None:
    """`wonderland serve` stopped (SIGTERM) while a step runs leaves its Job running; started
    again, it resumes the launch and follows that same Job to the end."""
    server = ServerProcess(tmp_path / "server", f"sqlite:///{tmp_path / 'server.db'}",
                           extra_args=kube_runs.options())
    server.start()
    document = kube_runs.write("nap.cwl", {"cwlVersion": "v1.2", **tool(
        ["sh", "-c", "sleep 6; echo rested"], outputs={"out": {"type": "stdout"}})})
    try:
        with server.client() as wonderland:
            launch = wonderland.submit(document)
        store = Store(server.db_url)
        try:
            record = kube_runs.wait_for("the launch recorded", lambda: store.get_launch(launch.id))
        finally:
            store.close()
        tag = launch_tag(record.id, LaunchFiles(record.work_dir).steps)
        kube_runs.wait_for("its pod running", lambda: [
            p for p in kube_runs.pods(tag) if p.status.phase == "Running"])
        (before,) = kube_runs.jobs(tag)
        assert server.stop() == 0
        (during,) = kube_runs.jobs(tag)
        assert during.metadata.uid == before.metadata.uid
        assert during.metadata.deletion_timestamp is None
        server.start()
        with server.client() as wonderland:
            done = wonderland.launch(launch.id).wait(timeout=120)
            assert done.status == "SUCCEEDED", done
            outputs = done.outputs(tmp_path / "outputs")
            assert Path(outputs["out"]["path"]).read_text() == "rested\n"
        (after,) = kube_runs.jobs(tag)
        assert after.metadata.uid == before.metadata.uid
    finally:
        server.stop()


def test_a_restarted_step_runs_as_a_new_job_of_the_next_attempt(kube_runs: KubeRuns) -> None:
    """Retries are the engine's (`backoffLimit: 0`): --restart-attempts runs a failed step
    again as a Job of its own, named after the attempt."""
    flag = kube_runs.sandbox.root / "flag"
    document = kube_runs.write("flaky.cwl", {"cwlVersion": "v1.2", **tool(
        ["sh", "-c", 'if [ -e "$0" ]; then echo second; else touch "$0"; exit 2; fi', str(flag)],
        outputs={"out": {"type": "stdout"}})})
    code, out, err = kube_runs.run([document], "--restart-attempts", "1")
    assert code == 0, err
    assert Path(json.loads(out)["out"]["path"]).read_text() == "second\n"
    jobs = sorted(kube_runs.jobs(kube_runs.launch()), key=lambda j: j.metadata.name)
    assert [("-a1-" in j.metadata.name, j.status.failed, j.status.succeeded) for j in jobs] == [
        (True, 1, None), (False, None, 1)]
