cwlVersion: v1.2
class: CommandLineTool
doc: Logs that it started, sleeps, then touches a marker file outside the work area.
baseCommand: [sh, -c, 'echo 1 >> "$0"; sleep 1; touch "$1"']
inputs:
  log:
    type: string
    inputBinding: {position: 1}
  marker:
    type: string
    inputBinding: {position: 2}
outputs: []
