"""Printed report tables: units, renamed headers and blank missing values, in the exact text nbval compares."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.report.tables import show


def test_show_converts_then_renames_headers(capsys):
    table = pd.DataFrame({"location": ["EU27", "Japan"], "cumulative_migrants": [58_123_456.0, 20_480_000.0],
                          "migrants_per_year": [2_325_938.0, 819_200.0], "key": [1, 2]})
    show(table, title="A title", columns=["location", "cumulative_migrants", "migrants_per_year"],
         millions=["cumulative_migrants"], thousands=["migrants_per_year"],
         rename={"cumulative_migrants": "cumulative_millions", "migrants_per_year": "thousands_per_year"})
    expected = pd.DataFrame({"location": ["EU27", "Japan"], "cumulative_millions": [58.1, 20.5],
                             "thousands_per_year": [2326.0, 819.0]}).to_string(index=False)
    assert capsys.readouterr().out == f"A title\n{expected}\n"


def test_show_blanks_missing_values_like_fillna(capsys):
    table = pd.DataFrame({"id": ["A", "B"], "end_year": [2021.0, np.nan], "trainees": [np.nan, 120.0]})
    show(table, missing="")
    assert capsys.readouterr().out == table.fillna("").to_string(index=False) + "\n"
    assert "nan" not in table.fillna("").to_string(index=False)
