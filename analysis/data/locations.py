"""Locations: countries, WPP aggregates and the package's own groups.

The locations table gives each WPP location its M49 code, name, ISO-3 code
(countries), kind, region, sub-region, SDG region and income group.  The
membership table lists every group each country belongs to: the WPP
aggregates (World, regions, sub-regions, SDG regions, development and income
groups, LLDC/SIDS) and the groups kept in ``groups.yml`` (EU27, GCC,
Africa's regional economic communities, the AES, the AU, the AfCFTA's State
Parties and the UN's Sahel), each with its source.

:func:`resolve` turns what a user types ("Kenya", "KEN", 404, "EU27",
"Western Africa", "ECOWAS", "Congo, Dem. Rep.") into a :class:`Location`, or
raises :class:`UnknownLocationError` with close matches.  Alternative country
names (World Bank, ISO 3166 and common forms) come from ``aliases.csv``, each
with its source.  :func:`group_description` gives a group's members, as-of
date, source and notes, and how membership is applied across years.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import yaml

from analysis import paths
from analysis.data.config import shown
from analysis.data.conventions import IndicatorInputError, distinct
from analysis.data.tables import ValidationError, check_unique, read_table
from analysis.errors import InputError

GROUPS_FILE = Path(__file__).with_name("groups.yml")
ALIASES_FILE = Path(__file__).with_name("aliases.csv")
ALIAS_COLUMNS = ("alias", "wpp_name", "form", "source")
ALIAS_FORMS = ("World Bank", "ISO 3166-1", "former name", "common")
#: How a group's membership is applied across years (one rule for every group).
MEMBERSHIP_ACROSS_YEARS = (
    "Membership is fixed: the members listed are applied to every year from 1950 to 2100, so figures for past years "
    "are for today's members (not the group as it was then) and projections assume no country joins or leaves."
)
WORLD = 900
SDG_REGIONS = (1834, 1833, 1831, 1832, 1830, 1835, 1836, 1829)
INCOME_GROUPS = (1500, 1501, 1502, 1503, 1518)
DEVELOPMENT_GROUPS = (901, 902, 941, 934, 948)
INCOME_AGGREGATES = (1500, 1501, 1502, 1503, 1517, 1518, 1859, 5503, 5504)
SPECIAL_GROUPS = (1636, 1637, 2087, 2088, 2089, 2090, 2091, 2092, 2093, 5502)
COUNTRY_TYPE = 4
#: WPP's own names that the wpp2024 R package writes without their diacritics (its data-raw/convert_non_ascii.R,
#: https://github.com/PPgp/wpp2024/blob/main/data-raw/convert_non_ascii.R, replaces exactly these five by ASCII for
#: CRAN); the locations table restores the UN's spelling, so that reports print "Côte d'Ivoire", never "Cote d'Ivoire".
WPP_SPELLING = {384: "Côte d'Ivoire", 531: "Curaçao", 638: "Réunion", 652: "Saint-Barthélemy", 792: "Türkiye"}


class UnknownLocationError(InputError):
    """A location could not be resolved; the message offers close matches."""


class AliasTableError(ValidationError):
    """``aliases.csv`` is malformed: a missing field, a repeated alias or a target that is not a WPP location."""


@dataclass(frozen=True)
class Location:
    """A resolved location: a country, a WPP aggregate or a package group."""

    id: str  # M49 code as text for WPP locations, the group key otherwise ("EU27")
    name: str
    kind: str  # "country", "aggregate" or "group"
    code: int | None  # M49 code; None for package groups
    iso3: str | None
    members: tuple[int, ...]  # M49 codes of member countries (itself for a country)
    has_data: bool = True  # False when WPP publishes no figures for it (Holy See)

    @property
    def is_country(self) -> bool:
        return self.kind == "country"


@cache
def group_definitions() -> dict:
    """The parsed ``groups.yml``."""
    with open(GROUPS_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def load_aliases(path: Path | None = None) -> pd.DataFrame:
    """The alias table (``aliases.csv`` by default): ``alias, wpp_name, form, source``, checked.

    Raises
    ------
    AliasTableError
        When a column or a field is missing, a form is unknown, an alias is
        repeated, or two aliases that read alike once normalised (as
        :func:`normalise` compares names) point at different locations.
    """
    path = Path(path or ALIASES_FILE)
    with open(path, encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle)) or [[]]
    if tuple(header) != ALIAS_COLUMNS:
        raise AliasTableError(f"{path.name}: columns must be {', '.join(ALIAS_COLUMNS)}; found {', '.join(header)}")
    ragged = [number for number, row in enumerate(rows, start=2) if len(row) != len(header)]
    if ragged:
        raise AliasTableError(f"{path.name}: row {ragged[0]} does not have {len(header)} fields; quote names with commas")
    table = pd.DataFrame(rows, columns=list(header))
    table = table.apply(lambda column: column.str.strip())
    empty = table[(table == "").any(axis=1)]
    if len(empty):
        raise AliasTableError(f"{path.name}: empty field in row {empty.index[0] + 2}; fill every column")
    unknown = sorted(set(table["form"]) - set(ALIAS_FORMS))
    if unknown:
        raise AliasTableError(f"{path.name}: unknown form {unknown}; use one of {', '.join(ALIAS_FORMS)}")
    repeated = table.loc[table["alias"].duplicated(keep=False), "alias"].tolist()
    if repeated:
        raise AliasTableError(f"{path.name}: alias given more than once: {repeated}; keep one row per alias")
    # two forms may look alike once normalised ("Gambia, The", "Gambia (the)"), but must then mean the same place
    keyed = table.assign(key=table["alias"].map(normalise), target=table["wpp_name"].map(normalise))
    clash = keyed.groupby("key")["target"].nunique()
    if (clash > 1).any():
        rows = keyed.loc[keyed["key"] == clash[clash > 1].index[0], "alias"].tolist()
        raise AliasTableError(f"{path.name}: {rows} read alike but point at different locations; remove one")
    return table


def check_aliases(locations: pd.DataFrame, aliases: pd.DataFrame) -> None:
    """Every alias points at a WPP location and does not hide another location's own name.

    Raises
    ------
    AliasTableError
        Naming the first offending alias.
    """
    names = {normalise(name): name for name in locations["name"]}
    missing = aliases.loc[~aliases["wpp_name"].map(normalise).isin(list(names)), ["alias", "wpp_name"]]
    if len(missing):
        alias, target = missing.iloc[0]
        close = difflib.get_close_matches(target, list(names.values()), n=3)
        raise AliasTableError(f"{ALIASES_FILE.name}: {alias!r} points at {target!r}, which is not a WPP location; close: {close}")
    for alias, target in aliases[["alias", "wpp_name"]].itertuples(index=False):
        own = names.get(normalise(alias))
        if own is not None and normalise(own) != normalise(target):
            raise AliasTableError(f"{ALIASES_FILE.name}: alias {alias!r} -> {target!r} hides the WPP location {own!r}")


def normalise(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a name for lookups."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = text.replace("’", "'").casefold()
    text = re.sub(r"[^a-z0-9+/' ]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------- cleaning
def clean_locations(
    unlocations: pd.DataFrame,
    countrynames: pd.DataFrame,
    definitions: dict | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the locations and membership tables.

    Parameters
    ----------
    unlocations : DataFrame
        Raw ``UNlocations.txt``.
    countrynames : DataFrame
        Raw gdidata ``countrynames`` (M49 → ISO-3, other names, EU flag).
    definitions : dict, optional
        Parsed ``groups.yml``; the package's own file by default.

    Returns
    -------
    locations : DataFrame
        One row per WPP location, named as WPP names it (with the diacritics
        of :data:`WPP_SPELLING` restored).
    membership : DataFrame
        ``group_id, group, group_code, group_kind, location_code, source``:
        one row per (group, member country).
    """
    definitions = definitions or group_definitions()
    raw = unlocations.copy()
    spelled = raw["country_code"].map(WPP_SPELLING)
    restore = spelled.notna() & (spelled.fillna("").map(normalise) == raw["name"].map(normalise))
    raw.loc[restore, "name"] = spelled[restore]
    names = raw.set_index("country_code")["name"]
    is_country = raw["location_type"] == COUNTRY_TYPE
    countries = raw[is_country].copy()
    # Northern America's countries have no sub-region in WPP: the region is its own sub-region.
    no_subregion = countries["reg_code"] == -1
    countries.loc[no_subregion, "reg_code"] = countries.loc[no_subregion, "area_code"]
    countries.loc[no_subregion, "reg_name"] = countries.loc[no_subregion, "area_name"]
    raw.loc[countries.index, ["reg_code", "reg_name"]] = countries[["reg_code", "reg_name"]]

    cn = countrynames.dropna(subset=["m49"]).copy()
    cn["m49"] = cn["m49"].astype(int)
    iso3 = cn.set_index("m49")["iso3"].to_dict()
    iso3.update({int(k): v for k, v in definitions.get("iso3_overrides", {}).items()})
    other_names = (
        cn.melt(id_vars="m49", value_vars=["name", "name_sort", "name_text"])
        .dropna()
        .groupby("m49")["value"]
        .agg(lambda values: "; ".join(sorted(set(values))))
        .to_dict()
    )

    agcode_columns = [c for c in raw.columns if c.startswith("agcode_")]

    def group_of(row: pd.Series, candidates: Iterable[int]) -> int | None:
        for code in candidates:
            column = f"agcode_{code * 1000}"
            if column in row and row[column] == code:
                return code
        return None

    def aggregate_type(code: int, location_type: int) -> str | None:
        if location_type == COUNTRY_TYPE:
            return None
        if code == WORLD:
            return "world"
        if location_type == 2:
            return "region"
        if location_type == 3:
            return "subregion"
        if code in SDG_REGIONS:
            return "sdg_region"
        if code in DEVELOPMENT_GROUPS:
            return "development_group"
        if code in INCOME_AGGREGATES:
            return "income_group"
        return "special_group"

    records = []
    for _, row in raw.iterrows():
        code = int(row["country_code"])
        country = row["location_type"] == COUNTRY_TYPE
        sdg = group_of(row, SDG_REGIONS) if country else None
        income = group_of(row, INCOME_GROUPS) if country else None
        records.append(
            {
                "location_code": code,
                "name": row["name"],
                "iso3": iso3.get(code) if country else None,
                "kind": "country" if country else "aggregate",
                "aggregate_type": aggregate_type(code, int(row["location_type"])),
                "region_code": int(row["area_code"]) if country else None,
                "region": row["area_name"] if country else None,
                "subregion_code": int(row["reg_code"]) if country else None,
                "subregion": row["reg_name"] if country else None,
                "sdg_region_code": sdg,
                "sdg_region": names.get(sdg) if sdg else None,
                "income_group_code": income,
                "income_group": names.get(income) if income else None,
                "other_names": other_names.get(code) if country else None,
                "sort_order": int(row["SortOrder"]),
            }
        )
    locations = pd.DataFrame.from_records(records)
    for column in ("region_code", "subregion_code", "sdg_region_code", "income_group_code"):
        locations[column] = locations[column].astype("Int32")
    locations["location_code"] = locations["location_code"].astype("int32")
    locations["sort_order"] = locations["sort_order"].astype("int32")

    # --- membership: WPP aggregates
    member_rows = []
    country_codes = countries["country_code"].astype(int).to_numpy()

    def add(group_code: int, members: Iterable[int]) -> None:
        for member in members:
            member_rows.append((str(group_code), names[group_code], group_code, int(member), "WPP 2024 (UNlocations.txt)"))

    add(WORLD, country_codes)
    for code_column in ("area_code", "reg_code"):
        for code, block in countries.groupby(code_column):
            add(int(code), block["country_code"])
    for column in agcode_columns:
        code = int(column.split("_")[1]) // 1000
        add(code, countries.loc[countries[column] == code, "country_code"])
    derived = definitions.get("derived_aggregates", {}) or {}
    for code, spec in derived.items():
        union = set()
        for part in spec["union_of"]:
            union |= {m for (gid, _, _, m, _) in member_rows if gid == str(part)}
        add(int(code), sorted(union))

    # --- membership: the package's groups
    lookup = {normalise(n): int(c) for c, n in names[is_country.to_numpy()].items()}
    cn_lookup = {}
    for code, joined in other_names.items():
        for name in joined.split("; "):
            cn_lookup[normalise(name)] = code
    for key, spec in definitions["groups"].items():
        if "members" in spec:
            codes = []
            for member in spec["members"]:
                code = lookup.get(normalise(member))
                if code is None:
                    close = difflib.get_close_matches(member, list(names[is_country.to_numpy()]), n=3)
                    raise ValidationError(f"groups.yml: {key} member {member!r} is not a WPP country; close: {close}")
                codes.append(code)
        else:  # a membership flag in countrynames
            column = spec["members_from"].split("`")[1]
            codes = cn.loc[cn[column] == 1, "m49"].astype(int).tolist()
        for member in codes:
            member_rows.append((key, key, None, member, spec["source"] + f" (as of {spec['as_of']})"))

    membership = pd.DataFrame(member_rows, columns=["group_id", "group", "group_code", "location_code", "source"])
    membership = membership.drop_duplicates(["group_id", "location_code"])
    kind_by_code = locations.set_index("location_code")["aggregate_type"].to_dict()
    kinds = {key: spec["kind"] for key, spec in definitions["groups"].items()}
    membership["group_kind"] = [
        kind_by_code.get(code) if code is not None and not pd.isna(code) else kinds[gid]
        for gid, code in zip(membership["group_id"], membership["group_code"])
    ]
    membership["group_code"] = membership["group_code"].astype("Int32")
    membership["location_code"] = membership["location_code"].astype("int32")
    membership = membership[["group_id", "group", "group_code", "group_kind", "location_code", "source"]]
    return locations, membership.sort_values(["group_id", "location_code"], ignore_index=True)


def validate_locations(
    locations: pd.DataFrame,
    membership: pd.DataFrame,
    definitions: dict | None = None,
    aliases: pd.DataFrame | None = None,
) -> None:
    """Checks on the locations and membership tables (and, if given, the alias table); raises :class:`ValidationError`."""
    if aliases is not None:
        check_aliases(locations, aliases)
    check_unique(locations, ["location_code"], "locations")
    check_unique(membership, ["group_id", "location_code"], "location_groups")
    countries = locations[locations["kind"] == "country"]
    # Income group may be missing: WPP assigns none to Guadeloupe.
    for column in ("region", "subregion", "sdg_region"):
        if countries[column].isna().any():
            raise ValidationError(f"locations: countries without {column}: {countries.loc[countries[column].isna(), 'name'].tolist()}")
    if countries["iso3"].isna().any():
        raise ValidationError(f"locations: countries without ISO-3: {countries.loc[countries['iso3'].isna(), 'name'].tolist()}")
    if countries["iso3"].duplicated().any():
        raise ValidationError("locations: duplicate ISO-3 codes")
    sizes = membership.groupby("group_id").size()
    aggregates = locations.loc[locations["kind"] == "aggregate", "location_code"].astype(str)
    empty = sorted(set(aggregates) - set(sizes.index))
    if empty:
        raise ValidationError(f"location_groups: aggregates without members: {empty}")
    for key, spec in (definitions or group_definitions())["groups"].items():
        expected = spec.get("expected_members")
        if expected and sizes.get(key, 0) != expected:
            raise ValidationError(f"location_groups: {key} has {sizes.get(key, 0)} members, expected {expected}")
    if not set(membership["location_code"]) <= set(countries["location_code"]):
        raise ValidationError("location_groups: members must be countries")


# ---------------------------------------------------------------- loading
def load_locations(processed_dir: Path | None = None) -> pd.DataFrame:
    """The processed locations table."""
    return read_table("locations", processed_dir)


def load_membership(processed_dir: Path | None = None) -> pd.DataFrame:
    """The processed membership table (``location_groups``)."""
    return read_table("location_groups", processed_dir)


class LocationIndex:
    """Name, code and alias lookups over the locations and membership tables."""

    def __init__(self, locations: pd.DataFrame, membership: pd.DataFrame, data_codes: Iterable[int] | None = None):
        self.locations = locations.set_index("location_code", drop=False)
        self.membership = membership
        definitions = group_definitions()
        members = membership.groupby("group_id")["location_code"].apply(lambda s: tuple(sorted(int(v) for v in s)))
        self._members = members.to_dict()
        # the groups the tables were built with, described by groups.yml where it knows them
        built = membership.loc[membership["group_code"].isna(), ["group_id", "group"]].drop_duplicates("group_id")
        self.groups = {key: spec for key, spec in definitions["groups"].items() if key in self._members}
        self.groups.update({gid: {"name": label} for gid, label in built.itertuples(index=False) if gid not in self.groups})
        data_codes = set(int(c) for c in data_codes) if data_codes is not None else None
        self._data_codes = data_codes

        self._keys: dict[str, str] = {}  # normalised text → location id
        self._display: dict[str, str] = {}  # location id → display name
        preferred = {normalise(k): str(v) for k, v in (definitions.get("preferred_codes") or {}).items()}
        for row in locations.itertuples():
            lid = str(row.location_code)
            self._display[lid] = row.name
            key = normalise(row.name)
            if key not in self._keys or preferred.get(key) == lid:
                self._keys[key] = lid
            self._keys.setdefault(str(row.location_code), lid)
            if row.kind == "country":
                if isinstance(row.iso3, str):
                    self._keys[normalise(row.iso3)] = lid
                if isinstance(row.other_names, str):
                    for other in row.other_names.split("; "):
                        self._keys.setdefault(normalise(other), lid)
        alias_pairs = list(load_aliases()[["alias", "wpp_name"]].itertuples(index=False))
        alias_pairs += list((definitions.get("aliases") or {}).items())
        for alias, target in alias_pairs:
            if normalise(target) in self._keys:  # a synthetic test world lacks most targets
                self._keys.setdefault(normalise(alias), self._keys[normalise(target)])
        for key, spec in self.groups.items():
            self._display[key] = key
            for text in [key, spec["name"], *spec.get("aliases", [])]:
                self._keys.setdefault(normalise(text), key)

    def resolve(self, query: str | int) -> Location:
        """Resolve a name, ISO-3 code, M49 code or group key to a :class:`Location`.

        Raises
        ------
        UnknownLocationError
            With up to three close matches.
        """
        if isinstance(query, bool) or not isinstance(query, (str, int, np.integer)):
            raise UnknownLocationError(f"location {query!r} is not a name or a code; {self._valid()}")
        text = str(query).strip()
        if not text:
            raise UnknownLocationError(f"empty location; {self._valid()}")
        if re.fullmatch(r"[0-9]+(\.0+)?", text):
            text = str(int(float(text)))
        elif re.fullmatch(r"[-+.0-9eE ]+", text) and re.search(r"[0-9]", text):
            raise UnknownLocationError(f"location {text!r} is not an M49 code (a whole number such as 566); {self._valid()}")
        lid = self._keys.get(normalise(text))
        if lid is None:
            raise UnknownLocationError(self._unknown_message(text))
        if lid in self.groups:
            return Location(lid, lid, "group", None, None, self._members[lid])
        row = self.locations.loc[int(lid)]
        code = int(row["location_code"])
        country = row["kind"] == "country"
        has_data = self._data_codes is None or code in self._data_codes
        members = (code,) if country else self._members.get(lid, ())
        return Location(lid, row["name"], row["kind"], code, row["iso3"] if country else None, members, has_data)

    def close_matches(self, text: str, n: int = 3) -> list[str]:
        """Locations a mistyped or partial name may mean: names, codes, groups and their aliases.

        Names, group names and aliases holding the query as a word or the start
        of one come first (``Gulf`` → ``GCC``, from its alias "Gulf Cooperation
        Council"; ``Cote`` → Côte d'Ivoire), then those that look like it
        (``Nigera`` → Nigeria).
        """
        query = normalise(text)
        words = re.compile(rf"(?:^|[ /'(]){re.escape(query)}") if len(query) >= 3 else None
        containing = sorted((key for key in self._keys if words and words.search(key)),
                            key=lambda key: (self._keys[key] not in self.groups, len(key)))
        candidates = containing + difflib.get_close_matches(query, list(self._keys), n=8, cutoff=0.6)
        suggestions = []
        for candidate in candidates:
            name = self._display[self._keys[candidate]]
            if name not in suggestions:
                suggestions.append(name)
        return suggestions[:n]

    def _unknown_message(self, text: str) -> str:
        suggestions = self.close_matches(text)
        hint = f"did you mean: {', '.join(suggestions)}? " if suggestions else ""
        return f"unknown location {shown(repr(text), 80)}; {hint}{self._valid()}"

    def _valid(self) -> str:
        return ("give a WPP name (e.g. 'Nigeria', 'Western Africa', 'Sub-Saharan Africa'), an ISO-3 code (NGA), "
                f"an M49 code (566) or a group ({', '.join(self.groups)})")

    def countries(self, location: Location) -> pd.DataFrame:
        """The member countries of a location, as rows of the locations table."""
        return self.locations.loc[list(location.members)].reset_index(drop=True)


@cache
def _index_cached(processed_dir: str, mtimes: tuple) -> LocationIndex:  # noqa: ARG001 (mtimes invalidate)
    population_codes = read_table("population", Path(processed_dir), columns=["location_code"])["location_code"].unique()
    return LocationIndex(
        load_locations(Path(processed_dir)), load_membership(Path(processed_dir)), np.asarray(population_codes)
    )


def index(processed_dir: Path | None = None) -> LocationIndex:
    """The :class:`LocationIndex` over the processed tables (cached)."""
    directory = Path(processed_dir or paths.PROCESSED)
    mtimes = tuple(
        (directory / f"{name}.parquet").stat().st_mtime_ns if (directory / f"{name}.parquet").exists() else 0
        for name in ("locations", "location_groups", "population")
    )
    return _index_cached(str(directory), mtimes)


def resolve(query: str | int, processed_dir: Path | None = None) -> Location:
    """Resolve one location against the processed tables; see :meth:`LocationIndex.resolve`."""
    return index(processed_dir).resolve(query)


def african_countries(processed_dir: Path | None = None) -> pd.DataFrame:
    """Africa's 54 UN member states (the WPP region Africa without its territories), sorted by name."""
    idx = index(processed_dir)
    territories = {normalise(name) for name in group_definitions().get("african_territories", [])}
    countries = idx.countries(idx.resolve("Africa"))
    keep = ~countries["name"].map(normalise).isin(territories)
    out = countries[keep].sort_values("name", ignore_index=True)
    if len(out) != 54:
        raise ValidationError(f"expected 54 African countries, found {len(out)}: check african_territories in groups.yml")
    return out


@dataclass(frozen=True, eq=False)
class GroupDescription:
    """What a report says about a package group: members, as-of date, source, notes and the rule across years."""

    key: str  # the group's key in groups.yml ("ECOWAS")
    name: str  # its full name
    members: pd.DataFrame  # name, iso3, location_code of each member country, sorted by name
    as_of: str | None  # the date the membership is valid for
    source: str
    notes: str | None
    across_years: str = MEMBERSHIP_ACROSS_YEARS

    def markdown(self) -> str:
        """The membership block as Markdown: the member list, then as-of date, source, notes and years."""
        count = len(self.members)
        as_of = f" as of {self.as_of}" if self.as_of else ""
        lines = [
            f"**{self.key}: {count} member {'country' if count == 1 else 'countries'}{as_of}** ({self.name})",
            "",
            ", ".join(self.members["name"]) + ".",
            "",
            f"- Source: {self.source}",
        ]
        if self.notes:
            lines.append(f"- Notes: {self.notes}")
        lines.append(f"- Across years: {self.across_years}")
        return "\n".join(lines)


def group_description(location: Location | str, processed_dir: Path | None = None) -> GroupDescription | None:
    """Members, as-of date, source and notes of a package group; ``None`` for countries and WPP aggregates.

    Parameters
    ----------
    location : Location or str
        A resolved location or anything :func:`resolve` accepts.
    processed_dir : Path, optional
        Folder of the processed tables.

    Returns
    -------
    GroupDescription or None
        The group's description (``groups.yml`` entry and its members in the
        processed tables), or ``None`` when the location is not a package group.
    """
    idx = index(processed_dir)
    place = location if isinstance(location, Location) else idx.resolve(location)
    if place.kind != "group":
        return None
    members = idx.countries(place)[["name", "iso3", "location_code"]].sort_values("name", ignore_index=True)
    spec = group_definitions()["groups"].get(place.id)
    if spec is None:  # a group the tables were built with but groups.yml does not describe (test worlds)
        sources = idx.membership.loc[idx.membership["group_id"] == place.id, "source"].unique()
        return GroupDescription(place.id, idx.groups[place.id]["name"], members, None, "; ".join(sources), None)
    return GroupDescription(place.id, spec["name"], members, str(spec["as_of"]), spec["source"], spec.get("notes"))


def resolve_all(items: Iterable, processed_dir: Path | None = None) -> list[Location]:
    """Resolve several locations; :class:`Location` objects pass through unchanged.

    The one meaning of repeated input: a location given twice, by any alias
    (``NGA`` and ``Nigeria``, ``Africa`` and ``AFRICA``, or two WPP codes with
    the same name and members), counts once, with a note
    (:func:`analysis.errors.note`).

    Raises
    ------
    UnknownLocationError
        For an unknown location, no location at all, or two different
        locations that would share one name in the output.
    """
    if isinstance(items, (str, int, np.integer, Location)):
        items = [items]
    given = [(item, item if isinstance(item, Location) else resolve(item, processed_dir)) for item in items]
    if not given:
        raise UnknownLocationError("no location given; give at least one name, ISO-3 or M49 code, or group")
    by_name: dict[str, Location] = {}
    for item, location in given:
        other = by_name.get(location.name)
        if other is not None and other.members != location.members:
            raise UnknownLocationError(
                f"{location.name!r} names two different locations (M49 {other.code} and {location.code}); "
                "give only one of them"
            )
        by_name.setdefault(location.name, location)
    kept = distinct(given, key=lambda pair: pair[1].name, what="location",
                    label=lambda pair: pair[0].name if isinstance(pair[0], Location) else pair[0])
    return [location for _, location in kept]


def subregions(location: Location | str, processed_dir: Path | None = None) -> list[str]:
    """Names of the WPP sub-regions of a WPP region (e.g. Africa's five), in WPP's order; empty for other locations."""
    idx = index(processed_dir)
    place = location if isinstance(location, Location) else idx.resolve(location)
    if place.code is None or place.kind != "aggregate":
        return []
    table = idx.locations
    if table.loc[place.code, "aggregate_type"] != "region":
        return []
    countries = table[(table["kind"] == "country") & (table["region_code"] == place.code)]
    codes = countries["subregion_code"].dropna().astype(int).unique()
    # Northern America has no sub-regions in WPP: its countries carry the region as their sub-region
    ordered = table.loc[[code for code in codes if code != place.code]].sort_values("sort_order")
    return ordered["name"].tolist()


def member_codes(locations: Iterable[Location]) -> list[int]:
    """Sorted M49 codes of the rows needed for locations: a group's members, otherwise the location's own code."""
    return sorted({code for loc in locations for code in (loc.members if loc.kind == "group" else (loc.code,))})


def aggregate_locations(
    population: pd.DataFrame, locations: Sequence[Location], sum_members: bool = False
) -> pd.DataFrame:
    """Population of each requested location, replacing ``location_code`` by ``location``.

    Countries and WPP aggregates use WPP's own rows; package groups (EU27,
    GCC, RECs) are summed over their member countries.

    Parameters
    ----------
    population : DataFrame
        A population table with ``location_code``.
    locations : sequence of Location
        Resolved locations (see :func:`resolve`).
    sum_members : bool
        Sum member countries for WPP aggregates too (projection results hold
        countries only).

    Returns
    -------
    DataFrame
        The same columns with ``location`` (name) first, in place of ``location_code``.
    """
    mapping = []
    for location in locations:
        if not location.has_data:
            raise IndicatorInputError(
                f"the WPP 2024 files used here have no population rows for {location.name} "
                "(WPP counts it only inside its aggregates); choose another location"
            )
        codes = location.members if (location.kind == "group" or sum_members) else (location.code,)
        mapping.extend((location.name, code) for code in codes)
    mapping = pd.DataFrame(mapping, columns=["location", "location_code"]).astype({"location_code": "int32"})
    merged = population.merge(mapping, on="location_code")
    keys = ["location"] + [c for c in population.columns if c not in ("location_code", "population")]
    out = merged.groupby(keys, observed=True, sort=False)["population"].sum().reset_index()
    order = {location.name: i for i, location in enumerate(locations)}
    out["location"] = pd.Categorical(out["location"], categories=list(order), ordered=True)
    return out.sort_values(keys, ignore_index=True)
