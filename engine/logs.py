"""Where the engine's messages go: `wonderland: ...` lines on stderr; cwltool's own chatter
only with --debug (a step's exit status still reaches the engine as a cwltool warning)."""

from __future__ import annotations

import logging
import sys


def setup_logging(*, debug: bool = False, quiet: bool = False, prefix: str = "wonderland") -> None:
    level = logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"{prefix}: %(message)s"))
    log = logging.getLogger("wonderland")
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False
    cwltool_log = logging.getLogger("cwltool")
    # WARNING, not higher: a step's exit status reaches the engine as a cwltool warning.
    cwltool_log.setLevel(logging.DEBUG if debug else logging.WARNING)
    cwltool_log.handlers[:] = [
        logging.StreamHandler(sys.stderr) if debug else logging.NullHandler()
    ]
    cwltool_log.propagate = False
    logging.getLogger("salad").setLevel(logging.ERROR)
    if not debug:
        # cwl_utils' expression sandbox logs whole scripts and tracebacks on its own handler;
        # the engine reports each failure itself, in one line
        cwl_utils_log = logging.getLogger("cwl_utils")
        cwl_utils_log.handlers[:] = [logging.NullHandler()]
        cwl_utils_log.propagate = False
        logging.lastResort = None
