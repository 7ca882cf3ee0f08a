"""How the node agent turns one container of a pod (a plain dict, as the API serves it) into a
host process: its environment, its argv, and the mounts of its volumes.

Kubernetes rules kept: `$(VAR)` in env values, command and args expands to variables defined
before it (`$$` is a literal `$`, unknown names stay as written); `command` replaces the image's
entrypoint and `args` its arguments — with no image to read, a container needs `command` or
`args`. A mount whose host folder is not already at the mount path is bind-mounted in a private
mount namespace (util-linux `unshare`, needs root), so a pod sees its volumes at their paths
while the host keeps its own.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Reads (kind, namespace, name, optional) -> the object's data, None when optional and missing;
# kind is configMap or secret.
DataReader = Callable[[str, str, str, bool], dict[str, str] | None]

_REFERENCE = re.compile(r"\$\$|\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)")
# The image reference grammar of github.com/distribution/reference.
_ALNUM = r"[a-z0-9]+"
_COMPONENT = rf"{_ALNUM}(?:(?:[_.]|__|-+){_ALNUM})*"
_DOMAIN = (r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
           r"(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?")
_IMAGE = re.compile(rf"(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*"
                    r"(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*"
                    r":[0-9a-fA-F]{32,})?")
_LABEL_OR_ANNOTATION = re.compile(r"metadata\.(labels|annotations)\['([^']*)'\]")
HOST_VARIABLES = ("PATH", "HOME", "LANG", "TZ")


class ContainerConfigError(Exception):
    """The container cannot be started as specified; `reason` is the kubelet's waiting reason."""

    reason = "CreateContainerConfigError"


class InvalidImageName(ContainerConfigError):
    """The image is not a valid reference: a kubelet would not even try to pull it."""

    reason = "InvalidImageName"


@dataclass(frozen=True)
class Mount:
    host: str
    target: str
    read_only: bool


def expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' `$(VAR)` expansion of `text` with the variables in `env`."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        return env.get(match.group(1), match.group(0))

    return _REFERENCE.sub(one, text)


def field_value(pod: dict, path: str) -> str:
    """The value of a downward-API `fieldRef.fieldPath` for `pod`."""
    meta, spec, status = pod["metadata"], pod["spec"], pod.get("status") or {}
    simple = {
        "metadata.name": meta.get("name"),
        "metadata.namespace": meta.get("namespace"),
        "metadata.uid": meta.get("uid"),
        "spec.nodeName": spec.get("nodeName"),
        "spec.serviceAccountName": spec.get("serviceAccountName"),
        "status.podIP": status.get("podIP", "127.0.0.1"),
        "status.hostIP": status.get("hostIP", "127.0.0.1"),
        "status.podIPs": status.get("podIP", "127.0.0.1"),
    }
    if path in simple:
        return simple[path] or ""
    match = _LABEL_OR_ANNOTATION.fullmatch(path)
    if match:
        return (meta.get(match.group(1)) or {}).get(match.group(2), "")
    raise ContainerConfigError(f"unsupported fieldRef {path!r}")


def container_env(pod: dict, container: dict, read_data: DataReader,
                  extra: dict[str, str]) -> dict[str, str]:
    """The process environment: a few host variables (PATH, with the agent's Python's bin
    folder first, HOME, ...), `extra` (service host and port, HOSTNAME), then the container's
    envFrom and env in order."""
    env = {k: os.environ[k] for k in HOST_VARIABLES if k in os.environ}
    # The "image" is this host with the agent's Python environment: its tools come first.
    env["PATH"] = os.pathsep.join(filter(None, [os.path.dirname(sys.executable),
                                                env.get("PATH")]))
    env.update(extra)
    namespace = pod["metadata"]["namespace"]
    for source in container.get("envFrom") or []:
        kind = "configMap" if "configMapRef" in source else "secret"
        ref = source.get("configMapRef") or source.get("secretRef") or {}
        values = read_data(kind, namespace, ref["name"], bool(ref.get("optional")))
        for key, value in (values or {}).items():
            env[source.get("prefix", "") + key] = value
    for var in container.get("env") or []:
        if "valueFrom" not in var:
            env[var["name"]] = expand(var.get("value", ""), env)
            continue
        source = var["valueFrom"]
        if "fieldRef" in source:
            env[var["name"]] = field_value(pod, source["fieldRef"]["fieldPath"])
        elif "configMapKeyRef" in source or "secretKeyRef" in source:
            kind = "configMap" if "configMapKeyRef" in source else "secret"
            ref = source.get("configMapKeyRef") or source["secretKeyRef"]
            optional = bool(ref.get("optional"))
            data = read_data(kind, namespace, ref["name"], optional) or {}
            if ref["key"] in data:
                env[var["name"]] = data[ref["key"]]
            elif not optional:
                raise ContainerConfigError(f"env {var['name']}: no key {ref['key']!r} in {kind}"
                                           f" {ref['name']}")
        else:
            raise ContainerConfigError(f"env {var['name']}: unsupported valueFrom {source}")
    return env


def check_image(container: dict) -> None:
    """Refuse an image name that is not a valid reference (the image is never pulled)."""
    image = container.get("image", "")
    if not _IMAGE.fullmatch(image):
        raise InvalidImageName(f'Failed to apply default image tag "{image}": couldn\'t parse'
                               f' image name "{image}": invalid reference format')


def container_argv(container: dict, env: dict[str, str]) -> list[str]:
    """command + args with `$(VAR)` expanded; the image's entrypoint is unknown here."""
    words = (container.get("command") or []) + (container.get("args") or [])
    argv = [expand(word, env) for word in words]
    if not argv:
        raise ContainerConfigError(
            f"container {container['name']}: no command or args, and the test node agent does"
            " not run images (their entrypoint is unknown)")
    return argv


def container_mounts(container: dict, volumes: dict[str, str]) -> list[Mount]:
    """The container's volumeMounts as host folders (subPath included, made if missing)."""
    mounts = []
    for vm in container.get("volumeMounts") or []:
        if vm["name"] not in volumes:
            raise ContainerConfigError(f"volumeMount {vm['name']!r}: no such volume")
        host = volumes[vm["name"]]
        if vm.get("subPath"):
            host = os.path.join(host, vm["subPath"])
            os.makedirs(host, exist_ok=True)
        mounts.append(Mount(host, vm["mountPath"], bool(vm.get("readOnly"))))
    return mounts


def container_identity(pod: dict, container: dict) -> list[str]:
    """`setpriv` options that run the container as its securityContext says (the container's
    over the pod's): runAsUser, runAsGroup (else group 0, an image's usual), supplementalGroups
    and fsGroup. runAsNonRoot with no runAsUser or 0 is refused: there is no image USER."""
    pod_context = pod["spec"].get("securityContext") or {}
    context = {**pod_context, **(container.get("securityContext") or {})}
    uid, gid = context.get("runAsUser"), context.get("runAsGroup")
    if context.get("runAsNonRoot") and not uid:
        raise ContainerConfigError(
            f"container {container['name']}: runAsNonRoot, but it would run as root (no"
            " runAsUser; the test node reads no USER from images)")
    if uid is None:
        return []
    groups = [*pod_context.get("supplementalGroups", []), pod_context.get("fsGroup")]
    groups = [str(g) for g in groups if g is not None]
    return ["--reuid", str(uid), "--regid", str(gid or 0),
            *(["--groups", ",".join(groups)] if groups else ["--clear-groups"])]


def launch_command(argv: list[str], mounts: list[Mount], working_dir: str,
                   can_mount: bool, identity: list[str]) -> tuple[list[str], str]:
    """(argv, cwd) of the host process: the container's argv, wrapped by `unshare` and a shell
    that bind-mounts the volumes when any is not already at its path. `setpriv` takes the
    `identity` (container_identity) and ends the process when the agent thread that started it
    dies (--pdeathsig)."""
    argv = ["setpriv", "--pdeathsig", "KILL", *identity, "--", *argv]
    binds = [m for m in mounts if m.read_only or Path(m.host).resolve() != Path(m.target)]
    if not binds:
        os.makedirs(working_dir, exist_ok=True)
        return argv, working_dir
    if not can_mount:
        raise ContainerConfigError(
            f"mounting {binds[0].host} at {binds[0].target} needs a mount namespace: run the"
            " node agent as root, or mount volumes at their host paths")
    lines = ["set -e"]
    for m in binds:
        host, target = shlex.quote(m.host), shlex.quote(m.target)
        if os.path.isdir(m.host):
            lines.append(f"mkdir -p {target}")
        else:
            lines.append(f"mkdir -p \"$(dirname {target})\"; [ -e {target} ] || : > {target}")
        lines.append(f"mount --bind {host} {target}")
        if m.read_only:
            lines.append(f"mount -o remount,bind,ro {target}")
    lines.append(f"mkdir -p {shlex.quote(working_dir)}; cd {shlex.quote(working_dir)}")
    lines.append('exec "$@"')
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(lines),
            "container", *argv], "/"
