cwlVersion: v1.2
class: Workflow
doc: valueFrom on step inputs, reading `self` and the other step inputs.
requirements:
  StepInputExpressionRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  name: string
  count: int
steps:
  shout:
    run: join.cwl
    in:
      name: name
      count: count
      a:
        source: name
        valueFrom: $(self.toUpperCase())
      b:
        valueFrom: $(inputs.name.length * inputs.count + "")
    out: [out]
outputs:
  shouted:
    type: string
    outputSource: shout/out
