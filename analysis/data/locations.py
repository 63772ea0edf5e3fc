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

**Groups of one's own.**  Wherever a location is taken, a user may name a
group of their own, in two ways:

* inline, members joined by ``+`` (``"Nigeria+Ghana+Senegal"``, ``"ECOWAS+Cameroon"``,
  ``"566+GHA"``), or as a list (``["Nigeria", "Ghana", "Senegal"]``, a report
  parameter).  A name that is itself a location is always that location
  (no WPP or package name contains ``+``, so the two never meet); only an
  unknown name is split at ``+``.  (``--scenario a+b`` composes scenarios: a
  different argument.)
* in a file of groups, ``groups.local.yml`` at the repository root (git-ignored;
  ``LMS_GROUPS_FILE`` names another), with the schema of ``groups.yml``'s
  ``groups`` (see :data:`USER_GROUP_SCHEMA`).  Its members may be countries,
  WPP aggregates, package groups or its other groups.  The file is read only
  when a name is not a built-in location, so a broken file never stands in the
  way of ``Nigeria``.

Members are validated (an unknown member fails in one line with close
matches); a member named twice counts once, and members shared by two parts
(``ECOWAS+Nigeria``) count once, each with a note; a group inside a group is
expanded to its countries.  A user's group is a :class:`Location` of kind
``group`` whose ``source`` says where it was defined, summed over its member
countries like every package group.
"""

from __future__ import annotations

import csv
import datetime
import difflib
import hashlib
import os
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
from analysis.data import config
from analysis.data.config import Field, shown
from analysis.data.conventions import IndicatorInputError, distinct
from analysis.data.tables import ValidationError, check_unique, read_table
from analysis.errors import InputError, note

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
#: Joins the members of a group named inline ("Nigeria+Ghana+Senegal").
INLINE_SEPARATOR = "+"
#: A user's own file of groups, at the repository root (git-ignored), unless ``LMS_GROUPS_FILE`` names another.
USER_GROUPS_FILE = paths.ROOT / "groups.local.yml"
USER_GROUPS_ENV = "LMS_GROUPS_FILE"
#: Where a user group comes from when it is named inline (``Location.source``).
INLINE = "inline"
#: The fields of a group in the user's file: those of ``groups.yml`` that a user can state (only ``members`` required).
USER_GROUP_SCHEMA = {
    "name": Field(str, pattern=r"\S.{0,199}", what="a name of 1 to 200 characters"),
    "kind": str,
    "members": [(str, int)],
    "expected_members": Field(int, low=1),
    "source": str,
    "as_of": (str, datetime.date),
    "notes": str,
    "aliases": [str],
}
#: WPP's own names that the wpp2024 R package writes without their diacritics (its data-raw/convert_non_ascii.R,
#: https://github.com/PPgp/wpp2024/blob/main/data-raw/convert_non_ascii.R, replaces exactly these five by ASCII for
#: CRAN); the locations table restores the UN's spelling, so that reports print "Côte d'Ivoire", never "Cote d'Ivoire".
WPP_SPELLING = {384: "Côte d'Ivoire", 531: "Curaçao", 638: "Réunion", 652: "Saint-Barthélemy", 792: "Türkiye"}


class UnknownLocationError(InputError):
    """A location could not be resolved; the message offers close matches."""


class GroupFileError(InputError):
    """The user's file of groups cannot be read, or a group in it is invalid (one line naming the file and group)."""


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
    source: str | None = None  # a user's group: "inline", or the file of groups defining it; None otherwise
    parts: tuple[str, ...] = ()  # a user's group: the locations it was named with, each once

    @property
    def is_country(self) -> bool:
        return self.kind == "country"

    @property
    def is_user_group(self) -> bool:
        """A group the user named (inline or in their file of groups), not one of the package's."""
        return self.source is not None


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


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


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

    def resolve(self, query: str | int | Sequence) -> Location:
        """Resolve a name, ISO-3 code, M49 code or group key to a :class:`Location`.

        A name that is no built-in location is read as a group of one's own:
        members joined by ``+`` (``"Nigeria+Ghana"``), or a group of the
        user's file of groups (:func:`user_groups_file`).  A list or tuple is
        a group of its items (one item: that location itself).

        Raises
        ------
        UnknownLocationError
            With up to three close matches (for a group's member, naming it).
        GroupFileError
            When the user's file of groups is needed and invalid.
        """
        if isinstance(query, (list, tuple)):
            return self._inline(list(query))
        if isinstance(query, bool) or not isinstance(query, (str, int, np.integer)):
            raise UnknownLocationError(f"location {shown(repr(query), 80)} is not a name or a code; {self._valid()}")
        text = str(query).strip()
        if not text:
            raise UnknownLocationError(f"empty location; {self._valid()}")
        joined = INLINE_SEPARATOR in text and not _is_number(text)  # "566+288" joins codes; "+566" is a bad code
        if re.fullmatch(r"[0-9]+(\.0+)?", text):
            text = str(int(float(text)))
        elif re.fullmatch(r"[-+.0-9eE ]+", text) and re.search(r"[0-9]", text) and not joined:
            raise UnknownLocationError(f"location {text!r} is not an M49 code (a whole number such as 566); {self._valid()}")
        lid = self._keys.get(normalise(text))
        if lid is None and joined:
            return self._inline(text.split(INLINE_SEPARATOR), text)
        if lid is not None:
            return self._builtin(lid)
        mine = self._user_groups()
        found = mine["keys"].get(normalise(text))
        if found is None:
            raise UnknownLocationError(self._unknown_message(text))
        for message in mine["notes"].get(found.id, ()):
            note(message)
        return found

    def _builtin(self, lid: str) -> Location:
        if lid in self.groups:
            return Location(lid, lid, "group", None, None, self._members[lid])
        row = self.locations.loc[int(lid)]
        code = int(row["location_code"])
        country = row["kind"] == "country"
        has_data = self._data_codes is None or code in self._data_codes
        members = (code,) if country else self._members.get(lid, ())
        return Location(lid, row["name"], row["kind"], code, row["iso3"] if country else None, members, has_data)

    def _inline(self, items: list, text: str | None = None, resolver=None) -> Location:
        """A group named inline (``"A+B"``) or as a list: its parts resolved, each once, members summed once."""
        resolver = resolver or self.resolve
        shown_as = shown(repr(text if text is not None else items), 80)
        if not items:
            raise UnknownLocationError(f"an empty list of locations names no group; {self._valid()}")
        parts = []
        for item in items:
            if isinstance(item, str) and not item.strip():
                raise UnknownLocationError(f"group {shown_as} has an empty member; join members with one "
                                           f"{INLINE_SEPARATOR}, e.g. 'Nigeria+Ghana+Senegal'")
            try:
                parts.append((item, item if isinstance(item, Location) else resolver(item)))
            except UnknownLocationError as error:
                raise UnknownLocationError(f"group {shown_as}: {error}") from None
        place, notes = self._compose(parts, INLINE, label=shown_as)
        for message in notes:
            note(message)
        return place

    def _compose(self, parts: list[tuple], source: str, key: str | None = None,
                 label: str = "") -> tuple[Location, list[str]]:
        """A user group of ``(as typed, Location)`` parts and the notes on what was counted once.

        A part named twice (by any alias) counts once; countries in two parts
        (``ECOWAS+Nigeria``) count once.  With one distinct part and no
        ``key``, the part itself is returned.
        """
        kept: list[tuple] = []
        repeated = []
        for typed, place in parts:
            if not place.has_data:
                raise UnknownLocationError(
                    f"group {key or label}: {place.name} has no population rows in the WPP 2024 files used here "
                    "(WPP counts it only inside its aggregates); leave it out of the group")
            first = next((pair for pair in kept if pair[1].name == place.name), None)
            if first is None:
                kept.append((typed, place))
            else:
                repeated.append((place.name, first[0], typed))
        name = key if key is not None else INLINE_SEPARATOR.join(place.name for _, place in kept)
        notes = []
        for member, first, again in repeated:
            alias = "" if str(first) == str(again) else f" (as {first!r} and {again!r})"
            notes.append(f"group {name}: {member} is named more than once{alias}; it is counted once")
        for i, (_, one) in enumerate(kept):
            for _, other in kept[i + 1:]:
                shared = set(one.members) & set(other.members)
                inner, outer = (other, one) if len(other.members) <= len(one.members) else (one, other)
                if shared and shared == set(inner.members):
                    countries = "" if inner.is_country else f" (its {len(shared)} countries)"
                    notes.append(f"group {name}: {inner.name} lies within {outer.name}; it is counted once{countries}")
                elif shared:
                    listed = sorted(self._display.get(str(code), str(code)) for code in shared)
                    sample = ", ".join(listed[:5]) + (", …" if len(listed) > 5 else "")
                    notes.append(f"group {name}: {len(shared)} countries are in both {one.name} and {other.name} "
                                 f"({sample}); each is counted once")
        if len(kept) == 1 and key is None:
            return kept[0][1], notes
        members = tuple(sorted({code for _, place in kept for code in place.members}))
        return Location(name, name, "group", None, None, members, True, source,
                        tuple(place.name for _, place in kept)), notes

    # ---------------------------------------------------------------- the user's file of groups
    def _user_groups(self) -> dict:
        """The user's groups (``keys``: normalised name or alias → Location; ``specs``, ``notes`` by key), cached
        until the file changes."""
        path = user_groups_file()
        try:
            info = path.stat()
            stamp = (str(path), info.st_mtime_ns, info.st_size, info.st_ino)
        except FileNotFoundError:
            if os.environ.get(USER_GROUPS_ENV, "").strip():
                raise GroupFileError(f"{USER_GROUPS_ENV} names {shown(path)}, which does not exist; create it "
                                     "or unset the variable") from None
            return {"keys": {}, "specs": {}, "notes": {}, "path": None}
        except OSError as error:
            raise GroupFileError(f"file of groups {shown(path)} cannot be opened: {error.strerror}") from None
        cached = getattr(self, "_user_cache", None)
        if cached is None or cached[0] != stamp:
            self._user_cache = (stamp, self._read_user_groups(path))
        return self._user_cache[1]

    def _read_user_groups(self, path: Path) -> dict:
        where = path.name
        document = config.read_mapping(path, "file of groups", GroupFileError,
                                       example="groups: {MY-GROUP: {members: [Nigeria, Ghana]}}")
        document = config.check(document, {"groups": object}, where, GroupFileError, required=["groups"])
        if not isinstance(document["groups"], dict) or not document["groups"]:
            raise GroupFileError(f"{where}: 'groups' must map group names to their fields, e.g. "
                                 "groups: {MY-GROUP: {members: [Nigeria, Ghana]}}")
        specs: dict[str, dict] = {}
        names: dict[str, str] = {}  # normalised key or alias → key
        for key, spec in document["groups"].items():
            if not isinstance(key, str) or not re.fullmatch(r"[^+\s](?:[^+]{0,98}[^+\s])?", key):
                raise GroupFileError(f"{where}: group name {shown(repr(key), 60)} must be text of 1 to 100 "
                                     f"characters without {INLINE_SEPARATOR!r} (which joins members inline)")
            if not isinstance(spec, dict):
                raise GroupFileError(f"{where}: group {key!r} must be a mapping with members: [...], not {spec!r}")
            spec = config.check(spec, USER_GROUP_SCHEMA, f"{where}: group {key!r}", GroupFileError,
                                required=["members"])
            if not spec["members"]:
                raise GroupFileError(f"{where}: group {key!r} has no members; list at least one")
            for text in [key, *spec.get("aliases", [])]:
                if not str(text).strip() or INLINE_SEPARATOR in str(text):
                    raise GroupFileError(f"{where}: group {key!r}: alias {text!r} must be a name without "
                                         f"{INLINE_SEPARATOR!r}")
                lid = self._keys.get(normalise(text))
                if lid is not None:
                    raise GroupFileError(f"{where}: group {key!r}: {text!r} is already the name of "
                                         f"{self._display[lid]}; give your group another name")
                if normalise(text) in names:
                    raise GroupFileError(f"{where}: {text!r} names two groups ({names[normalise(text)]} and {key}); "
                                         "keep one")
                names[normalise(text)] = key
            specs[key] = spec
        built: dict[str, Location] = {}
        notes: dict[str, list[str]] = {}

        def build(key: str, chain: tuple[str, ...]) -> Location:
            if key in built:
                return built[key]
            if key in chain:
                loop = " -> ".join([*chain[chain.index(key):], key])
                raise GroupFileError(f"{where}: groups include each other ({loop}); remove one")
            parts = []
            for member in specs[key]["members"]:
                text = str(member).strip()
                inner = names.get(normalise(text))
                if inner is not None:
                    parts.append((member, build(inner, (*chain, key))))
                    continue
                try:
                    parts.append((member, self._resolve_known(member)))
                except UnknownLocationError:
                    hint = self._hint(text, extra=list(specs))
                    hint = hint.strip() or ("name a country, WPP aggregate or group by name, ISO-3 or M49 code, or "
                                            "another group of this file")
                    raise GroupFileError(f"{where}: group {key!r}: member {shown(repr(member), 60)} is unknown; "
                                         f"{hint}") from None
            place, messages = self._compose(parts, str(path), key)
            expected = specs[key].get("expected_members")
            if expected is not None and expected != len(place.members):
                raise GroupFileError(f"{where}: group {key!r} has {len(place.members)} member countries, but "
                                     f"expected_members says {expected}; check its members")
            built[key], notes[key] = place, messages
            return place

        for key in specs:
            build(key, ())
        keys = {text: built[key] for text, key in names.items()}
        return {"keys": keys, "specs": specs, "notes": notes, "path": path}

    def _resolve_known(self, query) -> Location:
        """:meth:`resolve` for a built-in location or an inline group (not the user's file: no recursion into it)."""
        text = str(query).strip()
        lid = self._keys.get(normalise(text))
        if lid is None and re.fullmatch(r"[0-9]+(\.0+)?", text):
            lid = self._keys.get(str(int(float(text))))
        if lid is not None:
            return self._builtin(lid)
        if INLINE_SEPARATOR in text:
            return self._inline(text.split(INLINE_SEPARATOR), text, resolver=self._resolve_known)
        raise UnknownLocationError(self._unknown_message(text, user=False))

    def user_group_description(self, place: Location) -> dict:
        """The fields of a user's group as the file gives them (name, as_of, source, notes); ``{}`` for inline ones."""
        if place.source in (None, INLINE):
            return {}
        return dict(self._user_groups()["specs"].get(place.id, {}))

    # ---------------------------------------------------------------- messages
    def close_matches(self, text: str, n: int = 3, extra: Sequence[str] = ()) -> list[str]:
        """Locations a mistyped or partial name may mean: names, codes, groups and their aliases.

        Names, group names and aliases holding the query as a word or the start
        of one come first (``Gulf`` → ``GCC``, from its alias "Gulf Cooperation
        Council"; ``Cote`` → Côte d'Ivoire), then those that look like it
        (``Nigera`` → Nigeria).  ``extra``: more names to match (the user's groups).
        """
        query = normalise(text)
        words = re.compile(rf"(?:^|[ /'(]){re.escape(query)}") if len(query) >= 3 else None
        containing = sorted((key for key in self._keys if words and words.search(key)),
                            key=lambda key: (self._keys[key] not in self.groups, len(key)))
        originals = {normalise(e): e for e in extra}
        candidates = containing + difflib.get_close_matches(query, list(self._keys) + list(originals), n=8, cutoff=0.6)
        suggestions = []
        for candidate in candidates:
            name = self._display[self._keys[candidate]] if candidate in self._keys else originals[candidate]
            if name not in suggestions:
                suggestions.append(name)
        return suggestions[:n]

    def _hint(self, text: str, extra: Sequence[str] = ()) -> str:
        suggestions = self.close_matches(text, 3, extra)
        return f"did you mean: {', '.join(suggestions)}? " if suggestions else ""

    def _unknown_message(self, text: str, user: bool = True) -> str:
        mine = list(self._user_groups()["specs"]) if user else []
        return f"unknown location {shown(repr(text), 80)}; {self._hint(text, mine)}{self._valid()}"

    def _valid(self) -> str:
        return ("give a WPP name (e.g. 'Nigeria', 'Western Africa', 'Sub-Saharan Africa'), an ISO-3 code (NGA), "
                f"an M49 code (566), a group ({', '.join(self.groups)}), members joined by + (Nigeria+Ghana) or a "
                f"group of your own in {USER_GROUPS_FILE.name}")

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


def resolve(query: str | int | Sequence, processed_dir: Path | None = None) -> Location:
    """Resolve one location against the processed tables; see :meth:`LocationIndex.resolve`.

    ``"Nigeria+Ghana"`` or ``["Nigeria", "Ghana"]`` is one group of one's own (see the module notes).
    """
    return index(processed_dir).resolve(query)


def user_groups_file() -> Path:
    """The user's file of groups: ``LMS_GROUPS_FILE`` if set, else ``groups.local.yml`` at the repository root."""
    value = os.environ.get(USER_GROUPS_ENV, "").strip()
    return Path(value).expanduser() if value else USER_GROUPS_FILE


def user_group_files(query, processed_dir: Path | None = None) -> list[Path]:
    """``[the user's file of groups]`` when ``query`` names one of its groups (alone, in ``A+B`` or in a list).

    For Make: a report whose location is such a group is rebuilt when the file changes.
    """
    idx = index(processed_dir)
    for item in query if isinstance(query, (list, tuple)) else [query]:
        for part in str(item).split(INLINE_SEPARATOR):
            key = normalise(part)
            if key and key not in idx._keys and key in idx._user_groups()["keys"]:
                return [user_groups_file()]
    return []


def files_read(places: Iterable[Location], processed_dir: Path | None = None) -> list[dict]:
    """The user's file of groups with its SHA-256 when one of ``places`` is (or includes) one of its groups.

    The record of a file read (``role``, ``path``, ``sha256``), for provenance lines and an ensemble store's attributes.
    """
    for place in places:
        if place.is_user_group and (place.source != INLINE or user_group_files(list(place.parts), processed_dir)):
            path = user_groups_file()
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError as error:
                raise GroupFileError(f"file of groups {shown(path)} cannot be read: {error.strerror}") from None
            return [{"role": "groups of one's own", "path": str(path), "sha256": digest}]
    return []


def member_line(location: Location, processed_dir: Path | None = None) -> str | None:
    """One line naming a user group's members, for the command line; ``None`` for any other location.

    ``group Nigeria+Ghana+Senegal (named inline): 3 countries: Ghana, Nigeria, Senegal``
    """
    if not location.is_user_group:
        return None
    names = index(processed_dir).countries(location)["name"].sort_values().tolist()
    where = "named inline" if location.source == INLINE else f"from {Path(location.source).name}"
    return (f"group {location.name} ({where}): {len(names)} {'country' if len(names) == 1 else 'countries'}: "
            f"{', '.join(names)}")


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
    if place.is_user_group:
        return _user_group_description(idx, place, members)
    spec = group_definitions()["groups"].get(place.id)
    if spec is None:  # a group the tables were built with but groups.yml does not describe (test worlds)
        sources = idx.membership.loc[idx.membership["group_id"] == place.id, "source"].unique()
        return GroupDescription(place.id, idx.groups[place.id]["name"], members, None, "; ".join(sources), None)
    return GroupDescription(place.id, spec["name"], members, str(spec["as_of"]), spec["source"], spec.get("notes"))


def _user_group_description(idx: LocationIndex, place: Location, members: pd.DataFrame) -> GroupDescription:
    """A user group's description: where it was defined and with what, and the file's own fields."""
    named = " + ".join(place.parts)
    summed = "members summed (in each trajectory for probabilistic figures), none counted twice"
    if place.source == INLINE:
        return GroupDescription(place.name, "a group of one's own, named inline", members, None,
                                f"named by the user as {named}; {summed}", None)
    spec = idx.user_group_description(place)
    path = Path(place.source)
    try:
        digest = f", sha256 {hashlib.sha256(path.read_bytes()).hexdigest()[:12]}…"
    except OSError:
        digest = ""
    defined = f"defined in {path.name} (the user's file of groups{digest}) as {named}; {summed}"
    source = f"{spec['source']}; {defined}" if spec.get("source") else defined[0].upper() + defined[1:]
    as_of = str(spec["as_of"]) if spec.get("as_of") is not None else None
    return GroupDescription(place.id, spec.get("name", place.id), members, as_of, source, spec.get("notes"))


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
