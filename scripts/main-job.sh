#!/usr/bin/env bash
# The main job on the embedded engine: tune classifiers on the breast cancer data set.
# Installs Wonderland into .venv, writes the data set, runs the workflow. Everything lands in
# out/breast-cancer/: outputs.json (the best model, its ROC AUC and parameters, and every
# model's metrics file) and the metrics files themselves.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
echo "main-job: installing Wonderland into $root/.venv (the first time takes a minute)" >&2
source "$root/scripts/bootstrap.sh"
example="$root/examples/breast-cancer"
out="$root/out/breast-cancer"
python -m wonderland.trainer.datasets breast-cancer "$example/breast_cancer.csv"
mkdir -p "$out"
wonderland run --outdir "$out" "$example/tune.cwl" "$example/job.yaml" > "$out/outputs.json"
python - "$out/outputs.json" <<'PY'
import json, sys
outputs = json.load(open(sys.argv[1]))
print(f"best model: {outputs['best_model']} with ROC AUC {outputs['best_roc_auc']:.4f}"
      f" (parameters {outputs['best_params']})")
print(f"outputs: {sys.argv[1]}; metrics of every model: "
      + ", ".join(m["path"] for m in outputs["metrics"]))
PY
