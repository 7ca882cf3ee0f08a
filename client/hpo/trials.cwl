#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: Workflow
id: wonderland-hpo-trials
label: Trials of a hyperparameter study
doc: |
  Scatters the trainer (tools/trainer/trainer.cwl) over a batch of parameter sets of one model,
  every trial scored with stratified k-fold cross-validation on the same folds (same seed), and
  gathers their metrics files in the order of `params`. wonderland.client.hpo submits it once
  per trial with a batch of one, so that each trial ends, and is refilled, on its own.

  `run:` below is where the trainer is in this repository; the installed package keeps it
  elsewhere, so wonderland.client.hpo.launcher writes a copy of this template whose `run:` is
  the installed trainer.cwl (found with importlib.resources) into the study's scratch folder.

requirements:
  ScatterFeatureRequirement: {}

inputs:
  data:
    type: File
    doc: CSV file with a header row; all columns but the target numeric.
  target:
    type: string
    doc: Name of the column holding the class labels.
  model:
    type: string
    doc: random_forest, logistic_regression, lightgbm, or a classifier's import path.
  params:
    type: string[]
    doc: 'One JSON object of constructor parameters per trial, e.g. {"n_estimators": 100}.'
  folds:
    type: int
    default: 3
  seed:
    type: int
    default: 0

steps:
  train:
    run: ../../tools/trainer/trainer.cwl
    scatter: params
    in:
      data: data
      target: target
      model: model
      params: params
      folds: folds
      seed: seed
    out: [metrics]

outputs:
  metrics:
    type: File[]
    doc: One metrics.json per parameter set, in the order of `params`.
    outputSource: train/metrics
