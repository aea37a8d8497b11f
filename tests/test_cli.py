"""The command line: JSON keys, and one readable line (no traceback) for bad input."""

import json
import subprocess
import sys

import pytest

from inferwatt_xl.cli import main


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_simulate_json(capsys):
    code, out, _ = run(capsys, "simulate", "--model", "baseline", "--regime", "traditional", "--n", "1000",
                       "--seed", "1", "--json")
    data = json.loads(out)
    assert code == 0
    assert {"model", "regime", "n", "seed", "median_wh", "mean_wh", "p5_wh", "p25_wh", "p75_wh",
            "p95_wh"} <= set(data)
    assert data["n"] == 1000 and data["p5_wh"] < data["median_wh"] < data["p95_wh"]


def test_tps_fleet_beta_json(capsys):
    assert json.loads(run(capsys, "tps", "--model", "mixtral", "--lin", "500", "--lout", "300", "--json")[1])["tps"] > 0
    fleet = json.loads(run(capsys, "fleet", "--queries", "1e9", "--tts-share", "0.1", "--n", "1000", "--json")[1])
    assert fleet["gwh_per_day"] > 0 and fleet["beta"] == pytest.approx(1.33, abs=0.005)
    assert json.loads(run(capsys, "beta", "--json")[1])["beta_util"] == pytest.approx(1.0796, abs=1e-4)


def test_reproduce_json_keys(capsys):
    rows = json.loads(run(capsys, "reproduce", "--json")[1])
    assert rows and all({"quantity", "paper", "ours", "ratio", "note"} <= set(r) for r in rows)


@pytest.mark.parametrize(("args", "message"), [
    (["tps", "--model", "llama-405b", "--lout", "-5"], "l_out_tokens must be a number > 0 and <= 1e+07, got -5.0"),
    (["simulate", "--model", "gpt-9"], "model must be one of"),
    (["simulate", "--n", "0"], "n must be a whole number >= 1"),
    (["fleet", "--tts-share", "2"], "tts_share must be a number >= 0 and <= 1"),
])
def test_bad_input_is_one_line_exit_2(capsys, args, message):
    code, _out, err = run(capsys, *args)
    assert code == 2 and message in err and "Traceback" not in err and err.count("\n") == 1


def test_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "inferwatt_xl.cli", "beta"], capture_output=True, text=True,
                            check=True)
    assert "beta = 1.33" in result.stdout


def test_energy_defaults_are_the_declared_medians(capsys):
    import math

    import inferwatt_xl as iw

    data = json.loads(run(capsys, "energy", "--model", "mixtral", "--lout", "300", "--json")[1])
    assert data["energy_wh"] == pytest.approx(iw.energy_wh("mixtral", 300, 0.7, math.sqrt(1.05 * 1.40)), rel=1e-12)
