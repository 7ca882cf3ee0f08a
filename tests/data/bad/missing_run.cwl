cwlVersion: v1.2
class: Workflow
doc: The step runs a file that does not exist (line 8).
inputs:
  message: string
steps:
  echo:
    run: no_such_tool.cwl
    in: {message: message}
    out: [out]
outputs: []
