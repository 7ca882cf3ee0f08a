#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
id: wonderland-trainer
label: Cross-validate one classifier on a CSV file
doc: |
  Runs `wonderland-trainer`: stratified k-fold cross-validation of one classifier
  (random_forest, logistic_regression, lightgbm, xgboost, catboost, or a scikit-learn
  import path such as sklearn.svm.SVC) on a CSV file. Writes metrics.json (per-fold and
  mean/std accuracy, ROC AUC, F1, precision, recall and log loss, library versions, data
  checksum) and exposes the mean ROC AUC and accuracy as numbers, so a workflow can compare
  trials without reading files. With refit, also outputs the model fitted on all rows.
  Bad input makes the tool fail with one line on stderr and no metrics.json.

hints:
  DockerRequirement:
    dockerPull: wonderland/trainer:latest

requirements:
  InlineJavascriptRequirement: {}

baseCommand: wonderland-trainer
arguments:
  - {prefix: --output, valueFrom: metrics.json}

inputs:
  data:
    type: File
    doc: CSV file with a header row; every column but the target must be numeric.
    inputBinding: {prefix: --data}
  target:
    type: string
    doc: Name of the column holding the class labels.
    inputBinding: {prefix: --target}
  model:
    type: string
    doc: >-
      random_forest, logistic_regression, lightgbm, xgboost, catboost, or an import path of
      a classifier.
    inputBinding: {prefix: --model}
  params:
    type: string?
    doc: 'Constructor parameters as a JSON object, e.g. {"n_estimators": 200}.'
    inputBinding: {prefix: --params}
  folds:
    type: int
    default: 5
    inputBinding: {prefix: --folds}
  seed:
    type: int
    default: 0
    doc: Seed of the fold split and of the model's random_state.
    inputBinding: {prefix: --seed}
  refit:
    type: boolean?
    doc: After cross-validation, fit on all rows and output the model (model.joblib).
    inputBinding:
      prefix: --refit
      valueFrom: '$(self ? "model.joblib" : null)'

outputs:
  metrics:
    type: File
    format: iana:application/json
    outputBinding: {glob: metrics.json}
  fitted_model:
    type: File?
    doc: The model fitted on all rows, a joblib pickle; only with refit.
    outputBinding: {glob: model.joblib}
  roc_auc:
    type: float
    doc: Mean ROC AUC over the folds.
    outputBinding:
      glob: metrics.json
      loadContents: true
      outputEval: $(JSON.parse(self[0].contents).mean.roc_auc)
  accuracy:
    type: float
    doc: Mean accuracy over the folds.
    outputBinding:
      glob: metrics.json
      loadContents: true
      outputEval: $(JSON.parse(self[0].contents).mean.accuracy)

$namespaces:
  iana: https://www.iana.org/assignments/media-types/
