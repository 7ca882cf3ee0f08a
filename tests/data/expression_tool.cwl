cwlVersion: v1.2
class: Workflow
doc: A CommandLineTool step followed by an ExpressionTool step.
requirements:
  InlineJavascriptRequirement: {}
inputs:
  word: string
  times: int
steps:
  echo:
    run: echo.cwl
    in: {message: word}
    out: [out]
  repeat:
    in:
      word: echo/out
      times: times
    out: [repeated, length]
    run:
      class: ExpressionTool
      inputs:
        word: string
        times: int
      outputs:
        repeated: string[]
        length: int
      expression: |
        ${
          var out = [];
          for (var i = 0; i < inputs.times; i++) { out.push(inputs.word + i); }
          return {repeated: out, length: out.length};
        }
outputs:
  repeated:
    type: string[]
    outputSource: repeat/repeated
  length:
    type: int
    outputSource: repeat/length
