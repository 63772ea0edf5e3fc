"""How a number is written in a sentence or a headline: two significant digits at least, and no spurious ones.

A headline states one quantity; rounding must neither round it away
("+0.5 million" for +478,850) nor pretend to a precision it does not have
("2,176.5 million").  The rule, which :func:`analysis.report.headlines.problems`
checks on every headline:

* at least two significant digits of the quantity (so 0 is written in words);
* decimals only to reach those two digits, or a third one below 100
  ("5.0 million", "0.48 million", "79.1 million", "802 million"): never a
  decimal after three significant digits;
* a share below 100 % is never rounded up to 100 %, nor one above 0 down to 0.

Whole counts printed in full (``35`` institutions, ``-33,937`` people) keep
every digit and need no rounding.
"""

from __future__ import annotations

import math


def decimals(value: float, third: bool = True) -> int:
    """Decimals that show two significant digits of ``value``, or three under 100 with ``third`` (zero for 0).

    0.48 → 2, 5.04 → 1, 79.1 → 1 (0 without ``third``), 802 → 0.  A value that
    rounding takes up a digit (9.96 → 10.0) is counted again.
    """
    if value == 0 or not math.isfinite(value):
        return 0
    whole = math.floor(math.log10(abs(value))) + 1  # digits before the point: 2 for 48.3, 0 for 0.48, -1 for 0.048
    if whole <= 0:
        places = 2 - whole
    elif whole == 1:
        places = 1
    elif whole == 2:
        places = 1 if third else 0
    else:
        places = 0
    if places and abs(round(value, places)) >= 10.0 ** whole:
        return decimals(round(value, places), third)
    return places


def number(value: float, places: int | None = None, sign: bool = False) -> str:
    """``value`` with thousands separators and :func:`decimals` decimals (or ``places``); ``-0`` printed as ``0``."""
    places = decimals(value) if places is None else places
    text = f"{value:{'+' if sign else ''},.{places}f}"
    if text.lstrip("+-").strip("0.,") == "":
        text = f"{0.0:.{places}f}"
    return text


def scaled(value: float, scale: float, unit: str, sign: bool = False) -> str:
    """``value / scale`` by :func:`number`, then the unit (``scaled(478_850, 1e6, "million")`` → ``0.48 million``)."""
    return f"{number(value / scale, sign=sign)} {unit}".rstrip()


def people(value: float, sign: bool = False) -> str:
    """A count of people in millions or thousands as its size asks, two significant digits at least.

    ``2,177 million`` (millions also above a billion, so that scenarios a few
    million apart stay apart), ``232 million``, ``6.0 million``, ``479 thousand``;
    under ten thousand the count itself (``8,431``).
    """
    size = abs(value)
    if size >= 1e6:
        return scaled(value, 1e6, "million", sign)
    if size >= 1e4:
        return scaled(value, 1e3, "thousand", sign)
    return f"{value:{'+' if sign else ''},.0f}"


def percent(share: float, sign: bool = False, places: int | None = None) -> str:
    """A share (0–1) in percent: two significant digits at least, never rounded to 100 % or 0 % when it is not.

    ``percent(0.997)`` → ``99.7%``; ``percent(0.0013)`` → ``0.13%``; ``percent(1.01)`` → ``101%``.
    """
    value = 100.0 * share
    places = decimals(value, third=False) if places is None else places
    while places < 6:
        rounded = round(value, places)
        if (rounded == 100.0 and value != 100.0) or (rounded == 0.0 and value != 0.0):
            places += 1
            continue
        break
    return f"{number(value, places, sign)}%"
