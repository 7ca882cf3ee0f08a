cwlVersion: v1.2
class: CommandLineTool
doc: |
  Appends its item to a side-effect log; then fails when item 0 finds no flag file, or
  sleeps when it is any other item. Prints "item-N" when it succeeds.
baseCommand:
  - sh
  - -c
  - |
    echo "$0" >> "$1"
    if [ "$0" = 0 ]; then test -e "$2" || exit 3; else sleep "$3"; fi
    printf "item-%s" "$0"
inputs:
  item:
    type: int
    inputBinding: {position: 1}
  log:
    type: string
    inputBinding: {position: 2}
  flag:
    type: string
    inputBinding: {position: 3}
  seconds:
    type: float
    default: 0
    inputBinding: {position: 4}
stdout: out.txt
outputs:
  out:
    type: string
    outputBinding:
      glob: out.txt
      loadContents: true
      outputEval: $(self[0].contents)
