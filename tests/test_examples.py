"""The runnable examples through the real `wonderland run`: breast-cancer tuning (the trainer
scattered over model configurations, best picked by ROC AUC) and the samtools pipeline."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, Result, RunWonderland, Sandbox
from ruamel.yaml import YAML

from wonderland.db import JobStatus, LaunchStatus


def succeeded(result: Result) -> dict:
    assert result.returncode == 0, f"exit {result.returncode}, stderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result.json()


def read_yaml(path: Path):
    return YAML(typ="safe").load(path.read_text())


def test_breast_cancer_tuning_picks_a_model_above_098_roc_auc(
    run_wonderland: RunWonderland, sandbox: Sandbox, tmp_path: Path
) -> None:
    example = EXAMPLES / "breast-cancer"
    csv = tmp_path / "breast_cancer.csv"
    subprocess.run(
        [sys.executable, "-m", "wonderland.trainer.datasets", "breast-cancer", str(csv)],
        check=True,
        capture_output=True,
    )
    job = read_yaml(example / "job.yaml")
    configs = job["configs"]
    job["data"] = {"class": "File", "path": str(csv)}
    job["folds"] = 3  # the example's 5 folds, fewer to stay fast
    job_file = tmp_path / "job.json"
    job_file.write_text(json.dumps(job))

    outputs = succeeded(run_wonderland([example / "tune.cwl", job_file]))

    assert outputs["best_roc_auc"] > 0.98
    metrics = outputs["metrics"]
    assert len(metrics) == len(configs)
    scores = []
    for item in metrics:
        path = Path(item["path"])
        assert path.parent == sandbox.outdir
        scores.append(json.loads(path.read_text())["mean"]["roc_auc"])
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))  # first one on a tie
    assert outputs["best_roc_auc"] == pytest.approx(scores[best])
    assert outputs["best_model"] == configs[best]["model"]
    assert outputs["best_params"] == configs[best]["params"]

    store = sandbox.open_store()
    try:
        [launch] = store.list_launches()
        jobs = {job.job_key: (job.status, job.executor) for job in store.jobs(launch.id)}
    finally:
        store.close()
    assert launch.status == LaunchStatus.SUCCEEDED
    expected = {f"train[{i}]": (JobStatus.SUCCEEDED, "local") for i in range(len(configs))}
    expected["pick_best"] = (JobStatus.SUCCEEDED, "inline")
    assert jobs == expected


@pytest.mark.skipif(shutil.which("samtools") is None, reason="samtools is not on PATH")
def test_samtools_pipeline_counts_reads_per_sequence(
    run_wonderland: RunWonderland, sandbox: Sandbox
) -> None:
    example = EXAMPLES / "samtools"
    outputs = succeeded(run_wonderland([example / "pipeline.cwl", example / "job.yaml"]))

    # seq1 and seq2 are 1575 and 1584 bases long; ex1.sam.gz maps 1482 and 1789 reads to them.
    assert outputs["counts"] == [
        {"sequence": "seq1", "length": 1575, "mapped": 1482, "unmapped": 19},
        {"sequence": "seq2", "length": 1584, "mapped": 1789, "unmapped": 17},
        {"sequence": "*", "length": 0, "mapped": 0, "unmapped": 0},
    ]
    report = Path(outputs["idxstats"]["path"])
    assert report.read_text() == "seq1\t1575\t1482\t19\nseq2\t1584\t1789\t17\n*\t0\t0\t0\n"

    bam = outputs["sorted_bam"]
    assert Path(bam["path"]).parent == sandbox.outdir
    [bai] = bam["secondaryFiles"]
    assert bai["basename"] == bam["basename"] + ".bai"
    assert Path(bai["path"]).exists()
    # samtools itself agrees on the BAM that was moved into --outdir.
    recount = subprocess.run(
        ["samtools", "idxstats", bam["path"]], check=True, capture_output=True, text=True
    )
    assert recount.stdout == report.read_text()

    [fai] = outputs["indexed_reference"]["secondaryFiles"]
    assert Path(fai["path"]).read_text() == Path(outputs["reference_index"]["path"]).read_text()

    store = sandbox.open_store()
    try:
        [launch] = store.list_launches()
        jobs = {job.job_key: job.status for job in store.jobs(launch.id)}
    finally:
        store.close()
    assert launch.status == LaunchStatus.SUCCEEDED
    steps = ("index_reference", "to_bam", "sort", "index_bam", "count_reads")
    assert jobs == dict.fromkeys(steps, JobStatus.SUCCEEDED)
