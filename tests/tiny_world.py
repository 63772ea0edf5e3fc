"""A tiny synthetic world laid out like the raw files, for end-to-end tests without the built data.

Two countries: Alphaland (M49 1001, AAA) in Western Africa and Betaland (1002,
BBB) in Western Europe, with the WPP aggregates they belong to.  Population
rows exist for both countries, the World and Africa, and the aggregates sum
their members exactly, as in WPP.  Every raw file the build reads has a small
frame here with the raw columns and conventions (thousands, text periods,
the projection year stored as text, end-of-year yearly totals).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data.build import build

ALPHA, BETA, WORLD, AFRICA = 1001, 1002, 900, 903
COUNTRIES = {ALPHA: ("Alphaland", "AAA"), BETA: ("Betaland", "BBB")}
AGES = [f"{a}-{a + 4}" for a in range(0, 100, 5)] + ["100+"]
MORTALITY_AGES = ["0", "1"] + [str(a) for a in range(5, 100, 5)] + ["100+"]
ESTIMATE_YEARS = list(range(1950, 2021, 5))
PROJECTION_YEARS = list(range(2025, 2101, 5))
PERIODS = [f"{y}-{y + 5}" for y in range(1950, 2100, 5)]
GROUPS = {
    "groups": {
        "DUO": {"name": "Alpha-Beta pact", "kind": "political", "members": ["Alphaland", "Betaland"],
                "expected_members": 2, "source": "fixture", "as_of": "2026-01-01", "aliases": ["the pact"]},
    },
}


def _population_by_age(code: int, year: int, factor: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Thousands by age (21 groups) for men and women: a young Alphaland, an old Betaland."""
    ages = np.arange(21)
    if code == ALPHA:
        base = 900.0 * np.exp(-0.18 * ages) * (1 + 0.015 * (year - 1950))
    else:
        base = 400.0 * np.exp(-0.03 * ages) * np.where(ages > 17, 0.2, 1.0) * (1 + 0.002 * (year - 1950))
    men = np.round(base * factor, 3)
    women = np.round(base * factor * 1.02, 3)
    return men, women


def _age_rows(years, variant_factors: dict[str, float]) -> pd.DataFrame:
    rows = []
    for year in years:
        by_code = {}
        for code in COUNTRIES:
            columns = {}
            for suffix, factor in variant_factors.items():
                men, women = _population_by_age(code, year, factor)
                columns[f"popM{suffix}"], columns[f"popF{suffix}"] = men, women
                columns[f"pop{suffix}"] = np.round(men + women, 3)
            by_code[code] = columns
        by_code[WORLD] = {k: by_code[ALPHA][k] + by_code[BETA][k] for k in by_code[ALPHA]}
        by_code[AFRICA] = dict(by_code[ALPHA])
        for code, columns in by_code.items():
            for index, age in enumerate(AGES):
                rows.append({"country_code": code, "year": year, "age": age,
                             **{k: float(v[index]) for k, v in columns.items()}})
    return pd.DataFrame(rows)


def _period_rows(periods, make) -> pd.DataFrame:
    return pd.DataFrame([{"country_code": code, "period": period, "year": int(period[:4]) + 3, **make(code, period)}
                         for code in (*COUNTRIES, WORLD, AFRICA) for period in periods])


WIC_LEVELS = ["No Education", "Incomplete Primary", "Primary", "Lower Secondary", "Upper Secondary", "Post Secondary"]
#: WIC's totals against WPP's (WIC's base is older): Alphaland 4 % above, Betaland 3 % below.
WIC_FACTORS = {ALPHA: 1.04, BETA: 0.97}
#: WIC covers Alphaland from 1950 and Betaland from 2015 only, and splits Betaland's post-secondary.
WIC_FIRST_YEARS = {ALPHA: 1950, BETA: 2015}


def education_weights(code: int, year: int, start: int) -> np.ndarray:
    """Weights of the six attainment levels of the cohort aged ``start`` in ``year``: later cohorts study longer."""
    progress = np.clip((year - start - 1900) / (150 if code == ALPHA else 90), 0, 1)
    weights = np.array([0.5 * (1 - progress) + 0.02, 0.1, 0.15, 0.1 + 0.05 * progress, 0.1 + 0.25 * progress,
                        (0.03 if code == ALPHA else 0.1) + 0.2 * progress])
    if start < 20:  # as in WIC, nobody aged 15-19 has post-secondary education
        weights[-1] = 0.0
    return weights / weights.sum()


def _education_rows() -> pd.DataFrame:
    """``wcde/epop_ssp2.rda``: thousands to one decimal by country, year, age, sex and education; plus a WIC aggregate."""
    rows = []
    for code, (name, _) in COUNTRIES.items():
        for year in ESTIMATE_YEARS + PROJECTION_YEARS:
            if year < WIC_FIRST_YEARS[code]:
                continue
            men, women = _population_by_age(code, year, WIC_FACTORS[code])
            for sex, values in (("Male", men), ("Female", women)):
                for index, age in enumerate(AGES):
                    start, label = 5 * index, age.replace("-", "--")
                    cells = {"Under 15": 0.0, **dict.fromkeys(WIC_LEVELS, 0.0)}
                    if start < 15:
                        cells["Under 15"] = round(values[index], 1)
                    else:
                        for level, weight in zip(WIC_LEVELS, education_weights(code, year, start)):
                            cells[level] = round(values[index] * weight, 1)
                    if code == BETA:
                        post = cells["Post Secondary"]
                        short, bachelor = round(post * 0.2, 1), round(post * 0.5, 1)
                        cells.update({"Short Post Secondary": short, "Bachelor": bachelor,
                                      "Master and higher": round(post - short - bachelor, 1)})
                    rows.extend({"name": name, "country_code": float(code), "year": float(year), "age": label,
                                 "education": level, "sex": sex, "epop": value} for level, value in cells.items())
    frame = pd.DataFrame(rows)
    world = frame[frame["country_code"] == ALPHA].assign(name="World", country_code=float(WORLD))
    return pd.concat([frame, world], ignore_index=True)


#: ISCO groups as the snapshot package lists them (code, label, skill group).
ISCO_ROWS = [("isco-08-1", "Managers", "High-skill"), ("isco-08-2", "Professionals", "High-skill"),
             ("isco-08-3", "Technicians and associate professionals", "High-skill"),
             ("isco-08-4", "Clerical support workers", "Medium-skill"), ("isco-08-5", "Services and sales workers", "Medium-skill"),
             ("isco-08-6", "Skilled agricultural, forestry and fishery workers", "Medium-skill"),
             ("isco-08-7", "Craft and related trades workers", "Medium-skill"),
             ("isco-08-8", "Plant and machine operators and assemblers", "Medium-skill"),
             ("isco-08-9", "Elementary occupations", "Low-skill"), ("isco-08-0", "Armed forces occupations", "Unknown"),
             ("isco-08-X", "Not elsewhere classified", "Unknown"), ("isco-68-3", "Clerical and related workers", "Medium-skill"),
             ("isco-68-Y", "Armed forces occupations", "Unknown")]
#: Betaland's employed persons by ISCO-08 major group in 2023 (female, male); foreign-born are a tenth.
BETA_EMPLOYED = {"isco-08-1": (100.0, 200.0), "isco-08-2": (400.0, 300.0), "isco-08-3": (300.0, 300.0),
                 "isco-08-4": (300.0, 100.0), "isco-08-5": (400.0, 200.0), "isco-08-6": (10.0, 40.0),
                 "isco-08-7": (50.0, 450.0), "isco-08-8": (40.0, 260.0), "isco-08-9": (200.0, 150.0),
                 "isco-08-0": (0.0, 20.0), "isco-08-X": (20.0, 20.0)}


def _ilostat_frames() -> dict[str, pd.DataFrame]:
    """The ILOSTAT files (IOM snapshot): Betaland's 2023 cells, one stray 2019 cell, Alphaland in ISCO-68."""
    occupation = [{"geo": "BBB", "t": 2023.0, "occup": code, "sex": sex, "n": value}
                  for code, pair in BETA_EMPLOYED.items() for sex, value in zip(("Female", "Male"), pair)]
    occupation.append({"geo": "BBB", "t": 2019.0, "occup": "isco-08-X", "sex": "Other", "n": 5.0})
    occupation.append({"geo": "AAA", "t": 1990.0, "occup": "isco-68-3", "sex": "Female", "n": 7.0})
    birth = []
    for code, pair in BETA_EMPLOYED.items():
        for sex, value in zip(("Female", "Male"), pair):
            birth += [{"geo": "BBB", "birth": place, "t": 2023.0, "occup": code, "sex": sex, "n": n}
                      for place, n in (("Total", value), ("Foreign", value / 10), ("Native", value - value / 10))]
    birth.append({"geo": "BBB", "birth": "Unknown", "t": 2017.0, "occup": "isco-08-9", "sex": "Male", "n": 30.0})
    birth += [{"geo": "BBB", "birth": "Total", "t": 2023.0, "occup": "isco-68-Y", "sex": "Male", "n": n} for n in (1.0, 2.0)]
    education = [{"geo": "BBB", "t": year, "birth": place, "sex": sex, "educ": level, "n": 100.0}
                 for year in (2022.0, 2023.0) for place in ("Foreign-born", "Native-born") for sex in ("Female", "Male")
                 for level in ("Basic", "Intermediate", "Advanced")]
    unemployment = [{"geo": "BBB", "birth": "Native-born", "sex": sex, "educ": level, "t": 2023.0, "v": 4.0}
                    for sex in ("Female", "Male", "Total") for level in ("Basic", "Total")]
    earnings = [{"geo": "BBB", "t": 2023.0, "type": "birth", "status": status, "sex": "Total", "v": 3000.0}
                for status in ("Foreign", "Native", "Total")]
    return {
        "ilostat/isco_occupations.rda": pd.DataFrame(ISCO_ROWS, columns=["code", "label", "skill"]),
        "ilostat/empsexoccup.rda": pd.DataFrame(occupation),
        "ilostat/empsexoccupbirth.rda": pd.DataFrame(birth),
        "ilostat/empsexeduc.rda": pd.DataFrame(education),
        "ilostat/unemsexeduc.rda": pd.DataFrame(unemployment),
        "ilostat/earnings.rda": pd.DataFrame(earnings),
    }


def raw_frames() -> dict[str, pd.DataFrame]:
    """Every raw file of the build, by registry name."""
    unlocations = pd.DataFrame([
        ("World", WORLD, -1, None, -1, None, 0, 1), ("Sub-Saharan Africa", 1834, -1, None, -1, None, 1834000, 2),
        ("Europe and Northern America", 1829, -1, None, -1, None, 1829000, 3),
        ("More developed regions", 901, -1, None, -1, None, 901000, 4),
        ("Less developed regions", 902, -1, None, -1, None, 902000, 5),
        ("Africa", AFRICA, -1, None, -1, None, 2, 6), ("Western Africa", 914, -1, None, -1, None, 3, 7),
        ("Alphaland", ALPHA, 914, "Western Africa", AFRICA, "Africa", 4, 8),
        ("Europe", 908, -1, None, -1, None, 2, 9), ("Western Europe", 926, -1, None, -1, None, 3, 10),
        ("Betaland", BETA, 926, "Western Europe", 908, "Europe", 4, 11),
    ], columns=["name", "country_code", "reg_code", "reg_name", "area_code", "area_name", "location_type", "SortOrder"])
    for code in (1834, 1829, 901, 902):
        unlocations[f"agcode_{code * 1000}"] = -1
    unlocations.loc[unlocations["country_code"] == ALPHA, ["agcode_1834000", "agcode_902000"]] = [1834, 902]
    unlocations.loc[unlocations["country_code"] == BETA, ["agcode_1829000", "agcode_901000"]] = [1829, 901]

    countrynames = pd.DataFrame({"m49": [float(ALPHA), float(BETA)], "iso3": ["AAA", "BBB"],
                                 "name": ["Alphaland", "Betaland"], "name_sort": ["Alphaland", "Betaland"],
                                 "name_text": ["Republic of Alphaland", "Betaland"], "eu": [0.0, 1.0]})

    estimates = _age_rows(ESTIMATE_YEARS, {"": 1.0})
    projections = _age_rows(PROJECTION_YEARS, {"": 1.0, "_low": 0.97, "_high": 1.03})
    projections["year"] = projections["year"].astype(str)  # as in popprojAge5dt

    # yearly totals at the end of each year, from the 1 July totals of the 5-year table interpolated linearly:
    # end of t = mean of 1 July t and t + 1, so that 1 July t = mean of the ends of t - 1 and t (as in WPP), and
    # the year's change is the difference of two ends; the intervals widen by 0.1 % (80 %) and 0.15 % (95 %) a year
    totals, changes = [], []
    five_yearly = pd.concat([estimates[estimates["year"] == 2020], projections.assign(year=projections["year"].astype(int))])
    july = five_yearly.groupby(["country_code", "year"])["pop"].sum().unstack("year")
    for code, row in july.iterrows():
        years, values = row.index.to_numpy(), row.to_numpy()
        years, values = np.append(years, 2105), np.append(values, 2 * values[-1] - values[-2])  # on past 2100
        yearly = np.interp(np.arange(2023, 2102), years, values)  # 1 July 2023 ... 2101
        ends = (yearly[:-1] + yearly[1:]) / 2.0  # end of 2023 ... 2100
        for index, year in enumerate(range(2024, 2101), start=1):
            end = ends[index]
            spread = (year - 2020) / 1000.0
            totals.append({"country_code": float(code), "year": float(year), "popM": end * 0.49, "popF": end * 0.51,
                           "pop_80l": end * (1 - spread), "pop_80u": end * (1 + spread),
                           "pop_95l": end * (1 - 1.5 * spread), "pop_95u": end * (1 + 1.5 * spread),
                           "pop_low": end * 0.97, "pop_high": end * 1.03})
            change = end - ends[index - 1]
            deaths = round(0.01 * end, 3)  # a tenth of the world closed: births = deaths + the year's growth
            changes.append({"country_code": float(code), "year": float(year), "PopChange": change,
                            "births": deaths + change, "deaths": deaths})

    mortality = []
    for code in (*COUNTRIES, WORLD, AFRICA):
        level = 1.0 if code in (ALPHA, AFRICA) else 0.5
        for period in PERIODS:
            improvement = 0.99 ** ((int(period[:4]) - 1950) / 5)
            for index, age in enumerate(MORTALITY_AGES):
                rate = level * improvement * (0.05 if age == "0" else 0.004 if age == "1" else 0.0008 * np.exp(0.085 * index))
                rate = min(rate, 0.9)
                mortality.append({"country_code": code, "year": int(period[:4]) + 3, "period": period, "age": age,
                                  "mxM": rate * 1.1, "mxF": rate * 0.9, "mxB": rate})
    tfr = lambda code, period: {"tfr": 5.0 - 0.04 * (int(period[:4]) - 1950) / 5 if code in (ALPHA, AFRICA) else 1.6}  # noqa: E731
    estimates_periods = [p for p in PERIODS if int(p[:4]) < 2020]
    projection_periods = [p for p in PERIODS if int(p[:4]) >= 2020]
    tfr_projection = _period_rows(projection_periods, lambda c, p: {
        **tfr(c, p), "tfr_low": tfr(c, p)["tfr"] - 0.5, "tfr_high": tfr(c, p)["tfr"] + 0.5,
        **{f"tfr_{level}{side}": tfr(c, p)["tfr"] * (1 + sign * spread * (int(p[:4]) - 2015) / 100)
           for level, spread in (("80", 0.8), ("95", 1.2)) for side, sign in (("l", -1), ("u", 1))}})
    pattern = [{"country_code": code, "year": int(period[:4]) + 3, "period": period, "age": age, "pasfr": share}
               for code in (*COUNTRIES, WORLD, AFRICA) for period in PERIODS
               for age, share in zip(AGES[3:10], (10.0, 20.0, 25.0, 20.0, 15.0, 8.0, 2.0))]
    e0 = lambda code, period: {"e0M": 60.0 + 0.2 * (int(period[:4]) - 1950) / 5, "e0F": 64.0, "e0B": 62.0}  # noqa: E731

    def e0_projection(code, period):  # bounds widening by 0.1 years (80 %) and 0.15 (95 %) a year from 2020
        values = e0(code, period)
        years = int(period[:4]) - 2015
        return {**values, **{f"e0{sex}_{level}{side}": values[f"e0{sex}"] + sign * spread * years
                             for sex in "MFB" for level, spread in (("80", 0.1), ("95", 0.15))
                             for side, sign in (("l", -1), ("u", 1))}}
    migration = [{"country_code": code, "period": period, "age": age, "year": int(period[:4]) + 3,
                  "migM": (-0.5 if code == ALPHA else 0.5) if 4 <= index <= 7 else 0.0,
                  "migF": (-0.5 if code == ALPHA else 0.5) if 4 <= index <= 7 else 0.0}
                 for code in (*COUNTRIES, WORLD, AFRICA) for period in projection_periods
                 for index, age in enumerate(AGES)]
    for row in migration:
        if row["country_code"] in (WORLD,):
            row["migM"] = row["migF"] = 0.0
        if row["country_code"] == AFRICA:
            row["migM"] = row["migF"] = -0.5 if 4 <= AGES.index(row["age"]) <= 7 else 0.0
    # annual net migration (thousands) whose weighted sums (1/2, 1, 1, 1, 1, 1/2) give the period totals: 4 age
    # groups x 2 sexes x 0.5 thousand = 4 thousand a period, 0.8 thousand a year; bounds +-1 and +-1.6 thousand
    annual_migration = [{"country_code": code, "year": year, "mig": level, "mig_80l": level - 1.0, "mig_80u": level + 1.0,
                         "mig_95l": level - 1.6, "mig_95u": level + 1.6}
                        for code, level in ((ALPHA, -0.8), (BETA, 0.8), (WORLD, 0.0), (AFRICA, -0.8))
                        for year in range(2024, 2101)]
    for row in annual_migration:
        if row["country_code"] == WORLD:
            row.update({key: 0.0 for key in row if key.startswith("mig")})
    stocks = [{"geo": geo, "t": year, "from": origin, "sex": sex, "n": n, "type_b": 1, "type_c": 0, "type_r": 0, "type_i": 0}
              for year in (1990, 1995, 2000, 2005, 2010, 2015, 2020, 2024)
              for geo, origin, n in (("BBB", "AAA", 1000 + 10 * (year - 1990)), ("BBB", "OOO", 50), ("AAA", "BBB", 20))
              for sex in ("male", "female")]
    wdi = pd.DataFrame([{"geo": "AAA", "var": var, "t": 2023, "v": value}
                        for var, value in (("remin", 2.0e9), ("gdp", 40.0e9), ("income", 5000.0), ("pop", 30e6))])
    # calendar-year births and deaths to 2023 (thousands): populations grow linearly between 1950 and 2020 in
    # this world and nobody migrates, so births minus deaths is each year's growth, the 1990-2020 slope
    july_totals = estimates.groupby(["country_code", "year"])["pop"].sum()
    misc = []
    for code in (*COUNTRIES, WORLD, AFRICA):
        growth = (july_totals[(code, 2020)] - july_totals[(code, 1990)]) / 30.0
        for year in range(1950, 2024):
            deaths = round(0.01 * july_totals[(code, 1990)], 3)
            misc.append({"country_code": float(code), "year": float(year), "births": deaths + growth, "deaths": deaths})
    return {
        "wpp2024/UNlocations.txt": unlocations,
        "wpp2024/misc1dt.rda": pd.DataFrame(misc),
        **flow_files(),
        "gdidata/countrynames.rda": countrynames,
        "wpp2024/popAge5dt.rda": estimates,
        "wpp2024/popprojAge5dt.rda": projections,
        "wpp2024/popproj1dt.rda": pd.DataFrame(totals),
        "wpp2024/miscproj1dt.rda": pd.DataFrame(changes),
        "wpp2024/tfr5dt.rda": _period_rows(estimates_periods, tfr),
        "wpp2024/tfrproj5dt.rda": tfr_projection,
        "wpp2024/percentASFR5dt.rda": pd.DataFrame(pattern),
        "wpp2024/mx5dt.rda": pd.DataFrame(mortality),
        "wpp2024/sexRatio5dt.rda": _period_rows(PERIODS, lambda c, p: {"srb": 1.05}),
        "wpp2024/migprojAge5dt.rda": pd.DataFrame(migration),
        "wpp2024/e05dt.rda": _period_rows(estimates_periods, e0),
        "wpp2024/e0proj5dt.rda": _period_rows(projection_periods, e0_projection),
        "wpp2024/migproj1dt.rda": pd.DataFrame(annual_migration),
        "gdidata/undesa_stocks.rda": pd.DataFrame(stocks),
        "gdidata/wdi.rda": wdi,
        "wcde/epop_ssp2.rda": _education_rows(),
        **_ilostat_frames(),
    }


#: Published flows of the tiny world (both sexes, all types), persons by period start: Alphaland to Betaland and back.
FLOWS = {year: (1000.0 + 10 * (year - 1990), 200.0) for year in range(1990, 2020, 5)}
#: How the tiny world's flows split by type (outward, return, transit) in each direction.
TYPE_SHARES = {"AAA->BBB": (0.9, 0.1, 0.0), "BBB->AAA": (0.25, 0.75, 0.0)}


def _explorer_file(matrices: dict[str, list[list[float]]], reverse: bool = False) -> dict:
    """An explorer JSON object over two regions and two countries (the type files list names in another order)."""
    names = ["Region of Alphaland", "Alphaland", "Region of Betaland", "Betaland"]
    order = [2, 3, 0, 1] if reverse else [0, 1, 2, 3]
    out_names = [names[i] for i in order]
    out = {}
    for year, (a_to_b, b_to_a) in matrices.items():
        full = np.zeros((4, 4))
        full[1, 3], full[3, 1] = a_to_b, b_to_a
        full[0, 2], full[2, 0] = a_to_b, b_to_a  # the region rows and columns are sums, as in the explorer
        out[year] = full[np.ix_(order, order)].tolist()
    totals_out = {y: dict(zip(out_names, np.asarray(m).sum(axis=1).tolist())) for y, m in out.items()}
    totals_in = {y: dict(zip(out_names, np.asarray(m).sum(axis=0).tolist())) for y, m in out.items()}
    return {"names": out_names, "regions": [out_names.index(names[0]), out_names.index(names[2])], "matrix": out,
            "total_outflow": totals_out, "total_inflow": totals_in, "threshold": 0}


def flow_files() -> dict:
    """The explorer's flow and stock files and its metadata CSV, for the tiny world."""
    files = {}
    for sex, share in (("both", 1.0), ("female", 0.45), ("male", 0.56)):
        name = {"both": "flow_da_pb_closed", "female": "flow_female_da_pb_closed", "male": "flow_male_da_pb_closed"}[sex]
        files[f"abel-flows/{name}.json"] = _explorer_file(
            {str(y): (round(a * share), round(b * share)) for y, (a, b) in FLOWS.items()})
    for index, kind in enumerate(("outward", "return", "transit")):
        files[f"abel-flows/flow_{kind}_da_pb_closed.json"] = _explorer_file(
            {str(y): (round(a * TYPE_SHARES["AAA->BBB"][index]), round(b * TYPE_SHARES["BBB->AAA"][index]))
             for y, (a, b) in FLOWS.items()}, reverse=True)
    for sex, share in (("both", 1.0), ("female", 0.5), ("male", 0.5)):
        suffix = "" if sex == "both" else f"_{sex}"
        files[f"abel-flows/stock{suffix}.json"] = _explorer_file(
            {str(y): (1000.0 * share + 5 * (y - 1990), 20.0 * share) for y in range(1990, 2021, 5)})
    files["abel-flows/country-metadata-flags.csv"] = pd.DataFrame(
        {"origin_iso": ["AAA", "BBB"], "origin_name": ["Alphaland", "Betaland"], "origin_flag": ["", ""],
         "originregion_name": ["Africa", "Europe"]})
    return files


def build_into(out_dir, frames: dict[str, pd.DataFrame] | None = None, read=None) -> dict[str, pd.DataFrame]:
    """Build the tiny world's processed tables into ``out_dir``; return the raw frames it read.

    ``frames`` replaces the raw files (e.g. one made corrupt); ``read`` replaces the reader itself.
    """
    frames = raw_frames() if frames is None else frames
    build(out_dir=out_dir, read=read or (lambda name: frames[name].copy()), group_definitions=GROUPS)
    return frames
