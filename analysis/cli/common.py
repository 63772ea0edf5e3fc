"""What every command shares: the parser class, argparse types, and writing a result."""

from __future__ import annotations

import argparse
import math
import sys
from typing import Callable, Iterable, Mapping, Sequence

import pandas as pd

from analysis.errors import InputError
from analysis.report import file_provenance
from analysis.study.requests import require_finite


class UsageError(InputError):
    """Bad command-line input; reported in one line with exit status 2."""


class CommandParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit status 2
        command = " ".join(self.prog.split()[1:])
        raise UsageError(f"{message} (see `python -m analysis {command + ' ' if command else ''}--help`)")


def one_line(error: Exception) -> str:
    return " ".join(str(error).split())


def number(low: float | None = None, high: float | None = None, low_open: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number within bounds (``low`` exclusive when ``low_open``)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if low is not None and (value <= low if low_open else value < low) or high is not None and value > high:
            lower = "" if low is None else f"{'above' if low_open else 'at least'} {low:g}"
            upper = "" if high is None else f"at most {high:g}"
            raise argparse.ArgumentTypeError(f"{text} must be {' and '.join(p for p in (lower, upper) if p)}")
        return value

    parse.__name__ = "number"
    return parse


def whole(low: int, high: int, what: str) -> Callable[[str], int]:
    """An argparse type: a whole number within bounds."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip().replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number ({what})") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} must be from {low:,} to {high:,} ({what})")
        return value

    parse.__name__ = "whole number"
    return parse


def count(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be at least 1")
    return value


def write_csv(table: pd.DataFrame, allow_missing: Sequence[str] = (), float_format: str | None = None) -> None:
    """Print a table as CSV, refusing non-finite numbers (a wrong number must never reach exit status 0)."""
    require_finite(table, allow_missing)
    table.to_csv(sys.stdout, index=False, lineterminator="\n", float_format=float_format)


def provenance(files: Iterable[Mapping] = ()) -> None:
    """The code's state and each scenario or config file read, with its SHA-256: ``#`` lines on stderr."""
    for line in file_provenance.command_lines(files):
        print(line, file=sys.stderr)


def comments(lines: Iterable[str]) -> None:
    """``#`` lines (already prefixed) on stderr, after the provenance lines."""
    for line in lines:
        print(line, file=sys.stderr)


def notes(lines: Iterable[str]) -> None:
    for line in lines:
        print(f"note: {line}", file=sys.stderr)
