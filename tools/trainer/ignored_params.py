"""Refusing parameters that a library ignores with only a warning.

xgboost checks parameter names when it starts training, and for a name it does not know it only
warns ``Parameters: { "n_trees" } are not used.`` — a typo would silently train the default
model. `refusing_ignored_params` turns that warning into `IgnoredParamsError`; every other
warning raised in the block is passed on unchanged.
"""

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

_NOT_USED = re.compile(r"Parameters: \{(?P<names>[^}]*)\} are not used")


class IgnoredParamsError(Exception):
    """The library said it does not use the parameters `names`."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(f"parameters not used: {', '.join(names)}")
        self.names = names


@contextmanager
def refusing_ignored_params() -> Iterator[None]:
    """Run the block; raise IgnoredParamsError if it warned that parameters are not used."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # xgboost warns from one place: never let it be deduped
        yield
    for w in caught:
        found = _NOT_USED.search(str(w.message))
        if found:
            raise IgnoredParamsError(sorted(re.findall(r'"([^"]+)"', found["names"])))
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
