"""Honest headlines: the rules, the functions that write headlines for several parameter sets, and every report's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import paths
from analysis.model import scenarios
from analysis.report import headlines
from analysis.data import wording
from analysis.report.headlines import problems, rounding_problems
from analysis.report.site_index import headlines as recorded
from analysis.study import demand, indicators, pathways, scenario_contrasts


def test_the_rules_catch_the_headlines_the_issue_found():
    assert problems("net immigrants a year to hold GCC's 15-64 population, 2025-2050", "-109 thousand") == [
        "a negative migration figure without its explanation ('because …' or 'net emigration')",
        "a replacement need without the migration WPP already assumes"]
    assert problems("net immigrants a year to hold EU27's 15-64 population, 2025-2050", "2,326 thousand") == [
        "a replacement need without the migration WPP already assumes"]
    assert problems("of the world's increase in the same ages", "101%") == [
        "a share above 100 % without its reason ('because …')"]
    assert problems("aged 15-64 in Sub-Saharan Africa in 2100, scenario medium", "2,176.5 million") == [
        "a 'medium' figure that does not say whether it is WPP's or the engine's",
        "'2,176.5 million' has decimals after three significant digits"]
    assert problems("aged 15-64 in Morocco in 2050 with 35 institutions (against WPP medium)", "-33,937") == [
        "a negative migration figure without its explanation ('because …' or 'net emigration')"]


def test_the_rules_accept_headlines_that_say_what_they_are():
    assert problems("more people aged 15-64 in Africa, 2025-2055, WPP 2024 medium variant (low 714, high 890)",
                    "802 million") == []
    assert problems("of the world's increase in people aged 15-64: more than all of it, because the rest of the "
                    "world's population in these ages shrinks by 6 million (WPP 2024 medium)", "101%") == []
    assert problems("aged 15-64 in Sub-Saharan Africa in 2100, engine under scenario medium", "2,177 million") == []
    assert problems("change in EU27's population aged 15-64, 2025-2050", "-17.1 %") == []  # a change, not migration
    assert problems("of Germany's additional care workers its partnerships would cover", "5.7%") == []


def test_a_headline_keeps_two_significant_digits_and_no_spurious_ones():
    assert rounding_problems("+0.5 million") == ["'+0.5 million' keeps fewer than two significant digits"]
    assert rounding_problems("+0.1 million") == ["'+0.1 million' keeps fewer than two significant digits"]
    assert rounding_problems("0 thousand (80 %: 0 to 0 thousand)") == [
        "a zero written as a number ('0 thousand'): say it in words", "a zero written as a number ('0'): say it in words",
        "a zero written as a number ('0 thousand'): say it in words"]
    assert rounding_problems("2,176.5 million") == ["'2,176.5 million' has decimals after three significant digits"]
    assert rounding_problems("6 million") == ["'6 million' keeps fewer than two significant digits"]
    for kept in ("+0.48 million", "+479 thousand", "35", "-33,937", "101%", "99.7%", "0.13%", "5.0 million",
                 "2,177 million", "79.1 million", "+796 M (80 %: +742 to +851 M)", "15,014–54,089",
                 "-16.6 % (80 %: -19.5 to -13.6 %)", "25,939 EUR", "none"):
        assert rounding_problems(kept) == [], kept


def test_written_amounts_keep_the_rule_and_round_to_the_nearest():
    """Over six orders of magnitude and both signs: the rule holds and the printed number is the value rounded."""
    for value in np.concatenate([-np.geomspace(0.011, 9.9e8, 300), np.geomspace(0.011, 9.9e8, 300), [478_850.0]]):
        texts = [wording.scaled(value, 1e6, "million", sign=True)] + ([wording.people(value)] if abs(value) >= 1 else [])
        for text in texts:
            assert rounding_problems(text) == [], (value, text)
        printed = float(wording.number(value).replace(",", ""))
        assert abs(printed - value) <= 0.5 * 10.0 ** -wording.decimals(value) * (1 + 1e-9)
    assert headlines._millions(478_850, sign=True) == "+0.48 million"  # the issue's "+0.5 million"
    for share in np.linspace(0.95, 1.0, 501)[:-1]:
        assert wording.percent(share) != "100%", share  # "Top 10 together: 100 %" was 99.7 %
    assert wording.percent(0.997) == "99.7%" and wording.percent(1.0) == "100%" and wording.percent(0.00013) == "0.013%"


def test_a_replacement_need_of_none_is_said_in_plain_words():
    context = pd.Series({"location": "GCC", "period": "2025-2050", "need_per_year": -109_066.0,
                         "assumed_per_year": 310_000.0, "held": 46.4e6, "zero_migration_peak": 49.2e6,
                         "zero_migration_peak_year": 2040})
    label, value = headlines.replacement(context, "none (80 %: none to none)", 1000)
    assert value == "none" and problems(label, value) == []
    assert label.startswith("net immigrants needed a year to hold GCC's 15-64 population at its 2025 level")
    assert "in at least 90 % of 1,000 trajectories GCC's 15-64 population stays at or above that level without " \
           "immigration" in label
    assert "net emigration of 109 thousand a year, because without migration GCC's 15-64 population would grow to " \
           "49.2 million by 2040" in label
    assert "exceeds its target" not in label and " 0 thousand" not in label
    label, value = headlines.replacement(context.replace(-109_066.0, 2_326_000.0), "2,331 thousand (80 %: 2,265 to "
                                         "2,399 thousand)", 1000)
    assert problems(label, value) == [] and "never as emigration" in label


def _keeps_the_rules(pairs):
    for label, value in pairs:
        assert problems(label, value) == [], (value, label)


@pytest.mark.parametrize("destination", ["EU27", "GCC", "Japan"])
def test_replacement_headlines_quote_wpps_assumption_and_explain_net_emigration(destination, processed_dir):
    solved = demand.replacement_by_target([destination], 2025, 2050, demand.MigrantProfile(), 2.5,
                                          processed_dir=processed_dir)
    baseline = demand.baselines([destination], 2025, 2050, processed_dir=processed_dir)
    label, value = headlines.replacement(demand.replacement_context(solved, baseline, 2050))
    _keeps_the_rules([(label, value)])
    need = solved[solved["target"] == "working-age"]["migrants"].sum() / 25
    assumed = baseline[baseline["scenario"] == "medium"]["net_migration"].sum() / 25
    assert value == f"{need / 1e3:,.0f} thousand"
    if need >= 0:
        assert f"of which {assumed / 1e3:,.0f} thousand a year already assumed by WPP 2024 medium" in label
    else:  # the GCC: its 15-64 population would grow without migration until 2040
        zero = baseline[baseline["scenario"] == "zero-migration"].set_index("period_end")["working_age"]
        assert f"net emigration, because without migration {destination}'s 15-64 population would grow to " \
               f"{zero.max() / 1e6:,.1f} million by {zero.idxmax()}" in label
        assert zero.max() > solved[solved["target"] == "working-age"]["working_age"].iloc[0]
        assert f"WPP 2024 medium assumes {assumed / 1e3:+,.0f} thousand a year" in label
    if destination == "EU27":  # the issue's figures: 2,326 thousand a year, WPP about 529 thousand in 2025-2030
        assert value == "2,326 thousand" and 520e3 < assumed < 560e3
    if destination == "GCC":
        assert value.startswith("-")


@pytest.mark.parametrize("location, ages, base, target", [
    ("Africa", "15-64", 2025, 2055),     # 101 %: the rest of the world shrinks
    ("Africa", "20-39", 2025, 2055),
    ("ECOWAS", "15-64", 2025, 2055),     # a share below 100 %
    ("Europe", "15-64", 2025, 2055),     # Europe shrinks: no share, the rest of the world's change
])
def test_working_age_headlines_for_several_reports(location, ages, base, target, processed_dir):
    table = indicators.working_age_table([location, "World"], ages, [base, target], ["medium", "low", "high"],
                                         processed_dir)
    increase = indicators.increase_summary(table, location, "World", base, target)
    pairs = headlines.working_age_increase(increase, location, ages, base, target)
    _keeps_the_rules(pairs)
    label, value = pairs[1]
    if increase.change > 0 and increase.world_change > 0:
        assert value == f"{increase.change / increase.world_change:.0%}"
        assert ("because the rest of the world" in label) == (increase.change > increase.world_change)
    else:
        assert value == f"{increase.rest_of_world / 1e6:+,.0f} million" and "%" not in value
    if (location, ages) == ("Africa", "15-64"):
        assert value == "101%" and increase.rest_of_world < 0


def test_scenario_and_pathway_headlines_say_they_are_the_engines(processed_dir):
    specs = [scenarios.load(name) for name in ("medium", "zero-migration")]
    population = scenarios.projected_population(["Sub-Saharan Africa"], specs, 2025, 2050, processed_dir=processed_dir)
    working = indicators.working_age_population(population, "15-64")
    levels = headlines.scenario_levels(indicators.change(working, 2025, 2050), "Sub-Saharan Africa", "15-64", 2050)
    differences = scenario_contrasts.band_differences(population, "medium", ["0-14", "15-64"])
    summary = scenario_contrasts.direction_summary(differences)
    _keeps_the_rules(levels + headlines.scenario_differences(summary, "Sub-Saharan Africa", 2050, "medium"))
    assert all("engine" in label for label, _ in levels)

    parameters = pathways.PathwayParameters(origin="Morocco", destination="Germany").validate()
    effect = pathways.projection_effect(pathways.project(parameters, institutions=10), years=[2050])
    pairs = headlines.pathway_effect(effect, ["Morocco", "Germany"], 2050, 10, "Germany")
    _keeps_the_rules(pairs)
    morocco = indicators.lookup(effect, location="Morocco")["working_age_change"]
    assert morocco < 0 and pairs[0][1] == f"{morocco:+,.0f}" and "because the migrants" in pairs[0][0]


def _executed_notebooks() -> list[Path]:
    return sorted(paths.NOTEBOOKS.glob("*.ipynb")) + sorted(paths.REPORTS.glob("*.ipynb"))


def test_every_report_headline_keeps_the_rules():
    """The committed notebooks' headlines, and every built report's when `make reports` has run."""
    found = {}
    for notebook in _executed_notebooks():
        for item in recorded(notebook):
            found[(notebook.name, item["label"])] = problems(item["label"], item["value"])
    assert len(found) >= 30
    broken = {key: value for key, value in found.items() if value}
    assert not broken, broken
