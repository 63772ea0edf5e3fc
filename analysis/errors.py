"""The package's two kinds of error.

Every error the package raises on purpose derives from one of these two, so
the command line (and any caller) needs to catch only two classes:

* :class:`InputError` — what the user asked for is invalid (an unknown
  location, a malformed age band, a scenario field out of range).  The
  command line prints one line and exits with status 2.
* :class:`DataError` — the data cannot be used (a raw file missing or with the
  wrong checksum, a processed table missing, corrupt or failing a check).  The
  command line prints one line naming the file and the command that repairs
  it, and exits with status 3.
"""

from __future__ import annotations


class InputError(ValueError):
    """Invalid input; the message says what is wrong and what is valid."""

    exit_status = 2


class DataError(RuntimeError):
    """Unusable data; the message names the file and the command that repairs it."""

    exit_status = 3
