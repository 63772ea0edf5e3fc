"""Time flows counted in people and the returns report's pieces.

    python benchmarks/bench_returns.py

Prints the machine calibration line first (``timing.print_calibration``), so
that times from machines of different speed can be compared as ratios, then the median of 5 runs of each step: a scenario run without and
with a returns block (which adds one projection, for the feasibility check),
the provenance lines, the checked return-events dataset, and the study calls
of the returns report.  Results go to ``benchmarks/results/returns.json``.
"""

from __future__ import annotations

import warnings

from timing import median_seconds, print_calibration, print_results, save_results

from analysis.errors import InputNote
from analysis.model import scenarios
from analysis.study import flows as flow_study
from analysis.study.returns import events, large_return, movements

RETURN = {"name": "gcc-return", "returns": [{"from": "GCC", "to": ["Ethiopia", "Kenya", "Uganda"],
                                             "persons": 1_500_000, "years": "2030-2035"}]}


def main() -> None:
    print_calibration()
    warnings.simplefilter("ignore", InputNote)
    scenarios.run("medium")  # inputs read and cached once, as in a session
    flows = flow_study.load_flow_source("published")
    geography = flow_study.flow_geography()
    table = events.load_return_events()
    spec = large_return.scenario_spec(events.event(table, "R11"), ["Ethiopia", "Kenya", "Uganda"], "GCC", "2030-2035")
    results = {
        "scenario run, medium (s)": median_seconds(lambda: scenarios.run("medium"), 5),
        "scenario run, 1.5 M return from the GCC (s)": median_seconds(lambda: scenarios.run(RETURN), 5),
        "people-moved provenance lines (s)": median_seconds(lambda: scenarios.moved_people_lines([RETURN]), 5),
        "return events loaded and checked (s)": median_seconds(events.load_return_events, 5),
        "flows in and out of ECOWAS (s)": median_seconds(lambda: movements.location_flows("ECOWAS", flows), 5),
        "events beside the estimates (s)": median_seconds(lambda: movements.events_beside_flows(table, flows), 5),
        "return rates for the map (s)": median_seconds(lambda: movements.return_rate_map(flows, geography), 5),
        "return's effect on 4 places, 2025-2050 (s)": median_seconds(lambda: large_return.population_effect(
            spec, ["Ethiopia", "Kenya", "Uganda", "GCC"], range(2025, 2051, 5)), 5),
    }
    rounded = {key: round(value, 4) for key, value in results.items()}
    print_results(rounded)
    save_results("returns", rounded)


if __name__ == "__main__":
    main()
