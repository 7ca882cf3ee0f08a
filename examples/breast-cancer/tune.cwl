#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: Workflow
label: Compare classifier configurations on one CSV and pick the best by ROC AUC
doc: |
  Scatters the trainer (tools/trainer/trainer.cwl) over a list of model configurations,
  each trained and scored with stratified k-fold cross-validation on the same folds,
  then picks the configuration with the highest mean ROC AUC (the first one on a tie).

requirements:
  SchemaDefRequirement:
    types:
      - name: ModelConfig
        type: record
        doc: One trial; `params` is a JSON object given to the model's constructor.
        fields:
          model:
            type: string
            doc: random_forest, logistic_regression, lightgbm, or a classifier's import path.
          params:
            type: string
            doc: 'Constructor parameters as a JSON object, e.g. {"n_estimators": 100}.'
  ScatterFeatureRequirement: {}
  StepInputExpressionRequirement: {}
  InlineJavascriptRequirement: {}

inputs:
  data:
    type: File
    doc: CSV file with a header row; all columns but the target numeric.
  target:
    type: string
    doc: Name of the column holding the class labels.
  configs:
    type: ModelConfig[]
    doc: The model configurations to compare.
  folds:
    type: int
    default: 5
  seed:
    type: int
    default: 0

steps:
  train:
    run: ../../tools/trainer/trainer.cwl
    scatter: config
    in:
      config: configs
      data: data
      target: target
      folds: folds
      seed: seed
      model: {valueFrom: $(inputs.config.model)}
      params: {valueFrom: $(inputs.config.params)}
    out: [metrics, roc_auc, accuracy]

  pick_best:
    in:
      configs: configs
      roc_auc: train/roc_auc
    out: [best_model, best_roc_auc, best_params]
    run:
      class: ExpressionTool
      doc: The configuration with the highest ROC AUC; the first one on a tie.
      inputs:
        configs: ModelConfig[]
        roc_auc: float[]
      outputs:
        best_model: string
        best_roc_auc: float
        best_params: string
      expression: |
        ${
          var best = 0;
          for (var i = 1; i < inputs.roc_auc.length; i++) {
            if (inputs.roc_auc[i] > inputs.roc_auc[best]) { best = i; }
          }
          return {
            best_model: inputs.configs[best].model,
            best_roc_auc: inputs.roc_auc[best],
            best_params: inputs.configs[best].params
          };
        }

outputs:
  best_model:
    type: string
    outputSource: pick_best/best_model
  best_roc_auc:
    type: float
    outputSource: pick_best/best_roc_auc
  best_params:
    type: string
    outputSource: pick_best/best_params
  metrics:
    type: File[]
    doc: One metrics.json per configuration, in the order of `configs`.
    outputSource: train/metrics
