cwlVersion: v1.2
class: CommandLineTool
doc: Counts the lines of a text file.
requirements:
  InlineJavascriptRequirement: {}
baseCommand: [wc, -l]
stdin: $(inputs.text.path)
inputs:
  text: File
stdout: count.txt
outputs:
  lines:
    type: int
    outputBinding:
      glob: count.txt
      loadContents: true
      outputEval: $(parseInt(self[0].contents))
