"""Requests: what a caller asks, parsed from text and validated once, then answered.

Each command of the command line (:mod:`analysis.cli`) turns its arguments
into one request object from this package and runs it: the request checks
every field when it is made (one line and exit status 2 for bad input, before
any work starts) and its ``run()`` descends once through the layers (study →
model → data) to the answer.  Notebooks and scripts may make the same requests
with the same checks.

One module per question, so that a command imports only what it uses:
``population`` (an age band's population, projections under scenarios),
``education``, ``stocks``, ``partnerships``, ``replacement``, ``pathway``,
``uncertainty`` and ``demand``.  This module holds the text parsers they share: list
items separated by commas (an empty item is refused, not skipped), whole
numbers and years.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from analysis.errors import InputError


class RequestError(InputError):
    """A request field is malformed or out of range; the message names the option and what is valid."""


def listed(value: str | Iterable[str] | None, what: str, example: str) -> list[str] | None:
    """Items of ``"a,b"`` (or of several such texts), stripped; ``None`` stays ``None``.

    An empty item (``"0.5,,0.9"``, ``"home_away,"``, ``""``) is refused: it
    is a typing slip whose meaning cannot be guessed.

    Raises
    ------
    RequestError
        For an empty item or an empty list, naming ``what`` and an ``example``.
    """
    if value is None:
        return None
    texts = [value] if isinstance(value, str) else list(value)
    if all(not part.strip() for text in texts for part in str(text).split(",")):
        raise RequestError(f"no {what} given; give e.g. {example}")
    items = []
    for text in texts:
        parts = [part.strip() for part in str(text).split(",")]
        if any(not part for part in parts):
            shown = ", ".join(repr(str(t)) for t in texts)
            raise RequestError(f"{what} {shown} has an empty item; give items separated by single commas, "
                               f"e.g. {example}")
        items.extend(parts)
    return items


def whole_numbers(value: str | Iterable[str] | Iterable[int], what: str, example: str) -> list[int]:
    """Whole numbers from ``"2025,2055"`` (or a list); refused in one line when an item is not a whole number."""
    if not isinstance(value, str) and all(isinstance(item, int) and not isinstance(item, bool) for item in value):
        return list(value)
    numbers = []
    for item in listed(value, what, example):
        try:
            numbers.append(int(item))
        except ValueError:
            raise RequestError(f"{what[:-1] if what.endswith('s') else what} {item!r} is not a whole number; "
                               f"give {what} like {example}") from None
    return numbers


def years(value: str | Iterable, grid: str = "1950, 1955, …, 2100") -> list[int]:
    """Years from ``"2025,2055"`` or a list (the grid is checked by the question's own rules)."""
    return whole_numbers(value, "years", f"2025,2055 ({grid})")


def require_finite(table, allow_missing: Iterable[str] = ()):
    """``table`` unchanged, or RuntimeError when a number is infinite (or missing outside ``allow_missing``).

    The last guard before a result is rounded or printed: a wrong number must
    never reach exit status 0.
    """
    numeric = table.select_dtypes("number")
    values = numeric.to_numpy(dtype=float, na_value=np.nan)
    bad = np.isinf(values) | np.isnan(values) & ~numeric.columns.isin(list(allow_missing))[None, :]
    if bad.any():
        column = numeric.columns[int(np.argmax(bad.any(axis=0)))]
        raise RuntimeError(f"the result has non-finite values in column {column!r}; nothing was printed")
    return table
