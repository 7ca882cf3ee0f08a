"""The real Kubernetes control plane for tests (`infra/testcluster/`): etcd, kube-apiserver with
RBAC, kube-controller-manager, kube-scheduler and a node agent that runs pods as processes.

The session fixture `kube_cluster` uses a running cluster when WONDERLAND_TESTCLUSTER_ENV names
its env file (`.ci/run` starts one; so does `infra/testcluster/start.sh`), or else starts one
for the session with start.sh and stops it at the end. Without built binaries the tests that
need it fail and say so, unless WONDERLAND_SKIP_KUBERNETES=1 skips them.

In a test module: `import cluster`, then `kube_cluster = cluster.kube_cluster` (pytest finds
fixtures among a module's names), and take `kube_cluster` as an argument.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TESTCLUSTER = ROOT / "infra" / "testcluster"
ENV_VARIABLE = "WONDERLAND_TESTCLUSTER_ENV"
SKIP_VARIABLE = "WONDERLAND_SKIP_KUBERNETES"
BINARIES = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
START_TIMEOUT = 300


@dataclass(frozen=True)
class KubeCluster:
    """A running test cluster, as its env file describes it."""

    env: dict[str, str]

    @classmethod
    def from_env_file(cls, path: str | Path) -> KubeCluster:
        env = {}
        for line in Path(path).read_text().splitlines():
            key, _, value = line.partition("=")
            env[key] = shlex.split(value)[0] if value else ""
        return cls(env)

    @property
    def state_dir(self) -> Path:
        return Path(self.env["WONDERLAND_TESTCLUSTER_STATE"])

    @property
    def admin_kubeconfig(self) -> str:
        """Cluster admin (system:masters), for setting up and inspecting."""
        return self.env["KUBECONFIG_ADMIN"]

    @property
    def engine_kubeconfig(self) -> str:
        """The `wonderland` ServiceAccount's token, bound to the engine's Role only."""
        return self.env["KUBECONFIG_ENGINE"]

    @property
    def namespace(self) -> str:
        return self.env["WONDERLAND_TEST_NAMESPACE"]

    @property
    def work_pvc(self) -> str:
        """A PVC in `namespace` whose pods see `work_dir` at the same path."""
        return self.env["WONDERLAND_TEST_WORK_PVC"]

    @property
    def work_dir(self) -> Path:
        return Path(self.env["WONDERLAND_TEST_WORK_DIR"])

    @property
    def etcd_url(self) -> str:
        """The API server's etcd (plain HTTP on loopback), e.g. to compact it for a 410 Gone."""
        return self.env["WONDERLAND_TESTCLUSTER_ETCD"]

    @property
    def node_name(self) -> str:
        return self.env["WONDERLAND_TESTCLUSTER_NODE"]

    def api_client(self, kubeconfig: str):
        """A `kubernetes.client.ApiClient` for one of the kubeconfigs."""
        from kubernetes import config

        return config.new_client_from_config(kubeconfig)

    def answers(self) -> bool:
        """Whether the API server answers (GET /version with the admin's credentials)."""
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        api = self.api_client(self.admin_kubeconfig)
        api.configuration.retries = 0
        try:
            client.VersionApi(api).get_code(_request_timeout=10)
        except (ApiException, HTTPError):
            return False
        return True

    def host_folder_pvc(self, folder: Path, name: str) -> str:
        """A PVC `name` in `namespace` bound to a hostPath PV on `folder`: pods that mount it
        at `folder` see the host's folder (a work area of a test's own). Returns `name`."""
        from kubernetes import client, utils

        api = self.api_client(self.admin_kubeconfig)
        pv = f"{name}-{self.namespace}-{uuid.uuid4().hex[:6]}"
        size = {"storage": "10Gi"}
        utils.create_from_dict(api, {
            "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": pv},
            "spec": {"capacity": size, "accessModes": ["ReadWriteMany"],
                     "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "",
                     "hostPath": {"path": str(folder), "type": "Directory"},
                     "claimRef": {"namespace": self.namespace, "name": name}}})
        utils.create_from_dict(api, {
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": self.namespace},
            "spec": {"accessModes": ["ReadWriteMany"], "storageClassName": "",
                     "volumeName": pv, "resources": {"requests": size}}})
        core = client.CoreV1Api(api)
        deadline = time.monotonic() + 60
        while core.read_namespaced_persistent_volume_claim(
                name, self.namespace).status.phase != "Bound":
            if time.monotonic() > deadline:
                pytest.fail(f"PVC {name} not bound to {pv} after 60s", pytrace=False)
            time.sleep(0.2)
        return name


def binaries_dir() -> Path:
    cache = os.environ.get("WONDERLAND_TESTCLUSTER_CACHE",
                           str(Path.home() / ".cache" / "wonderland-testcluster"))
    return Path(cache) / "bin"


def start(state_dir: Path) -> Path:
    """Start a cluster with start.sh into `state_dir`; the path of its env file."""
    env = {**os.environ, "WONDERLAND_TESTCLUSTER_PYTHON": sys.executable}
    try:
        done = subprocess.run(["bash", str(TESTCLUSTER / "start.sh"), str(state_dir)], env=env,
                              capture_output=True, text=True, timeout=START_TIMEOUT)
    except subprocess.TimeoutExpired:
        stop(state_dir)
        pytest.fail(f"test cluster not up after {START_TIMEOUT}s; logs in {state_dir}/logs",
                    pytrace=False)
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["(no output)"]
        pytest.fail(f"infra/testcluster/start.sh failed: {last[0]}", pytrace=False)
    return Path(done.stdout.strip().splitlines()[-1])


def stop(state_dir: Path) -> None:
    subprocess.run(["bash", str(TESTCLUSTER / "stop.sh"), str(state_dir)], check=False)


@pytest.fixture(scope="session")
def kube_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubeCluster]:
    """The test cluster of this session (see the module docstring)."""
    env_file = os.environ.get(ENV_VARIABLE)
    if env_file:
        if not Path(env_file).is_file():
            pytest.fail(f"{ENV_VARIABLE}={env_file}: no such file", pytrace=False)
        running = KubeCluster.from_env_file(env_file)
        if not running.answers():
            pytest.fail(f"the test cluster of {ENV_VARIABLE}={env_file} does not answer at"
                        f" {running.env['KUBE_APISERVER']}", pytrace=False)
        yield running
        return
    if os.environ.get(SKIP_VARIABLE) == "1":
        pytest.skip(f"{SKIP_VARIABLE}=1: Kubernetes tests skipped")
    missing = [b for b in BINARIES if not (binaries_dir() / b).is_file()]
    if missing:
        pytest.fail(
            f"no test Kubernetes cluster: {', '.join(missing)} not built in {binaries_dir()}."
            " Run infra/testcluster/build.sh (tens of minutes the first time), or point"
            f" {ENV_VARIABLE} at a running cluster's env file, or set {SKIP_VARIABLE}=1 to skip",
            pytrace=False)
    state_dir = tmp_path_factory.mktemp("testcluster")
    cluster = KubeCluster.from_env_file(start(state_dir))
    yield cluster
    stop(state_dir)
