"""Errors as people read them: one line each, for the page, the API and the command line.

An error a person's input caused (a file, a text, a number, a model that does not load) is an ``InputError`` or a
``ValueError`` whose message is already worded for them; ``user_message`` is the one place that turns such an error
into the line they see, and says None for anything else (a bug, to be raised as it is).
"""

from __future__ import annotations

__all__ = ["InputError", "first_line", "user_message"]


class InputError(Exception):
    """An error whose message is one line for people (``LoadError``, ``UserError``, ``CLIError``)."""


def first_line(err: BaseException, sentence: bool = True) -> str:
    """An exception's message in one line: its first sentence (library messages can run to paragraphs), or with
    ``sentence=False`` its whole first line (this project's messages are one line); the exception's type where it
    says nothing."""
    text = str(err).strip()
    if not text:
        return type(err).__name__
    line = text.splitlines()[0]
    return line.split(". ")[0].rstrip(".") if sentence else line


def user_message(err: BaseException) -> str | None:
    """The line a person sees for an error their input caused; None for any other error."""
    if isinstance(err, (InputError, ValueError)):
        return first_line(err, sentence=False)
    if isinstance(err, OSError):  # a path that is not there, a folder that cannot be written
        return f"{err.strerror or err}: {err.filename or ''}".rstrip(": ")
    return None
