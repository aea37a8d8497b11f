"""Would a one-line wrong change to the engine fail the fast suite (no spreadsheet application)?

Run: .venv/bin/python scripts/mutation_check.py [FROM | --only I,J,...]
Each wrong change below is applied alone to the committed code, the fast suite runs (every test but the
spreadsheet engines' tests/test_workbook.py), and the file is restored with git. It refuses to run while
a file it changes has uncommitted edits (restoring would lose them). Issue 9's money, carbon, water,
capacity and two-level spread, issue 15's presets, legacy stream, trimming and top-3 rule, issue 20's
calibration, issue 18's catalogue, estimate and flags; a change the suite does not catch is printed as MISSED.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

M, API = "inferwatt_xl/method/impacts.py", "inferwatt_xl/api.py"
IMP, UDF = "inferwatt_xl/impacts.py", "inferwatt_xl/udf.py"
VOC, MEAS = "inferwatt_xl/vocabulary.py", "inferwatt_xl/measures.py"
DIST, CAT = "inferwatt_xl/method/distributions.py", "inferwatt_xl/catalogue.py"
SCEN = "inferwatt_xl/scenarios.py"
CALM, CAL = "inferwatt_xl/method/calibration.py", "inferwatt_xl/calibration.py"
ESTM, EST = "inferwatt_xl/method/estimate.py", "inferwatt_xl/estimates.py"
MUTATIONS = [  # (file, the committed line, a wrong one)
    (M, "return energy_wh / pue * wue_l_per_kwh + energy_wh * water_intensity_l_per_kwh",
     "return energy_wh * wue_l_per_kwh + energy_wh * water_intensity_l_per_kwh"),
    (M, "return np.asarray(energy_wh) / WH_PER_KWH * carbon_intensity_g_per_kwh",
     "return np.asarray(energy_wh) / 100 * carbon_intensity_g_per_kwh"),
    (M, "DAYS_PER_YEAR = 365 ", "DAYS_PER_YEAR = 366 "),
    (M, "return node_redundancy * queries_per_day * mean_node_seconds",
     "return queries_per_day * mean_node_seconds"),
    (M, "(p_idle_kw + (p_max_kw - p_idle_kw) * load_max_frac) / (p_idle_kw + (p_max_kw - p_idle_kw) * mean_load_frac)",
     "(p_idle_kw + (p_max_kw - p_idle_kw) * mean_load_frac) / (p_idle_kw + (p_max_kw - p_idle_kw) * load_max_frac)"),
    (M, "return np.asarray(gwh_per_day) * 1000 / HOURS_PER_DAY", "return np.asarray(gwh_per_day) * 1000 / 25"),
    (VOC, 'p["pue_below_one"]), 10),', 'p["pue_below_one"]), 3),'),
    (API, 'self.energy_wh * self.pooled(self.draws["alpha"]) / self.pooled(self.draws["pue"])',
     'self.energy_wh * self.pooled(self.draws["alpha"])'),
    (API, 'alphas = {regime: draws_of("alpha_improved", u["alpha_improved"], params, regime)',
     'alphas = {regime: 1 + 0 * draws_of("alpha_improved", u["alpha_improved"], params, regime)'),
    ("inferwatt_xl/method/fleet.py", "math.sqrt(max(second_moment_wh2 - mean_wh ** 2, 0.0) * queries_per_day)",
     "math.sqrt(max(second_moment_wh2 - mean_wh ** 2, 0.0)) * queries_per_day"),
    ("inferwatt_xl/method/distributions.py", "sigma = np.where(z < 0, math.log(median / p5) / Z95",
     "sigma = np.where(z > 0, math.log(median / p5) / Z95"),
    (MEAS, 'lambda t: imp.electricity_cost_usd(t.energy_wh, t.price_usd_per_kwh())',
     'lambda t: imp.electricity_cost_usd(t.energy_wh, t.params["price_usd_per_kwh_median"])'),
    (MEAS, 'return electricity + t.value("hardware_usd") if t.computed("hardware_usd") else electricity',
     'return electricity'),
    (IMP, "                if hardware_given(params) else None)",
     "                if hardware_given(params) else 0.0)"),
    (IMP, "share = 1 / len(sims[0].models)", "share = 1"),
    (IMP, "region.carbon_intensity_g_per_kwh if carbon is None else carbon,", "region.carbon_intensity_g_per_kwh,"),
    (IMP, "for name in names if known[name] is None]", "for name in names if known[name] is not None]"),
    (IMP, 'imp.electricity_cost_usd(facility_wh, d["price"]) + (hardware or 0.0),',
     'imp.electricity_cost_usd(facility_wh, d["price"]),'),
    (IMP, "nodes_by_model[name] = math.ceil(", "nodes_by_model[name] = math.floor("),
    (UDF, ".stat(measure, stat)", ".stat(measure, 'median')"),
    # issue 15: the authors' code as presets, its legacy random stream, trimming and the top-3 rule
    ("inferwatt_xl/method/legacy_stream.py", "CODE_Z95 = 1.645", "CODE_Z95 = 1.6449"),
    ("inferwatt_xl/method/legacy_stream.py", "return self.random.exponential(1 / (math.log(2) / median), n)",
     "return self.random.exponential(median, n)"),
    ("inferwatt_xl/method/trimming.py", "inner = within_percentiles(values[keep], 10, 90)",
     "inner = within_percentiles(values[keep], 5, 95)"),
    ("inferwatt_xl/method/trimming.py", "return (values >= low) & (values <= high)",
     "return (values > low) & (values < high)"),
    ("inferwatt_xl/method/throughput.py", "ROWS_FOR_OWN_OLS = 3", "ROWS_FOR_OWN_OLS = 2"),
    ("inferwatt_xl/method/throughput.py", "l_out = np.maximum(l_out, MIN_LOG_TOKENS)",
     "l_out = np.maximum(l_out, 1.0)"),
    ("inferwatt_xl/method/energy.py", "INPUT_TOKEN_WEIGHT_S3_CODE = 1 / 30", "INPUT_TOKEN_WEIGHT_S3_CODE = 1 / 20"),
    ("inferwatt_xl/method/energy.py", "util_span * np.asarray(tps_tokens_per_s) / tps_max",
     "util_span * np.sqrt(np.asarray(tps_tokens_per_s) / tps_max)"),
    ("inferwatt_xl/method/fleet.py",
     "beta_util = e_sin / e_uniform / f if beta_util_fixed is None else beta_util_fixed",
     "beta_util = e_sin / e_uniform / f"),
    (API, "chosen = sorted(candidates, key=lambda m: -float(np.median(base[m])))[:3]",
     "chosen = sorted(candidates, key=lambda m: float(np.median(base[m])))[:3]"),
    (API, "order = [m for m in paper if counts[m] >= 3] + [m for m in paper if counts[m] < 3]",
     "order = list(paper)"),
    (VOC, 'p95 = "alpha_improved_tts_p95" if lever == "improved" and regime == "tts" else f"alpha_{lever}_p95"',
     'p95 = f"alpha_{lever}_p95"'),
    (API, "        trimmed = trimmed[within_percentiles(trimmed, 5, 95)]", "        pass"),
    (API, "PAPER_STREAM_LEVERS = (\"hardware\", \"model\", \"serving\")",
     "PAPER_STREAM_LEVERS = (\"model\", \"serving\", \"hardware\")"),
    (API, "fleet_stream.exponential_from_median(params[vocab.REGIMES[regime].l_out_median], n)", "pass"),
    (API, "return np.minimum(util, 1.0) if params[\"util_above_one\"] == \"cap\" else util", "return util"),
    (API, "l_out = {m: np.round(v) for m, v in l_out.items()} if paper_rng else np.round(l_out)",
     "l_out = {m: np.floor(v) for m, v in l_out.items()} if paper_rng else np.floor(l_out)"),
    (API, "params.update({name: v.value for name, v in catalogue.presets()[params[\"preset\"]].items()})",
     "pass"),
    ("inferwatt_xl/catalogue.py",
     'PAPER_H100_FILES = {"code": "tps_benchmarks_oviedo_code.csv", "s1": "tps_benchmarks.csv"}',
     'PAPER_H100_FILES = {"code": "tps_benchmarks.csv", "s1": "tps_benchmarks.csv"}'),
    ("inferwatt_xl/sensitivity.py", "positive = (energy > 0).all(axis=0)", "positive = (energy >= 0).all(axis=0)"),
    # issue 17: a wrong change written against each module the list did not reach yet
    ("inferwatt_xl/method/uniforms.py", "FINAL_MULTIPLIER = 1343", "FINAL_MULTIPLIER = 1344"),
    ("inferwatt_xl/method/sensitivity.py", 'shares["model"] = float(np.var(by_model)) / total',
     'shares["model"] = float(np.var(by_model)) / total / 2'),
    ("inferwatt_xl/catalogue.py", 'return re.sub(r"[\\s\\-_]+", "", name).lower()',
     'return re.sub(r"[\\s_]+", "", name).lower()'),
    (VOC, '"l_out_median_traditional_tokens", ("trad",)),',
     '"l_out_median_traditional_tokens", ("trad", "reasoning")),'),
    ("inferwatt_xl/cli.py", "TERMINATED = 143", "TERMINATED = 130"),
    ("inferwatt_xl/files.py", "    except ProcessLookupError:\n        return False",
     "    except ProcessLookupError:\n        return True"),
    ("inferwatt_xl/reproduce.py", "paper = v1 if version_v1 or v2 is None else v2", "paper = v1"),
    (UDF, "return (value,) if value and not any(isinstance(r, tuple) for r in value) else value", "return value"),
    # issue 17, second batch: the public functions and alias tables no wrong change reached yet
    (VOC, "if text == regime.key or text in regime.aliases:", "if text == regime.key:"),
    (API, 'return isinstance(name, str) and name.strip().lower() == "baseline"',
     'return isinstance(name, str) and name.strip() == "baseline"'),
    (VOC, 'p["price_usd_per_kwh_p5"], p["price_usd_per_kwh_p95"]),',
     'p["price_usd_per_kwh_median"], p["price_usd_per_kwh_p95"]),'),
    (VOC, 'p["wue_l_per_kwh_p5"], p["wue_l_per_kwh_p95"]),', 'p["wue_l_per_kwh_p5"], p["wue_l_per_kwh_p5"]),'),
    (API, 'util = draws_of("util", np.array([0.5]), params)', 'util = draws_of("util", np.array([0.55]), params)'),
    (DIST, "return float(ndtr((math.log(x) - mu) / sigma))", "return float(ndtr((math.log(x) + mu) / sigma))"),
    (DIST, "return math.exp(lognormal_mu_sigma(p5, p95)[0])", "return (p5 + p95) / 2"),
    (DIST, "return lognormal_ppf(f1 + u * (1 - f1), mu, sigma)", "return lognormal_ppf(u * (1 - f1), mu, sigma)"),
    (DIST, "util = median * np.exp(z * (math.log(p95) - math.log(p5)) / (2 * Z95))",
     "util = median * np.exp(z * (math.log(p95) - math.log(p5)) / Z95)"),
    (CAT, "if not math.isfinite(number) or (integer and number != int(number)):", "if not math.isfinite(number):"),
    (CAT, '">=": lambda a, b: a >= b,', '">=": lambda a, b: a > b,'),
    (CAT, "return regions()[_region_index()[_key(code)]]", "return next(iter(regions().values()))"),
    ("inferwatt_xl/method/energy.py",
     "return p_max_kw * (util_at_zero + util_span * np.asarray(tps_tokens_per_s) / tps_max)",
     "return p_max_kw * (util_at_zero + util_span * np.asarray(tps_tokens_per_s))"),
    ("inferwatt_xl/method/legacy_stream.py", "return math.log(p5) + CODE_Z95 * sigma, sigma",
     "return math.log(p95) - CODE_Z95 * sigma * 1.01, sigma"),
    (M, "return np.asarray(energy_wh) / WH_PER_KWH * price_usd_per_kwh",
     "return np.asarray(energy_wh) * price_usd_per_kwh"),
    (UDF, '"water_intensity_l_per_kwh", "carbon_source", "water_source"))))',
     '"carbon_source", "water_intensity_l_per_kwh", "water_source"))))'),
    (UDF, "[[value(r[c]) for c in columns] for r in rows]", "[[value(r[c]) for c in reversed(columns)] for r in rows]"),
    # issue 16: the shared words and the measures, declared once
    (VOC, '"mix, improved alpha", True, True, "Mixed_Improved")',
     '"mix, improved alpha", True, False, "Mixed_Improved")'),
    (VOC, 'Lever("serving", "serving", ("alpha_serving",))', 'Lever("serving", "serving", ("alpha_model",))'),
    (MEAS, 'Measure("water_ml", "mL", "water", ("water_intensity_l_per_kwh",),',
     'Measure("water_ml", "mL", "water", (),'),
    (IMP, "if m.missing and m.name not in self.compute]", "if m.missing]"),
    (VOC, 'Statistic("p25", 0.25)', 'Statistic("p25", 0.3)'),
    # issue 19: a lever that raises throughput frees nodes
    (API, 'out[m] = seconds / model_draw(d["alpha"], m) if self.nodes_follow_lever else seconds', 'out[m] = seconds'),
    (API, 'return sim.base_mean_wh if self.lever == "improved" else sim.mean_at_pue_one_wh',
     'return sim.base_mean_wh'),
    # issue 19: scenarios side by side
    (SCEN, "for key, value in (*reference.settings, *(() if scenario is reference else scenario.settings)):",
     "for key, value in (() if scenario is reference else scenario.settings):"),
    (SCEN, "every, per_model = value, {}", "every = value"),
    (SCEN, "rows.append((name, key, q.unit, value, p5, p95, ref, value - ref if known else None,",
     "rows.append((name, key, q.unit, value, p5, p95, ref, ref - value if known else None,"),
    (SCEN, "if name not in names:  # it would be ignored: the run does not serve that model",
     "if False:  # it would be ignored: the run does not serve that model"),
    (SCEN, "values[f\"wh_per_query_{regime}\"] = (stats[\"median\"], stats[\"p5\"], stats[\"p95\"])",
     "values[f\"wh_per_query_{regime}\"] = (stats[\"mean\"], stats[\"p5\"], stats[\"p95\"])"),
    (SCEN, "if key in SHARED:", "if key in ():"),
    (API, 'lever.strip().lower() in ("", "none")', 'lever.strip().lower() in ("",)'),
    # issue 20: the conjugate update, the readings of Eq. 1, the prior, the draws, the fleet's PUE
    (CALM, "    mean[free] = m0 + gain @ (y - a @ m0)", "    mean[free] = m0 + gain @ (y + a @ m0)"),
    (CALM, "    cov_free = keep @ s0 @ keep.T + gain @ np.diag(sigmas ** 2) @ gain.T",
     "    cov_free = keep @ s0 @ keep.T"),
    (CALM, "    return (np.asarray(log_values, dtype=float) - design @ belief.mean) / np.sqrt(spread)",
     "    return (np.asarray(log_values, dtype=float) - design @ belief.mean) / spread"),
    (CALM, "Z99 = float(ndtri(0.99))", "Z99 = float(ndtri(0.95))"),
    (CALM, "        out[free] += chol @ normal_scores[free]", "        out[free] += chol.T @ normal_scores[free]"),
    (CAL, '    pue = 1.0 if m.boundary == "facility" else 0.0', '    pue = 1.0 if m.boundary != "gpu" else 0.0'),
    (CAL, "    sigma = math.log1p(uncertainty)", "    sigma = uncertainty * 2"),
    (CAL, "        return Reading(math.log(tps), (1.0, 0.0, 0.0), sigma)",
     "        return Reading(math.log(tps), (-1.0, 0.0, 0.0), sigma)"),
    (CAL, "        mean_kw = float(interval_w @ dt / dt.sum()) / 1000", "        mean_kw = float(power.mean()) / 1000"),
    (API, '    mu_util, sd_util = dist.lognormal_mu_sigma(params["util_p5"], params["util_p95"])',
     '    mu_util, sd_util = dist.lognormal_mu_sigma(params["pue_p5"], params["pue_p95"])'),
    (CALM, "    return (np.asarray(log_values, dtype=float) - design @ after.mean) / np.sqrt(spread)",
     "    return (np.asarray(log_values, dtype=float) - design @ after.mean) / np.sqrt(np.abs(spread) + 1)"),
    (CAL, "                   math.hypot(instrument, m.rel_uncertainty) if m.plus_instrument else m.rel_uncertainty)",
     "                   m.rel_uncertainty)"),
    (API, "            out[key][m] = _bounded(key, values[k], params) if c and c.informed[k] else prior_draws[key]",
     "            out[key][m] = _bounded(key, values[k], params) if c else prior_draws[key]"),
    (API, "    return np.exp(c.posterior.mean[factor] + c.posterior.sd[factor] * dist.normal_scores(u))",
     "    return np.exp(c.posterior.mean[factor] + c.posterior.sd[factor] * dist.normal_scores(1 - u) * 0.5)"),
    (API, "    return math.exp(c.posterior.mean[0]) if c and c.informed[0] else 1.0",
     "    return math.exp(c.posterior.mean[0]) if c and c.informed[1] else 1.0"),
    # issue 18: the catalogue, the estimate and its measured error, the flags, the user's models
    (ESTM, "errors[out] = x[out] @ fit_law(x[~out], y[~out]) - y[out]",
     "errors[out] = x[out] @ fit_law(x, y) - y[out]"),
    (ESTM, "return float(np.quantile(abs_errors, 0.9)) / Z90", "return float(np.quantile(abs_errors, 0.8)) / Z90"),
    (ESTM, "inside = [a[i] <= Z90 * spread_for_coverage(a[g != g[i]])",
     "inside = [a[i] <= Z90 * spread_for_coverage(a)"),
    (EST, "free = (node.gpus * gpu.memory_gb - weights_gb) / node.gpus",
     "free = (node.gpus * gpu.memory_gb - weights_gb)"),
    (EST, "b0 = float(x[0, :5] @ c[:5]) + math.log(node.gpus)", "b0 = float(x[0, :5] @ c[:5])"),
    (EST, "DISAGREEMENT_FACTOR = 3.0", "DISAGREEMENT_FACTOR = 30.0"),
    (EST, "ratio = per_gpu[a] / per_gpu[other]", "ratio = per_gpu[other] / per_gpu[a]"),
    (EST, 'CHART_SOURCE = re.compile(r"\\b(figure|chart)\\b", re.IGNORECASE)',
     'CHART_SOURCE = re.compile(r"\\b(chart)\\b", re.IGNORECASE)'),
    (EST, 'return f"{model.total_params_b:g}/{model.active_params_b:g}"', "return model.name"),
    (EST, 'for p in (row_precision, model.precision, "FP8", "BF16"):',
     'for p in (model.precision, row_precision, "FP8", "BF16"):'),
    (API, "factor = np.exp(spread[m].log_sd * z)", "factor = np.exp(spread[m].log_sd * z / 2)"),
    (API, 'active = np.exp(math.log(low) + u["active_params"] * (math.log(high) - math.log(low)))',
     'active = np.exp(math.log(low) + u["estimate_error"] * (math.log(high) - math.log(low)))'),
    (API, "    if (model, node) in rest:", "    if False:"),
    (CAT, "    if active > total:", "    if active > 2 * total:"),
    (UDF, "key = (catalogue.user_version(), *(_key(a) for a in args))", "key = tuple(_key(a) for a in args)"),
]


def main() -> int:
    # all of the list, from an index on (FROM), or the listed indices (--only 6,8,11)
    if len(sys.argv) > 2 and sys.argv[1] == "--only":
        chosen = [MUTATIONS[int(i)] for i in sys.argv[2].split(",")]
    else:
        chosen = MUTATIONS[int(sys.argv[1]) if len(sys.argv) > 1 else 0:]
    files = sorted({path for path, _, _ in chosen})
    dirty = subprocess.run(["git", "status", "--porcelain", "--", *files], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout
    if dirty:
        print(f"uncommitted edits in {dirty.split()}: commit them first (each file is restored from git)")
        return 2
    caught = 0
    for path, old, new in chosen:
        file = ROOT / path
        text = file.read_text()
        if text.count(old) != 1:
            print(f"NOT FOUND in {path}: {old[:60]}")
            continue
        file.write_text(text.replace(old, new))
        try:
            run = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "tests",
                                  "--ignore=tests/test_workbook.py"], cwd=ROOT, capture_output=True, text=True)
        finally:
            subprocess.run(["git", "checkout", "--", path], cwd=ROOT, check=True, capture_output=True)
        caught += run.returncode != 0
        print(f"{'caught' if run.returncode else 'MISSED'}  {path}: {new.splitlines()[0][:80]}")
    tried = len(chosen)
    print(f"{caught} of {tried} wrong changes fail the fast suite")
    return 0 if caught == tried else 1


if __name__ == "__main__":
    sys.exit(main())
