"""Names and labels of the Kubernetes Jobs of a launch.

A launch is known in the cluster by its tag: its id and a hash of its work folder, since
engines with databases of their own (each numbering its launches from 1) may share a namespace.
A Job's name is a function of the launch's tag, the step job's key (step path and scatter
index) and the attempt, so that an engine that restarts finds the Job it created before instead
of creating a second one. Names are DNS-1123 labels of at most 63 characters (a pod's `job-name`
label carries them too): a readable part cut to fit, then a hash of the exact key, since
distinct keys can read alike ("a/b[1]", "a/b/1" and "a-b-1" all read "a-b-1").
"""

from __future__ import annotations

import hashlib
import re

LAUNCH_LABEL = "wonderland.io/launch"
STEP_LABEL = "wonderland.io/step"
KEY_ANNOTATION = "wonderland.io/job-key"
MAX_NAME = 63
_NOT_NAME = re.compile(r"[^a-z0-9]+")
_NOT_LABEL = re.compile(r"[^A-Za-z0-9_.-]+")


def launch_tag(launch_id: int, work_dir: str) -> str:
    """The launch's label value: "<id>-<hash of its work folder>"."""
    return f"{launch_id}-{hashlib.sha256(work_dir.encode()).hexdigest()[:6]}"


def job_name(tag: str, key: str, attempt: int) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    head = f"wl{tag}-"
    tail = f"-a{attempt}-{digest}"
    readable = _NOT_NAME.sub("-", key.lower()).strip("-")
    readable = readable[: MAX_NAME - len(head) - len(tail)].strip("-")
    return head + (readable or "job") + tail


def label_value(text: str) -> str:
    """`text` as a label value: at most 63 characters of [A-Za-z0-9_.-], alphanumeric at both
    ends (a value cut to fit ends with a hash of the whole)."""
    value = _NOT_LABEL.sub("_", text).strip("_.-")
    if len(value) > MAX_NAME:
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        value = value[: MAX_NAME - 9].strip("_.-") + "-" + digest
    return value or "none"


def launch_selector(tag: str) -> str:
    return f"{LAUNCH_LABEL}={tag}"
