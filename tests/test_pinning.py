"""Tests that pin what the mutation check found unpinned: each fails on one wrong line of the code named in
its docstring, without any spreadsheet application."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import inferwatt_xl as iw
from inferwatt_xl import api, udf
from inferwatt_xl.cli import main

from .conftest import TESTS_DIR

DATA_DIR = TESTS_DIR.parent / "data"  # the project's data files, read here without the catalogue

N, SEED = 500, 1


def test_baseline_is_read_whatever_its_case_and_spacing():
    """api.is_baseline: an analyst's 'Baseline' or ' BASELINE ' is the baseline mixture, not an unknown model."""
    expected = iw.simulate("baseline", "traditional", n=N, seed=SEED).energy_wh
    for typed in ("Baseline", " BASELINE ", "baseLine"):
        assert api.is_baseline(typed)
        np.testing.assert_array_equal(iw.simulate(typed, "traditional", n=N, seed=SEED).energy_wh, expected)
    assert not api.is_baseline("baseline model")


def _data_rows(name: str) -> dict[str, dict[str, str]]:
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {row[next(iter(row))]: row for row in rows}


def test_iw_nodes_gives_each_column_the_data_files_value():
    """udf.IW_NODES: every value under its header is the one data/nodes.csv has there (P_max is not P_idle)."""
    header, *rows = udf.IW_NODES()
    data = {**_data_rows("nodes.csv"), **_data_rows("nodes_catalogue.csv")}
    assert len(rows) == len(data)
    for row in rows:
        got, want = dict(zip(header, row, strict=True)), data[row[0]]
        assert got["p_max_kw"] == float(want["p_max_kw"]) and got["p_idle_kw"] == float(want["p_idle_kw"])
        assert got["gpus"] == int(want["gpus"]) and got["gpu"] == want["gpu"]
        assert got["aliases"].split(", ") == want["aliases"].split("|")


def test_iw_regions_columns_keep_their_documented_order():
    """udf.IW_REGIONS: a sheet reads its columns by position (INDEX(..., , 5)), so the order is a contract:
    code, name, carbon intensity, its year, water intensity, then the two sources; values as in the data file."""
    header, *rows = udf.IW_REGIONS()
    assert header == ["code", "name", "carbon_intensity_g_per_kwh", "carbon_year", "water_intensity_l_per_kwh",
                      "carbon_source", "water_source"]
    data = _data_rows("regions.csv")
    for row in rows:
        want = data[row[0]]
        year = want["carbon_year"]
        assert row[2] == float(want["carbon_intensity_g_per_kwh"]) and row[3] == (int(year) if year else "")
        water = want["water_intensity_l_per_kwh"]
        assert row[4] == (float(water) if water else "") and row[6] == want["water_source"]


def _cli_json(capsys, *argv: str):
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_models_and_params_say_what_the_data_files_say(capsys):
    """inferwatt models / params: every row of data/models.csv and data/parameters.csv, value for value."""
    models = {m["name"]: m for m in _cli_json(capsys, "models")}
    for name, row in _data_rows("models.csv").items():
        assert models[name]["node"] == row["node"] and models[name]["aliases"] == row["aliases"].split("|")
        assert models[name]["in_baseline"] == (row["in_baseline"] == "true")
    params = {p["name"]: p for p in _cli_json(capsys, "params")}
    for name, row in _data_rows("parameters.csv").items():
        shown = params[name]["default"]
        if row["kind"] in ("float", "int") and row["default"]:
            assert float(shown) == float(row["default"]), name
        assert params[name]["unit"] == row["unit"] and params[name]["source"] == row["source"], name


def test_cli_hardware_is_the_apis_comparison_and_h100_is_its_own_unit(capsys):
    """inferwatt hardware: the rows of api.hardware, the H100 node at ratio 1 and every other node's Wh ratio
    the H100 median over its own."""
    rows = _cli_json(capsys, "hardware", "--model", "mixtral", "--n", "300", "--seed", "1")
    expected = api.hardware("Mixtral 8x22B", n=300, seed=1)
    assert [r["node"] for r in rows] == [r.node for r in expected]
    h100 = next(r for r in rows if r["node"] == "8xH100")
    assert h100["alpha_vs_h100_traditional"] == 1.0
    for row in rows:
        assert row["alpha_vs_h100_tts"] == pytest.approx(h100["tts_median_wh"] / row["tts_median_wh"], rel=1e-12)
