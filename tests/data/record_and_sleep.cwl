cwlVersion: v1.2
class: CommandLineTool
doc: |
  Appends its item to a side-effect log outside the work area, sleeps, then prints
  "item-N". The log shows how many times each item ran.
baseCommand: [sh, -c, 'echo "$0" >> "$1"; sleep "$2"; printf "item-%s" "$0"']
inputs:
  item:
    type: int
    inputBinding: {position: 1}
  log:
    type: string
    inputBinding: {position: 2}
  seconds:
    type: float
    default: 1
    inputBinding: {position: 3}
stdout: out.txt
outputs:
  out:
    type: string
    outputBinding:
      glob: out.txt
      loadContents: true
      outputEval: $(self[0].contents)
