"""Holding back what a model writes to stderr while it trains, so a failure stays one line.

Native libraries (the C++ cores of lightgbm, xgboost and catboost) write to file descriptor 2
directly, and scikit-learn and xgboost emit Python warnings. Both are kept aside while the block
runs: when it succeeds they are written out afterwards (each distinct warning once); when it
fails they are dropped, because the error line repeats the cause.
"""

import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def held_stderr() -> Iterator[None]:
    """Run the block with stderr (fd 2 and Python warnings) held; replay it if no exception."""
    sys.stderr.flush()
    saved_fd = os.dup(2)
    failed = False
    with tempfile.TemporaryFile() as held, warnings.catch_warnings(record=True) as caught:
        os.dup2(held.fileno(), 2)
        try:
            yield
        except BaseException:
            failed = True
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            if not failed:
                held.seek(0)
                sys.stderr.write(held.read().decode("utf-8", errors="replace"))
    if not failed:
        shown = set()
        for w in caught:  # each distinct warning once, not once per fold
            key = (w.category, str(w.message), w.filename, w.lineno)
            if key not in shown:
                shown.add(key)
                warnings.showwarning(w.message, w.category, w.filename, w.lineno)
