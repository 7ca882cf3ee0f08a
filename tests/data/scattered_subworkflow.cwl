cwlVersion: v1.2
class: Workflow
doc: A subworkflow (inner.cwl) scattered over an array.
requirements:
  SubworkflowFeatureRequirement: {}
  ScatterFeatureRequirement: {}
inputs:
  xs: string[]
  suffix: string
steps:
  sub:
    run: inner.cwl
    scatter: x
    in:
      x: xs
      suffix: suffix
    out: [result]
outputs:
  results:
    type: string[]
    outputSource: sub/result
