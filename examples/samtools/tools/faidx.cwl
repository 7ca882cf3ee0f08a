#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: samtools faidx — index a FASTA reference
doc: |
  Stages the FASTA into the working directory so that `samtools faidx` writes the .fai
  next to it, then returns the FASTA with the index as a secondary file.

hints:
  DockerRequirement:
    dockerPull: quay.io/biocontainers/samtools:1.16.1--h6899075_1
requirements:
  InitialWorkDirRequirement:
    listing:
      - $(inputs.fasta)

baseCommand: [samtools, faidx]
arguments:
  - $(inputs.fasta.basename)

inputs:
  fasta:
    type: File
    doc: FASTA file, plain or bgzip-compressed.

outputs:
  indexed_fasta:
    type: File
    format: edam:format_1929
    secondaryFiles: [.fai]
    outputBinding: {glob: $(inputs.fasta.basename)}
  fai:
    type: File
    outputBinding: {glob: $(inputs.fasta.basename).fai}

$namespaces:
  edam: http://edamontology.org/
