"""Reading the project's cited datasets (partnerships, return events): small CSV files kept in git, read as text.

Every value of these datasets is checked against the quote of its source after reading, so cells stay text here
(empty cells ``""``); the patterns below are the checks both datasets share.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

import pandas as pd

#: A date as the datasets write it: ``2019``, ``2019-05`` or ``2019-05-31``.
DATE = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$")
#: A number as the datasets write it: digits, an optional decimal part, no separators or signs.
PLAIN_NUMBER = re.compile(r"^\d+(\.\d+)?$")


def read_text_csv(path: Path, columns: Sequence[str], error: type[Exception], what: str, guide: str) -> pd.DataFrame:
    """A dataset file as text with exactly ``columns`` in that order, or ``error`` in one line.

    Parameters
    ----------
    error : exception class
        Raised for a missing or unreadable file and for wrong columns (the dataset's own data error).
    what : str
        How a message names the file (``"partnership dataset file"``).
    guide : str
        The document that lists the columns (``"PARTNERSHIPS.md"``).
    """
    if not path.is_file():
        raise error(f"{what} {path} is missing: restore it from git")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as problem:
        reason = " ".join(str(problem).split())[:120]
        raise error(f"{what} {path} cannot be read as UTF-8 CSV ({reason}): restore it from git") from None
    if list(table.columns) != list(columns):
        missing = [c for c in columns if c not in table.columns]
        extra = [c for c in table.columns if c not in columns]
        raise error(f"{path} has the wrong columns (missing {missing}, unexpected {extra}, or out of order): "
                    f"give the columns listed in {guide}, in that order")
    return table
