cwlVersion: v1.2
class: Workflow
doc: |
  `before` always succeeds; `check` (item 0 of fail_without_flag.cwl) fails until the flag
  file exists. Both log to the side-effect log.
inputs:
  log: string
  flag: string
steps:
  before:
    run: record_and_sleep.cwl
    in:
      item: {default: 7}
      log: log
      seconds: {default: 0}
    out: [out]
  check:
    run: fail_without_flag.cwl
    in:
      item: {default: 0}
      log: log
      flag: flag
      after: before/out
    out: [out]
outputs:
  before:
    type: string
    outputSource: before/out
  check:
    type: string
    outputSource: check/out
