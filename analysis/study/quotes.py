"""Numbers, years and names as printed in quoted sources.

A cited dataset stores a value only where a verbatim quote from its source
contains it.  Sources print numbers in many forms: ``1,500``, ``1.500`` and
``1 500`` for 1500; ``2,6 millones`` or ``25 Mio`` for millions; ``18 %`` or
``27 per cent`` for a share of 0.18 or 0.27; Indian sources group digits in
lakhs (``14,63,176`` for 1463176) and count in lakhs and crores (``30.90
lakh`` for 3090000, ``3.48 crore`` for 34800000).  These functions read every
plausible value a quote prints, so that a loader can check that a stored
value is among them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

#: Words after a number that multiply it (checked on the 12 characters that follow the number).
MULTIPLIERS = (
    (re.compile(r"\s*(?:million|millions|millones|milioni|millionen|mio\b|mill|mn\b|m\s*€|m\s*eur)", re.I), 1e6),
    (re.compile(r"\s*(?:billion|milliard|mrd|bn\b)", re.I), 1e9),
    (re.compile(r"\s*(?:lakhs?|lacs?)\b", re.I), 1e5),
    (re.compile(r"\s*(?:crores?)\b", re.I), 1e7),
)
PERCENT = re.compile(r"\s*(?:%|percent|per\s*cent|por\s*ciento|pour\s*cent|prozent)", re.I)
#: Ways a quote says "none" (a stored 0 may be printed as a negation, e.g. "geen enkele deelnemer").
ZERO_WORDS = ("geen enkele", "no participant", "none", "zero", "aucun", "ningún", "kein")
NUMBER = re.compile(r"(?<![\d,])\d{1,2}(?:,\d\d)+,\d{3}(?![\d,])"  # Indian grouping: 14,63,176
                    r"|(?<![\d])\d{1,3}(?:[ .,’'\u00a0\u202f]\d{3}(?!\d))+(?:[.,]\d+)?|(?<![\d])\d+(?:[.,]\d+)?")
YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
SHORT_RANGE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[–-]\s*(\d\d)(?!\d)")
#: Words too common to show that a quote names an organisation or a programme.
STOPWORDS = frozenset(
    "and the for with from via its their des les une pour dans del los las und der die das mit phase pilot project "
    "programme program partnership agreement scheme".split()
)


def clean(text: str) -> str:
    """Unicode-normalised text with runs of whitespace (incl. no-break spaces) collapsed to one space."""
    text = unicodedata.normalize("NFC", str(text))
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


def readings(token: str) -> set[float]:
    """Every value a printed number can stand for: ``1,500`` / ``1.500`` / ``1 500`` / ``2,6`` / ``3.05``.

    Parameters
    ----------
    token : str
        A number as printed, with thousands separators or a decimal comma.

    Returns
    -------
    set of float
        The readings with ``,`` or ``.`` as thousands separator or as
        decimal mark.
    """
    digits = re.sub(r"[ ’'\u00a0\u202f]", "", token)
    out = set()
    for variant in (
        digits.replace(",", ""),                          # 1,496,448.50 -> 1496448.50
        digits.replace(".", "").replace(",", "."),        # 2.218.529,19 -> 2218529.19
        digits.replace(",", "").replace(".", ""),         # 9.000 -> 9000
    ):
        if variant.count(".") <= 1:
            try:
                out.add(float(variant))
            except ValueError:
                pass
    return out


def numbers_in(quote: str) -> tuple[set[float], set[float]]:
    """The numbers a quote prints.

    Returns
    -------
    plain : set of float
        Every reading of every number, and of the number times a million or
        a billion where a multiplier word follows it.
    shares : set of float
        Numbers followed by a percent sign or word, as shares (18 % -> 0.18).
    """
    quote = clean(quote)
    plain: set[float] = set()
    shares: set[float] = set()
    for match in NUMBER.finditer(quote):
        values = readings(match.group(0))
        plain |= values
        rest = quote[match.end():match.end() + 12]
        for pattern, factor in MULTIPLIERS:
            if pattern.match(rest):
                plain |= {value * factor for value in values}
        if PERCENT.match(rest):
            shares |= {value / 100 for value in values}
    return plain, shares


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def prints_number(value: float, quotes: Iterable[str], share: bool = False) -> bool:
    """True if one of the quotes prints ``value`` (a share may be printed as a percentage; 0 as a negation)."""
    for quote in quotes:
        plain, shares = numbers_in(quote)
        pool = plain | shares if share else plain
        if any(_close(value, candidate) for candidate in pool):
            return True
        if value == 0 and any(word in clean(quote).lower() for word in ZERO_WORDS):
            return True
    return False


def years_in(quote: str) -> set[int]:
    """Years a quote prints (1800–2099), including the end of a short range such as ``2019-21``."""
    quote = clean(quote)
    years = {int(year) for year in YEAR.findall(quote)}
    for century_year, short in SHORT_RANGE.findall(quote):
        years.add(int(century_year[:2] + short))
    return years


def words(text: str) -> set[str]:
    """Lower-case words of three or more letters or digits, accents removed, without common words."""
    text = unicodedata.normalize("NFKD", clean(text).lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return {word for word in re.findall(r"[a-z0-9]{3,}", text) if word not in STOPWORDS}


def mentions(value: str, texts: Iterable[str]) -> bool:
    """True if the texts name the value: one of its words (3+ letters, or an acronym) appears in them."""
    pool: set[str] = set()
    for text in texts:
        pool |= words(text)
    return bool(words(value) & pool)
