cwlVersion: v1.2
class: CommandLineTool
doc: Prints its words separated by commas; the output is what it printed.
baseCommand: [printf, "%s"]
inputs:
  words:
    type: string[]
    inputBinding: {position: 1, itemSeparator: ","}
stdout: out.txt
outputs:
  out:
    type: string
    outputBinding:
      glob: out.txt
      loadContents: true
      outputEval: $(self[0].contents)
