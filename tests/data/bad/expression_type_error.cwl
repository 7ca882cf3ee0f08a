cwlVersion: v1.2
class: CommandLineTool
requirements: {InlineJavascriptRequirement: {}}
baseCommand: echo
inputs: []
stdout: o.txt
outputs:
  x:
    type: int
    outputBinding:
      glob: o.txt
      outputEval: "${ return inputs.nothing.deeper; }"
