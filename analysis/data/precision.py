"""The precision at which numbers from a fit, a solve or an optimisation are printed and written.

A least-squares fit (statsmodels, ``numpy.linalg``), a matrix product or an
iterative solve runs on BLAS kernels that OpenBLAS picks per processor and
thread count; they add in different orders, so the same fit gives results that
differ in the last digits on another machine.  Measured on the emigration model
(OpenBLAS's SkylakeX kernel on 2 threads against Haswell on 1 and Sandybridge
on 2): at most 4e-14 of the largest value of each column, though up to 7e-11 of
a value itself for residuals close to zero.  Printed to 12 or more significant
digits those differences show, and a report would not be the same everywhere.
So every such number is rounded once, where it leaves the study layer, to a
precision far coarser than those differences:

* :data:`SIGNIFICANT_DIGITS` (8) significant digits **of its column's largest
  value** for coefficients, standard errors, fitted values, residuals,
  intervals, rates and ratios: every value of a column keeps the same absolute
  precision, so a residual near zero is not asked for digits the fit does not
  have (a single number: 8 significant digits of itself);
* whole persons for counts of people (replacement migrants and the
  populations they give).

A rounding boundary is then crossed with a probability of about 4e-14 / 1e-7,
under one in a million per value; and the figures shown (four or five digits)
are rounded from values that keep three more, so rounding twice changes a
shown digit about once in two thousand numbers.  Figure data (the CSV behind
each figure) is written with :data:`FIGURE_DATA_DIGITS` significant digits
(:func:`analysis.report.tables.figure_data`), so that arithmetic done in
another order (a sum over countries, say) does not show either.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

#: Significant digits kept of any number that comes from a fit, a solve or an optimisation (of its column's largest).
SIGNIFICANT_DIGITS = 8
#: Significant digits of the floating-point numbers written to a figure's data download.
FIGURE_DATA_DIGITS = 10


def significant(values, digits: int = SIGNIFICANT_DIGITS, of: float | None = None):
    """``values`` rounded to ``digits`` significant digits (NaN, infinities and zeros unchanged).

    Each value is rounded to its own significant digits, or, with ``of``, all of
    them to the decimals that give ``digits`` significant digits of ``of`` (the
    largest magnitude of a column: :func:`rounded_frame`).  Accepts a number, an
    array or a Series and returns the same kind.
    """
    if isinstance(values, pd.Series):
        rounded = significant(values.to_numpy(dtype="float64"), digits, of)
        return pd.Series(rounded, index=values.index, name=values.name)
    array = np.asarray(values, dtype="float64")
    finite = np.isfinite(array) & (array != 0)
    if of is not None:
        reference = np.full_like(array, abs(of) if np.isfinite(of) and of != 0 else 1.0)
    else:
        reference = np.abs(np.where(finite, array, 1.0))
    magnitude = np.floor(np.log10(reference))
    factor = 10.0 ** (digits - 1 - magnitude)
    rounded = np.where(finite, np.round(array * factor) / factor, array)
    return float(rounded) if np.ndim(values) == 0 else rounded


def persons(values):
    """Counts of people rounded to whole persons (a number, an array or a Series)."""
    if isinstance(values, pd.Series):
        return values.astype("float64").round(0)
    rounded = np.round(np.asarray(values, dtype="float64"))
    return float(rounded) if np.ndim(values) == 0 else rounded


def rounded_frame(table: pd.DataFrame, persons_columns: Iterable[str] = (), keep: Iterable[str] = (),
                  digits: int = SIGNIFICANT_DIGITS) -> pd.DataFrame:
    """A copy of ``table`` with its float columns rounded: counts of people to persons, the others to ``digits``.

    A column's values share one absolute precision: ``digits`` significant
    digits of its largest magnitude.

    Parameters
    ----------
    table : DataFrame
        A result of a fit or a solve.
    persons_columns : iterable of str
        Columns counting people, rounded to whole persons.
    keep : iterable of str
        Float columns left as they are (inputs copied through, such as observed data).
    """
    out = table.copy()
    people, kept = set(persons_columns), set(keep)
    for column in out.columns:
        if column in kept or not pd.api.types.is_float_dtype(out[column]):
            continue
        if column in people:
            out[column] = persons(out[column])
        else:
            finite = out[column].to_numpy(dtype="float64")
            finite = np.abs(finite[np.isfinite(finite)])
            out[column] = significant(out[column], digits, of=float(finite.max()) if finite.size else None)
    return out
