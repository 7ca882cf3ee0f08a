cwlVersion: v1.2
class: CommandLineTool
doc: Like record_and_sleep.cwl, but its output is the File it printed to.
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
  out: stdout
