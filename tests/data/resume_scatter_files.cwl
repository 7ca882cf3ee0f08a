cwlVersion: v1.2
class: Workflow
doc: A slow scatter whose elements write files, then a step that joins the files' contents.
requirements:
  ScatterFeatureRequirement: {}
inputs:
  items: int[]
  log: string
  seconds: float
steps:
  work:
    run: record_and_sleep_file.cwl
    scatter: item
    in:
      item: items
      log: log
      seconds: seconds
    out: [out]
  gather:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'for f in "$@"; do cat "$f"; printf ","; done', join]
      inputs:
        files: {type: "File[]", inputBinding: {position: 1}}
      stdout: joined.txt
      outputs:
        out:
          type: string
          outputBinding:
            glob: joined.txt
            loadContents: true
            outputEval: $(self[0].contents)
    in: {files: work/out}
    out: [out]
outputs:
  gathered:
    type: string
    outputSource: gather/out
