"""CWL documents for the engine: loading, validating and packing them, evaluating step inputs,
running one tool invocation, and relocating outputs. cwltool supplies the CWL semantics."""
