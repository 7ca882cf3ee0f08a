"""The package layering and conventions, read from the source with `ast`: `cwl/` and `db/`
never import the engine or the client, and every module says what it owns in a docstring."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOWER_LAYERS = ("cwl", "db")
FORBIDDEN = ("wonderland.engine", "wonderland.client")
DOCUMENTED = ("cwl", "engine", "db", "tools/trainer")


def modules(*folders: str) -> list[Path]:
    found = sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))
    assert found, f"no modules under {folders}"
    return found


def imported_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", modules(*LOWER_LAYERS), ids=relative)
def test_cwl_and_db_do_not_import_engine_or_client(path: Path) -> None:
    bad = sorted(
        name
        for name in imported_names(parse(path))
        if any(name == forbidden or name.startswith(forbidden + ".") for forbidden in FORBIDDEN)
    )
    assert bad == [], f"{relative(path)} imports {bad}"


def test_imports_are_found_by_the_checker() -> None:
    """The check above would be vacuous if it missed imports; it sees the engine's own."""
    names = imported_names(parse(ROOT / "engine" / "launch_execution.py"))
    assert "wonderland.engine.scheduler" in names
    assert "wonderland.cwl.loading" in names or "wonderland.cwl" in names


@pytest.mark.parametrize("path", modules(*DOCUMENTED), ids=relative)
def test_every_module_has_a_docstring(path: Path) -> None:
    docstring = ast.get_docstring(parse(path))
    assert docstring and docstring.strip(), f"{relative(path)} has no module docstring"
