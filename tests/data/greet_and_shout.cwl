cwlVersion: v1.2
class: Workflow
doc: |
  Two steps with File outputs: greet writes a greeting to a file (and a note on stderr, for its
  log), shout writes it again in capitals.
inputs:
  name: string
steps:
  greet:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'printf "hello, %s\n" "$0"; echo "greeting $0" >&2']
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
  shout:
    run:
      class: CommandLineTool
      baseCommand: [tr, a-z, A-Z]
      stdin: $(inputs.text.path)
      inputs:
        text: File
      stdout: shouted.txt
      outputs:
        shouted:
          type: File
          outputBinding: {glob: shouted.txt}
    in: {text: greet/greeting}
    out: [shouted]
outputs:
  greeting:
    type: File
    outputSource: greet/greeting
  shouted:
    type: File
    outputSource: shout/shouted
