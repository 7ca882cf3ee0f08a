#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: samtools sort — sort a BAM by coordinate
doc: Writes NAME.sorted.bam for NAME.bam.

hints:
  DockerRequirement:
    dockerPull: quay.io/biocontainers/samtools:1.16.1--h6899075_1

baseCommand: [samtools, sort]
arguments:
  - prefix: -o
    valueFrom: $(inputs.bam.nameroot).sorted.bam

inputs:
  bam:
    type: File
    inputBinding: {position: 1}

outputs:
  sorted_bam:
    type: File
    format: edam:format_2572
    outputBinding: {glob: $(inputs.bam.nameroot).sorted.bam}

$namespaces:
  edam: http://edamontology.org/
