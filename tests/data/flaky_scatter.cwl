cwlVersion: v1.2
class: Workflow
doc: |
  Scatters fail_without_flag.cwl: item 0 fails until the flag file exists, the others sleep,
  so they are still running (and get cancelled) when item 0 fails.
requirements:
  ScatterFeatureRequirement: {}
inputs:
  items: int[]
  log: string
  flag: string
  seconds: float
steps:
  work:
    run: fail_without_flag.cwl
    scatter: item
    in:
      item: items
      log: log
      flag: flag
      seconds: seconds
    out: [out]
outputs:
  results:
    type: string[]
    outputSource: work/out
