"""The client's configuration file: which server to call and with which certificate.

The file is `$WONDERLAND_CONFIG` if set, else `config.yaml` in `$XDG_CONFIG_HOME/wonderland`
(`~/.config/wonderland` when that is unset). Every key is optional:

    address: wonderland.example.org:50051   # default localhost:50051
    ca: ca.crt                              # the CA certificate that signed the server's
    cert: alice.crt                         # your certificate, signed by the admin
    key: alice.key                          # your private key
    insecure: false                         # plaintext, for a server on a loopback address

Relative paths are resolved against the folder of the config file; the default certificate
files are `ca.crt`, `client.crt` and `client.key` there. A missing file at the default place
means all defaults; a file named by `$WONDERLAND_CONFIG` or by the caller must exist.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CONFIG_ENV = "WONDERLAND_CONFIG"
DEFAULT_ADDRESS = "localhost:50051"
_KEYS = ("address", "ca", "cert", "key", "insecure")


class ConfigError(Exception):
    """A config file that cannot be read or has a bad key; the message is one line naming it."""


@dataclass(frozen=True)
class ClientConfig:
    """Where the server is and the files of mutual TLS (absolute paths)."""

    address: str
    ca: Path
    cert: Path
    key: Path
    insecure: bool = False


def config_dir() -> Path:
    """The folder of the default config file and of the user's certificates."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    if not os.path.isabs(base):  # the XDG spec says to ignore a relative value
        base = os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "wonderland"


def default_config_path() -> Path:
    return config_dir() / "config.yaml"


def load_config(path: str | os.PathLike[str] | None = None) -> ClientConfig:
    """The configuration in `path`, `$WONDERLAND_CONFIG` or the default file, in that order."""
    explicit = path if path is not None else os.environ.get(CONFIG_ENV) or None
    config_path = Path(explicit) if explicit is not None else default_config_path()
    if explicit is None and not config_path.exists():
        values: dict[str, Any] = {}
    else:
        values = _read(config_path)
    folder = config_path.parent
    return ClientConfig(
        address=values.get("address", DEFAULT_ADDRESS),
        ca=_resolve(folder, values.get("ca", "ca.crt")),
        cert=_resolve(folder, values.get("cert", "client.crt")),
        key=_resolve(folder, values.get("key", "client.key")),
        insecure=values.get("insecure", False),
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it ({exc})") from None
    try:
        values = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML ({exc.problem})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ConfigError(f"{path}: must be a mapping of keys ({', '.join(_KEYS)})")
    for key, value in values.items():
        _check(path, key, value)
    return values


def _check(path: Path, key: object, value: object) -> None:
    if key not in _KEYS:
        raise ConfigError(f"{path}: unknown key {key!r} (known: {', '.join(_KEYS)})")
    if key == "insecure":
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: 'insecure' must be true or false, not {value!r}")
    elif not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{path}: {key!r} must be a non-empty text, not {value!r}")


def _resolve(folder: Path, name: str) -> Path:
    return (folder / Path(name).expanduser()).absolute()
