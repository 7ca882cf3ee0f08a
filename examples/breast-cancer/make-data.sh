#!/bin/sh
# Writes breast_cancer.csv next to this script: scikit-learn's breast cancer set
# (569 rows, 30 features, `target` 0 = malignant, 1 = benign), no download needed.
# PYTHON defaults to python3; point it at the interpreter where wonderland is installed.
set -eu
cd "$(dirname "$0")"
exec "${PYTHON:-python3}" -m wonderland.trainer.datasets breast-cancer breast_cancer.csv
