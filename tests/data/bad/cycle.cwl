cwlVersion: v1.2
class: Workflow
doc: Steps one and two each wait for the other.
inputs: []
steps:
  one:
    run: ../echo.cwl
    in: {message: two/out}
    out: [out]
  two:
    run: ../echo.cwl
    in: {message: one/out}
    out: [out]
outputs:
  out:
    type: string
    outputSource: two/out
