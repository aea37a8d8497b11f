"""Speed of the Excel functions, as Excel calls them: cold, memoised, and one configuration.

Run: .venv/bin/python benchmarks/bench_udf.py   (prints a table; targets from issue 3:
IW_MONTECARLO 10,000 draws cold <= 5 ms, cached <= 50 us, IW_ENERGY <= 50 us; issue 11: the full
sensitivity of the baseline median, 10,000 trials, <= 1 s cold and <= 50 us cached; issue 9: IW_STAT
10,000 trials cold <= 5 ms and cached <= 50 us, a 20 x 20 data table of IW_STAT (400 distinct scenarios)
<= 2 s cold, `inferwatt capacity` with its two-level spread <= 2 s)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from inferwatt_xl import udf


def timed(call, repeat: int, before=None) -> float:
    """Median seconds of `repeat` calls; `before` runs untimed before each call."""
    times = []
    for _ in range(repeat):
        if before:
            before()
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def data_table() -> None:
    """What an Excel data table of IW_STAT recalculates: one cell per (PUE P95, electricity price) pair."""
    for pue_p95 in [1.2 + 0.02 * i for i in range(20)]:
        for price in [0.065 + 0.006 * j for j in range(20)]:  # within the declared P5-P95
            value = udf.IW_STAT("baseline", "cost_usd", "median", "traditional",
                                [["pue_p95", pue_p95], ["price_usd_per_kwh_median", price]], 10_000, 1)
            assert isinstance(value, float), value


def capacity_cli() -> None:
    subprocess.run([sys.executable, "-m", "inferwatt_xl.cli", "capacity", "--json"], check=True,
                   capture_output=True)


def main() -> None:
    udf.IW_MONTECARLO("baseline", "traditional", 10_000, 1)  # imports and data loaded once, as in a live session
    seeds = iter(range(10_000, 20_000))
    cases = [
        ("IW_MONTECARLO baseline, 10,000 draws x 3 models, cold", 5e-3,
         lambda: udf.IW_MONTECARLO("baseline", "traditional", 10_000, next(seeds)), udf.clear_memo, 30),
        ("IW_MONTECARLO one model, 10,000 draws, cold", 5e-3,
         lambda: udf.IW_MONTECARLO("Llama 3.1 405B", "traditional", 10_000, next(seeds)), udf.clear_memo, 30),
        ("IW_MONTECARLO baseline, 10,000 draws, cached", 50e-6,
         lambda: udf.IW_MONTECARLO("baseline", "traditional", 10_000, 1), None, 2000),
        ("IW_ENERGY, uncached", 50e-6,
         lambda: udf.IW_ENERGY("Llama 3.1 405B", 300, 0.7, 1.2), udf._energy.cache_clear, 2000),
        ("IW_ENERGY, cached", 50e-6, lambda: udf.IW_ENERGY("Llama 3.1 405B", 300, 0.7, 1.2), None, 2000),
        ("IW_TPS, cached", 50e-6, lambda: udf.IW_TPS("Llama 3.1 405B", 500, 300), None, 2000),
        ("IW_SENSITIVITY baseline median, 10,000 trials, cold", 1.0,
         lambda: udf.IW_SENSITIVITY("baseline", "traditional"), udf.clear_memo, 5),
        ("IW_SENSITIVITY baseline median, cached", 50e-6,
         lambda: udf.IW_SENSITIVITY("baseline", "traditional"), None, 2000),
        ("IW_STAT baseline carbon median, 10,000 draws x 3 models, cold", 5e-3,
         lambda: udf.IW_STAT("baseline", "carbon_g", "median", "traditional", None, 10_000, next(seeds)),
         udf.clear_memo, 30),
        ("IW_STAT baseline water p95 (its WUE draws too), cold", 5e-3,
         lambda: udf.IW_STAT("baseline", "water_ml", "p95", "tts", None, 10_000, next(seeds)), udf.clear_memo, 30),
        ("IW_STAT one model cost p95, 10,000 draws, cold", 5e-3,
         lambda: udf.IW_STAT("Llama 3.1 405B", "cost_usd", "p95", "tts", None, 10_000, next(seeds)),
         udf.clear_memo, 30),
        ("IW_STAT baseline, cached", 50e-6,
         lambda: udf.IW_STAT("baseline", "carbon_g", "median", "traditional", None, 10_000, 1), None, 2000),
        ("IW_STAT 20 x 20 data table (400 distinct scenarios), cold", 2.0, data_table, udf.clear_memo, 3),
        ("IW_CAPACITY 1e9 queries, 10 % TTS, cold", 2.0, lambda: udf.IW_CAPACITY(1e9, 0.1), udf.clear_memo, 5),
        ("inferwatt capacity --json (a new process: start-up included)", 2.0, capacity_cli, None, 3),
    ]
    print(f"{'case':<58}{'median':>12}{'target':>12}  met")
    results = {}
    for label, target, call, before, repeat in cases:
        seconds = timed(call, repeat, before)
        results[label] = seconds
        print(f"{label:<58}{seconds * 1e6:>10.1f}us{target * 1e6:>10.0f}us  {'yes' if seconds <= target else 'NO'}")
    cold = results["IW_MONTECARLO baseline, 10,000 draws x 3 models, cold"]
    cached = results["IW_MONTECARLO baseline, 10,000 draws, cached"]
    print(f"ratio cold / cached (same run): {cold / cached:,.0f}x")


if __name__ == "__main__":
    main()
