"""The errors of hyperparameter optimization, each with a one-line message.

    OptimizeError (ValueError)  bad input, found before any trial runs
    StudyError (RuntimeError)   a study that could not go on (too many failed trials)
"""


class OptimizeError(ValueError):
    """A search space, model, metric, algorithm or data set that cannot be optimized."""


class StudyError(RuntimeError):
    """A study stopped before its end; the message says why and names a failed launch."""
