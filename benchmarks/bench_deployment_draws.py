"""How many deployment-level draws the two-level fleet spread needs: P5 and P95 of each fleet quantity at
1,000, 3,000 and 10,000 draws against 100,000 draws, worst relative difference over 8 seeds.

Run: .venv/bin/python benchmarks/bench_deployment_draws.py   (the source of deployment_draws' default)
"""

from __future__ import annotations

from inferwatt_xl.impacts import capacity

COLUMNS = ("gwh_per_day", "cost_usd_per_day", "carbon_t_per_day", "water_m3_per_day")
SEEDS = range(1, 9)
REFERENCE = 100_000


def main() -> None:
    references = {seed: capacity(1e9, 0.1, seed=seed, deployment_draws=REFERENCE, n=2000) for seed in SEEDS}
    print(f"{'draws':>8}" + "".join(f"{c:>20}" for c in COLUMNS) + "   (worst |P5 or P95 / reference - 1|)")
    for draws in (1_000, 3_000, 10_000):
        worst = dict.fromkeys(COLUMNS, 0.0)
        for seed in SEEDS:
            spread = capacity(1e9, 0.1, seed=seed, deployment_draws=draws, n=2000).spread
            for column in COLUMNS:
                for q in ("p5", "p95"):
                    ratio = spread[column][q] / references[seed].spread[column][q]
                    worst[column] = max(worst[column], abs(ratio - 1))
        print(f"{draws:>8,}" + "".join(f"{worst[c]:>20.2%}" for c in COLUMNS))


if __name__ == "__main__":
    main()
