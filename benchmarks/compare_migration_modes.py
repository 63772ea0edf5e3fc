"""Migration sampled as rates or as counts: which reproduces WPP's population intervals better?

    python benchmarks/compare_migration_modes.py [--trajectories 2000] [--seed 1]

Each mode uses its own calibrated parameters (``analysis/model/trajectories.yml``
for rates, ``trajectories-count.yml`` for counts, both written by
``python -m analysis calibrate [--migration count]``) and is validated as in
``analysis.model.validation``: errors of the 80 % and 95 % bounds of total
population, countries with at least 1 million people, 2050 and 2100.  Also
reported: the emigration left unrealised because nobody was left to leave (mean
per trajectory, all countries), and the small countries with large flows
(Liberia, Rwanda, Eritrea, Timor-Leste): their 80 % width against WPP's in 2050
and the errors of their lower 80 % bound and median in 2100.  Results go to
``benchmarks/results/migration-modes.json``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from analysis.model import trajectories, trajectory_runs, validation

from timing import print_calibration, save_results

FILES = {"rate": trajectories.CALIBRATION_FILE, "count": Path(trajectories.__file__).with_name("trajectories-count.yml")}
SMALL_WITH_LARGE_FLOWS = ("Liberia", "Rwanda", "Eritrea", "Timor-Leste")


def measure(mode: str, n_trajectories: int, seed: int) -> dict:
    """Validate one mode with its own calibrated parameters."""
    params = trajectories.load_parameters(FILES[mode])
    model = trajectories.make_model(seed=seed, bands=("all",), params=params, migration=mode)
    result = trajectory_runs.run(model, n_trajectories)
    check = validation.compare_intervals(result.band("all"), result.codes, result.years)
    countries = check.countries.set_index(["location", "year"])

    def pooled(year: int, level: str) -> np.ndarray:
        part = check.countries[check.countries["year"] == year]
        errors = np.abs(np.concatenate([part[f"err_l{level}"], part[f"err_u{level}"]]))
        return errors[~np.isnan(errors)]

    return {
        "mode": mode,
        "80 % bounds 2050: median |error|": float(np.median(pooled(2050, "80"))),
        "80 % bounds 2050: 90th percentile": float(np.quantile(pooled(2050, "80"), 0.9)),
        "80 % bounds 2100: median |error|": float(np.median(pooled(2100, "80"))),
        "95 % bounds 2050: 90th percentile": float(np.quantile(pooled(2050, "95"), 0.9)),
        "95 % bounds 2100: median |error|": float(np.median(pooled(2100, "95"))),
        "all targets met": bool(check.passed),
        "unrealised emigration per trajectory (persons)": float(result.values["unrealised"].sum(axis=1).mean()),
        "small countries with large flows": {
            name: {"width ratio 80 % 2050": float(countries.loc[(name, 2050), "width_ratio_80"]),
                   "lower 80 % 2100 error": float(countries.loc[(name, 2100), "err_l80"]),
                   "median 2100 error": float(countries.loc[(name, 2100), "err_median"])}
            for name in SMALL_WITH_LARGE_FLOWS},
        "calibrated migration phi (pooled)": params.migration.phi,
        "calibrated TFR phi": params.tfr.phi,
    }


def main() -> None:
    print_calibration()  # first: every time below is read against it (saved with the results)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = [measure(mode, args.trajectories, args.seed) for mode in ("rate", "count")]
    for key in rows[0]:
        if key in ("mode", "small countries with large flows"):
            continue
        values = [row[key] for row in rows]
        shown = [f"{v:.2%}" if isinstance(v, float) and v < 1 and "phi" not in key else f"{v:,.2f}"
                 if isinstance(v, float) else str(v) for v in values]
        print(f"{key:<48} rate {shown[0]:>14}   count {shown[1]:>14}")
    for name in SMALL_WITH_LARGE_FLOWS:
        for key in rows[0]["small countries with large flows"][name]:
            values = [row["small countries with large flows"][name][key] for row in rows]
            print(f"{name + ': ' + key:<48} rate {values[0]:>+14.3f}   count {values[1]:>+14.3f}")
    save_results("migration-modes", {"trajectories": args.trajectories, "seed": args.seed, "modes": rows})


if __name__ == "__main__":
    main()
