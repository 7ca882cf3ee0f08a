cwlVersion: v1.2
class: Workflow
doc: Passes a File input on to a step; the bad-input tests give it a File that does not exist.
inputs:
  data: File
steps:
  count:
    run: ../count_lines.cwl
    in: {text: data}
    out: [lines]
outputs:
  lines:
    type: int
    outputSource: count/lines
