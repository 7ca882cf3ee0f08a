cwlVersion: v1.2
class: CommandLineTool
doc: A flow mapping that is never closed (line 8) is a YAML syntax error.
baseCommand: echo
inputs:
  message:
    type: string
    inputBinding: {position: 1
outputs: []
