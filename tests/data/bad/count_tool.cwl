cwlVersion: v1.2
class: CommandLineTool
doc: Takes an int and an optional File; the bad-input tests give it wrong ones.
baseCommand: echo
inputs:
  count:
    type: int
    inputBinding: {position: 1}
  data:
    type: File?
    inputBinding: {position: 2}
outputs: []
