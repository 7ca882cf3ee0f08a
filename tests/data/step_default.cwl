cwlVersion: v1.2
class: Workflow
doc: Step input defaults; used when there is no source, or when the source is null.
inputs:
  maybe: string?
steps:
  join:
    run: join.cwl
    in:
      a: {default: fixed}
      b: {source: maybe, default: fallback}
    out: [out]
outputs:
  joined:
    type: string
    outputSource: join/out
