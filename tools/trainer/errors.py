"""The one error the trainer reports to its user: a single line that says what and where."""


class TrainerError(Exception):
    """Bad input or a model that refused it; the message is shown as one line on stderr."""


def first_line(exc: BaseException) -> str:
    """The first non-blank line of an exception's message (libraries often add paragraphs)."""
    for line in str(exc).splitlines():
        if line.strip():
            return line.strip()
    return type(exc).__name__
