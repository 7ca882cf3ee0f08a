cwlVersion: v1.2
class: Workflow
doc: Two conditional steps that both run, merged with the_only_non_null, which must fail.
requirements:
  InlineJavascriptRequirement: {}
  MultipleInputFeatureRequirement: {}
inputs:
  n: int
steps:
  first:
    run: echo.cwl
    when: $(inputs.n > 0)
    in:
      n: n
      message: {default: one}
    out: [out]
  second:
    run: echo.cwl
    when: $(inputs.n > 0)
    in:
      n: n
      message: {default: two}
    out: [out]
outputs:
  only:
    type: string
    outputSource: [first/out, second/out]
    pickValue: the_only_non_null
