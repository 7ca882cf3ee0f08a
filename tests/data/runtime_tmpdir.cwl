cwlVersion: v1.2
class: CommandLineTool
doc: Prints the temporary directory CWL gives it, and logs each run to a side-effect file.
requirements: {InlineJavascriptRequirement: {}}
baseCommand: [sh, -c, 'echo ran >> "$0"; printf "%s" "$1"']
arguments: [$(inputs.log), $(runtime.tmpdir)]
inputs:
  log: string
stdout: out.txt
outputs:
  tmpdir:
    type: string
    outputBinding:
      glob: out.txt
      loadContents: true
      outputEval: $(self[0].contents)
