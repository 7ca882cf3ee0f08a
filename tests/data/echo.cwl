cwlVersion: v1.2
class: CommandLineTool
doc: Prints its message without a newline; the output is what it printed.
baseCommand: [printf, "%s"]
inputs:
  message:
    type: string
    inputBinding: {position: 1}
stdout: out.txt
outputs:
  out:
    type: string
    outputBinding:
      glob: out.txt
      loadContents: true
      outputEval: $(self[0].contents)
