"""Destinations' replacement need by skill level against an origin's growth in the matching education.

Skill level 2 (medium) is matched with upper-secondary education and skill
levels 3 and 4 (high) with post-secondary (:data:`EDUCATION_FOR_SKILL`).
ISCO-08 defines its skill levels by the education they typically need
(ISCED-97; ILO 2012, quoted in :data:`analysis.study.skill_demand.SKILL_SOURCES`):
level 1 primary, level 2 secondary, levels 3 and 4 tertiary.  Level 2 also
admits lower-secondary education, so the medium pool is a conservative one.
The education side is the skills layer (:mod:`analysis.study.skills`: WIC
2018 shares on WPP 2024 medium, people aged 15–64).  Growth in education is
not entry into these jobs: it is the pool partnerships could recruit from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

from analysis.data import education
from analysis.data.locations import Location
from analysis.study import skill_demand, skills

#: The education level (WIC, skills layer) matched with each skill level.
EDUCATION_FOR_SKILL: dict[str, str] = {"medium": "upper-secondary", "high": "post-secondary"}


def supply_match(destinations: Sequence, origin: str | Location = "Africa", start: int = 2025, end: int = 2050,
                 source: str = "medium", processed_dir: Path | None = None) -> pd.DataFrame:
    """Destinations' replacement need at medium and high skill against an origin's growth in the matching education.

    Skill level 2 (medium) is matched with upper-secondary education and
    skill levels 3–4 (high) with post-secondary (:data:`EDUCATION_FOR_SKILL`;
    WIC's levels through the skills layer, people aged 15–64, WPP 2024
    medium).

    Returns
    -------
    DataFrame
        ``destination, origin, skill, education, start_year, end_year,
        replacement_need`` (workers, destination, over the years; negative
        when more enter than leave), ``origin_growth`` (persons aged 15–64
        with the education, change over the same years),
        ``need_share_of_growth`` (missing unless both are positive).
    """
    need = skill_demand.replacement_need(destinations, start, end, "skill", "both", source, processed_dir)
    need = skill_demand.cumulative_need(need, start, (end,))
    origin_members = skills.members_of([origin], processed_dir)
    codes = sorted({c for group in origin_members.values() for c in group})
    harmonised = education.load_harmonised(["medium"], [start, end], codes, processed_dir)
    growth = skills.skill_mix_change(harmonised, origin_members, start, end, "15-64")
    growth = growth.set_index(growth["skill"].astype(str))["change"]
    origin_name = next(iter(origin_members))
    rows = []
    for row in need[need["group"].isin(list(EDUCATION_FOR_SKILL))].itertuples():
        level = EDUCATION_FOR_SKILL[row.group]
        rows.append({"destination": row.location, "origin": origin_name, "skill": row.group, "education": level,
                     "start_year": start, "end_year": end, "replacement_need": row.need,
                     "origin_growth": float(growth[level])})
    out = pd.DataFrame(rows)
    # a share only where the destination needs workers and the origin grows (otherwise there is nothing to match)
    positive = (out["replacement_need"] > 0) & (out["origin_growth"] > 0)
    out["need_share_of_growth"] = (out["replacement_need"] / out["origin_growth"]).where(positive)
    return out
