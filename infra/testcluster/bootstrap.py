"""What the engine needs in a fresh test cluster, made with the admin's kubeconfig.

- the engine's namespace and its `wonderland` ServiceAccount;
- the Role of `infra/kubernetes/` (every document of kind Role there, put in the namespace),
  and a RoleBinding of the ServiceAccount to it: the engine gets exactly what the deployment
  gives it;
- a long-lived token Secret for the ServiceAccount (filled in by the controller-manager's token
  controller) and a kubeconfig that uses that token (`--engine-kubeconfig`);
- the work area: a hostPath PersistentVolume on `--work-dir` and the PVC `wonderland-work` bound
  to it, so that jobs mount the host folder at the same path as the engine;
- then waits until the node agent's node is Ready.
"""

from __future__ import annotations

import argparse
import base64
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from kube import Kube
from kubernetes.client.exceptions import ApiException

SERVICE_ACCOUNT = "wonderland"
WORK_PVC = "wonderland-work"


def roles_from(manifests: Path) -> list[dict]:
    """Every Role document in the YAML files of `manifests` (none when it does not exist)."""
    roles = []
    for path in sorted(manifests.glob("**/*.y*ml")) if manifests.is_dir() else []:
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "Role":
                roles.append(doc)
    return roles


def apply(kube: Kube, collection: str, body: dict) -> None:
    """Create `body` in `collection`, or replace the existing object of that name."""
    try:
        kube.create(collection, body)
    except ApiException as exc:
        if exc.status != 409:
            raise
        kube.put(f"{collection}/{body['metadata']['name']}", body)


def wait(what: str, seconds: float, probe: Callable[[], object]) -> object:
    """Call `probe` until it returns something true; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit(f"bootstrap: {what} not done after {seconds:.0f}s")
        time.sleep(0.5)


def engine_access(kube: Kube, ns: str, manifests: Path) -> str:
    """ServiceAccount, Role(s), RoleBinding and a token Secret; returns the token."""
    kube.ensure("/api/v1/namespaces", {"metadata": {"name": ns}})
    core = f"/api/v1/namespaces/{ns}"
    rbac = f"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}"
    kube.ensure(f"{core}/serviceaccounts", {"metadata": {"name": SERVICE_ACCOUNT}})
    roles = roles_from(manifests)
    if not roles:
        raise SystemExit(f"bootstrap: no Role in {manifests}/*.yaml for the engine")
    for role in roles:
        role = {**role, "metadata": {**role["metadata"], "namespace": ns}}
        apply(kube, f"{rbac}/roles", role)
        apply(kube, f"{rbac}/rolebindings", {
            "metadata": {"name": f"testcluster-{role['metadata']['name']}", "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                        "name": role["metadata"]["name"]},
            "subjects": [{"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": ns}],
        })
    secret = f"{SERVICE_ACCOUNT}-token"
    kube.ensure(f"{core}/secrets", {
        "metadata": {"name": secret,
                     "annotations": {"kubernetes.io/service-account.name": SERVICE_ACCOUNT}},
        "type": "kubernetes.io/service-account-token",
    })

    def token() -> str | None:
        data = kube.get(f"{core}/secrets/{secret}").get("data") or {}
        return base64.b64decode(data["token"]).decode() if "token" in data else None

    return wait("the ServiceAccount's token Secret", 60, token)


def work_area(kube: Kube, ns: str, work_dir: str) -> None:
    """A hostPath PV on `work_dir` and the PVC `wonderland-work` bound to it."""
    pv_name = f"{WORK_PVC}-{ns}"
    kube.ensure("/api/v1/persistentvolumes", {
        "metadata": {"name": pv_name},
        "spec": {"capacity": {"storage": "100Gi"}, "accessModes": ["ReadWriteMany"],
                 "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "",
                 "hostPath": {"path": work_dir, "type": "Directory"},
                 "claimRef": {"namespace": ns, "name": WORK_PVC}},
    })
    claims = f"/api/v1/namespaces/{ns}/persistentvolumeclaims"
    kube.ensure(claims, {
        "metadata": {"name": WORK_PVC},
        "spec": {"accessModes": ["ReadWriteMany"], "storageClassName": "",
                 "volumeName": pv_name, "resources": {"requests": {"storage": "100Gi"}}},
    })
    wait("binding of the work-area PVC", 60,
         lambda: kube.get(f"{claims}/{WORK_PVC}").get("status", {}).get("phase") == "Bound")


def write_engine_kubeconfig(path: Path, kube: Kube, ns: str, token: str) -> None:
    """A kubeconfig for the ServiceAccount: same server and CA as the admin's, the token."""
    ca = Path(kube.configuration.ssl_ca_cert).read_bytes()
    kubeconfig = {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "wonderland-testcluster", "cluster": {
            "server": kube.host, "certificate-authority-data": base64.b64encode(ca).decode()}}],
        "users": [{"name": SERVICE_ACCOUNT, "user": {"token": token}}],
        "contexts": [{"name": SERVICE_ACCOUNT, "context": {
            "cluster": "wonderland-testcluster", "user": SERVICE_ACCOUNT, "namespace": ns}}],
        "current-context": SERVICE_ACCOUNT,
    }
    path.touch(mode=0o600)
    path.write_text(yaml.safe_dump(kubeconfig, sort_keys=False))


def node_ready(kube: Kube, name: str) -> bool:
    node = kube.get_or_none(f"/api/v1/nodes/{name}") or {}
    conditions = node.get("status", {}).get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True, help="the admin's kubeconfig")
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--manifests", type=Path, required=True)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--node-name", required=True)
    parser.add_argument("--engine-kubeconfig", type=Path, required=True)
    args = parser.parse_args(argv)
    kube = Kube(args.kubeconfig)
    token = engine_access(kube, args.namespace, args.manifests)
    write_engine_kubeconfig(args.engine_kubeconfig, kube, args.namespace, token)
    work_area(kube, args.namespace, args.work_dir)
    wait(f"node {args.node_name} Ready", 60, lambda: node_ready(kube, args.node_name))


if __name__ == "__main__":
    try:
        main()
    except ApiException as exc:
        sys.exit(f"bootstrap: {exc.status} {exc.reason}: {exc.body}")
