"""Count what every entry point does with hostile input: answers, clean errors, crashes, non-finite results.

Run: .venv/bin/python scripts/fuzz_report.py [--per-entry N]
Inputs are drawn (seeded) from pools of edge values: NaN, infinities, huge and denormal numbers, zero,
negatives, booleans, empty cells, text, formula-like text, very long text and ranges of such cells.
Then every writer (capacity, sensitivity, reproduce, build.py) is killed part-way with SIGTERM or SIGKILL, and
what it left is checked.
The property tests (tests/test_fuzz.py) check the same promises on every run of the suite.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import random
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import inferwatt_xl as iw
from inferwatt_xl import udf
from inferwatt_xl.cli import main as cli_main
from inferwatt_xl.errors import InferWattError
from inferwatt_xl.impacts import capacity, impacts

POOL = [None, True, False, 0, 1, -1, 0.5, 0.7, 1.2, 300.0, 5000.0, 1e-320, 1e308, -1e308, math.nan, math.inf,
        -math.inf, 2**63, "", " ", "baseline", "Llama 3.1 405B", "mixtral", "tts", "traditional", "split", "combined",
        "=cmd|' /C calc'!A0", "@SUM(1)", "x" * 100_000, "1e3", "TRUE"]
RANGES = [[["Llama 3.1 405B"], ["mixtral"]], [[1.0, 2.0]], [[None]], [[[1.0]]], [[{"a": 1}]]]
CLI_COMMANDS = [["simulate", "--model", "{}", "--regime", "{}", "--n", "100", "--seed", "{}"],
                ["tps", "--model", "{}", "--lin", "{}", "--lout", "{}"],
                ["energy", "--model", "{}", "--lout", "{}", "--util", "{}", "--pue", "{}"],
                ["fleet", "--queries", "{}", "--tts-share", "{}", "--n", "100"],
                ["impacts", "--model", "{}", "--region", "{}", "--price-usd-per-kwh", "{}", "--n", "100"],
                ["capacity", "--queries", "{}", "--tts-share", "{}", "--set", "hardware_usd_per_node={}", "--n", "100"],
                ["simulate", "--n", "100", "--set", "{set}", "--set", "{set}"],
                ["impacts", "--n", "100", "--set", "{set}"],
                ["capacity", "--n", "100", "--out", "{path}"],
                ["sensitivity", "--n", "100", "--out", "{path}"]]
# Every declared parameter, by every route (an overrides range, --set), with values shaped as xlwings passes
# them: floats for whole numbers, None for an empty cell, text for a choice.
PARAMETERS = list(iw.api.catalogue.parameters())
PARAMETER_VALUES = [None, 7.0, 500.0, 1.0, 0.0, -1.0, 1e9, "paper_v2", "text_v1", "paper", "hdr", "none", "USA",
                    "keep", "", 1.6, 42.0]
# Output paths a user may type: a wrong extension, none, a folder, a folder that does not exist.
PATHS = ["fleet.txt", "fleet.xlsx", "", ".", "/proc/forbidden/x.png", "/nonexistent/folder/x.png", "x.PNG.txt"]
IMPACT_PARAMETERS = ["region", "carbon_intensity_g_per_kwh", "water_intensity_l_per_kwh", "price_usd_per_kwh_median",
                     "wue_l_per_kwh_p95", "hardware_usd_per_node", "hardware_lifetime_years", "deployment_draws"]
TRIALS = [None, 0, -5, 1, 100, 2000, 0.5, "10", True, math.nan]


def draw(rng: random.Random, valid: object = None):
    """A hostile value, or (two times in three) the valid one, so that calls reach every code path."""
    if valid is not None and rng.random() < 2 / 3:
        return valid
    return rng.choice(RANGES) if rng.random() < 0.1 else rng.choice(POOL)


def args(rng: random.Random, *valid: object) -> list:
    return [draw(rng, v) for v in valid]


def classify_cell(value) -> str:
    if isinstance(value, str) and value.startswith("#IW!"):
        return "clean error" if "\n" not in value and len(value) <= udf.MAX_ERROR_CHARS else "crash"
    flat = [v for row in value for v in row] if isinstance(value, list) else [value]
    if any(isinstance(v, float) and not math.isfinite(v) for v in flat):
        return "non-finite"
    return "answer"


def scenario_range(rng: random.Random) -> object:
    """IW_COMPARE's definitions: scenario | parameter | value rows, hostile in any cell, or not a range at all."""
    if rng.random() < 0.1:
        return draw(rng)
    settings = ["lever", "node", "region", "model", "tts_share", "pue_p95", "seed", "queries_per_day", "bogus"]
    values = {"lever": "serving", "node": "Llama 3.1 405B=8xB200", "region": "DEU", "model": "baseline",
              "tts_share": 0.2, "pue_p95": 1.4, "seed": 3.0, "queries_per_day": 1e6, "bogus": "x"}
    rows = [[draw(rng, "reference"), draw(rng, "tts_share"), draw(rng, 0.1)]]
    for _ in range(rng.randint(0, 2)):
        key = rng.choice(settings)
        rows.append([draw(rng, f"s{len(rows)}"), draw(rng, key), draw(rng, values[key])])
    return rows[0] if len(rows) == 1 and rng.random() < 0.3 else rows  # one row arrives as a flat list


def measurement_range(rng: random.Random) -> object:
    """IW_CALIBRATE's measurements: rows of the nine columns, hostile in any cell, or not a range at all."""
    if rng.random() < 0.1:
        return draw(rng)
    valid = [["Llama 3.1 405B", "8xH100", "wh_per_query", 0.3, 500.0, 350.0, "facility", 0.1, "x"],
             ["Llama 3.1 405B", None, "tokens_per_s", 2900.0, 500.0, 350.0, None, None, None],
             ["Llama 3.1 405B", "8xH100", "node_kw", 9.1, None, None, "gpu", 0.05, "y"]]
    rows = [list(rng.choice(valid)) for _ in range(rng.randint(1, 3))]
    for row in rows:  # half the rows with one hostile cell (an empty cell's valid value is None: draw's hostile)
        if rng.random() < 0.5:
            k = rng.randrange(len(row))
            row[k] = draw(rng, row[k]) if row[k] is not None else draw(rng)
    return rows[0] if len(rows) == 1 and rng.random() < 0.3 else rows  # one row arrives as a flat list


def model_row(rng: random.Random) -> object:
    """A user's model as a range: name | total | active | node | precision, hostile in any cell, or a header row
    over it, or one row as xlwings passes it (a flat list)."""
    row = [f"Fuzz {rng.randint(0, 5)}B", 30.0, 3.0, "8xH200", "FP8"][:rng.randint(2, 5)]
    if rng.random() < 0.5:
        k = rng.randrange(len(row))
        row[k] = draw(rng, row[k])
    if rng.random() < 0.3:
        return [["name", "total_params_b", "active_params_b", "node", "precision"][:len(row)], row]
    return row if rng.random() < 0.3 else [row]


def overrides(rng: random.Random) -> list[object]:
    """An overrides range: parameter names (any declared one) with hostile or valid values; sometimes one row as
    xlwings passes it (a flat list), sometimes a hostile name or shape."""
    rows = [[rng.choice(PARAMETERS + IMPACT_PARAMETERS), draw(rng, rng.choice(PARAMETER_VALUES))]
            for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.15:
        return rows[0]  # a one-row range A1:B1
    return rows if rng.random() < 0.9 else draw(rng)


def cli_word(rng: random.Random, word: str, pool: list[str]) -> str:
    """One word of a command line: a hostile value, NAME=VALUE of any parameter, or an output path."""
    if word == "{}":
        return rng.choice(pool)
    if word == "{set}":
        return f"{rng.choice(PARAMETERS)}={rng.choice(PARAMETER_VALUES + pool)}"
    if word == "{path}":
        return rng.choice(PATHS)
    return word


def classify_api(call) -> str:
    try:
        result = call()
        if hasattr(result, "to_dict"):  # statistics are computed when first read: read them here
            values = _numbers(result.to_dict())
        elif hasattr(result, "stats"):
            values = list(result.stats.values())
        else:
            values = [getattr(result, "gwh_per_day", getattr(result, "beta", result))]
    except InferWattError as err:
        return "clean error" if "\n" not in str(err) else "crash"
    except Exception:
        return "crash"
    return "answer" if all(math.isfinite(v) for v in values) else "non-finite"


def _numbers(value: object) -> list[float]:
    """Every float in a result's JSON shape (nested dicts and lists)."""
    if isinstance(value, dict):
        return [x for v in value.values() for x in _numbers(v)]
    if isinstance(value, list):
        return [x for v in value for x in _numbers(v)]
    return [float(value)] if isinstance(value, (int, float)) and not isinstance(value, bool) else []


def classify_cli(args: list[str]) -> str:
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli_main(args)
    except BaseException:
        return "crash"
    if code == 2:
        return "clean error" if err.getvalue().count("\n") == 1 and "Traceback" not in err.getvalue() else "crash"
    try:
        json.loads(out.getvalue(), parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except ValueError:
        return "non-finite"
    return "answer" if code == 0 else "crash"


# Every writer, with a target in a folder T: killed part-way, it must leave T as a later run finds it clean.
WRITERS = [["-m", "inferwatt_xl.cli", "capacity", "--n", "2000", "--out", "{T}/fleet.png"],
           ["-m", "inferwatt_xl.cli", "sensitivity", "--n", "500", "--out", "{T}/tornado.png"],
           ["-m", "inferwatt_xl.cli", "reproduce", "--out", "{T}/reproduction"],
           ["build.py", "--trials", "500", "--out", "{T}/book.xlsx"],
           ["build.py", "--trials", "500", "--out-dir", "{T}/dist"]]
ROOT = Path(__file__).resolve().parents[1]


def leftovers(folder: Path) -> list[Path]:
    """Temporary files and staging folders a writer left anywhere under `folder`."""
    return list(folder.rglob(".*.tmp"))


def whole(folder: Path) -> bool:
    """Every output under `folder` is a complete file of its kind (a PNG, an xlsx zip)."""
    for path in folder.rglob("*"):
        if path.suffix == ".png" and not path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n"):
            return False
        if path.suffix == ".xlsx" and (not zipfile.is_zipfile(path) or zipfile.ZipFile(path).testzip()):
            return False
    return True


def interrupted_run(rng: random.Random) -> str:
    """Start a writer, send SIGTERM or SIGKILL at a random moment; then check what it left: after SIGTERM
    nothing but whole outputs; after SIGKILL nothing that the same writer, run again, does not remove at once."""
    with tempfile.TemporaryDirectory() as tmp:
        words = [w.replace("{T}", tmp) for w in rng.choice(WRITERS)]
        command = [sys.executable, *words] if words[0] == "-m" else [sys.executable, str(ROOT / words[0]), *words[1:]]
        sig = rng.choice([signal.SIGTERM, signal.SIGKILL])
        run = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.3, 3.5))
        run.send_signal(sig)
        _, err = run.communicate()
        if b"Traceback" in err or run.returncode not in (0, 143, -sig):  # -SIGTERM: before any write began
            print(f"  crash: {' '.join(words)} after {sig.name}: exit {run.returncode}\n{err.decode()[-2000:]}")
            return "crash"
        if sig == signal.SIGKILL and leftovers(Path(tmp)):
            subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        return "clean" if not leftovers(Path(tmp)) and whole(Path(tmp)) else "left behind"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--per-entry", type=int, default=500)
    p.add_argument("--interrupted", type=int, default=10, help="writers killed part-way (SIGTERM or SIGKILL)")
    a = p.parse_args()
    rng = random.Random(2026)
    cli_pool = ["0", "-1", "1e308", "1e-320", "nan", "inf", "abc", "", "300", "0.5", "1.2", "baseline", "mixtral",
                "tts", "1e9", "0.1"]
    entries = {
        "IW_ENERGY": lambda: classify_cell(udf.IW_ENERGY(*args(rng, "Llama 3.1 405B", 300.0, 0.7, 1.2, 500.0))),
        "IW_TPS": lambda: classify_cell(udf.IW_TPS(*args(rng, "mixtral", 500.0, 300.0))),
        "IW_MONTECARLO": lambda: classify_cell(udf.IW_MONTECARLO(
            *args(rng, "baseline", "tts"), rng.choice(TRIALS), *args(rng, 1.0, "model", 1.05, 1.4, "split", 500.0,
                                                                        300.0))),
        "IW_SAMPLES": lambda: classify_cell(udf.IW_SAMPLES(
            *args(rng, "mixtral", "traditional"), rng.choice(TRIALS), *args(rng, 2.0, "hardware", 1.05, 1.4,
                                                                              "median", 1000.0, 300.0))),
        "IW_FLEET": lambda: classify_cell(udf.IW_FLEET(*args(rng, 1e9, 0.1, True), rng.choice(TRIALS),
                                                       draw(rng, 1.0))),
        "IW_BETA": lambda: classify_cell(udf.IW_BETA(*args(rng, 0.5, 1.0, 1.1, 1.12, "8xH100"))),
        "IW_STAT": lambda: classify_cell(udf.IW_STAT(*args(rng, "baseline", "carbon_g", "median", "tts"),
                                                     overrides(rng), rng.choice(TRIALS), draw(rng, 1))),
        "IW_IMPACTS": lambda: classify_cell(udf.IW_IMPACTS(*args(rng, "mixtral", "traditional"), overrides(rng),
                                                           rng.choice(TRIALS), draw(rng, 1))),
        "IW_CAPACITY": lambda: classify_cell(udf.IW_CAPACITY(*args(rng, 1e9, 0.1), overrides(rng),
                                                             draw(rng, False), rng.choice(TRIALS))),
        "IW_COMPARE": lambda: classify_cell(udf.IW_COMPARE(scenario_range(rng), overrides(rng),
                                                           rng.choice(TRIALS), draw(rng, 1.0))),
        "IW_CALIBRATE": lambda: classify_cell(udf.IW_CALIBRATE(
            draw(rng, "Llama 3.1 405B"), measurement_range(rng), rng.choice([None, "8xH100", draw(rng)]),
            overrides(rng) if rng.random() < 0.5 else None, rng.choice(TRIALS))),
        "IW_MODEL": lambda: classify_cell(udf.IW_MODEL(
            draw(rng, f"Fuzz {rng.randint(0, 5)}B"), draw(rng, 30.0), draw(rng, 3.0),
            rng.choice([None, "8xH200", draw(rng)]), rng.choice([None, "FP4", draw(rng)]))),
        "IW_STAT of a model row": lambda: classify_cell(udf.IW_STAT(model_row(rng), "energy_wh", "median",
                                                                    "traditional", None, rng.choice(TRIALS))),
        "api.impacts": lambda: classify_api(lambda: impacts(
            *args(rng, "baseline", "tts"), rng.choice(TRIALS), region=draw(rng, "DEU"),
            price_usd_per_kwh_median=draw(rng, 0.1), hardware_usd_per_node=draw(rng, 3e5),
            hardware_lifetime_years=draw(rng, 5.0))),
        "api.capacity": lambda: classify_api(lambda: capacity(
            *args(rng, 1e9, 0.1, False), n=200, region=draw(rng, "FRA"), water_intensity_l_per_kwh=draw(rng, 2.0),
            deployment_draws=draw(rng, 100))),
        "api.simulate": lambda: classify_api(lambda: iw.simulate(
            *args(rng, "baseline", "tts"), rng.choice(TRIALS), draw(rng, 1), lever=draw(rng, "combined"),
            pue_p95=draw(rng, 1.4))),
        "api.energy_wh": lambda: classify_api(lambda: iw.energy_wh(*args(rng, "mixtral", 300.0, 0.7, 1.2, 500.0))),
        "api.tps": lambda: classify_api(lambda: iw.tps(*args(rng, "Llama 3.1 405B", 500.0, 300.0))),
        "api.fleet": lambda: classify_api(lambda: iw.fleet(*args(rng, 1e9, 0.1), n=200)),
        "api.beta": lambda: classify_api(lambda: iw.beta(load_min_frac=draw(rng, 0.5),
                                                         node_redundancy=draw(rng, 1.1))),
        "cli": lambda: classify_cli([cli_word(rng, x, cli_pool) for x in rng.choice(CLI_COMMANDS)] + ["--json"]),
    }
    print(f"{'entry point':<16}{'inputs':>8}{'answers':>9}{'clean errors':>14}{'crashes':>9}{'non-finite':>12}")
    totals = dict.fromkeys(("inputs", "answer", "clean error", "crash", "non-finite"), 0)
    for name, run in entries.items():
        counts = dict.fromkeys(("answer", "clean error", "crash", "non-finite"), 0)
        for _ in range(a.per_entry):
            counts[run()] += 1
        for k, v in counts.items():
            totals[k] += v
        totals["inputs"] += a.per_entry
        print(f"{name:<16}{a.per_entry:>8}{counts['answer']:>9}{counts['clean error']:>14}{counts['crash']:>9}"
              f"{counts['non-finite']:>12}")
    print(f"{'all':<16}{totals['inputs']:>8}{totals['answer']:>9}{totals['clean error']:>14}{totals['crash']:>9}"
          f"{totals['non-finite']:>12}")
    outcomes = [interrupted_run(rng) for _ in range(a.interrupted)]
    print(f"interrupted writers: {len(outcomes)} killed part-way, {outcomes.count('clean')} left nothing a later "
          f"run does not remove at once, {outcomes.count('left behind')} left files, {outcomes.count('crash')} "
          "crashed")
    failed = totals["crash"] or totals["non-finite"] or outcomes.count("clean") < len(outcomes)
    return 1 if failed else 0  # CI runs a slice and fails on any of these


if __name__ == "__main__":
    sys.exit(main())
