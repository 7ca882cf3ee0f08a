"""A test node for the test control plane: a small kubelet stand-in that runs pods as local
processes. Test infrastructure only — never a product part.

It registers a Ready Node (capacity: this machine's cores and memory, 110 pods; InternalIP
127.0.0.1 and the port of its log endpoint), renews the node's Lease in kube-node-lease every
10 s, and follows the pods bound to it (list, then watch with fieldSelector spec.nodeName,
relisting on 410 Gone). Each pod runs in a `pod_runner.PodWorker`: container command and args as
a process in its own process group, env, workingDir, volumes mapped to host folders
(`pod_volumes`), real status and exit codes, so the Job controller completes or fails Jobs by its
own rules. `log_server` serves `pods/log`. Pods left Running by a previous agent (whose
processes died with it) are failed with ContainerStatusUnknown.

Images are recorded in the pod status but never pulled or run: a container's command runs on
this host, with the host's files, as the agent's user (with --security-context: as the
securityContext's runAsUser and groups). CPU requests and limits, probes and ports are not
enforced; memory limits are (`memory_limit`). On SIGTERM or SIGINT every pod's process
group is killed and the agent exits.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import signal
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import log_server
from kube import Kube
from kubernetes.client.exceptions import ApiException
from pod_runner import NodeContext, PodWorker, remove_pod, report_lost

log = logging.getLogger("node-agent")
LEASE_SECONDS = 40
RENEW_SECONDS = 10
STATUS_SECONDS = 60


def micro_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def node_status(args: argparse.Namespace) -> dict:
    disk = f"{shutil.disk_usage('/').total // 1024}Ki"
    resources = {"cpu": args.cpu, "memory": args.memory, "pods": str(args.pods),
                 "ephemeral-storage": disk}
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def condition(kind: str, status: str, reason: str, message: str) -> dict:
        return {"type": kind, "status": status, "reason": reason, "message": message,
                "lastHeartbeatTime": stamp, "lastTransitionTime": stamp}

    uname = platform.uname()
    return {
        "capacity": resources, "allocatable": resources,
        "conditions": [
            condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "test node"),
            condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "test node"),
            condition("PIDPressure", "False", "KubeletHasSufficientPID", "test node"),
            condition("Ready", "True", "KubeletReady", "wonderland test node agent is ready"),
        ],
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"},
                      {"type": "Hostname", "address": "localhost"}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": args.port}},
        "nodeInfo": {
            "machineID": "", "systemUUID": "", "bootID": "", "kernelVersion": uname.release,
            "osImage": "wonderland test node (pods run as host processes)",
            "containerRuntimeVersion": "testcluster://0", "kubeletVersion": "",
            "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64",
        },
    }


class NodeAgent:
    """The node, its lease and its pods."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args, self.name = args, args.node_name
        self.kube = Kube(args.kubeconfig)
        host, _, port = args.apiserver.removeprefix("https://").partition(":")
        self.ctx = NodeContext(self.kube, Path(args.state_dir), host, port or "443",
                               os.geteuid() == 0 and shutil.which("unshare") is not None,
                               args.security_context)
        self.workers: dict[str, PodWorker] = {}
        self.stopping = threading.Event()

    # -- node and lease --------------------------------------------------------------------

    def register(self) -> None:
        labels = {"kubernetes.io/hostname": self.name, "kubernetes.io/os": "linux",
                  "kubernetes.io/arch": "amd64"}
        status = node_status(self.args)
        self.kube.ensure("/api/v1/nodes", {"metadata": {"name": self.name, "labels": labels},
                                           "status": status})
        self.kube.patch(f"/api/v1/nodes/{self.name}/status", {"status": status})

    def renew_lease(self) -> None:
        path = f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{self.name}"
        lease = self.kube.get_or_none(path)
        spec = {"holderIdentity": self.name, "leaseDurationSeconds": LEASE_SECONDS,
                "renewTime": micro_now()}
        if lease is None:
            node = self.kube.get(f"/api/v1/nodes/{self.name}")
            owner = {"apiVersion": "v1", "kind": "Node", "name": self.name,
                     "uid": node["metadata"]["uid"]}
            self.kube.create("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", {
                "metadata": {"name": self.name, "ownerReferences": [owner]}, "spec": spec})
        else:
            lease["spec"].update(spec)
            self.kube.put(path, lease)

    def heartbeat(self) -> None:
        """Lease every RENEW_SECONDS, node status every STATUS_SECONDS, until stopped."""
        last_status = time.monotonic()
        while not self.stopping.wait(RENEW_SECONDS):
            try:
                self.renew_lease()
                if time.monotonic() - last_status >= STATUS_SECONDS:
                    self.kube.patch(f"/api/v1/nodes/{self.name}/status",
                                    {"status": node_status(self.args)})
                    last_status = time.monotonic()
            except Exception as exc:  # noqa: BLE001 - keep beating through API hiccups
                log.warning("heartbeat failed: %s", exc)

    # -- pods ------------------------------------------------------------------------------

    def handle(self, kind: str, pod: dict) -> None:
        """One pod event (ADDED, MODIFIED, DELETED) or one pod of a list (SYNC)."""
        meta, uid = pod["metadata"], pod["metadata"]["uid"]
        worker = self.workers.get(uid)
        if kind == "DELETED":
            if worker is not None:
                worker.delete(0)
                self.forget(uid)
            return
        if worker is None:
            phase = (pod.get("status") or {}).get("phase", "Pending")
            if phase in ("Succeeded", "Failed") or meta.get("deletionTimestamp"):
                if meta.get("deletionTimestamp"):
                    remove_pod(self.kube, pod)  # nothing of it runs here
                return
            if phase == "Running":
                log.info("pod %s/%s: its processes ended with the previous agent",
                         meta["namespace"], meta["name"])
                report_lost(self.kube, pod)
                return
            worker = self.workers[uid] = PodWorker(self.ctx, pod)
            worker.start()
        elif meta.get("deletionTimestamp"):
            worker.delete(int(meta.get("deletionGracePeriodSeconds") or 0))

    def forget(self, uid: str) -> None:
        """Drop a deleted pod's worker and, once its processes are gone, its files."""
        worker = self.workers.pop(uid)

        def clean() -> None:
            worker.join()
            shutil.rmtree(worker.dir, ignore_errors=True)

        threading.Thread(target=clean, daemon=True).start()

    def sync(self) -> str:
        """List the node's pods, handle each, forget vanished ones; the list's resourceVersion."""
        listed = self.kube.get("/api/v1/pods", fieldSelector=f"spec.nodeName={self.name}")
        seen = set()
        for pod in listed["items"]:
            seen.add(pod["metadata"]["uid"])
            self.handle("SYNC", pod)
        for uid in set(self.workers) - seen:
            self.workers[uid].delete(0)
            self.forget(uid)
        return listed["metadata"]["resourceVersion"]

    def follow_pods(self) -> None:
        version = None
        while not self.stopping.is_set():
            try:
                if version is None:
                    version = self.sync()
                for event in self.kube.watch(
                        "/api/v1/pods", fieldSelector=f"spec.nodeName={self.name}",
                        resourceVersion=version, allowWatchBookmarks="true",
                        timeoutSeconds=300):
                    obj = event["object"]
                    if event["type"] == "ERROR":  # 410 Gone, or worse: list again
                        log.info("pod watch: %s; listing again", obj.get("message"))
                        version = None
                        break
                    version = obj["metadata"]["resourceVersion"]
                    if event["type"] != "BOOKMARK":
                        self.handle(event["type"], obj)
            except ApiException as exc:
                if exc.status == 410:
                    version = None
                else:
                    log.warning("pod watch: %s %s", exc.status, exc.reason)
                    time.sleep(1)
            except Exception as exc:  # noqa: BLE001 - connection errors: watch again
                if self.stopping.is_set():
                    return
                log.warning("pod watch: %s", exc)
                time.sleep(1)

    def lookup(self, namespace: str, pod: str, container: str):
        for worker in list(self.workers.values()):
            if worker.key == f"{namespace}/{pod}":
                found = worker.container(container)
                if found is not None:
                    return found.log_path, lambda c=found: c.running
        return None

    def shutdown(self) -> None:
        self.stopping.set()
        for worker in list(self.workers.values()):
            for c in worker.init_containers + worker.containers:
                c.kill_group(signal.SIGKILL)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True, help="the node's kubeconfig")
    parser.add_argument("--node-name", required=True)
    parser.add_argument("--state-dir", required=True, help="pods' logs and volumes go here")
    parser.add_argument("--port", type=int, required=True, help="HTTPS port for pods/log")
    parser.add_argument("--tls-cert", required=True)
    parser.add_argument("--tls-key", required=True)
    parser.add_argument("--client-ca", required=True, help="CA of the API server's client cert")
    parser.add_argument("--apiserver", required=True, help="https://HOST:PORT, given to pods")
    parser.add_argument("--pods", type=int, default=110, help="pod capacity")
    parser.add_argument("--cpu", default=str(os.cpu_count() or 1),
                        help="CPU capacity (default: this machine's cores)")
    parser.add_argument("--memory", help="memory capacity (default: this machine's memory)",
                        default=f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES')}")
    parser.add_argument("--security-context", action="store_true",
                        help="run containers as their securityContext's runAsUser and groups")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    agent = NodeAgent(args)
    log_server.serve(args.port, args.tls_cert, args.tls_key, args.client_ca, agent.lookup)
    agent.register()
    agent.renew_lease()
    threading.Thread(target=agent.heartbeat, name="heartbeat", daemon=True).start()

    def stop(signum: int, _frame: object) -> None:
        log.info("signal %d: killing pods and exiting", signum)
        agent.shutdown()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("node %s registered; log endpoint on 127.0.0.1:%d", args.node_name, args.port)
    agent.follow_pods()


if __name__ == "__main__":
    main()
