#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: Workflow
label: Index a reference, turn SAM into a sorted, indexed BAM, count reads per sequence
doc: |
  samtools faidx → samtools view -b → samtools sort → samtools index → samtools idxstats,
  each step its own tool in tools/. Works on headerless SAM (the header comes from the
  reference index) and on gzipped SAM.

requirements:
  SchemaDefRequirement:
    types:
      - $import: tools/types.yml

inputs:
  reference:
    type: File
    doc: FASTA reference the reads were aligned to.
  alignments:
    type: File
    doc: SAM file, plain or gzipped, with or without a header.

steps:
  index_reference:
    run: tools/faidx.cwl
    in: {fasta: reference}
    out: [indexed_fasta, fai]
  to_bam:
    run: tools/sam_to_bam.cwl
    in:
      reference: index_reference/indexed_fasta
      alignments: alignments
    out: [bam]
  sort:
    run: tools/sort.cwl
    in: {bam: to_bam/bam}
    out: [sorted_bam]
  index_bam:
    run: tools/index.cwl
    in: {bam: sort/sorted_bam}
    out: [indexed_bam]
  count_reads:
    run: tools/idxstats.cwl
    in: {bam: index_bam/indexed_bam}
    out: [idxstats, counts]

outputs:
  indexed_reference:
    type: File
    secondaryFiles: [.fai]
    outputSource: index_reference/indexed_fasta
  reference_index:
    type: File
    outputSource: index_reference/fai
  sorted_bam:
    type: File
    secondaryFiles: [.bai]
    outputSource: index_bam/indexed_bam
  idxstats:
    type: File
    doc: samtools idxstats' report, captured from its stdout.
    outputSource: count_reads/idxstats
  counts:
    type: tools/types.yml#SequenceCounts[]
    doc: The same report as records, one per sequence (and "*" for unplaced reads).
    outputSource: count_reads/counts
