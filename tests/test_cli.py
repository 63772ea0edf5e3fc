"""The command line, run as a user runs it."""

from __future__ import annotations

import io
import subprocess
import sys

import pandas as pd
import pytest

from analysis.study import indicators, uncertainty


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True, timeout=120)


def test_working_age_csv(processed_dir):
    result = run("working-age", "--location", "Africa", "--ages", "15-64", "--years", "2025,2055", "--variant", "medium")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns) == ["location", "year", "variant", "ages", "population"]
    expected = indicators.working_age_table(["Africa"], "15-64", [2025, 2055])
    assert table["population"].tolist() == expected["population"].round().astype(int).tolist()
    assert table["year"].tolist() == [2025, 2055]


def test_several_locations_by_name_code_and_iso3(processed_dir):
    result = run("working-age", "--location", "Kenya", "--location", "566", "--location", "DEU", "--ages", "65+",
                 "--years", "2050", "--variant", "low,high")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert table["location"].unique().tolist() == ["Kenya", "Nigeria", "Germany"]
    assert set(table["variant"]) == {"low", "high"} and set(table["ages"]) == {"65+"}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--location", "Nigerai"], "did you mean: Nigeria"),
        (["--ages", "70-20"], "ends before it starts"),
        (["--ages", "15-62"], "not the end of a 5-year group"),
        (["--years", "2150"], "outside WPP 2024 (1950–2100)"),
        (["--years", "1900"], "outside WPP 2024 (1950–2100)"),
        (["--years", "2027"], "every 5 years"),
        (["--variant", "median"], "valid: estimates, medium, low, high"),
        (["--colour", "red"], "unrecognized arguments"),
    ],
)
def test_bad_input_exits_2_with_one_helpful_line(processed_dir, args, message):
    result = run("working-age", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr


def test_unknown_command_exits_2():
    result = run("forecast")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_project_csv(processed_dir):
    result = run("project", "--location", "Nigeria", "--scenario", "constant-fertility", "--to", "2050", "--ages", "15-64")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns) == ["location", "scenario", "year", "ages", "population"]
    assert table["year"].tolist() == list(range(2025, 2051, 5))
    assert set(table["scenario"]) == {"constant-fertility"}
    # the base year is WPP's own 2025 population
    wpp_2025 = indicators.working_age_table(["Nigeria"], "15-64", [2025])["population"].round().item()
    assert table["population"].iloc[0] == wpp_2025


def test_project_defaults_to_medium_and_accepts_a_file(processed_dir, tmp_path):
    path = tmp_path / "slow.yml"
    path.write_text("name: slow\nfertility:\n  mode: target\n  target_tfr: 3.0\n  target_year: 2060\n")
    result = run("project", "--location", "ECOWAS", "--scenario", str(path), "--scenario", "medium", "--to", "2040")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert set(table["scenario"]) == {"slow", "medium"}
    default = pd.read_csv(io.StringIO(run("project", "--location", "ECOWAS", "--to", "2040").stdout))
    assert set(default["scenario"]) == {"medium"}


def test_list_scenarios():
    result = run("project", "--list-scenarios")
    assert result.returncode == 0
    assert "zero-migration" in result.stdout and "constant-fertility" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--scenario", "constant-fertilty"], "did you mean: constant-fertility"),
        (["--scenario", "missing.yml"], "does not exist"),
        (["--to", "2105"], "--to 2105 must be one of"),
        (["--from", "2050", "--to", "2030"], "must come after"),
        (["--location", "Narnia"], "unknown location"),
    ],
)
def test_project_bad_input(processed_dir, args, message):
    result = run("project", *args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr, result.stderr


def test_project_bad_scenario_file(processed_dir, tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text("name: bad\nfertility:\n  target_tfr: -1\n  target_year: 2050\n")
    result = run("project", "--scenario", str(path))
    assert result.returncode == 2 and "target_tfr must be positive" in result.stderr
    path.write_text("fertility: [unclosed\n")
    result = run("project", "--scenario", str(path))
    assert result.returncode == 2 and "not valid YAML" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_replacement_csv(processed_dir):
    result = run("replacement", "--destination", "EU27", "--target", "working-age", "--to", "2050")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns) == ["location", "target", "period_start", "period_end", "migrants", "migrants_per_year",
                                   "cumulative_migrants", "total", "working_age", "potential_support_ratio"]
    assert table["period_end"].tolist() == [2030, 2035, 2040, 2045, 2050]
    assert table["working_age"].nunique() == 1  # held constant
    base = indicators.working_age_table(["EU27"], "15-64", [2025])["population"].round().item()
    assert table["working_age"].iloc[0] == base


def test_replacement_all_targets_and_defaults(processed_dir):
    result = run("replacement", "--target", "all", "--to", "2035")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert set(table["target"]) == {"total", "working-age", "support-ratio"}
    assert table["location"].nunique() == 9


def test_pathway_csv(tmp_path):
    path = tmp_path / "pathway.yml"
    path.write_text("origin: Senegal\ndestination: Spain\nannual_intake: 100\nyears: 10\n")
    result = run("pathway", "--config", str(path))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert len(table) == 10 and table["intake"].eq(100).all()
    assert {"graduates_home", "graduates_away", "in_destination", "returned", "cost_total", "cost_per_migrant"} <= set(table.columns)


@pytest.mark.parametrize(
    "config, message",
    [
        ("away_share: 1.5\n", "away_share must be a share between 0 and 1"),
        ("annual_intake: -10\n", "annual_intake must be 0 or more"),
        ("destination: Atlantis\n", "unknown location 'Atlantis'"),
        ("intake: 5\n", "unknown pathway parameter"),
    ],
)
def test_pathway_bad_config(tmp_path, processed_dir, config, message):
    path = tmp_path / "bad.yml"
    path.write_text(config)
    result = run("pathway", "--config", str(path))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr, result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--destination", "Atlantis"], "unknown location"),
        (["--female-share", "1.5"], "female_share must be between 0 and 1"),
        (["--target", "everything"], "invalid choice"),
        (["--to", "2027"], "must be one of"),
    ],
)
def test_replacement_bad_input(processed_dir, args, message):
    result = run("replacement", *args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr, result.stderr


def test_stocks_csv(processed_dir):
    result = run("stocks", "--year", "2024", "--by", "corridor", "--origin", "Nigeria")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert (table["origin"] == "Nigeria").all()
    assert table["migrants"].is_monotonic_decreasing
    regions = pd.read_csv(io.StringIO(run("stocks").stdout))
    assert {"origin", "destination", "migrants"} <= set(regions.columns)


@pytest.mark.parametrize(
    "args, message",
    [(["--year", "2023"], "1990, 1995"), (["--by", "planet"], "valid: region"), (["--origin", "Nigerai"], "did you mean")],
)
def test_stocks_bad_input(processed_dir, args, message):
    result = run("stocks", *args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr, result.stderr


# ---------------------------------------------------------------- probabilistic projections
def test_uncertainty_csv_with_change_rows(processed_dir):
    result = run("uncertainty", "--location", "Nigeria", "--location", "ECOWAS", "--ages", "15-64", "--years",
                 "2025,2055", "--trajectories", "200", "--seed", "3")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout), dtype={"year": str})
    assert list(table.columns) == ["location", "year", "ages", "quantile", "population"]
    assert table["year"].unique().tolist() == ["2025", "2055", "2025-2055"]
    assert table["location"].unique().tolist() == ["Nigeria", "ECOWAS"]
    assert table["quantile"].unique().tolist() == [0.025, 0.1, 0.5, 0.9, 0.975]
    for _, part in table.groupby(["location", "year"]):
        assert part["population"].is_monotonic_increasing
    # the same numbers as the study functions with the same seed, in this process
    simulated = uncertainty.simulate(["Nigeria", "ECOWAS"], ("15-64",), n_trajectories=200, seed=3, end_year=2055)
    expected = uncertainty.change_quantiles(simulated, ["Nigeria", "ECOWAS"], "15-64", 2025, 2055)
    change = table[table["year"] == "2025-2055"]
    assert change["population"].tolist() == expected["change"].round().astype(int).tolist()
    assert "# calibrated parameters: analysis/model/trajectories.yml sha256" in result.stderr


def test_uncertainty_gives_the_same_numbers_on_every_scheduler(processed_dir):
    outputs = [run("uncertainty", "--location", "Japan", "--years", "2050", "--trajectories", "60", "--scheduler",
                   scheduler).stdout for scheduler in ("threads", "synchronous", "processes")]
    assert outputs[0] == outputs[1] == outputs[2] and outputs[0].count("\n") == 6


def test_uncertainty_replacement_distribution(processed_dir):
    result = run("uncertainty", "--destination", "EU27", "--replacement", "15-64", "--to", "2040", "--trajectories",
                 "100", "--quantiles", "0.1,0.5,0.9")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns) == ["destination", "target", "period_start", "period_end", "quantile", "migrants_per_year"]
    whole = table[(table["period_start"] == 2025) & (table["period_end"] == 2040)]
    assert whole["quantile"].tolist() == [0.1, 0.5, 0.9] and whole["migrants_per_year"].is_monotonic_increasing
    assert 1.8e6 < whole["migrants_per_year"].iloc[1] < 2.8e6  # EU27: about 2.3 million a year
    assert set(table["target"]) == {"working-age"}
