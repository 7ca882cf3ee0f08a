#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: samtools view -b — convert SAM (plain or gzipped) to BAM
doc: |
  The SAM may lack a header (like samtools' ex1.sam.gz): `-T reference` builds the @SQ lines
  from the reference's .fai, and also lets samtools read CRAM. Writes NAME.bam, where NAME is
  the input's name without .gz and .sam.

hints:
  DockerRequirement:
    dockerPull: quay.io/biocontainers/samtools:1.16.1--h6899075_1
requirements:
  InlineJavascriptRequirement: {}

baseCommand: [samtools, view, -b]
arguments:
  - prefix: -o
    valueFrom: $(inputs.alignments.basename.replace(/\.gz$/, "").replace(/\.sam$/, "") + ".bam")

inputs:
  reference:
    type: File
    secondaryFiles: [.fai]
    inputBinding: {prefix: -T}
  alignments:
    type: File
    doc: SAM, optionally gzip-compressed; samtools detects the compression.
    inputBinding: {position: 1}

outputs:
  bam:
    type: File
    format: edam:format_2572
    outputBinding:
      glob: $(inputs.alignments.basename.replace(/\.gz$/, "").replace(/\.sam$/, "") + ".bam")

$namespaces:
  edam: http://edamontology.org/
