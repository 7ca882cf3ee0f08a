cwlVersion: v1.2
class: Workflow
doc: A tool writes a file; the workflow's File output ends up in --outdir.
inputs:
  name: string
steps:
  greet:
    run:
      class: CommandLineTool
      baseCommand: [printf, "hello, %s\n"]
      inputs:
        name:
          type: string
          inputBinding: {position: 1}
      stdout: greeting.txt
      outputs:
        greeting:
          type: File
          outputBinding: {glob: greeting.txt}
    in: {name: name}
    out: [greeting]
outputs:
  greeting:
    type: File
    outputSource: greet/greeting
