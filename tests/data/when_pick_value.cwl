cwlVersion: v1.2
class: Workflow
doc: |
  Conditional steps merged with pickValue. `small` runs when n < 10, `big` when n >= 10,
  `odd` when n is odd; the outputs pick among them three ways.
requirements:
  InlineJavascriptRequirement: {}
  MultipleInputFeatureRequirement: {}
inputs:
  n: int
steps:
  small:
    run: echo.cwl
    when: $(inputs.n < 10)
    in:
      n: n
      message: {default: small}
    out: [out]
  big:
    run: echo.cwl
    when: $(inputs.n >= 10)
    in:
      n: n
      message: {default: big}
    out: [out]
  odd:
    run: echo.cwl
    when: $(inputs.n % 2 == 1)
    in:
      n: n
      message: {default: odd}
    out: [out]
outputs:
  first:
    type: string
    outputSource: [small/out, big/out, odd/out]
    pickValue: first_non_null
  only:
    type: string
    outputSource: [small/out, big/out]
    pickValue: the_only_non_null
  all:
    type: string[]
    outputSource: [small/out, big/out, odd/out]
    pickValue: all_non_null
