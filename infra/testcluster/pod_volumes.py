"""The node agent's volumes: each volume of a pod becomes a host folder (or file).

- hostPath: the path itself (made for DirectoryOrCreate / FileOrCreate);
- emptyDir: a folder under the pod's state folder, removed with the pod;
- persistentVolumeClaim: the host path of the PV the claim is bound to (hostPath or local PV),
  or the folder named by the claim's annotation `testcluster.wonderland/host-path`;
- configMap, secret, downwardAPI and projected (serviceAccountToken via the TokenRequest API,
  configMap, secret, downwardAPI: what the ServiceAccount admission plugin adds to pods):
  files written under the pod's state folder.
Anything else is a ContainerConfigError.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from kube import Kube
from kubernetes.client.exceptions import ApiException
from pod_spec import ContainerConfigError, field_value

HOST_PATH_ANNOTATION = "testcluster.wonderland/host-path"


def read_data(kube: Kube, kind: str, namespace: str, name: str, optional: bool) -> dict | None:
    """A ConfigMap's or Secret's data as text; None when optional and missing."""
    resource = "configmaps" if kind == "configMap" else "secrets"
    obj = kube.get_or_none(f"/api/v1/namespaces/{namespace}/{resource}/{name}")
    if obj is None:
        if optional:
            return None
        raise ContainerConfigError(f"{kind} {namespace}/{name} not found")
    data = dict(obj.get("data") or {})
    if kind == "secret":
        data = {k: base64.b64decode(v).decode(errors="replace") for k, v in data.items()}
    else:
        data.update({k: base64.b64decode(v).decode(errors="replace")
                     for k, v in (obj.get("binaryData") or {}).items()})
    return data


def claim_path(kube: Kube, namespace: str, claim: str) -> str:
    """The host folder behind a PersistentVolumeClaim."""
    pvc = kube.get_or_none(f"/api/v1/namespaces/{namespace}/persistentvolumeclaims/{claim}")
    if pvc is None:
        raise ContainerConfigError(f"persistentVolumeClaim {namespace}/{claim} not found")
    annotated = (pvc["metadata"].get("annotations") or {}).get(HOST_PATH_ANNOTATION)
    if annotated:
        return annotated
    volume = pvc.get("spec", {}).get("volumeName")
    pv = kube.get(f"/api/v1/persistentvolumes/{volume}") if volume else {}
    spec = pv.get("spec", {})
    path = (spec.get("hostPath") or spec.get("local") or {}).get("path")
    if not path:
        raise ContainerConfigError(
            f"persistentVolumeClaim {namespace}/{claim} is not bound to a hostPath or local"
            f" volume and has no {HOST_PATH_ANNOTATION} annotation")
    return path


def write_files(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


def pick(data: dict[str, str], items: list | None) -> dict[str, str]:
    """`items` (key -> path) of a configMap/secret source, or every key."""
    if not items:
        return data
    return {item["path"]: data[item["key"]] for item in items if item["key"] in data}


def downward_files(pod: dict, items: list | None) -> dict[str, str]:
    files = {}
    for item in items or []:
        if "fieldRef" not in item:
            raise ContainerConfigError(f"downwardAPI item {item['path']}: only fieldRef is served")
        files[item["path"]] = field_value(pod, item["fieldRef"]["fieldPath"])
    return files


def service_account_token(kube: Kube, pod: dict, source: dict) -> str:
    """A token for the pod's ServiceAccount, bound to the pod (as the kubelet asks for)."""
    meta = pod["metadata"]
    request = {"spec": {
        "audiences": [source["audience"]] if source.get("audience") else None,
        "expirationSeconds": source.get("expirationSeconds", 3607),
        "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": meta["name"],
                           "uid": meta["uid"]},
    }}
    account = pod["spec"].get("serviceAccountName", "default")
    done = kube.create(
        f"/api/v1/namespaces/{meta['namespace']}/serviceaccounts/{account}/token", request)
    return done["status"]["token"]


def projected_files(kube: Kube, pod: dict, sources: list) -> dict[str, str]:
    namespace = pod["metadata"]["namespace"]
    files: dict[str, str] = {}
    for source in sources:
        if "serviceAccountToken" in source:
            files[source["serviceAccountToken"]["path"]] = service_account_token(
                kube, pod, source["serviceAccountToken"])
        elif "configMap" in source or "secret" in source:
            kind = "configMap" if "configMap" in source else "secret"
            ref = source[kind]
            data = read_data(kube, kind, namespace, ref["name"], bool(ref.get("optional")))
            files.update(pick(data or {}, ref.get("items")))
        elif "downwardAPI" in source:
            files.update(downward_files(pod, source["downwardAPI"].get("items")))
        else:
            raise ContainerConfigError(f"unsupported projected source {sorted(source)}")
    return files


def host_path(volume: dict) -> str:
    spec = volume["hostPath"]
    path, kind = spec["path"], spec.get("type", "")
    if kind == "DirectoryOrCreate":
        os.makedirs(path, exist_ok=True)
    elif kind == "FileOrCreate" and not os.path.exists(path):
        Path(path).touch()
    elif kind and not os.path.exists(path):
        raise ContainerConfigError(f"hostPath {path} ({kind}) does not exist")
    return path


def prepare(kube: Kube, pod: dict, pod_dir: Path) -> dict[str, str]:
    """Volume name -> host path for every volume of `pod`, writing files where needed."""
    namespace = pod["metadata"]["namespace"]
    paths = {}
    for volume in pod["spec"].get("volumes") or []:
        name, folder = volume["name"], pod_dir / "volumes" / volume["name"]
        try:
            if "hostPath" in volume:
                paths[name] = host_path(volume)
                continue
            if "persistentVolumeClaim" in volume:
                claim = volume["persistentVolumeClaim"]["claimName"]
                paths[name] = claim_path(kube, namespace, claim)
                continue
            if "emptyDir" in volume:
                files = {}
            elif "configMap" in volume or "secret" in volume:
                kind = "configMap" if "configMap" in volume else "secret"
                ref = volume[kind]
                ref_name = ref.get("name") or ref.get("secretName")
                data = read_data(kube, kind, namespace, ref_name, bool(ref.get("optional")))
                files = pick(data or {}, ref.get("items"))
            elif "downwardAPI" in volume:
                files = downward_files(pod, volume["downwardAPI"].get("items"))
            elif "projected" in volume:
                files = projected_files(kube, pod, volume["projected"].get("sources") or [])
            else:
                kinds = sorted(set(volume) - {"name"})
                raise ContainerConfigError(f"volume {name}: unsupported type {kinds}")
        except ApiException as exc:
            raise ContainerConfigError(f"volume {name}: {exc.status} {exc.reason}") from exc
        write_files(folder, files)
        if "emptyDir" in volume:
            folder.chmod(0o777)  # as a kubelet makes them, for any runAsUser
        paths[name] = str(folder)
    return paths
