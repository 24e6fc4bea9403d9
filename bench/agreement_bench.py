"""Benchmark: our Krippendorff's alpha and bootstrap against the krippendorff package.

Run from the project root:  .venv/bin/python bench/agreement_bench.py
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotations.metrics.agreement import (  # noqa: E402
    bootstrap_alpha_ci,
    krippendorff_alpha,
)


def synthetic_data(
    reviewers: int, units: int, categories: int, missing: float, seed: int
) -> np.ndarray:
    """Reviewers x units codes: 70% agree with a hidden truth, NaN where missing."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, categories, size=units)
    noise = rng.integers(0, categories, size=(reviewers, units))
    data = np.where(rng.random((reviewers, units)) < 0.7, truth, noise).astype(float)
    data[rng.random(data.shape) < missing] = np.nan
    return data


def measure(
    function: Callable[[], Any], repeats: int
) -> tuple[Any, float, float, float]:
    """(result, best wall s, best CPU s over repeats, peak traced MiB of one run).

    CPU time (all threads of this process) is shown beside wall time because
    wall time on a shared machine swings with everyone else's load.
    """
    best_wall = best_cpu = float("inf")
    result = None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, best_wall, best_cpu, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--categories", type=int, default=8)
    parser.add_argument("--missing", type=float, default=0.10)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()

    data = synthetic_data(
        args.reviewers, args.units, args.categories, args.missing, args.seed
    )
    print(
        f"data: {args.reviewers} reviewers x {args.units:,} units x "
        f"{args.categories} categories, {args.missing:.0%} missing, seed {args.seed}"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    header = (
        f"{'level':<9}{'ours s':>8}{'cpu s':>8}{'MiB':>7}"
        f"{'pkg s':>8}{'cpu s':>8}{'MiB':>7}"
        f"{'speedup':>9}{'(cpu)':>7}{'max |diff|':>11}  alpha"
    )
    print(header)
    print("-" * len(header))
    worst = 0.0
    for level in ("nominal", "ordinal"):
        ours, ours_s, ours_cpu, ours_mib = measure(
            lambda level=level: krippendorff_alpha(data, level), args.repeats
        )
        theirs, theirs_s, theirs_cpu, theirs_mib = measure(
            lambda level=level: krippendorff.alpha(data, level_of_measurement=level),
            args.repeats,
        )
        difference = abs(ours - float(theirs))
        worst = max(worst, difference)
        print(
            f"{level:<9}{ours_s:>8.3f}{ours_cpu:>8.3f}{ours_mib:>7.1f}"
            f"{theirs_s:>8.3f}{theirs_cpu:>8.3f}{theirs_mib:>7.1f}"
            f"{theirs_s / ours_s:>8.1f}x{theirs_cpu / ours_cpu:>6.1f}x"
            f"{difference:>11.1e}  {ours:.6f}"
        )
    print()
    print(f"bootstrap, {args.draws} draws (resampling units), 95% percentile CI")
    for level in ("nominal", "ordinal"):
        interval, seconds, cpu, mib = measure(
            lambda level=level: bootstrap_alpha_ci(
                data, level, draws=args.draws, seed=0
            ),
            1,
        )
        low, high = interval
        print(
            f"{level:<9}{seconds:>8.3f} s wall{cpu:>8.3f} s cpu{mib:>8.1f} MiB"
            f"  CI [{low:.6f}, {high:.6f}]"
        )
    print()
    print(f"max |ours - krippendorff| = {worst:.1e} (must be < 1e-9)")
    if worst >= 1e-9:
        raise SystemExit("FAIL: results differ from the krippendorff package")


if __name__ == "__main__":
    main()
