cwlVersion: v1.2
class: Workflow
doc: Scatters join.cwl over two arrays with scatterMethod flat_crossproduct.
requirements:
  ScatterFeatureRequirement: {}
inputs:
  letters: string[]
  numbers: string[]
steps:
  join:
    run: join.cwl
    scatter: [a, b]
    scatterMethod: flat_crossproduct
    in:
      a: letters
      b: numbers
    out: [out]
outputs:
  joined:
    type: string[]
    outputSource: join/out
