"""What commands that take locations add to their ``#`` lines: a group of one's own, its members and its file.

Kept apart from :mod:`analysis.cli.common` so that ``--help`` and the commands
without locations do not import the locations index.
"""

from __future__ import annotations

import sys
import warnings
from typing import Iterable, Mapping

from analysis.cli import common
from analysis.data import locations
from analysis.errors import InputNote


def provenance(files: Iterable[Mapping] = (), places: Iterable = ()) -> None:
    """:func:`analysis.cli.common.provenance`, with the user's file of groups when one of ``places`` comes from it,
    then one ``#`` line per group of one's own naming its members (:func:`groups`)."""
    resolved = _resolved(places)
    common.provenance([*files, *locations.files_read(resolved)])
    groups(resolved)


def groups(places: Iterable) -> None:
    """One ``#`` line on stderr per group of one's own among ``places`` (locations or what was typed), naming its
    members: ``# group Nigeria+Ghana (named inline): 2 countries: Ghana, Nigeria``."""
    for place in _resolved(places):
        line = locations.member_line(place)
        if line is not None:
            print(f"# {line}", file=sys.stderr)


def _resolved(places: Iterable) -> list:
    with warnings.catch_warnings():  # the notes on a group's members were printed when it was first resolved
        warnings.simplefilter("ignore", InputNote)
        return [place if isinstance(place, locations.Location) else locations.resolve(place) for place in places]
