"""One-line messages for the errors a user meets when a document or its inputs are wrong.

schema-salad reports a tree of `file:line:col: message` lines; the user needs the deepest
one that says what is wrong, prefixed with where it is.
"""

from __future__ import annotations

import re
from typing import Any

from schema_salad.exceptions import SchemaSaladException
from schema_salad.sourceline import SourceLine

_LOCATED = re.compile(r"^(?P<where>\S+:\d+:\d+):\s*(?P<what>.*)$")


def _leaves(exc: SchemaSaladException) -> list[SchemaSaladException]:
    if not exc.children:
        return [exc]
    found: list[SchemaSaladException] = []
    for child in exc.children:
        found.extend(_leaves(child))
    return found


_JS_ERROR = re.compile(r"^\s*'?(?P<error>[A-Z]\w*Error: .+?)'?$", re.MULTILINE)


_EVALUATION = re.compile(r"(?P<where>\S+:\d+:\d+): Expression evaluation error:\s*\n"
                         r"(?:\S+:\d+:\d+: )?(?P<why>.*)")
# what cwltool says when node printed nothing it could read: node's own error went to the log
_NOT_A_REASON = ("script was:", "Expecting value:")


def expression_error(text: str) -> str | None:
    """Where the expression is and why it failed, from cwltool's report of a failed
    expression (which also prints the whole generated script and node's stack)."""
    if "script was:" not in text and "Expression evaluation error" not in text:
        return None
    located = _EVALUATION.search(text)
    found = _JS_ERROR.search(text)
    why = found.group("error") if found else located.group("why").strip() if located else ""
    if why.startswith(_NOT_A_REASON):
        why = "run with --debug for node's error"
    message = f"expression failed: {why}" if why else "expression failed"
    return f"{located.group('where')}: {message}" if located else message


def one_line(exc: BaseException) -> str:
    """The most specific located line of `exc`, or its first meaningful line."""
    failed_expression = expression_error(str(exc))
    if failed_expression:
        return failed_expression
    if isinstance(exc, SchemaSaladException):
        for leaf in _leaves(exc):
            where = leaf.prefix().strip().rstrip(":") if leaf.file else ""
            what = " ".join(leaf.message.split())
            if what:
                return f"{where}: {what}" if where else what
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    for index in range(len(lines) - 1, -1, -1):
        match = _LOCATED.match(lines[index])
        if match and match.group("what"):
            # the lines after the last located one say why (schema-salad indents them)
            why = " ".join([match.group("what"), *lines[index + 1 :]])
            return f"{match.group('where')}: {why}"
    return " ".join(lines[:2]) if lines else type(exc).__name__


_DOCUMENT_ID = re.compile(r"file://[^\s'\"\],]+#[^\s'\"\],]+")


def locate_ids(message: str, index: dict[str, Any]) -> str:
    """Errors that name process parts by URI (cwltool's cycle check, for one) get the file,
    line and column of the first part named, and the URIs are shortened to their names."""
    found = _DOCUMENT_ID.findall(message)
    if not found:
        return message
    lead = ""
    for ident in found:
        node = index.get(ident)
        if node is not None and hasattr(node, "lc"):
            lead = SourceLine(node).makeLead()
            break
    for ident in found:
        message = message.replace(ident, ident.split("#", 1)[1])
    message = " ".join(message.split())
    return f"{lead} {message}" if lead else message
