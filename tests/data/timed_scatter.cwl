cwlVersion: v1.2
class: Workflow
doc: Two scattered steps that record when they start and end, with the cores each asks for.
requirements:
  ScatterFeatureRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  items: int[]
  cores: int
outputs:
  spans: {type: "string[]", outputSource: timed/span}
steps:
  timed:
    scatter: item
    in: {item: items, cores: cores}
    out: [span]
    run:
      class: CommandLineTool
      requirements:
        ResourceRequirement: {coresMin: $(inputs.cores)}
      baseCommand: [sh, -c, 'start=$(date +%s.%N); sleep 1; echo "$start $(date +%s.%N)"']
      inputs:
        item: int
        cores: int
      stdout: span.txt
      outputs:
        span:
          type: string
          outputBinding:
            glob: span.txt
            loadContents: true
            outputEval: $(self[0].contents)
