#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: samtools index — index a coordinate-sorted BAM
doc: |
  Stages the BAM into the working directory so that `samtools index` writes NAME.bam.bai
  next to it, then returns the BAM with the index as a secondary file.

hints:
  DockerRequirement:
    dockerPull: quay.io/biocontainers/samtools:1.16.1--h6899075_1
requirements:
  InitialWorkDirRequirement:
    listing:
      - $(inputs.bam)

baseCommand: [samtools, index]
arguments:
  - $(inputs.bam.basename)

inputs:
  bam:
    type: File

outputs:
  indexed_bam:
    type: File
    format: edam:format_2572
    secondaryFiles: [.bai]
    outputBinding: {glob: $(inputs.bam.basename)}

$namespaces:
  edam: http://edamontology.org/
