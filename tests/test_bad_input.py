"""Bad input a user would really type, through the real `wonderland run` command.

Each case runs once (module-scoped fixture); the tests then check what the design promises for
every user-facing error: exit code 1, nothing on stdout, exactly one non-empty line on stderr
with no traceback, saying where (`file:line:col` for a CWL document or an input object) and
what; and no half-written state: no launch left RUNNING, and none recorded at all since every
one of these can be detected before a launch starts.

The commands run inside tests/data/bad with relative paths, as a user types them.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from conftest import DATA, Result, Sandbox

from wonderland.db import LaunchStatus

BAD = DATA / "bad"


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    where: str  # a regular expression the error line must match: the file, line:col if known
    what: tuple[str, ...]  # words the error line must contain


CASES = [
    Case("yaml-syntax-error", ("yaml_syntax.cwl",), r"yaml_syntax\.cwl:\d+:\d+", ()),
    Case(
        "unknown-field",
        ("unknown_field.cwl",),
        r"unknown_field\.cwl:8:5",
        ("inputBindings",),
    ),
    Case("invalid-type", ("invalid_type.cwl",), r"invalid_type\.cwl:7:\d+", ("strin",)),
    Case(
        "run-target-missing",
        ("missing_run.cwl",),
        r"missing_run\.cwl:8:\d+",
        ("no_such_tool.cwl",),
    ),
    Case("cycle-between-steps", ("cycle.cwl",), r"cycle\.cwl:\d+:\d+", ("one", "two")),
    Case(
        "missing-required-input-in-job",
        ("count_tool.cwl", "missing_input.yaml"),
        r"\.(cwl|yaml):\d+:\d+",
        ("count",),
    ),
    Case(
        "missing-required-input-no-job",
        ("count_tool.cwl",),
        r"count_tool\.cwl",
        ("count",),
    ),
    Case(
        "string-for-int",
        ("count_tool.cwl", "wrong_type.yaml"),
        r"wrong_type\.yaml:1:\d+",
        ("count", "three", "int"),
    ),
    Case(
        "input-file-missing",
        ("count_tool.cwl", "missing_file.yaml"),
        r"missing_file\.yaml:\d+:\d+",
        ("nowhere.txt",),
    ),
    Case(
        "input-file-missing-workflow",
        ("missing_file_in_workflow.cwl", "missing_file_for_workflow.yaml"),
        r"missing_file_for_workflow\.yaml:\d+:\d+",
        ("nowhere.txt",),
    ),
    Case("job-file-missing", ("count_tool.cwl", "no_such_job.yaml"), r"no_such_job\.yaml", ()),
    Case(
        "workflow-file-missing",
        ("no_such_workflow.cwl", "missing_input.yaml"),
        r"no_such_workflow\.cwl",
        (),
    ),
    Case(
        "job-not-a-mapping",
        ("count_tool.cwl", "not_a_mapping.yaml"),
        r"not_a_mapping\.yaml",
        (),
    ),
    Case("not-a-cwl-document", ("not_cwl.py", "good_count.yaml"), r"not_cwl\.py", ("CWL",)),
    Case("workflow-is-a-directory", (".", "good_count.yaml"), r"wonderland: \.: ",
         ("directory", "CWL")),
    Case(
        "job-and-workflow-swapped",
        ("swapped_job.json", "count_tool.cwl"),
        r"swapped_job\.json",
        ("cwlVersion",),
    ),
    Case(
        "outdir-not-writable",
        ("--outdir", "/proc/wonderland-out", "count_tool.cwl", "good_count.yaml"),
        r"--outdir /proc/wonderland-out",
        ("write",),
    ),
    Case(
        "work-dir-not-writable",
        ("--work-dir", "/proc/wonderland-work", "count_tool.cwl", "good_count.yaml"),
        r"--work-dir /proc/wonderland-work",
        ("write",),
    ),
    Case(
        "parallel-zero",
        ("--parallel", "0", "count_tool.cwl", "good_count.yaml"),
        r"--parallel",
        ("least",),
    ),
]


@dataclasses.dataclass(frozen=True)
class Outcome:
    case: Case
    result: Result
    sandbox: Sandbox


@pytest.fixture(scope="module", params=CASES, ids=[case.id for case in CASES])
def outcome(request, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    case: Case = request.param
    sandbox = Sandbox(tmp_path_factory.mktemp(case.id))
    return Outcome(case, sandbox.run(case.args, cwd=BAD), sandbox)


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_exit_code_is_1_and_stdout_empty(outcome: Outcome) -> None:
    assert outcome.result.returncode == 1, outcome.result.stderr
    assert outcome.result.stdout == ""


def test_stderr_is_one_line_without_traceback(outcome: Outcome) -> None:
    assert "Traceback" not in outcome.result.stderr
    assert len(error_lines(outcome.result)) == 1, outcome.result.stderr


def test_error_says_where_and_what(outcome: Outcome) -> None:
    lines = error_lines(outcome.result)
    assert lines, "nothing on stderr"
    line = lines[-1]
    assert re.search(outcome.case.where, line), line
    for word in outcome.case.what:
        assert re.search(rf"\b{re.escape(word)}\b", line), f"{word!r} not in: {line}"


def test_no_launch_left_running(outcome: Outcome) -> None:
    statuses = [launch.status for launch in outcome.sandbox.launches()]
    assert LaunchStatus.RUNNING not in statuses


def test_no_launch_recorded(outcome: Outcome) -> None:
    launches = outcome.sandbox.launches()
    assert [(launch.id, launch.status.name, launch.message) for launch in launches] == []


@pytest.mark.parametrize("document, why", [
    ("expression_without_js.cwl",
     r"expression_without_js\.cwl:11:7: expression failed: Syntax error in parameter reference"),
    ("expression_type_error.cwl",
     r"expression_type_error\.cwl:12:7: expression failed: run with --debug"),
])
def test_a_failing_expression_says_where_and_why(sandbox: Sandbox, document: str,
                                                 why: str) -> None:
    """Found at run time, so the launch is recorded, and ends FAILED with the same line."""
    result = sandbox.run((document,), cwd=BAD)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (line,) = error_lines(result)
    assert re.search(why, line), line
    (launch,) = sandbox.launches()
    assert launch.status == LaunchStatus.FAILED
