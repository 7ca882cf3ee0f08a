#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: samtools idxstats — reads per reference sequence
doc: |
  Captures the idxstats report (sequence, length, mapped reads, unmapped reads; the last
  line, "*", counts reads placed on no sequence) from stdout into NAME.idxstats.tsv, and
  also returns its rows as records so a workflow can use the counts without reading a file.

hints:
  DockerRequirement:
    dockerPull: quay.io/biocontainers/samtools:1.16.1--h6899075_1
requirements:
  InlineJavascriptRequirement: {}
  SchemaDefRequirement:
    types:
      - $import: types.yml

baseCommand: [samtools, idxstats]
stdout: $(inputs.bam.nameroot).idxstats.tsv

inputs:
  bam:
    type: File
    secondaryFiles: [.bai]
    inputBinding: {position: 1}

outputs:
  idxstats:
    type: stdout
  counts:
    type: types.yml#SequenceCounts[]
    outputBinding:
      glob: $(inputs.bam.nameroot).idxstats.tsv
      loadContents: true
      outputEval: |
        ${
          return self[0].contents.split("\n").filter(function (line) {
            return line.length > 0;
          }).map(function (line) {
            var f = line.split("\t");
            return {sequence: f[0], length: parseInt(f[1], 10),
                    mapped: parseInt(f[2], 10), unmapped: parseInt(f[3], 10)};
          });
        }
