cwlVersion: v1.2
class: CommandLineTool
doc: Prints "A-B"; the output is what it printed.
baseCommand: [printf, "%s-%s"]
inputs:
  a:
    type: string
    inputBinding: {position: 1}
  b:
    type: string
    inputBinding: {position: 2}
stdout: out.txt
outputs:
  out:
    type: string
    outputBinding:
      glob: out.txt
      loadContents: true
      outputEval: $(self[0].contents)
