"""Reading estimator parameters: a JSON object given inline or as `@file`."""

import json
from pathlib import Path
from typing import Any

from wonderland.trainer.errors import TrainerError


def parse_params(text: str | None) -> dict[str, Any]:
    """Return the parameters in `text` (JSON, or `@path` of a JSON file); none gives `{}`."""
    if text is None or not text.strip():
        return {}
    where = "--params"
    if text.startswith("@"):
        path = Path(text[1:])
        where = f"--params {path}"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise TrainerError(f"{where}: cannot read file: {exc.strerror or exc}") from exc
    try:
        params = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TrainerError(
            f"{where}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    if not isinstance(params, dict):
        raise TrainerError(
            f'{where}: expected a JSON object such as {{"n_estimators": 100}},'
            f" got {_json_kind(params)}"
        )
    return params


def _json_kind(value: object) -> str:
    """Name `value`'s type the way JSON does (array, string, ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array"
