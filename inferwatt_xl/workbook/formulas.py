"""The method as spreadsheet formula templates: what each cell of the standalone workbook computes.

Templates name what they refer to (see grid.py); these are the formulas that must equal the engine,
written in forms Excel, LibreOffice and Gnumeric evaluate alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .. import vocabulary as vocab
from ..measures import MEASURES
from ..method import uniforms as hdr
from ..method.energy import INPUT_TOKEN_WEIGHT_S3_CODE, SECONDS_PER_HOUR_OVER_1000
from ..method.fleet import HOURS_PER_DAY, WH_PER_GWH
from ..method.impacts import DAYS_PER_YEAR, G_PER_T, ML_PER_M3, SECONDS_PER_DAY, WH_PER_KWH
from ..method.throughput import MIN_LOG_TOKENS
from ..method.uniforms import HDR_ENTITY, HDR_SEED4

# The statistics, percentiles first: the five percentiles of a row are one multi-cell array formula over
# PERCENTILE_K, so the masked baseline block is evaluated once per row instead of five times.
STATS = tuple((s.key, s.quantile) for s in vocab.BY_QUANTILE)
PERCENTILES = tuple(s for s, q in STATS if q is not None)
REGIMES = vocab.REGIMES


def sim_sheet(regime: str) -> str:
    """The sheet of a regime's energies per trial and model slot, e.g. Sim_TTS."""
    return f"Sim_{REGIMES[regime].short}"


def l_out_column(regime: str) -> str:
    """The Draws column of a regime's output length."""
    return f"l_out_{regime}_tokens"


CHECK_TOLERANCE = 1e-9  # live values within this relative difference of the engine's count as the same


def input_name(param: str) -> str:
    """Defined name of a parameter's input cell, e.g. PUE_P95 (TRIM_INPUT: TRIM is an Excel function)."""
    from .excel import FUNCTIONS

    name = param.upper()
    return f"{name}_INPUT" if name in FUNCTIONS else name


def _counter(trial: str, variable: int, multipliers: tuple[int, ...], modulus: int) -> str:
    """One HDR counter (a or c) as a MOD formula: variable, entity and seed4 folded into a constant."""
    ti, vi, ei, si, s4i = multipliers
    return f"MOD({trial}*{ti}+{variable * vi + HDR_ENTITY * ei + HDR_SEED4 * s4i}+{{p.seed}}*{si},{modulus})"


def hdr_template(variable: int) -> str:
    """The HDR 2.0 uniform of SPEC Sec. 4 as a template of MOD calls (seed3 = the seed input)."""
    a = _counter("{trial}", variable, hdr.A_MULTIPLIERS, hdr.A_MODULUS)
    c = _counter("{trial}", variable, hdr.C_MULTIPLIERS, hdr.C_MODULUS)
    b0, b1, b2, b3 = hdr.B_CONSTANTS
    d0, d1, d2, d3 = hdr.D_CONSTANTS
    b = f"MOD(MOD({hdr.BIG_PRIME},{a}*{b0}+{b1})*{b2},{b3})"
    d = f"MOD(MOD({hdr.BIG_PRIME},{c}*{d0}+{d1})*{d2},{d3})"
    return f"=(MOD(({b}*{d3}+{d})*{hdr.FINAL_MULTIPLIER},{hdr.TWO_32})+0.5)/{hdr.TWO_32}"


def truthy(ref: str) -> str:
    """A boolean input read robustly: TRUE, 1 and the text "TRUE" are true (in Excel 1=TRUE is FALSE)."""
    return f'IF(ISLOGICAL({ref}),{ref},IF(ISNUMBER({ref}),{ref}<>0,UPPER(TRIM({ref}))="TRUE"))'


def tps_of(lout: str) -> str:
    """Fitted, capped TPS at output length `lout` for the Fit row bound to this column; with
    tps_beyond_range = hold, lengths past the fit's training range count as its end."""
    held = f'IF({{p.tps_beyond_range}}="hold",MIN({lout},{{Fit.l_out_max_tokens}}),{lout})'
    return ("MIN(EXP({Fit.ln_tps_at_l_in}+{Fit.b2_ln_output}*LN(MAX(" + held + f",{MIN_LOG_TOKENS:.0E}))),"
            "{Fit.tps_max_tokens_per_s})")


# P_node / P_max under the three readings of the paper's "log-normal centred at 0.7 with P5-P95 0.4-0.9",
# capped at 1 when util_above_one = cap (distributions.util_ppf); {z_util} is the standard normal of the draw.
_UTIL = ('IF({p.pnode_reading}="split",{p.util_median}*EXP(IF({z_util}<0,LN({p.util_median}/'
         '{p.util_p5}),LN({p.util_p95}/{p.util_median}))/{Const.z_p95}*{z_util}),IF({p.pnode_reading}='
         '"p5p95",EXP((LN({p.util_p5})+LN({p.util_p95}))/2+(LN({p.util_p95})-LN({p.util_p5}))/'
         '(2*{Const.z_p95})*{z_util}),{p.util_median}*EXP({z_util}*(LN({p.util_p95})-LN({p.util_p5}))/'
         '(2*{Const.z_p95}))))')
UTIL_DRAW = '=IF({p.util_above_one}="cap",MIN(1,' + _UTIL + '),' + _UTIL + ')'
def pue_draw(u: str = "{u_pue}", mu: str = "{Const.pue_mu}", sigma: str = "{Const.pue_sigma}",
             f1: str = "{Const.pue_f1}") -> str:
    """PUE from its log-normal, truncated at 1, clipped at 1 or kept (distributions.pue_ppf), from the uniform
    `u` and the log-normal's constants (the Inputs', or a scenario's)."""
    return (f'=IF({sigma}=0,EXP({mu}),IF({{p.pue_below_one}}="truncate",LOGNORM.INV({f1}+{u}*(1-{f1}),{mu},'
            f'{sigma}),IF({{p.pue_below_one}}="clip",MAX(1,LOGNORM.INV({u},{mu},{sigma})),LOGNORM.INV({u},{mu},'
            f'{sigma}))))')


PUE_DRAW = pue_draw()


# A calibrated slot's energy, node-seconds and IT energy: the trial's ratio on Sim_Calibration where the slot's
# head row `calibrated` is 1, exactly 1 elsewhere (1 + 0 x (r - 1) = 1).
CALIBRATED_ENERGY = "*(1+{head.calibrated}*({CalSim.energy_ratio}-1))"


def calibrated(head: str, ratio: str) -> str:
    """A factor that is `ratio` where the 0/1 `head` is 1 and exactly 1 where it is 0."""
    return f"(1+{head}*({ratio}-1))"


def energy_formula(lout: str, pue: str = "{Draws.pue}", divisor: str | None = None, calibrated: bool = False) -> str:
    """Eq. 1 for one Sim cell: PUE / 3.6 * L_eff * P_node[kW] / TPS, in the form that evaluates TPS once: the
    node's power is A + B TPS + C util, with A, B, C the slot's head rows (slot_heads: C = P_max when P_node is
    drawn, A and B S.IV's lines), and L_eff = L_out + the input tokens counted (Const, S.III); `lout` names the
    Draws column of the regime's output length, `pue` the trial's PUE and `divisor` a lever's alpha (a
    scenario's). Every choice is read in one cell, not in every trial's."""
    held = f"MIN({{Draws.{lout}}},{{head.l_out_cap_tokens}})"
    tps = ("MIN(EXP({Fit.ln_tps_at_l_in}+{Fit.b2_ln_output}*LN(MAX(" + held + f",{MIN_LOG_TOKENS:.0E}))),"
           "{Fit.tps_max_tokens_per_s})")
    power_over_tps = (f"(({{head.power_fixed_kw}}+{{head.power_drawn_kw}}*{{Draws.util_frac_of_p_max}})/{tps}+"
                      "{head.power_per_tps_kw_line})")
    alpha = "" if divisor is None else f"/{divisor}"
    factor = CALIBRATED_ENERGY if calibrated else ""
    return (f'=IF({{head.model}}="","",{pue}/{SECONDS_PER_HOUR_OVER_1000:g}*({{Draws.{lout}}}+'
            f'{{Const.l_in_counted_tokens}})*{power_over_tps}{alpha}{factor})')


NO_CAP_TOKENS = "1E+300"  # an output length no draw reaches: MIN(L_out, it) is L_out


def slot_heads(regime: str) -> dict[str, str]:
    """The head rows above a model slot's column of energies that Eq. 1 reads: its model, P_max, and S.IV's
    power line between the lowest and highest TPS of the trials ({all.Draws...}: the column's own trials)."""
    ends = ",".join(tps_of(f"{f}({{all.Draws.{l_out_column(regime)}}})") for f in ("MIN", "MAX"))
    return {"model": '=IF({Fit.model}="","",{Fit.model})',
            "tps_low": f'=IF({{head.model}}="","",MIN({ends}))',
            "tps_high": f'=IF({{head.model}}="","",MAX({ends}))',
            # S.IV: P_idle at the lowest sampled TPS rising to util_linear_max * P_max at the highest
            # (all at the high end when every sampled TPS is equal, as in the engine).
            "power_at_lowest_tps_kw": '=IF({head.model}="","",IF({head.tps_high}={head.tps_low},'
                                      '{p.util_linear_max}*{Fit.p_max_kw},{Fit.p_idle_kw}))',
            "power_per_tps_kw": '=IF({head.model}="","",IF({head.tps_high}={head.tps_low},0,'
                                '({p.util_linear_max}*{Fit.p_max_kw}-{Fit.p_idle_kw})/'
                                '({head.tps_high}-{head.tps_low})))',
            "p_max_kw": '=IF({head.model}="","",{Fit.p_max_kw})',
            # Eq. 1's power as A + B TPS + C util (energy_formula): drawn (C = P_max), S.IV's line through the
            # lowest and highest TPS, or the code's S.IV line in TPS / TPS_max
            "power_fixed_kw": '=IF({head.model}="","",IF({p.pnode_model}="linear_tps",{head.power_at_lowest_tps_kw}'
                              '-{head.power_per_tps_kw}*{head.tps_low},IF({p.pnode_model}="proportional_tps",'
                              '{p.util_at_zero_tps}*{Fit.p_max_kw},0)))',
            "power_per_tps_kw_line": '=IF({head.model}="","",IF({p.pnode_model}="linear_tps",{head.power_per_tps_kw},'
                                     'IF({p.pnode_model}="proportional_tps",{p.util_span_to_tps_max}*{Fit.p_max_kw}/'
                                     '{Fit.tps_max_tokens_per_s},0)))',
            "power_drawn_kw": '=IF({head.model}="","",IF(OR({p.pnode_model}="linear_tps",{p.pnode_model}='
                              '"proportional_tps"),0,{Fit.p_max_kw}))',
            # past the longest benchmarked output, TPS holds at its value there (tps_beyond_range = hold)
            "l_out_cap_tokens": f'=IF({{head.model}}="","",IF({{p.tps_beyond_range}}="hold",{{Fit.l_out_max_tokens}},'
                                f'{NO_CAP_TOKENS}))'}


def stat_formula(values: str, stat: float | None) -> str:
    return f"AVERAGE({values})" if stat is None else f"PERCENTILE.INC({values},{stat})"


def energy_block(regime: str) -> str:
    """The per-trial energies of every model slot of a regime (trials x slots)."""
    return f"{{n.ENERGY_{REGIMES[regime].short.upper()}_WH}}"


def baseline_mask(regime: str) -> str:
    """1 where a trial's energy belongs to the baseline mixture, else 0 (trials x slots).

    ISNUMBER(matrix) * flag row broadcasts alike in Excel, LibreOffice and Gnumeric;
    IF(flag row, matrix) does not (Gnumeric gives #VALUE!).
    """
    return f"ISNUMBER({energy_block(regime)})*{{n.BASELINE_FLAGS_{REGIMES[regime].short.upper()}}}"


def baseline_values(regime: str, alpha: str | None = None) -> str:
    """The baseline mixture's energies, optionally divided by a Draws alpha (an array for an array formula)."""
    values = energy_block(regime) if alpha is None else f"{energy_block(regime)}/{{all.Draws.{alpha}}}"
    return f"IF({baseline_mask(regime)},{values})"


def trimmed_values(regime: str, alpha: str | None = None, ends: tuple[str, str] | None = None) -> str:
    """The authors' trimmed baseline sample (an array for an array formula): each model's draws within its own
    P10-P90 of its P5-P95 (TRIM_LO/HI rows of the Sim sheet), pooled; divided by a lever's alpha, trimmed to the
    divided sample's P5-P95 again (method/trimming.py, api.simulate): `ends` names cells that hold those two
    (lever_trim_end), else they are computed inside."""
    block, kept = energy_block(regime), trimmed_mask(regime)
    if alpha is None:
        return f"IF({kept},{block})"
    x = f"{block}/{{all.Draws.{alpha}}}"  # an empty slot's "" gives an error here: only read where kept
    low, high = ends or (lever_trim_end(regime, alpha, q) for q in (0.05, 0.95))
    return f"IF({kept},IF(({x}>={low})*({x}<={high}),{x}))"


def lever_trim_end(regime: str, alpha: str, q: float) -> str:
    """P5 or P95 of a lever's divided trimmed sample (an array expression)."""
    return f"PERCENTILE.INC(IF({trimmed_mask(regime)},{energy_block(regime)}/{{all.Draws.{alpha}}}),{q})"


def trimmed_mask(regime: str) -> str:
    """1 where a baseline draw survives the authors' trimming: within its model's TRIM_LO and TRIM_HI rows."""
    label, block = REGIMES[regime].short.upper(), energy_block(regime)
    return f"{baseline_mask(regime)}*({block}>={{n.TRIM_LO_{label}}})*({block}<={{n.TRIM_HI_{label}}})"


def statistics_of(regime: str, alpha: str | None, stat: str, ends: tuple[str, str] | None = None) -> str:
    """One statistics formula of the baseline (an array formula): `stat` is 'PERCENTILE' (over PERCENTILE_K, the
    five percentiles at once) or 'MEAN'; of every draw, or of the trimmed sample when trim = paper."""
    def of(values: str) -> str:
        return f"PERCENTILE.INC({values},{{n.PERCENTILE_K}})" if stat == "PERCENTILE" else f"AVERAGE({values})"

    return (f'=IF({{p.trim}}="paper",{of(trimmed_values(regime, alpha, ends))},'
            f'{of(baseline_values(regime, alpha))})')


def audit_formula(live: str, built: str) -> str:
    """An audit cell: does the live value still equal the engine's value at build time? (A live value that
    is no number, such as a result waiting for an input, has changed too.)"""
    changed = '"no: inputs changed since the build"'
    return (f'=IF(NOT(ISNUMBER({live})),{changed},IF(ABS({live}-{built})<={CHECK_TOLERANCE}*'
            f'MAX(ABS({built}),1E-300),"yes",{changed}))')


# Live variance shares: row key -> (label, the engine's row name or None).
SHARE_ROWS = {"total": ("Var(ln E) of the pooled baseline draws (absolute)", None),
              "pue": ("PUE", "PUE"), "node_power": ("node power (P_node / P_max)", "node power (P_node / P_max)"),
              "output_length": ("output length (L_out)", "output length (L_out)"),
              "model": ("model (in the mixture)", "model (in the mixture)"),
              "interaction": ("model x output length (interaction)", "model x output length (interaction)"),
              "sum": ("sum of the shares", None)}


def share_formula(regime: str) -> Callable[[int], str]:
    """Each row's live formula: variances of the log factors of Eq. 1 over the baseline (population VARP,
    as the engine's); ln P_node/P_max is a factor of its own only when P_node is drawn independently."""
    sheet, label = sim_sheet(regime), REGIMES[regime].short
    mask, energy = baseline_mask(regime), energy_block(regime)
    ln_pue, ln_util = "LN({all.Draws.pue})", "LN({all.Draws.util_frac_of_p_max})"
    independent = '({p.pnode_model}="independent")'
    total = f"{{Shares.live_{regime}[total]}}"
    rest = f"{{all.{sheet}.mean_ln_baseline}}-{ln_pue}-{ln_util}*{independent}"
    # only trials with energy in every baseline model (a draw rounded to 0 tokens has no log), as the engine
    positive, mask = f"({{all.{sheet}.positive}}=1)", f"{mask}*{{all.{sheet}.positive}}"
    formulas = {
        "total": f"=VARP(IF({mask},LN({energy})))",
        "pue": f"=VARP(IF({positive},{ln_pue}))/{total}",
        "node_power": f'=IF({independent},VARP(IF({positive},{ln_util}))/{total},0)',
        "output_length": f"=VARP(IF({positive},{rest}))/{total}",
        "model": f"=VARP(IF({{n.BASELINE_FLAGS_{label.upper()}}},{{n.MEAN_LN_E_{label.upper()}}}))/{total}",
        "interaction": f"=MAX(VARP(IF({mask},LN({energy})-{ln_pue}-{ln_util}*{independent}))/{total}"
                       f"-{{Shares.live_{regime}[output_length]}}-{{Shares.live_{regime}[model]}},0)",
        "sum": "=" + "+".join(f"{{Shares.live_{regime}[{k}]}}"
                              for k in ("pue", "node_power", "output_length", "model", "interaction")),
    }
    keys = list(SHARE_ROWS)
    return lambda i: formulas[keys[i]]


# The engine's constants (method/fleet.py) as formula text: hours per day, Wh per GWh.
HOURS_TEXT, WH_PER_GWH_TEXT = f"{HOURS_PER_DAY:g}", f"{WH_PER_GWH:.0f}"

# Fleet sheet rows: key -> (label, formula template, defined name of the value). The four baseline means
# are array formulas (FLEET_ARRAY_ROWS).
FLEET_ROWS: dict[str, tuple[str, str, str | None]] = {
    "p_max": ("P_max of the beta node (kW)", "=INDEX({all.Node.p_max_kw},MATCH({p.beta_node},{all.Node.name},0))",
              "Fleet_P_max_kW"),
    "p_idle": ("P_idle of the beta node (kW)", "=INDEX({all.Node.p_idle_kw},MATCH({p.beta_node},{all.Node.name},0))",
               "Fleet_P_idle_kW"),
    "mean_load": ("mean daily load f (sinusoid between min and max)", "=({p.load_min_frac}+{p.load_max_frac})/2",
                  "Mean_Load_Frac"),
    "e_sin": ("node energy, sinusoidal load (kWh/day)",
              "={n.Fleet_P_idle_kW}*" + HOURS_TEXT + "+({n.Fleet_P_max_kW}-{n.Fleet_P_idle_kW})*" + HOURS_TEXT
              + "*{n.Mean_Load_Frac}",
              "E_Node_Sin_kWh_per_day"),
    "e_uniform": ("node energy, full load (kWh/day)", "={n.Fleet_P_max_kW}*" + HOURS_TEXT,
                  "E_Node_Uniform_kWh_per_day"),
    "beta_util": ("beta_util: beta_util_fixed if given, else (1/f) * E_sin / E_uniform",
                  "=IF(ISNUMBER({p.beta_util_fixed}),{p.beta_util_fixed},{n.E_Node_Sin_kWh_per_day}/"
                  "{n.E_Node_Uniform_kWh_per_day}/{n.Mean_Load_Frac})", "Beta_Util"),
    "beta": ("beta = redundancy * beta_util * interconnect",
             "={p.node_redundancy}*{n.Beta_Util}*{p.interconnect_overhead}", "Beta"),
    "mean_traditional": ("baseline mean, traditional (Wh/query)",
                         "=" + stat_formula(baseline_values("traditional"), None), "Mean_Traditional_Wh"),
    "mean_tts": ("baseline mean, test-time scaling (Wh/query)", "=" + stat_formula(baseline_values("tts"), None),
                 "Mean_TTS_Wh"),
    "mean_traditional_improved": ("baseline mean, traditional, improved alpha (Wh/query)",
                                  "=" + stat_formula(baseline_values("traditional", "alpha_improved"), None),
                                  "Mean_Traditional_Improved_Wh"),
    "mean_tts_improved": ("baseline mean, test-time scaling, improved alpha (Wh/query)",
                          "=" + stat_formula(baseline_values("tts", "alpha_improved_tts"), None),
                          "Mean_TTS_Improved_Wh"),
    "queries": ("queries per day (input)", "={p.queries_per_day}", None),
    "tts_share": ("share of test-time-scaling queries (input)", "={p.tts_share}", None),
    "fleet_baseline": ("all traditional (GWh/day)",
                       "={n.Beta}*{p.queries_per_day}*{n.Mean_Traditional_Wh}/" + WH_PER_GWH_TEXT,
                       "Fleet_Baseline_GWh_per_day"),
    "fleet_baseline_improved": ("all traditional, improved (GWh/day)",
                                "={n.Beta}*{p.queries_per_day}*{n.Mean_Traditional_Improved_Wh}/" + WH_PER_GWH_TEXT,
                                "Fleet_Baseline_Improved_GWh_per_day"),
    "fleet_mixed": ("mix with the test-time-scaling share (GWh/day)",
                    "={n.Beta}*{p.queries_per_day}*((1-{p.tts_share})*{n.Mean_Traditional_Wh}+{p.tts_share}*"
                    "{n.Mean_TTS_Wh})/" + WH_PER_GWH_TEXT, "Fleet_Mixed_GWh_per_day"),
    "fleet_mixed_improved": ("mix, improved (GWh/day)",
                             "={n.Beta}*{p.queries_per_day}*((1-{p.tts_share})*{n.Mean_Traditional_Improved_Wh}+"
                             "{p.tts_share}*{n.Mean_TTS_Improved_Wh})/" + WH_PER_GWH_TEXT,
                             "Fleet_Mixed_Improved_GWh_per_day"),
}
FLEET_ARRAY_ROWS = ("mean_traditional", "mean_tts", "mean_traditional_improved", "mean_tts_improved")



# ---------------------------------------------------------------- money, carbon, water, capacity (issue 9)

# The engine's constants (method/impacts.py) as formula text.
GWH_PER_DAY_TO_MW = f"*1000/{HOURS_TEXT}"  # 1 GWh/day = 1,000 MWh over 24 h (method/impacts.average_mw)


def peak_ratio() -> str:
    """S.V's node power at the daily peak over its mean, for the beta node."""
    swing = "({n.Fleet_P_max_kW}-{n.Fleet_P_idle_kW})"
    return (f"(({{n.Fleet_P_idle_kW}}+{swing}*{{p.load_max_frac}})/({{n.Fleet_P_idle_kW}}+{swing}*"
            "{n.Mean_Load_Frac}))")


WH_PER_KWH_TEXT, DAYS_PER_YEAR_TEXT = f"{WH_PER_KWH:g}", f"{DAYS_PER_YEAR:d}"
SECONDS_PER_DAY_TEXT, ML_PER_M3_TEXT, G_PER_T_TEXT = f"{SECONDS_PER_DAY:d}", f"{ML_PER_M3:.0f}", f"{G_PER_T:.0f}"

# Electricity price: two half-log-normals joined at the median (api.price_draws); {z_price} = NORM.S.INV(u).
def price_draw(z: str = "{z_price}", median: str = "{p.price_usd_per_kwh_median}",
               p5: str = "{p.price_usd_per_kwh_p5}", p95: str = "{p.price_usd_per_kwh_p95}") -> str:
    """The electricity price: two half-log-normals joined at the median, from the standard normal `z`."""
    return f"={median}*EXP(IF({z}<0,LN({median}/{p5}),LN({p95}/{median}))/{{Const.z_p95}}*{z})"


PRICE_DRAW = price_draw()
WUE_DRAW = "=LOGNORM.INV({u_wue},{Const.wue_mu},{Const.wue_sigma})"

# The grid figures a run uses (impacts.Intensities): the override if given, else the region's row.
_REGION_ROW = "MATCH({p.region},{all.Region.code},0)"
GRID_ROWS: dict[str, tuple[str, str, str]] = {
    "region_name": ("region", "=INDEX({all.Region.name}," + _REGION_ROW + ")", "Region_Name"),
    "carbon": ("carbon intensity used (gCO2e/kWh)",
               "=IF(ISNUMBER({p.carbon_intensity_g_per_kwh}),{p.carbon_intensity_g_per_kwh},INDEX("
               "{all.Region.carbon_intensity_g_per_kwh}," + _REGION_ROW + "))", "Carbon_Intensity_Used_g_per_kWh"),
    "water": ("water intensity of electricity used (L/kWh; none: give water_intensity_l_per_kwh)",
              "=IF(ISNUMBER({p.water_intensity_l_per_kwh}),{p.water_intensity_l_per_kwh},IF(ISNUMBER(INDEX("
              "{all.Region.water_intensity_l_per_kwh}," + _REGION_ROW + ")),INDEX({all.Region.water_intensity_l_per_"
              'kwh},' + _REGION_ROW + '),"none"))', "Water_Intensity_Used_L_per_kWh"),
    "node_seconds_known": ("node-seconds per query known here (pnode_model = independent; the engine has all)",
                           '={p.pnode_model}="independent"', "Node_Seconds_Known"),
    "hardware_given": ("hardware price and lifetime given", "=AND(ISNUMBER({p.hardware_usd_per_node}),"
                       "ISNUMBER({p.hardware_lifetime_years}))", "Hardware_Given"),
    "hardware_rate": ("hardware cost per node-second (USD; 0 until both are given)",
                      "=IF({n.Hardware_Given},{p.hardware_usd_per_node}/({p.hardware_lifetime_years}*"
                      + DAYS_PER_YEAR_TEXT + "*" + SECONDS_PER_DAY_TEXT + "),0)", "Hardware_USD_per_Node_Second"),
    "hardware_blocked": ("hardware given but node-seconds unknown here (pnode_model = linear_tps)",
                         "=AND({n.Hardware_Given},NOT({n.Node_Seconds_Known}))", "Hardware_Blocked"),
}
WATER_USED, CARBON_USED = "{n.Water_Intensity_Used_L_per_kWh}", "{n.Carbon_Intensity_Used_g_per_kWh}"
# What a per-query measure's row says when an input it needs is missing (measures.py).
MEASURE_STATUS = {k: m.status for k, m in MEASURES.items() if m.status}


def node_seconds_of(energy: str, p_max_kw: str, pue: str = "{all.Draws.pue}") -> str:
    """Seconds of a node per query: Eq. 1 solved for L_eff / TPS, 3.6 E / (PUE P_node), with P_node = util *
    P_max of the slot's node (pnode_model = independent); `energy`, `p_max_kw` and `pue` are references."""
    return f"{SECONDS_PER_HOUR_OVER_1000:g}*{energy}/({pue}*{{all.Draws.util_frac_of_p_max}}*{p_max_kw})"


def node_seconds(regime: str) -> str:
    """node_seconds_of every trial and model slot of a regime (trials x slots); a calibrated slot's over its own
    PUE and P_node (Sim_Calibration's power ratio)."""
    short = REGIMES[regime].short.upper()
    factor = calibrated("{n.CALIBRATED_" + short + "}", "{all.CalSim.power_ratio}")
    return node_seconds_of(f"{energy_block(regime)}/{factor}", f"{{n.P_MAX_KW_{short}}}")


def slot_pue(regime: str) -> str:
    """Every trial's PUE per model slot (trials x slots): the Draws sheet's, a calibrated slot's its own."""
    short = REGIMES[regime].short.upper()
    return f"({{all.Draws.pue}}*{calibrated('{n.CALIBRATED_' + short + '}', '{all.CalSim.pue_ratio}')})"


def measure_values(regime: str, measure: str, alpha: str | None = None) -> str:
    """One measure of every baseline trial (an array for an array formula), from the trial's own draws: the
    measure's formula twin (measures.py) over the regime's block."""
    e = energy_block(regime) if alpha is None else f"{energy_block(regime)}/{{all.Draws.{alpha}}}"
    fields = {"e": e, "pue": slot_pue(regime), "price": "{all.Draws.price_usd_per_kwh}",
              "wue": "{all.Draws.wue_l_per_kwh}", "node_s": node_seconds(regime), "carbon": CARBON_USED,
              "water": WATER_USED, "hardware_rate": "{n.Hardware_USD_per_Node_Second}"}
    per_trial = re.sub(r"\{(\w+)\}", lambda m: fields.get(m.group(1), m.group(0)), MEASURES[measure].formula)
    return f"IF({baseline_mask(regime)},{per_trial})"


# The defined names of the per-query measures (Baseline_<Regime>_<Stat>_<unit>) and of the fleet quantities
# (Fleet_<Scenario>_<part>), with the P5/P50/P95 over deployments.
NAMED_MEASURES = {m: MEASURES[m].unit for m in ("cost_usd", "carbon_g", "water_ml")}
SPREAD_QUANTILES = (("p5", 0.05), ("p50", 0.5), ("p95", 0.95))
CAPACITY_NAMES = {"nodes": "Nodes", "gpus": "GPUs", "twh_per_year": "TWh_per_year", "avg_facility_mw": "Avg_MW",
                  "peak_facility_mw": "Peak_MW", "peak_it_mw": "Peak_IT_MW", "cost_usd_per_day": "USD_per_day",
                  "cost_usd_per_year": "USD_per_year", "electricity_usd_per_day": "Electricity_USD_per_day",
                  "hardware_usd_per_day": "Hardware_USD_per_day", "carbon_t_per_day": "tCO2e_per_day",
                  "water_m3_per_day": "Water_m3_per_day", **{f"{c}_{q}": f"{n}_{q.upper()}" for c, n in (
                      ("gwh_per_day", "GWh_per_day"), ("cost_usd_per_day", "USD_per_day"),
                      ("carbon_t_per_day", "tCO2e_per_day"), ("water_m3_per_day", "Water_m3_per_day"),
                      ("avg_facility_mw", "Avg_MW"), ("peak_facility_mw", "Peak_MW")) for q, _ in SPREAD_QUANTILES}}


# The input tokens Eq. 1 counts besides the output (effective_tokens): none, all (the v1 text's S.III) or a
# thirtieth (the authors' S.III code); one cell of the Const row.
L_IN_COUNTED = (f'=IF({{p.l_eff}}="in_plus_out",{{p.l_in_tokens}},IF({{p.l_eff}}="out_plus_in_over_30",'
                f'{{p.l_in_tokens}}*{INPUT_TOKEN_WEIGHT_S3_CODE!r},0))')
