cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
inputs: []
stdout: o.txt
outputs:
  x:
    type: int
    outputBinding:
      glob: o.txt
      outputEval: "$(1)"
