"""Bilateral migration flows: the published estimates of Abel and Cohen (2022), and the demography the project's own estimates need.

Raw files (registry dataset ``abel-flows``, see the data mirror's README):
the *Global Migration Data Explorer* 1.0 by Guy J. Abel and Xavier Bolló,
which publishes the estimates of Abel, G. J. & Cohen, J. E. (2022),
*Bilateral international migration flow estimates updated and refined by
sex*, Scientific Data 9:173, made with the demographic-accounting,
pseudo-Bayesian, closed method (``da_pb_closed``) from UN DESA's
International Migrant Stock 2020.  The explorer states: "This work is
licensed under a Creative Commons Attribution-NonCommercial 3.0 Unported
License".

Each JSON file holds ``names`` (242 display labels: 11 region aggregates at
the positions listed in ``regions`` and 231 countries or areas), ``matrix``
(for each period start year 1990, 1995, …, 2015, a 242 × 242 array of whole
persons read as ``matrix[year][origin][destination]``: people who moved over
the five years from 1 July of that year), and the explorer's own
``total_outflow``/``total_inflow`` per label.  The type files list the names
in another order, so every file is read by name, never by position.  Files:

* all flows, and flows of women and of men (the sexes are estimated
  separately, so women plus men exceed the total by 0.25–0.55 M a period);
* the total split by type: ``outward`` (people leaving their country of
  birth), ``return`` (people moving to their country of birth) and
  ``transit`` (moves between two countries neither of which is the country of
  birth); the three sum to the total within rounding;
* ``stock*.json``: the bilateral stocks the estimates were made from
  (foreign-born only: no native-born diagonal), 1990–2020, by sex.

Display names are mapped to ISO-3 codes with the explorer's
``country-metadata-flags.csv``, then with the project's locations (names,
other names and aliases) after spelling ``&`` as ``and`` and ``St.`` as
``Saint``; :data:`NAME_OVERRIDES` settles the seven names those rules get
wrong or miss.  Two labels are former countries the estimates use before
2010 (:data:`FORMER_UNITS`): ``Sudan*`` (Sudan with South Sudan) and
``Serbia & Montenegro``; they keep ISO-3 codes ``SUD`` and ``SCG`` and carry
no M49 code, and count in a location only when all their members do.  What
maps to nothing is listed by the build (table ``flow_names``) and its flows
are left out.

The processed ``flows`` table keeps the non-zero cells only: an origin–
destination pair without a row has zero persons in the estimates.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from analysis.data.locations import WORLD, LocationIndex, normalise
from analysis.data.stocks import COMPOSITES as STOCK_COMPOSITES
from analysis.data.tables import TABLE_KEYS, ValidationError, check_unique, read_table
from analysis.errors import DataError, InputError

#: Raw flow files by (sex, type).
FLOW_FILES: dict[tuple[str, str], str] = {
    ("both", "all"): "abel-flows/flow_da_pb_closed.json",
    ("female", "all"): "abel-flows/flow_female_da_pb_closed.json",
    ("male", "all"): "abel-flows/flow_male_da_pb_closed.json",
    ("both", "outward"): "abel-flows/flow_outward_da_pb_closed.json",
    ("both", "return"): "abel-flows/flow_return_da_pb_closed.json",
    ("both", "transit"): "abel-flows/flow_transit_da_pb_closed.json",
}
#: Raw bilateral stock files of the explorer, by sex.
STOCK_FILES: dict[str, str] = {
    "both": "abel-flows/stock.json",
    "female": "abel-flows/stock_female.json",
    "male": "abel-flows/stock_male.json",
}
METADATA_FILE = "abel-flows/country-metadata-flags.csv"

FLOW_SEXES: tuple[str, ...] = ("both", "female", "male")
FLOW_TYPES: tuple[str, ...] = ("all", "outward", "return", "transit")
FLOW_SEX_DTYPE = pd.CategoricalDtype(list(FLOW_SEXES), ordered=False)
FLOW_TYPE_DTYPE = pd.CategoricalDtype(list(FLOW_TYPES), ordered=False)
#: What each flow type counts.
TYPE_MEANINGS: dict[str, str] = {
    "all": "every move between two countries",
    "outward": "people leaving their country of birth (emigration of the native-born)",
    "return": "people moving back to their country of birth",
    "transit": "people moving between two countries, neither of which is their country of birth",
}
#: Length of the published periods, years (1 July t to 1 July t + 5).
PERIOD_YEARS = 5
#: World totals of all flows (both sexes) measured in the data mirror's README, persons (rounded to 0.1 M there).
MEASURED_WORLD_TOTALS: dict[int, float] = {1990: 72.7e6, 2015: 101.2e6}
#: How far a world total may be from the README's figure: half its last digit.
WORLD_TOTAL_TOLERANCE = 0.05e6
#: The three types are whole numbers rounded separately: they sum to the total within 1.5 persons a cell.
TYPE_SUM_TOLERANCE = 1.5
#: The explorer's own row and column totals sum whole-number cells: within half a person per cell.
EXPLORER_TOTAL_TOLERANCE_PER_CELL = 0.5

#: Display names the metadata CSV and the locations get wrong or miss, with why.
NAME_OVERRIDES: dict[str, str] = {
    "Sudan*": "SUD",  # the CSV's "Sudan*" row: Sudan before South Sudan's independence (flows to 2010 only)
    "Serbia & Montenegro": "SCG",  # the CSV gives SCG; listed so that it is kept as a former unit, not dropped
    "Channel Islands": "XCX",  # the CSV gives JEY (Jersey) although the label covers Guernsey too
    "FS Micronesia": "FSM",  # neither the CSV ("Micronesia") nor WPP ("Micronesia (Fed. States of)") spells it so
    "St. Vincent & Grenadines": "VCT",  # the CSV and WPP spell it "Saint Vincent and the Grenadines"
    "Caribbean Netherlands": "BES",  # stocks only; WPP's "Bonaire, Sint Eustatius and Saba"
    "Vatican City": "VAT",  # stocks only; WPP's "Holy See"
}
#: Former countries of the estimates before 2010 (no M49 code in WPP or gdidata).
FORMER_UNITS: dict[str, dict] = {
    "SUD": {"name": "Sudan (former, with South Sudan)", "location_code": None, "members": ("SDN", "SSD")},
    "SCG": {"name": "Serbia and Montenegro (former)", "location_code": None, "members": ("SRB", "MNE")},
}
#: Every unit that stands for several WPP countries: the stocks' composites and the former countries.
COMPOSITE_UNITS: dict[str, dict] = {**STOCK_COMPOSITES, **FORMER_UNITS}


class FlowsDataError(DataError):
    """A raw flow file is not laid out as expected."""


# ---------------------------------------------------------------- periods
def period_label(start: int, end: int) -> str:
    """``"1990-1995"``: 1 July of the first year to 1 July of the second."""
    return f"{int(start)}-{int(end)}"


# ---------------------------------------------------------------- names
def _wpp_iso3(locations: pd.DataFrame) -> pd.Series:
    """ISO-3 → M49 code of WPP countries."""
    countries = locations[locations["kind"] == "country"].dropna(subset=["iso3"])
    return pd.Series(countries["location_code"].to_numpy(), index=countries["iso3"].to_numpy())


def _spelled_out(name: str) -> str:
    """A display name with ``&`` spelt ``and`` and ``St.`` spelt ``Saint``."""
    text = name.replace("&", " and ")
    return re.sub(r"\bSt\.\s*", "Saint ", text)


def map_names(names: list[str], metadata: pd.DataFrame, locations: pd.DataFrame, membership: pd.DataFrame) -> pd.DataFrame:
    """ISO-3 and M49 codes of the explorer's display names.

    Parameters
    ----------
    names : list of str
        Display names (countries and areas; regions removed).
    metadata : DataFrame
        The explorer's ``country-metadata-flags.csv`` (``origin_iso``,
        ``origin_name``).
    locations, membership : DataFrame
        The processed ``locations`` and ``location_groups`` tables.

    Returns
    -------
    DataFrame
        ``name, iso3, location_code, matched``: ``matched`` says how
        (``override``, ``metadata``, ``metadata, spelt out``, ``locations``)
        or ``unmapped`` (``iso3`` missing).  ``location_code`` is the M49 code
        (``<NA>`` for the former countries and for what is unmapped).
    """
    wpp = _wpp_iso3(locations)
    known = set(wpp.index) | set(COMPOSITE_UNITS)
    candidates: dict[str, list[str]] = {}
    spelt: dict[str, list[str]] = {}
    for row in metadata[["origin_iso", "origin_name"]].astype(str).itertuples(index=False):
        candidates.setdefault(row.origin_name.strip(), []).append(row.origin_iso.strip())
        spelt.setdefault(normalise(_spelled_out(row.origin_name)).replace(" ", ""), []).append(row.origin_iso.strip())
    index = LocationIndex(locations, membership)

    def choose(codes: list[str]) -> str | None:
        """One code among a name's candidates: a WPP country's first, else a composite's."""
        codes = list(dict.fromkeys(codes))
        for pool in ([c for c in codes if c in wpp.index], [c for c in codes if c in COMPOSITE_UNITS]):
            if len(pool) == 1:
                return pool[0]
        return None

    rows = []
    for name in names:
        iso3, how = None, "unmapped"
        if name in NAME_OVERRIDES:
            iso3, how = NAME_OVERRIDES[name], "override"
        elif (found := choose(candidates.get(name, []))) is not None:
            iso3, how = found, "metadata"
        elif (found := choose(spelt.get(normalise(_spelled_out(name)).replace(" ", ""), []))) is not None:
            iso3, how = found, "metadata, spelt out"
        else:
            for query in (name, _spelled_out(name)):
                try:
                    location = index.resolve(query)
                except InputError:
                    continue
                if location.is_country and isinstance(location.iso3, str):
                    iso3, how = location.iso3, "locations"
                    break
        if iso3 is not None and iso3 not in known:
            iso3, how = None, "unmapped"
        rows.append((name, iso3, how))
    out = pd.DataFrame(rows, columns=["name", "iso3", "matched"])
    codes = out["iso3"].map(wpp)
    composite_codes = out["iso3"].map({k: v["location_code"] for k, v in COMPOSITE_UNITS.items()})
    out.insert(2, "location_code", codes.fillna(composite_codes).astype("Int32"))
    duplicated = out["iso3"].notna() & out["iso3"].duplicated(keep=False)
    if duplicated.any():
        pairs = ", ".join(f"{r.name} -> {r.iso3}" for r in out[duplicated].itertuples())
        raise ValidationError(f"flow_names: two display names map to one code ({pairs}); fix flows.NAME_OVERRIDES")
    return out


# ---------------------------------------------------------------- reading the explorer's files
def _matrices(raw: Mapping, file: str, periods: list[str] | None = None) -> tuple[list[str], dict[str, np.ndarray]]:
    """The country labels and each period's country × country array of one explorer file (regions dropped)."""
    if not isinstance(raw, Mapping) or not {"names", "regions", "matrix"} <= set(raw):
        raise FlowsDataError(f"{file}: not an explorer file (needs names, regions and matrix): run `make data`")
    names, regions = list(raw["names"]), set(raw["regions"])
    if len(set(names)) != len(names) or not regions <= set(range(len(names))):
        raise FlowsDataError(f"{file}: repeated names or region positions outside the names: run `make data`")
    keep = [i for i in range(len(names)) if i not in regions]
    out = {}
    for period, matrix in raw["matrix"].items():
        try:
            values = np.asarray(matrix, dtype="float64")
        except (TypeError, ValueError):
            raise FlowsDataError(f"{file}: period {period} is not a numeric matrix: run `make data`") from None
        if values.shape != (len(names), len(names)):
            raise FlowsDataError(f"{file}: period {period} is {values.shape}, not {len(names)} x {len(names)}")
        if not np.isfinite(values).all():
            raise FlowsDataError(f"{file}: period {period} holds missing or infinite values: run `make data`")
        if (values < 0).any():
            raise ValidationError(f"{file}: period {period} holds negative flows")
        out[str(period)] = values[np.ix_(keep, keep)]
    if periods is not None and sorted(out) != sorted(periods):
        raise FlowsDataError(f"{file}: periods {sorted(out)} differ from {sorted(periods)}")
    return [names[i] for i in keep], out


def check_explorer_totals(raw: Mapping, file: str) -> float:
    """The explorer's own ``total_outflow``/``total_inflow`` against the sums of its cells; returns the worst gap.

    Raises
    ------
    ValidationError
        If a country's total is more than half a person per cell from the
        sum of its row (column).
    """
    names, matrices = _matrices(raw, file)
    worst = 0.0
    for key, axis in (("total_outflow", 1), ("total_inflow", 0)):
        totals = raw.get(key)
        if not isinstance(totals, Mapping):
            continue
        for period, values in matrices.items():
            stated = totals.get(period, {})
            expected = np.array([float(stated.get(name, np.nan)) for name in names])
            gap = np.abs(expected - values.sum(axis=axis))
            limit = EXPLORER_TOTAL_TOLERANCE_PER_CELL * len(names)
            if np.isnan(gap).any() or gap.max() > limit:
                where = names[int(np.nanargmax(np.where(np.isnan(gap), np.inf, gap)))]
                raise ValidationError(f"{file}: {key} of {where} in {period} is not the sum of its cells "
                                      f"(off by more than {limit:,.0f} persons)")
            worst = max(worst, float(gap.max()))
    return worst


def _long(matrix: np.ndarray, names: list[str], mapping: pd.Series) -> pd.DataFrame:
    """Non-zero cells of one origin × destination array of mapped names, long form."""
    codes = np.array([mapping.get(name) for name in names], dtype=object)
    mapped = np.array([isinstance(c, str) for c in codes])
    rows, cols = np.nonzero(matrix * np.outer(mapped, mapped))
    return pd.DataFrame({"origin_iso3": codes[rows].astype(str), "destination_iso3": codes[cols].astype(str),
                         "value": matrix[rows, cols]})


def clean_flows(files: Mapping[tuple[str, str], Mapping], names: pd.DataFrame) -> pd.DataFrame:
    """The ``flows`` table: published flow estimates by period, origin, destination, sex and type.

    Parameters
    ----------
    files : mapping
        Parsed explorer JSON files keyed by ``(sex, type)`` as in
        :data:`FLOW_FILES`.
    names : DataFrame
        From :func:`map_names` (display name → ISO-3, M49 code).

    Returns
    -------
    DataFrame
        ``period_start, period_end, period, origin_iso3, origin_code,
        destination_iso3, destination_code, sex, type, persons``: persons who
        moved from ``origin`` (residence at 1 July of ``period_start``) to
        ``destination`` (residence at 1 July of ``period_end``), whole
        numbers (float64, as the other tables count people); non-zero cells
        only.  ``*_code`` is the M49 code (``<NA>`` for the former countries).
    """
    mapping = names.dropna(subset=["iso3"]).set_index("name")["iso3"]
    periods = None
    frames = []
    for (sex, kind), raw in files.items():
        labels, matrices = _matrices(raw, FLOW_FILES[(sex, kind)], periods)
        periods = periods or sorted(matrices)
        for period, values in matrices.items():
            frame = _long(values, labels, mapping)
            frame.insert(0, "period_start", int(period))
            frame["sex"], frame["type"] = sex, kind
            frames.append(frame)
    out = pd.concat(frames, ignore_index=True).rename(columns={"value": "persons"})
    out["period_start"] = out["period_start"].astype("int16")
    out.insert(1, "period_end", (out["period_start"] + PERIOD_YEARS).astype("int16"))
    out.insert(2, "period", (out["period_start"].astype(str) + "-" + out["period_end"].astype(str)).astype("category"))
    codes = names.dropna(subset=["iso3"]).set_index("iso3")["location_code"]
    out.insert(4, "origin_code", out["origin_iso3"].map(codes).astype("Int32"))
    out.insert(6, "destination_code", out["destination_iso3"].map(codes).astype("Int32"))
    out["sex"] = out["sex"].astype(FLOW_SEX_DTYPE)
    out["type"] = out["type"].astype(FLOW_TYPE_DTYPE)
    out["persons"] = out["persons"].astype("float64")
    # codes as categories: the table reads twice as fast (commands read it on every call)
    out = out.astype({"origin_iso3": "category", "destination_iso3": "category"})
    return out.sort_values(TABLE_KEYS["flows"], ignore_index=True)


def clean_flow_stocks(files: Mapping[str, Mapping], names: pd.DataFrame) -> pd.DataFrame:
    """The ``flow_stocks`` table: the explorer's bilateral stocks (UN DESA 2020 revision, foreign-born only).

    Returns
    -------
    DataFrame
        ``year, origin_iso3, origin_code, destination_iso3,
        destination_code, sex, migrants``: people born in ``origin`` living in
        ``destination`` on 1 July of ``year`` as the published estimates used
        them; non-zero cells only.
    """
    mapping = names.dropna(subset=["iso3"]).set_index("name")["iso3"]
    frames = []
    for sex, raw in files.items():
        labels, matrices = _matrices(raw, STOCK_FILES[sex])
        for year, values in matrices.items():
            frames.append(_long(values, labels, mapping).assign(year=int(year), sex=sex))
    out = pd.concat(frames, ignore_index=True).rename(columns={"value": "migrants"})
    codes = names.dropna(subset=["iso3"]).set_index("iso3")["location_code"]
    out = pd.DataFrame({
        "year": out["year"].astype("int16"),
        "origin_iso3": out["origin_iso3"], "origin_code": out["origin_iso3"].map(codes).astype("Int32"),
        "destination_iso3": out["destination_iso3"],
        "destination_code": out["destination_iso3"].map(codes).astype("Int32"),
        "sex": out["sex"].astype(FLOW_SEX_DTYPE), "migrants": out["migrants"].astype("float64"),
    })
    return out.sort_values(TABLE_KEYS["flow_stocks"], ignore_index=True)


def name_table(flow_files: Mapping[tuple[str, str], Mapping], stock_files: Mapping[str, Mapping],
               metadata: pd.DataFrame, locations: pd.DataFrame, membership: pd.DataFrame) -> pd.DataFrame:
    """Every display name of the flow and stock files with its code and the persons it carries.

    Returns
    -------
    DataFrame
        ``name, iso3, location_code, matched, in_flows, in_stocks,
        outflows, inflows``: ``outflows``/``inflows`` are all flows (both
        sexes) from and to the name over 1990–2020, persons; an ``unmapped``
        name's flows are left out of the ``flows`` table.
    """
    flow_names, flow_matrices = _matrices(flow_files[("both", "all")], FLOW_FILES[("both", "all")])
    stock_names = set()
    for sex, raw in stock_files.items():
        stock_names |= set(_matrices(raw, STOCK_FILES[sex])[0])
    everything = list(dict.fromkeys(flow_names + sorted(stock_names - set(flow_names))))
    out = map_names(everything, metadata, locations, membership)
    total = sum(flow_matrices.values())
    position = {name: i for i, name in enumerate(flow_names)}
    out["in_flows"] = out["name"].isin(flow_names)
    out["in_stocks"] = out["name"].isin(stock_names)
    out["outflows"] = [float(total[position[n]].sum()) if n in position else 0.0 for n in out["name"]]
    out["inflows"] = [float(total[:, position[n]].sum()) if n in position else 0.0 for n in out["name"]]
    return out


# ---------------------------------------------------------------- checks
def validate_flows(flows: pd.DataFrame, expected_world: Mapping[int, float] | None = MEASURED_WORLD_TOTALS,
                   table: str = "flows") -> dict:
    """Checks on a flows table; raises :class:`ValidationError` with one line.

    Unique keys; no missing, infinite or negative persons; every (sex, type)
    present in every period; the types sum to the total of both sexes
    within :data:`TYPE_SUM_TOLERANCE` persons a cell; and, when
    ``expected_world`` is given, the world total of all flows of a period
    within :data:`WORLD_TOTAL_TOLERANCE` of it.

    Returns
    -------
    dict
        ``world`` (period start → world total, persons) and ``type_gap``
        (largest gap between the sum of the types and the total, persons).
    """
    check_unique(flows, TABLE_KEYS[table], table)
    persons = flows["persons"].to_numpy(dtype="float64")
    if not np.isfinite(persons).all():
        raise ValidationError(f"{table}: {int((~np.isfinite(persons)).sum())} missing or infinite persons")
    if (persons < 0).any():
        bad = flows.loc[persons < 0].iloc[0]
        raise ValidationError(f"{table}: {int((persons < 0).sum())} negative flows, e.g. {bad['origin_iso3']} -> "
                              f"{bad['destination_iso3']} {bad['period']} ({bad['persons']:,.0f})")
    combos = flows.groupby(["period_start", "sex", "type"], observed=True).size()
    periods = sorted(flows["period_start"].unique())
    present = {(s, t) for _, s, t in combos.index}
    missing = [(p, s, t) for p in periods for (s, t) in present if (p, s, t) not in combos.index]
    if missing:
        raise ValidationError(f"{table}: no rows for {missing[0]} (and {len(missing) - 1} more combinations)")
    both = flows[flows["sex"] == "both"]
    wide = both.pivot_table(index=["period_start", "origin_iso3", "destination_iso3"], columns="type",
                            values="persons", aggfunc="sum", observed=True, fill_value=0.0)
    gap = 0.0
    if set(wide.columns) & {"outward", "return", "transit"}:  # a type with no flow at all has no rows
        wide = wide.reindex(columns=list(FLOW_TYPES), fill_value=0.0)
        differences = (wide["outward"] + wide["return"] + wide["transit"] - wide["all"]).abs()
        gap = float(differences.max()) if len(differences) else 0.0
        if gap > TYPE_SUM_TOLERANCE:
            where = differences.idxmax()
            raise ValidationError(f"{table}: outward + return + transit differ from all flows by {gap:,.1f} persons "
                                  f"({where[1]} -> {where[2]}, {where[0]}; at most {TYPE_SUM_TOLERANCE} allowed)")
    totals = both[both["type"] == "all"].groupby("period_start", observed=True)["persons"].sum()
    for start, expected in (expected_world or {}).items():
        found = float(totals.get(start, 0.0))
        if abs(found - expected) > WORLD_TOTAL_TOLERANCE:
            raise ValidationError(f"{table}: world flows {period_label(start, start + PERIOD_YEARS)} are "
                                  f"{found / 1e6:.2f} M, not the {expected / 1e6:.1f} M measured in the data mirror's "
                                  "README")
    return {"world": {int(k): float(v) for k, v in totals.items()}, "type_gap": gap}


def build_flow_tables(raw: Callable[[str], object], locations: pd.DataFrame, membership: pd.DataFrame,
                      expected_world: Mapping[int, float] | None = MEASURED_WORLD_TOTALS
                      ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """Read, map, clean and check the explorer's files (the build's flows step).

    Returns
    -------
    tuple
        ``(flows, flow_stocks, flow_names, summary)``; ``summary`` has
        ``world``, ``type_gap`` and ``explorer_gap`` (the explorer's own
        totals against its cells, persons).
    """
    flow_files = {key: raw(name) for key, name in FLOW_FILES.items()}
    stock_files = {sex: raw(name) for sex, name in STOCK_FILES.items()}
    explorer_gap = max(check_explorer_totals(data, FLOW_FILES[key]) for key, data in flow_files.items())
    names = name_table(flow_files, stock_files, raw(METADATA_FILE), locations, membership)
    flows = clean_flows(flow_files, names)
    summary = validate_flows(flows, expected_world)
    stocks = clean_flow_stocks(stock_files, names)
    check_unique(stocks, TABLE_KEYS["flow_stocks"], "flow_stocks")
    if (stocks["migrants"] < 0).any():
        raise ValidationError("flow_stocks: negative stocks")
    summary["explorer_gap"] = explorer_gap
    return flows, stocks, names, summary


# ---------------------------------------------------------------- demography of the estimator
def _annual(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``location_code, year, value`` (persons) of an annual WPP column in thousands."""
    return pd.DataFrame({"location_code": frame["country_code"].astype("int64").to_numpy(),
                         "year": frame["year"].astype(float).astype("int64").to_numpy(),
                         "value": frame[column].astype("float64").to_numpy() * 1000.0})


def period_sums(annual: pd.DataFrame, start: int, end: int) -> pd.Series:
    """Events of 1 July ``start`` to 1 July ``end`` from calendar-year counts, by location.

    Half of the first and of the last calendar year, all of the years
    between (weights ½, 1, …, 1, ½): the period 1990–1995 takes half of 1990,
    1991–1994 and half of 1995.
    """
    years = np.arange(start, end + 1)
    weights = np.where((years == start) | (years == end), 0.5, 1.0)
    rows = annual[annual["year"].isin(years)]
    weight = rows["year"].map(dict(zip(years, weights)))
    complete = rows.groupby("location_code")["year"].nunique() == len(years)
    sums = (rows["value"] * weight).groupby(rows["location_code"]).sum()
    return sums[complete.reindex(sums.index, fill_value=False)]


def clean_flow_demography(population: pd.DataFrame, midyear: pd.DataFrame, totals_by_sex: pd.DataFrame,
                          misc: pd.DataFrame, misc_projection: pd.DataFrame, srb: pd.DataFrame,
                          mortality: pd.DataFrame, locations: pd.DataFrame,
                          stock_years: tuple[int, ...]) -> pd.DataFrame:
    """Population at the ends of each stock period and births and deaths within it, by country and sex.

    What the project's flow estimator needs besides the stocks (WPP 2024).

    * Population on 1 July of each stock year: the 5-year table (estimates)
      for 1990–2020; for 2024 the ``population_midyear`` total split by sex
      with the sex shares of WPP's end-of-2024 totals (``popproj1dt``).
    * Births and deaths of each period from WPP's calendar-year counts
      (``misc1dt`` to 2023, ``miscproj1dt`` from 2024, medium variant) with
      weights ½, 1, …, 1, ½ (:func:`period_sums`).
    * Births by sex with the period's sex ratio at birth; deaths by sex in
      proportion to the deaths the period's death rates by age and sex give
      on the mean population of the period's two ends (for 2020–2024, of
      2020 and 2025, medium variant), scaled to WPP's total deaths.

    Parameters
    ----------
    population, midyear, mortality, srb : DataFrame
        Processed ``population``, ``population_midyear``, ``mortality`` and
        ``sex_ratio_at_birth`` tables.
    totals_by_sex : DataFrame
        Raw ``popproj1dt`` (end-of-year totals by sex, thousands).
    misc, misc_projection : DataFrame
        Raw ``misc1dt`` and ``miscproj1dt`` (``births``, ``deaths``,
        thousands per calendar year).
    locations : DataFrame
        Processed locations (countries are kept).
    stock_years : tuple of int
        The stock years; each pair of consecutive years is a period.

    Returns
    -------
    DataFrame
        ``location_code, period_start, period_end, sex, population_start,
        population_end, births, deaths`` (persons), sexes ``both``,
        ``female`` and ``male``; countries with every figure only.
    """
    countries = locations.loc[locations["kind"] == "country", "location_code"].astype("int64")
    by_sex_age = population[population["variant"].isin(["estimates", "medium"])
                            & population["location_code"].isin(countries)]
    by_sex = by_sex_age.groupby(["location_code", "year", "sex"], observed=True)["population"].sum().unstack("sex")
    july = {}
    for year in stock_years:
        if year % 5 == 0:
            rows = by_sex.xs(year, level="year")
            july[year] = pd.DataFrame({"female": rows["female"], "male": rows["male"]})
        else:
            total = midyear[midyear["year"] == year].set_index("location_code")["population"]
            ends = totals_by_sex[totals_by_sex["year"].astype(float).astype(int) == year]
            ends = ends.set_index(ends["country_code"].astype("int64"))
            female_share = ends["popF"] / (ends["popF"] + ends["popM"])
            share = female_share.reindex(total.index)
            july[year] = pd.DataFrame({"female": total * share, "male": total * (1 - share)})
    births = pd.concat([_annual(misc, "births"), _annual(misc_projection, "births")])
    deaths = pd.concat([_annual(misc, "deaths"), _annual(misc_projection, "deaths")])
    srb_by = srb.set_index(["location_code", "period_start"])["srb"]
    frames = []
    for start, end in zip(stock_years[:-1], stock_years[1:]):
        born, died = period_sums(births, start, end), period_sums(deaths, start, end)
        ratio = srb_by.xs(start, level="period_start")
        male_births = born * ratio / (1.0 + ratio)
        weights = _death_weights(mortality, by_sex_age, start)
        male_deaths = died * weights["male"] / (weights["male"] + weights["female"])
        frame = pd.DataFrame({
            "population_start_female": july[start]["female"], "population_start_male": july[start]["male"],
            "population_end_female": july[end]["female"], "population_end_male": july[end]["male"],
            "births_male": male_births, "births_female": born - male_births,
            "deaths_male": male_deaths, "deaths_female": died - male_deaths,
        })
        frame = frame[frame.index.isin(countries)].dropna()
        long = []
        for sex in ("female", "male"):
            long.append(pd.DataFrame({"sex": sex, "population_start": frame[f"population_start_{sex}"],
                                      "population_end": frame[f"population_end_{sex}"],
                                      "births": frame[f"births_{sex}"], "deaths": frame[f"deaths_{sex}"]}))
        pair = pd.concat(long)
        both = pair.groupby(level=0)[["population_start", "population_end", "births", "deaths"]].sum()
        pair = pd.concat([both.assign(sex="both"), pair])
        frames.append(pair.rename_axis("location_code").reset_index().assign(period_start=start, period_end=end))
    out = pd.concat(frames, ignore_index=True)
    out = out[["location_code", "period_start", "period_end", "sex", "population_start", "population_end", "births",
               "deaths"]]
    out = out.astype({"location_code": "int32", "period_start": "int16", "period_end": "int16"})
    out["sex"] = out["sex"].astype(FLOW_SEX_DTYPE)
    return out.sort_values(TABLE_KEYS["flow_demography"], ignore_index=True)


def _death_weights(mortality: pd.DataFrame, population: pd.DataFrame, start: int) -> pd.DataFrame:
    """Deaths by sex up to a common factor: the period's death rates by age on the mean population of its 5-year ends.

    The rates of ages 0 and 1–4 are merged into 0–4 with weights 1 and 4
    (their widths), to match the population's age groups.
    """
    rates = mortality[(mortality["period_start"] == start) & mortality["sex"].isin(["female", "male"])]
    age = rates["age"].astype(str)
    width = np.select([age == "0", age == "1-4"], [1.0, 4.0], 1.0)
    rates = rates.assign(group=age.replace({"0": "0-4", "1-4": "0-4"}), width=width, weighted=rates["mx"] * width)
    merged = rates.groupby(["location_code", "sex", "group"], observed=True)[["weighted", "width"]].sum()
    mx = (merged["weighted"] / merged["width"]).rename("mx")
    ends = population[population["year"].isin([start, start + PERIOD_YEARS])]
    mean = ends.groupby(["location_code", "sex", "age"], observed=True)["population"].sum() / 2.0
    mean.index = mean.index.set_names("group", level="age")
    mean.index = mean.index.set_levels(mean.index.levels[2].astype(str), level="group")
    mean.index = mean.index.set_levels(mean.index.levels[1].astype(str), level="sex")
    mx.index = mx.index.set_levels(mx.index.levels[1].astype(str), level="sex")
    deaths = (mx * mean.reindex(mx.index)).groupby(level=["location_code", "sex"]).sum(min_count=1)
    return deaths.unstack("sex")


def validate_flow_demography(demography: pd.DataFrame) -> dict:
    """Checks on the ``flow_demography`` table; returns the world's balance by period.

    Unique keys; no missing or negative figures; female and male sum to both
    sexes; and the world's population change equals its births minus deaths
    (WPP's world is closed) within 0.1 % of the world population.

    Returns
    -------
    dict
        Period start → world population change minus births plus deaths
        (persons).
    """
    table = "flow_demography"
    check_unique(demography, TABLE_KEYS[table], table)
    values = demography[["population_start", "population_end", "births", "deaths"]]
    if not np.isfinite(values.to_numpy()).all() or (values < 0).any().any():
        raise ValidationError(f"{table}: missing, infinite or negative figures")
    both = demography[demography["sex"] == "both"].set_index(["location_code", "period_start"])[values.columns]
    sexes = demography[demography["sex"] != "both"].groupby(["location_code", "period_start"])[values.columns].sum()
    gap = (both - sexes.reindex(both.index)).abs().max().max()
    if not gap <= 1.0:
        raise ValidationError(f"{table}: women and men differ from both sexes by {gap:,.1f} persons")
    world = both.groupby(level="period_start").sum()
    balance = world["population_end"] - world["population_start"] - world["births"] + world["deaths"]
    worst = (balance.abs() / world["population_end"]).max()
    if worst > 1e-3:
        raise ValidationError(f"{table}: the world's population change differs from births minus deaths by "
                              f"{worst:.2%} of its population")
    return {int(k): float(v) for k, v in balance.items()}


# ---------------------------------------------------------------- loading
def load_flows(processed_dir: Path | None = None) -> pd.DataFrame:
    """The processed ``flows`` table (published estimates, Abel and Cohen 2022)."""
    return read_table("flows", processed_dir)


def load_flow_stocks(processed_dir: Path | None = None) -> pd.DataFrame:
    """The processed ``flow_stocks`` table (the explorer's bilateral stocks)."""
    return read_table("flow_stocks", processed_dir)


def load_flow_names(processed_dir: Path | None = None) -> pd.DataFrame:
    """The processed ``flow_names`` table (display names and their codes)."""
    return read_table("flow_names", processed_dir)


def load_flow_demography(processed_dir: Path | None = None) -> pd.DataFrame:
    """The processed ``flow_demography`` table (population, births and deaths for the flow estimator)."""
    return read_table("flow_demography", processed_dir)


def composite_members(iso3: str) -> tuple[str, ...]:
    """The WPP countries (ISO-3) a composite or former unit stands for; the code itself for a country."""
    spec = COMPOSITE_UNITS.get(iso3)
    return tuple(spec["members"]) if spec else (iso3,)


def codes_in(location_iso3: set[str]) -> set[str]:
    """ISO-3 codes of the units inside a set of countries: the countries and the composites all of whose members are in."""
    codes = set(location_iso3)
    codes |= {code for code, spec in COMPOSITE_UNITS.items() if set(spec["members"]) <= set(location_iso3)}
    return codes


__all__ = [name for name in dir() if not name.startswith("_") and name not in {"annotations", "math", "re", "WORLD"}]
