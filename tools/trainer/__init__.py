"""The trainer: cross-validates one classifier on one CSV file and writes its metrics as JSON.

`wonderland-trainer` (see `cli.py`) is the command; `trainer.cwl` next to this file describes it
as a CWL CommandLineTool, the unit that hyperparameter optimization scatters.
"""

from pathlib import Path

TRAINER_CWL = Path(__file__).with_name("trainer.cwl")
"""The CWL description of `wonderland-trainer`, installed with the package."""
