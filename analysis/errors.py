"""The package's two kinds of error, and its one kind of note.

Every error the package raises on purpose derives from one of these two, so
the command line (and any caller) needs to catch only two classes:

* :class:`InputError` — what the user asked for is invalid (an unknown
  location, a malformed age band, a scenario field out of range).  The
  command line prints one line and exits with status 2.
* :class:`DataError` — the data cannot be used (a raw file missing or with the
  wrong checksum, a processed table missing, corrupt or failing a check).  The
  command line prints one line naming the file and the command that repairs
  it, and exits with status 3.

Input that is accepted but read in one particular way (a location, variant,
scenario or destination given twice counts once) is reported with
:func:`note`: a :class:`InputNote` warning, which the command line prints as
one ``note:`` line on stderr.
"""

from __future__ import annotations

import warnings


class InputError(ValueError):
    """Invalid input; the message says what is wrong and what is valid."""

    exit_status = 2


class DataError(RuntimeError):
    """Unusable data; the message names the file and the command that repairs it."""

    exit_status = 3


class InputNote(UserWarning):
    """Input accepted with one meaning that the user may not have intended (e.g. a repeated location)."""


def note(message: str) -> None:
    """Warn with an :class:`InputNote` (the command line prints it as one ``note:`` line on stderr)."""
    warnings.warn(message, InputNote, stacklevel=3)
