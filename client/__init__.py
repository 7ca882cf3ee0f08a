"""Client of the Wonderland service: `Client` (gRPC, or an embedded engine) and its launches.
Hyperparameter optimization (`wonderland.client.hpo`) builds on it. The names are loaded on first
use, so that `wonderland.client.certificates` alone does not load gRPC and cwltool."""

from __future__ import annotations

from typing import Any

__all__ = ["Client", "ClientError", "Launch"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from wonderland.client import client

        return getattr(client, name)
    raise AttributeError(f"module 'wonderland.client' has no attribute {name!r}")
