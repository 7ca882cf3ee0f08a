cwlVersion: v1.2
class: Workflow
doc: linkMerge merge_flattened on a step input and on a workflow output.
requirements:
  MultipleInputFeatureRequirement: {}
inputs:
  some: string[]
  one: string
  more: string[]
steps:
  words:
    run: words.cwl
    in:
      words:
        source: [some, one, more]
        linkMerge: merge_flattened
    out: [out]
outputs:
  printed:
    type: string
    outputSource: words/out
  merged:
    type: string[]
    outputSource: [more, one, some]
    linkMerge: merge_flattened
