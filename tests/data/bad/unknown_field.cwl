cwlVersion: v1.2
class: CommandLineTool
doc: inputBindings (line 8) is not a field of an input parameter.
baseCommand: echo
inputs:
  message:
    type: string
    inputBindings: {position: 1}
outputs: []
