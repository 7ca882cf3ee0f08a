cwlVersion: v1.2
class: Workflow
doc: Scatters join.cwl over two arrays with scatterMethod nested_crossproduct.
requirements:
  ScatterFeatureRequirement: {}
inputs:
  letters: string[]
  numbers: string[]
steps:
  join:
    run: join.cwl
    scatter: [a, b]
    scatterMethod: nested_crossproduct
    in:
      a: letters
      b: numbers
    out: [out]
outputs:
  joined:
    type: {type: array, items: {type: array, items: string}}
    outputSource: join/out
