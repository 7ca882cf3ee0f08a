cwlVersion: v1.2
class: CommandLineTool
doc: Hints at a container image, which the engine may ignore.
hints:
  DockerRequirement:
    dockerPull: debian:stable-slim
baseCommand: [printf, "%s"]
inputs:
  message:
    type: string
    inputBinding: {position: 1}
stdout: out.txt
outputs:
  out:
    type: string
    outputBinding:
      glob: out.txt
      loadContents: true
      outputEval: $(self[0].contents)
