"""The options that choose and configure the executor, shared by `wonderland run` and
`wonderland serve`, and the settings made from them."""

from __future__ import annotations

import argparse

from wonderland.engine.kubernetes_settings import KubernetesSettings


def add_options(parser: argparse.ArgumentParser, positive_float) -> None:
    group = parser.add_argument_group("executor")
    group.add_argument("--executor", choices=("local", "kubernetes"), default="local",
                       help="run step jobs as local processes, or as Kubernetes Jobs "
                            "(default: %(default)s)")
    group.add_argument("--kubeconfig", default=None, metavar="FILE",
                       help="kubeconfig of the cluster (default: the in-cluster configuration "
                            "of the pod the engine runs in)")
    group.add_argument("--namespace", default="default",
                       help="namespace of the step Jobs (default: %(default)s)")
    group.add_argument("--work-area-pvc", default=None, metavar="NAME",
                       help="PersistentVolumeClaim of the work area, mounted in every step pod "
                            "at the work area's path (default: the work area as a host folder, "
                            "for one-node clusters)")
    group.add_argument("--default-image", default=KubernetesSettings.default_image,
                       metavar="IMAGE",
                       help="image of tools without a DockerRequirement (default: %(default)s)")
    group.add_argument("--unschedulable-timeout", type=positive_float,
                       default=KubernetesSettings.unschedulable_timeout, metavar="SECONDS",
                       help="fail a step whose pod cannot be scheduled for this long "
                            "(default: %(default)s)")


class ExecutorOptionError(Exception):
    """An executor option that cannot work (a kubeconfig that cannot be loaded): one line."""


def kubernetes_settings(args: argparse.Namespace, work_area: str) -> KubernetesSettings | None:
    """The Kubernetes executor's settings, or None for the local executor; the cluster's
    configuration is loaded once here, so that a bad one is refused before anything is
    recorded."""
    if args.executor != "kubernetes":
        return None
    from wonderland.engine.executors.kubernetes_client import KubernetesConfigError, connect

    try:
        connect(args.kubeconfig).close()
    except KubernetesConfigError as exc:
        raise ExecutorOptionError(str(exc)) from exc
    return KubernetesSettings(
        work_area=work_area,
        namespace=args.namespace,
        kubeconfig=args.kubeconfig,
        work_area_pvc=args.work_area_pvc,
        default_image=args.default_image,
        unschedulable_timeout=args.unschedulable_timeout,
    )
