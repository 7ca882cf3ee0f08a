cwlVersion: v1.2
class: Workflow
doc: A two-step workflow run as a step of scattered_subworkflow.cwl.
inputs:
  x: string
  suffix: string
steps:
  echo:
    run: echo.cwl
    in: {message: x}
    out: [out]
  join:
    run: join.cwl
    in:
      a: echo/out
      b: suffix
    out: [out]
outputs:
  result:
    type: string
    outputSource: join/out
