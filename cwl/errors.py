"""One-line messages for the errors a user meets when a document or its inputs are wrong.

schema-salad reports a tree of `file:line:col: message` lines; the user needs the deepest
one that says what is wrong, prefixed with where it is.
"""

from __future__ import annotations

import re

from schema_salad.exceptions import SchemaSaladException

_LOCATED = re.compile(r"^(?P<where>\S+:\d+:\d+):\s*(?P<what>.*)$")


def _leaves(exc: SchemaSaladException) -> list[SchemaSaladException]:
    if not exc.children:
        return [exc]
    found: list[SchemaSaladException] = []
    for child in exc.children:
        found.extend(_leaves(child))
    return found


def one_line(exc: BaseException) -> str:
    """The most specific located line of `exc`, or its first meaningful line."""
    if isinstance(exc, SchemaSaladException):
        for leaf in _leaves(exc):
            where = leaf.prefix().strip().rstrip(":") if leaf.file else ""
            what = " ".join(leaf.message.split())
            if what:
                return f"{where}: {what}" if where else what
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    for line in reversed(lines):
        match = _LOCATED.match(line)
        if match and match.group("what"):
            return f"{match.group('where')}: {match.group('what')}"
    return " ".join(lines[:2]) if lines else type(exc).__name__
