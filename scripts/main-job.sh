#!/usr/bin/env bash
# The main job on the embedded engine: tune classifiers on the breast cancer data set.
# Installs Wonderland into .venv, writes the data set, runs the workflow; outputs go to out/breast-cancer/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/bootstrap.sh"
example="$root/examples/breast-cancer"
python -m wonderland.trainer.datasets breast-cancer "$example/breast_cancer.csv"
mkdir -p "$root/out/breast-cancer"
wonderland run --outdir "$root/out/breast-cancer" "$example/tune.cwl" "$example/job.yaml"
echo "outputs (metrics of every model) are in $root/out/breast-cancer/" >&2
