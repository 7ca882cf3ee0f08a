"""Real workflows through the real `wonderland run` command: exact outputs of scatter (all three
methods, and over an empty array), `when` with every `pickValue`, `linkMerge`, `valueFrom`,
step defaults, a scattered subworkflow, ExpressionTools, File outputs in --outdir, the
`--parallel`, `--validate`, `--print-dot` and `--no-container` options; and what each run left
in the state database (one SUCCEEDED launch, one row per step job with its executor).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA, Result, RunWonderland, Sandbox

from wonderland.db import JobStatus, LaunchStatus, Store


def succeeded(result: Result) -> dict:
    assert result.returncode == 0, f"exit {result.returncode}, stderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result.json()


def assert_one_launch_succeeded(store: Store, jobs: dict[str, str]) -> None:
    """Exactly one launch, SUCCEEDED, whose step jobs are `jobs` (key -> executor), all done."""
    launches = store.list_launches()
    assert [launch.status for launch in launches] == [LaunchStatus.SUCCEEDED]
    recorded = store.jobs(launches[0].id)
    assert {job.job_key: job.executor for job in recorded} == jobs
    assert len(recorded) == len(jobs)  # one row per step job, none twice
    assert all(job.status == JobStatus.SUCCEEDED for job in recorded)
    assert all(job.attempt == 1 for job in recorded)


def scattered(step: str, count: int, executor: str = "local") -> dict[str, str]:
    return {f"{step}[{i}]": executor for i in range(count)}


# -- scatter -----------------------------------------------------------------------------------


def test_scatter_dotproduct_pairs_elements_by_index(
    run_wonderland: RunWonderland, store, write_job
):
    job = write_job({"letters": ["x", "y", "z"], "numbers": ["1", "2", "3"]})
    outputs = succeeded(run_wonderland([DATA / "scatter_dotproduct.cwl", job]))
    assert outputs == {"joined": ["x-1", "y-2", "z-3"]}
    assert_one_launch_succeeded(store, scattered("join", 3))


def test_scatter_nested_crossproduct_gives_nested_arrays(
    run_wonderland: RunWonderland, store, write_job
):
    job = write_job({"letters": ["x", "y", "z"], "numbers": ["1", "2"]})
    outputs = succeeded(run_wonderland([DATA / "scatter_nested_crossproduct.cwl", job]))
    assert outputs == {"joined": [["x-1", "x-2"], ["y-1", "y-2"], ["z-1", "z-2"]]}
    assert_one_launch_succeeded(store, scattered("join", 6))


def test_scatter_flat_crossproduct_gives_one_flat_array(
    run_wonderland: RunWonderland, store, write_job
):
    job = write_job({"letters": ["x", "y", "z"], "numbers": ["1", "2"]})
    outputs = succeeded(run_wonderland([DATA / "scatter_flat_crossproduct.cwl", job]))
    assert outputs == {"joined": ["x-1", "x-2", "y-1", "y-2", "z-1", "z-2"]}
    assert_one_launch_succeeded(store, scattered("join", 6))


def test_scatter_over_empty_arrays_runs_no_job_and_gives_empty_array(
    run_wonderland: RunWonderland, store, write_job
):
    job = write_job({"letters": [], "numbers": []})
    outputs = succeeded(run_wonderland([DATA / "scatter_dotproduct.cwl", job]))
    assert outputs == {"joined": []}
    assert_one_launch_succeeded(store, {})


def test_dotproduct_of_unequal_arrays_fails_in_one_line(
    run_wonderland: RunWonderland, sandbox: Sandbox, write_job
):
    job = write_job({"letters": ["x", "y"], "numbers": ["1"]})
    code, out, err = run_wonderland([DATA / "scatter_dotproduct.cwl", job])
    assert code == 1
    assert out == ""
    assert "Traceback" not in err
    assert "equal length" in err
    assert LaunchStatus.RUNNING not in [launch.status for launch in sandbox.launches()]


# -- when and pickValue --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "expected", "ran"),
    [
        (3, {"first": "small", "only": "small", "all": ["small", "odd"]}, {"small", "odd"}),
        (12, {"first": "big", "only": "big", "all": ["big"]}, {"big"}),
    ],
)
def test_when_with_pick_value(run_wonderland: RunWonderland, store, write_job, n, expected, ran):
    outputs = succeeded(run_wonderland([DATA / "when_pick_value.cwl", write_job({"n": n})]))
    assert outputs == expected
    # Skipped steps never become jobs.
    assert_one_launch_succeeded(store, {step: "local" for step in ran})


def test_the_only_non_null_with_two_values_fails(
    run_wonderland: RunWonderland, sandbox: Sandbox, write_job
):
    code, out, err = run_wonderland([DATA / "the_only_non_null_twice.cwl", write_job({"n": 1})])
    assert code == 1
    assert out == ""
    assert "Traceback" not in err
    assert "only" in err and "non-null" in err
    assert [launch.status for launch in sandbox.launches()] == [LaunchStatus.FAILED]


# -- linkMerge, valueFrom, defaults ----------------------------------------------------------------


def test_link_merge_flattened_on_step_input_and_workflow_output(
    run_wonderland: RunWonderland, store, write_job
):
    job = write_job({"some": ["a", "b"], "one": "c", "more": ["d", "e"]})
    outputs = succeeded(run_wonderland([DATA / "merge_flattened.cwl", job]))
    assert outputs == {"printed": "a,b,c,d,e", "merged": ["d", "e", "c", "a", "b"]}
    assert_one_launch_succeeded(store, {"words": "local"})


def test_value_from_sees_self_and_the_step_inputs(run_wonderland: RunWonderland, store, write_job):
    job = write_job({"name": "alice", "count": 3})
    outputs = succeeded(run_wonderland([DATA / "value_from.cwl", job]))
    # a = self.toUpperCase(); b = name.length * count, from the inputs before valueFrom.
    assert outputs == {"shouted": "ALICE-15"}
    assert_one_launch_succeeded(store, {"shout": "local"})


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({}, "fixed-fallback"),
        ({"maybe": None}, "fixed-fallback"),
        ({"maybe": "given"}, "fixed-given"),
    ],
    ids=["absent", "null", "given"],
)
def test_step_input_default(run_wonderland: RunWonderland, store, write_job, inputs, expected):
    outputs = succeeded(run_wonderland([DATA / "step_default.cwl", write_job(inputs)]))
    assert outputs == {"joined": expected}
    assert_one_launch_succeeded(store, {"join": "local"})


# -- subworkflows and ExpressionTools ---------------------------------------------------------


def test_subworkflow_inside_a_scatter(run_wonderland: RunWonderland, store, write_job):
    job = write_job({"xs": ["p", "q", "r"], "suffix": "s"})
    outputs = succeeded(run_wonderland([DATA / "scattered_subworkflow.cwl", job]))
    assert outputs == {"results": ["p-s", "q-s", "r-s"]}
    # The subworkflow is no job itself; its steps are, keyed under the scatter index.
    expected = {f"sub[{i}]/{step}": "local" for i in range(3) for step in ("echo", "join")}
    assert_one_launch_succeeded(store, expected)


def test_expression_tool_step_runs_inline(run_wonderland: RunWonderland, store, write_job):
    job = write_job({"word": "w", "times": 3})
    outputs = succeeded(run_wonderland([DATA / "expression_tool.cwl", job]))
    assert outputs == {"repeated": ["w0", "w1", "w2"], "length": 3}
    assert_one_launch_succeeded(store, {"echo": "local", "repeat": "inline"})


# -- files ----------------------------------------------------------------------------------------


def test_file_output_is_moved_into_outdir(
    run_wonderland: RunWonderland, sandbox: Sandbox, store, write_job
):
    outputs = succeeded(run_wonderland([DATA / "file_output.cwl", write_job({"name": "bob"})]))
    greeting = outputs["greeting"]
    expected_path = sandbox.outdir / "greeting.txt"
    assert greeting["class"] == "File"
    assert greeting["basename"] == "greeting.txt"
    assert greeting["path"] == str(expected_path)
    assert greeting["location"] == expected_path.as_uri()
    assert greeting["size"] == len("hello, bob\n")
    assert expected_path.read_text() == "hello, bob\n"
    launch = store.list_launches()[0]
    assert not Path(launch.work_dir).exists()  # moved out, the launch's work area removed
    assert_one_launch_succeeded(store, {"greet": "local"})


def test_input_file_relative_to_the_job_file(
    run_wonderland: RunWonderland, sandbox: Sandbox, store, tmp_path: Path
):
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "a.txt").write_text("one\ntwo\n")
    job = tmp_path / "inputs" / "job.json"
    job.write_text('{"text": {"class": "File", "path": "a.txt"}}')
    outputs = succeeded(run_wonderland([DATA / "count_lines.cwl", job], cwd=DATA))
    assert outputs == {"lines": 2}
    assert (tmp_path / "inputs" / "a.txt").read_text() == "one\ntwo\n"  # inputs untouched
    assert_one_launch_succeeded(store, {"main": "local"})


# -- options -----------------------------------------------------------------------------------


def test_parallel_one_gives_the_same_outputs_as_the_default(
    run_wonderland: RunWonderland, write_job
):
    job = write_job({"xs": ["p", "q", "r", "t"], "suffix": "s"})
    serial = succeeded(run_wonderland(["--parallel", "1", DATA / "scattered_subworkflow.cwl", job]))
    default = succeeded(run_wonderland(["--fresh", DATA / "scattered_subworkflow.cwl", job]))
    assert serial == default == {"results": ["p-s", "q-s", "r-s", "t-s"]}


@pytest.mark.parametrize("with_job", [True, False], ids=["with-job", "without-job"])
def test_validate_prints_valid_and_records_nothing(
    run_wonderland: RunWonderland, sandbox: Sandbox, write_job, with_job: bool
):
    workflow = DATA / "expression_tool.cwl"
    job = [write_job({"word": "w", "times": 3})] if with_job else []
    code, out, err = run_wonderland(["--validate", workflow, *job])
    assert code == 0, err
    assert err == ""
    assert out == f"{workflow} is valid CWL.\n"
    assert not sandbox.db_path.exists()


@pytest.mark.parametrize("with_job", [True, False], ids=["with-job", "without-job"])
def test_print_dot_prints_a_digraph_with_the_steps(
    run_wonderland: RunWonderland, sandbox: Sandbox, write_job, with_job: bool
):
    workflow = DATA / "expression_tool.cwl"
    job = [write_job({"word": "w", "times": 3})] if with_job else []
    code, out, err = run_wonderland(["--print-dot", workflow, *job])
    assert code == 0, err
    assert err == ""
    assert out.startswith("digraph")
    assert out.rstrip().endswith("}")
    for name in ("echo", "repeat", "word", "times", "repeated", "length"):
        assert f'label="{name}"' in out
    assert f'"{workflow.as_uri()}#echo" -> "{workflow.as_uri()}#repeat"' in out
    assert not sandbox.db_path.exists()


def test_docker_requirement_is_unsupported_unless_no_container(
    run_wonderland: RunWonderland, sandbox: Sandbox, write_job
):
    job = write_job({"message": "hi"})
    code, out, err = run_wonderland([DATA / "docker_required.cwl", job])
    assert code == 33, err
    assert out == ""
    assert "Traceback" not in err
    assert "DockerRequirement" in err
    assert LaunchStatus.RUNNING not in [launch.status for launch in sandbox.launches()]

    outputs = succeeded(run_wonderland(["--no-container", DATA / "docker_required.cwl", job]))
    assert outputs == {"out": "hi"}


def test_docker_requirement_under_hints_just_runs(run_wonderland: RunWonderland, store, write_job):
    outputs = succeeded(run_wonderland([DATA / "docker_hint.cwl", write_job({"message": "hi"})]))
    assert outputs == {"out": "hi"}
    assert_one_launch_succeeded(store, {"main": "local"})


# -- failures ----------------------------------------------------------------------------------


def test_failed_step_is_recorded_with_its_exit_code(
    run_wonderland: RunWonderland, sandbox: Sandbox, write_job, tmp_path: Path
):
    job = write_job(
        {"item": 0, "log": str(tmp_path / "side.log"), "flag": str(tmp_path / "no-flag")}
    )
    code, out, err = run_wonderland([DATA / "fail_without_flag.cwl", job])
    assert code == 1
    assert out == ""
    assert "Traceback" not in err
    [launch] = sandbox.launches()
    assert launch.status == LaunchStatus.FAILED
    store = sandbox.open_store()
    try:
        [job_row] = store.jobs(launch.id)
    finally:
        store.close()
    assert (job_row.job_key, job_row.status) == ("main", JobStatus.FAILED)
    assert job_row.exit_code == 3, job_row.message
    assert "3" in err.strip().splitlines()[-1]
