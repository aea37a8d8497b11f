"""The command line: JSON keys, and one readable line (no traceback) for bad input."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import inferwatt_xl as iw
from inferwatt_xl import catalogue, cli, estimates
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
    result = iw.simulate("baseline", "traditional", n=1000, seed=1)
    trimmed = result.trimmed_stats
    assert data == {"model": catalogue.baseline_models(), "regime": "traditional", "n": 1000, "seed": 1,
                    "lever": None, "nodes": {m: catalogue.models()[m].node for m in catalogue.baseline_models()},
                    "preset": "inferwatt", "rng": "hdr", "trim": "none", "calibrated": {},
                    "caveats": {m: list(estimates.flags()[(m, catalogue.models()[m].node)])  # all three are flagged
                                for m in catalogue.baseline_models()},
                    **{f"{k}_wh": v for k, v in result.stats.items()},
                    "paper_trimmed": {f"{k}_wh": v for k, v in trimmed.items()}}
    assert trimmed["p25"] > result.stats["p25"] and trimmed["p75"] < result.stats["p75"]  # trimming narrows


def test_tps_fleet_beta_json(capsys):
    tps = json.loads(run(capsys, "tps", "--model", "mixtral", "--lin", "500", "--lout", "300", "--json")[1])
    assert tps["tps"] == iw.tps("Mixtral 8x22B", 500, 300)
    fleet = json.loads(run(capsys, "fleet", "--queries", "1e9", "--tts-share", "0.1", "--n", "1000", "--json")[1])
    assert fleet == iw.fleet(1e9, 0.1, n=1000).to_dict()
    assert fleet["beta"] == pytest.approx(1.10 * 1.076 * 1.12, rel=1e-12)  # the authors' code (1B scripts)
    assert json.loads(run(capsys, "beta", "--json")[1])["beta_util"] == 1.076
    v1 = json.loads(run(capsys, "beta", "--preset", "text_v1", "--json")[1])  # the v1 text's S.V, computed
    assert v1["beta_util"] == pytest.approx(1.0796, abs=1e-4) and v1["e_node_sin_kwh_per_day"] == pytest.approx(219.6)


def test_reproduce_json_keys(capsys):
    data = json.loads(run(capsys, "reproduce", "--json")[1])
    rows = data["figures"]
    assert rows and all({"quantity", "paper", "ours", "ratio", "note", "paper_v1", "paper_v2", "readings"} <= set(r)
                        for r in rows)
    assert {t["parameter"] for t in data["text_vs_code"]} >= {"pue_p95", "p_max_8xh100_kw", "trim", "baseline_rule"}


@pytest.mark.parametrize(("args", "message"), [
    (["tps", "--model", "llama-405b", "--lout", "-5"], "l_out_tokens must be a number > 0 and <= 1e+07, got -5.0"),
    (["simulate", "--model", "gpt-9"], "model must be a model of the catalogue"),
    (["simulate", "--n", "0"], "n must be a whole number >= 1"),
    (["fleet", "--tts-share", "2"], "tts_share must be a number >= 0 and <= 1"),
])
def test_bad_input_is_one_line_exit_2(capsys, args, message):
    code, _out, err = run(capsys, *args)
    assert code == 2 and message in err and "Traceback" not in err and err.count("\n") == 1


def test_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "inferwatt_xl.cli", "beta"], capture_output=True, text=True,
                            check=True)
    assert "beta = 1.3256" in result.stdout


def test_energy_defaults_are_the_declared_medians(capsys):
    import math

    import inferwatt_xl as iw

    data = json.loads(run(capsys, "energy", "--model", "mixtral", "--lout", "300", "--json")[1])
    assert data["energy_wh"] == pytest.approx(iw.energy_wh("mixtral", 300, math.sqrt(0.4 * 0.9),
                                                                         math.sqrt(1.05 * 1.6)), rel=1e-12)


# ---------------------------------------------------------------- hardening (issue 8)


def test_json_is_strict_and_missing_values_are_null(capsys):
    code, out, _ = run(capsys, "fleet", "--tts-share", "0", "--n", "200", "--json")
    data = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert code == 0 and data["mean_tts_wh"] is None
    assert data["gwh_per_day"] == iw.fleet(1e9, 0.0, n=200).gwh_per_day


@pytest.mark.parametrize(("args", "message"), [
    (["energy", "--model", "mixtral", "--lout", "1e308"], "l_out_tokens must be a number > 0 and <= 1e+07"),
    (["energy", "--model", "mixtral", "--lout", "300", "--pue", "1e308"], "pue must be a number >= 1 and <= 5"),
    (["simulate", "--lout-median", "1e-320"], "l_out_median_tokens must be a number >= 1"),
    (["tps", "--model", "mixtral", "--lin", "1e308", "--lout", "3"], "l_in_tokens must be a number > 0 and <= 1e+07"),
    (["simulate", "--n", "abc"], "argument --n: invalid int value: 'abc'"),
    (["nonsense"], "invalid choice: 'nonsense'"),
    (["reproduce", "--out", "/proc/forbidden/x"], "/proc/forbidden"),
])
def test_every_fault_is_one_line_exit_2(capsys, args, message):
    code, _out, err = run(capsys, *args)
    assert code == 2 and message in err and "Traceback" not in err and err.count("\n") == 1, err


def test_ctrl_c_is_one_line(capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_beta", interrupted)
    code, _out, err = run(capsys, "beta")
    assert code == cli.INTERRUPTED and err == "inferwatt: interrupted\n"


def test_build_json_lists_what_it_wrote(capsys, tmp_path):
    code, out, _ = run(capsys, "build", "--out-dir", str(tmp_path), "--trials", "5", "--json")
    written = json.loads(out)["written"]
    assert code == 0 and sorted(Path(p).name for p in written) == ["InferWatt-Functions.xlsx", "InferWatt.xlsx",
                                                                   "xlwings-lite"]


def test_a_float_seed_is_reported_as_the_seed():
    assert iw.simulate("Llama 3.1 405B", n=10, seed=3.0).seed == 3


def test_a_parameter_set_twice_is_refused(capsys):
    code, _out, err = run(capsys, "simulate", "--n", "10", "--set", "pue_p95=1.5", "--set", "pue_p95=1.7")
    assert code == 2 and "pue_p95 is set twice" in err and err.count("\n") == 1


@pytest.mark.parametrize("out", ["fleet.txt", "fleet.xlsx", "", "missing/fleet.png", "."])
def test_an_output_path_is_checked_before_the_work(capsys, tmp_path, monkeypatch, out):
    monkeypatch.chdir(tmp_path)
    for command in (["capacity", "--n", "50"], ["sensitivity", "--n", "50"]):
        code, _out, err = run(capsys, *command, "--out", out)
        assert code == 2 and "--out must be a .png file in an existing, writable folder" in err, err
        assert "Traceback" not in err and err.count("\n") == 1
    assert not list(tmp_path.iterdir())  # nothing written


def test_a_read_only_output_is_not_replaced(capsys, tmp_path):
    target = tmp_path / "fleet.png"
    target.write_bytes(b"mine")
    target.chmod(0o444)
    code, _out, err = run(capsys, "capacity", "--n", "50", "--out", str(target))
    assert code == 2 and "not read-only" in err and target.read_bytes() == b"mine"
    assert (target.stat().st_mode & 0o777) == 0o444


def test_build_checks_its_output_path_first(tmp_path, capsys):
    import build

    for out in ("", str(tmp_path / "book.csv"), str(tmp_path)):
        assert build.main(["--out", out, "--trials", "10"]) == 2
        assert "--out must be a .xlsx file" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("argv", [["params"], ["regions"], ["simulate", "--n", "2000"]])
def test_a_reader_that_stops_reading_ends_the_command_quietly(argv):
    """inferwatt ... | head: no 'Broken pipe' line, no traceback, the shell's code for SIGPIPE. The reading end
    is closed before the command starts writing (Python takes a second to start), so the write always fails."""
    run = subprocess.Popen([sys.executable, "-m", "inferwatt_xl.cli", *argv], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, cwd=Path(__file__).parent.parent)
    run.stdout.close()
    err = run.stderr.read().decode()
    assert run.wait() == cli.BROKEN_PIPE and err == ""


def test_sensitivity_text_rounds_inputs_and_lists_rows_without_effect_apart(capsys):
    code, out, _ = run(capsys, "sensitivity", "--n", "300")
    assert code == 0
    assert not re.search(r"\d\.\d{6,}", out)  # no value printed to every digit
    rows, last = out.splitlines()[1:-1], out.splitlines()[-1]
    assert last.startswith("  no effect over their ranges here: ") and "trim" in last
    assert all(" to " in r for r in rows)
    table = json.loads(run(capsys, "sensitivity", "--n", "300", "--json")[1])
    assert any(len(repr(r["low"])) > 8 for r in table if isinstance(r["low"], float))  # JSON keeps every digit


def test_sigterm_swallowed_by_a_callback_still_ends_as_terminated(capsys):
    """A SIGTERM that lands in a weakref or __del__ callback is ignored by Python (printed as 'Exception
    ignored'): the run must still end as terminated, in one line, without a traceback."""
    import sys
    import types

    def work():
        sys.unraisablehook(types.SimpleNamespace(exc_type=cli.Terminated, exc_value=cli.Terminated(),
                                                 exc_traceback=None, err_msg=None, object=None))

    assert cli.run_reporting_errors("inferwatt", work) == cli.TERMINATED
    err = capsys.readouterr().err
    assert err == "inferwatt: terminated\n"
