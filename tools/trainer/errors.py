"""The one error the trainer reports to its user: a single line that says what and where."""

import re

# What native cores put before their message: xgboost a time, both a C++ source file and line,
# e.g. "[05:01:07] /src/learner.cc:806: " or "catboost/private/libs/options/x.cpp:128: ".
_NATIVE_PREFIX = re.compile(r"^(\[\d\d:\d\d:\d\d\]\s+)?\S+\.(c|cc|cpp|cxx|h|hpp):\d+:\s*")


class TrainerError(Exception):
    """Bad input or a model that refused it; the message is shown as one line on stderr."""


def first_line(exc: BaseException) -> str:
    """The first non-blank line of an exception's message (libraries often add paragraphs),
    without the source file and line that native libraries put in front of it."""
    for line in str(exc).splitlines():
        text = _NATIVE_PREFIX.sub("", line.strip())
        if text:
            return text
    return type(exc).__name__
