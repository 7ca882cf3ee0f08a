cwlVersion: v1.2
class: CommandLineTool
doc: strin (line 7) is not a type.
baseCommand: echo
inputs:
  message:
    type: strin
    inputBinding: {position: 1}
outputs: []
