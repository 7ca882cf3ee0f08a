cwlVersion: v1.2
class: Workflow
doc: A slow scatter (each element logs and sleeps) followed by a gather step.
requirements:
  ScatterFeatureRequirement: {}
inputs:
  items: int[]
  log: string
  seconds: float
steps:
  work:
    run: record_and_sleep.cwl
    scatter: item
    in:
      item: items
      log: log
      seconds: seconds
    out: [out]
  gather:
    run: words.cwl
    in: {words: work/out}
    out: [out]
outputs:
  gathered:
    type: string
    outputSource: gather/out
