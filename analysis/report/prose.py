"""Sentences of the reports written from their numbers, shown as paragraphs rather than program output.

A ``print`` shows fixed-width text that a narrow page breaks in mid-word;
:func:`say` shows the same sentence as a Markdown paragraph (``$`` escaped, so
that amounts in dollars are not read as mathematics), and keeps the plain
sentence as ``text/plain`` for nbval to compare and for tests to read.
"""

from __future__ import annotations

from IPython.display import display


class _Paragraph:
    """A paragraph as Markdown, and the same text unchanged as plain text."""

    def __init__(self, data: str):
        self.data = data

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/markdown": self.data.replace("$", r"\$"), "text/plain": self.data}

    def __repr__(self) -> str:
        return self.data


def say(*parts: str, sep: str = " ") -> None:
    """Display a sentence (``parts`` joined by ``sep``, as :func:`print` would) as a Markdown paragraph."""
    display(_Paragraph(data=sep.join(str(part) for part in parts)))
