"""Import NVIDIA TensorRT-LLM's published throughput rows for InferWatt's models on newer nodes.

Run: .venv/bin/python scripts/import_trtllm.py [PATH to trtllm_perf_overview_detailed.csv]
(default: ../shared/data/trtllm/ beside this repository). Writes data/tps_benchmarks_trtllm.csv (the paper's
models on newer nodes, chosen by hand below) and data/tps_benchmarks_catalogue.csv (every other (model, node)
pair of the tables with an FP8, FP4 or BF16 row, chosen by the rule of `catalogue_selection`).

Which rows, and why (compare like with like: a newer release is faster software, not faster hardware):
each (model, node) pair takes one release, the one the paper's H100 rows come from where that release
has the node (Supplement S.I: Llama 3.1 405B and 70B from release 0.19, Mixtral 8x22B from 0.17), else
the first release that has it. The paper's H100 rows (data/tps_benchmarks.csv) stay the H100 data.
Throughput is converted to output tokens/s of the whole InferWatt node: the doc's system total (per-GPU
values, releases 1.1+, times the GPUs of the run) times node GPUs / GPUs of the run, i.e. a node serves
as many replicas as fit, with perfect replica scaling (an assumption the docs do not make).
"""

from __future__ import annotations

import csv
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "trtllm" / "trtllm_perf_overview_detailed.csv"
OUT = ROOT / "data" / "tps_benchmarks_trtllm.csv"
CATALOGUE_OUT = ROOT / "data" / "tps_benchmarks_catalogue.csv"
NODE_GPUS = {"8xH100": 8, "8xH200": 8, "8xB200": 8, "4xGB200": 4, "8xB300": 8, "4xGB300": 4, "8xL40S": 8,
             "8xRTXPro6000": 8, "1xGH200": 1}
# The tables' GPU labels as InferWatt nodes (data/nodes.csv). Every GH200 variant is one superchip, 1xGH200 (its
# memory as written stays in each row's source). The A100 columns hold FP16 rows only: no node.
GPU_NODES = {"H100 SXM 80GB": "8xH100", "H200 SXM 141GB": "8xH200", "B200 180GB": "8xB200",
             "GB200 192GB": "4xGB200", "B300 288GB (beta)": "8xB300", "GB300 288GB (beta)": "4xGB300",
             "L40S": "8xL40S", "RTX 6000 Pro Blackwell Server Edition": "8xRTXPro6000", "GH200 120GB": "1xGH200",
             "GH200 480GB": "1xGH200", "GH200 96GB HBM3 (480GB LPDDR5X)": "1xGH200",
             "GH200 96GB HBM3 CG1": "1xGH200"}
# The tables' model labels as models of data/models.csv (DeepSeek-R1-0528 is a checkpoint of DeepSeek-R1's
# architecture; the paper's rows for it are the 2025 release's).
MODEL_NAMES = {"DeepSeek-R1-0528": "DeepSeek-R1", "Falcon-180B": "Falcon 180B", "GPT-J-6B": "GPT-J 6B",
               "Llama-2-70B": "Llama 2 70B", "Llama-2-7B": "Llama 2 7B", "Llama-3-70B": "Llama 3 70B",
               "Llama-3-8B": "Llama 3 8B", "Llama-3.1-405B": "Llama 3.1 405B", "Llama-3.1-70B": "Llama 3.1 70B",
               "Llama-3.1-8B": "Llama 3.1 8B", "Llama-3.3-70B": "Llama 3.3 70B",
               "Llama-4-Maverick-17B-128E": "Llama 4 Maverick", "Llama-4-Scout-17B-16E": "Llama 4 Scout",
               "Mistral-7B": "Mistral 7B", "Mixtral-8x22B": "Mixtral 8x22B", "Mixtral-8x7B": "Mixtral 8x7B",
               "Qwen3-235B-A22B": "Qwen3 235B-A22B", "Qwen3-30B-A3B": "Qwen3 30B-A3B", "gpt-oss-120b": "gpt-oss-120b",
               "gpt-oss-20b": "gpt-oss-20b"}
PRECISIONS = ("FP8", "FP4", "BF16")  # preferred in this order: the paper's models are served in FP8
RELEASES = ("0.10.0", "0.11.0", "0.12.0", "0.13.0", "0.14.0", "0.15.0", "0.17", "0.19.0", "0.20.0", "0.21.0",
            "1.0.0", "main-post-1.0", "1.1.0", "1.2.0")  # oldest first
REPOSITORY = "github.com/NVIDIA/TensorRT-LLM perf-overview"

# (InferWatt model, TensorRT-LLM model label, GPU as in the tables, node, release, tensor parallelism, why)
SELECTION = (
    ("Llama 3.1 405B", "Llama-3.1-405B", "H200 SXM 141GB", "8xH200", "0.19.0", 8,
     "release 0.19, as the paper's H100 rows"),
    ("Llama 3.1 405B", "Llama-3.1-405B", "B200 180GB", "8xB200", "0.19.0", 8, "release 0.19, as the paper's H100 rows"),
    ("Llama 3.1 405B", "Llama-3.1-405B", "GB200 192GB", "4xGB200", "0.21.0", 4,
     "0.21 is the first release with GB200 rows for this model"),
    ("Llama 3.1 70B", "Llama-3.1-70B", "H200 SXM 141GB", "8xH200", "0.19.0", 8,
     "release 0.19, as the paper's H100 rows"),
    ("Llama 3.1 70B", "Llama-3.3-70B", "B200 180GB", "8xB200", "0.19.0", 8,
     "release 0.19, as the paper's H100 rows; Llama 3.1 70B has no B200 rows, Llama 3.3 70B has the same "
     "architecture"),
    ("Mixtral 8x22B", "Mixtral-8x22B", "H200 SXM 141GB", "8xH200", "0.17", 8, "release 0.17, as the paper's H100 rows"),
    ("DeepSeek-R1", "DeepSeek-R1-0528", "H200 SXM 141GB", "8xH200", "1.1.0", 8,
     "1.1 has DeepSeek-R1 on H200, B200 and GB200 in one release; the paper's H100 rows are another benchmark"),
    ("DeepSeek-R1", "DeepSeek-R1-0528", "B200 180GB", "8xB200", "1.1.0", 4,
     "1.1 has DeepSeek-R1 on H200, B200 and GB200 in one release"),
    ("DeepSeek-R1", "DeepSeek-R1-0528", "GB200 192GB", "4xGB200", "1.1.0", 4,
     "1.1 has DeepSeek-R1 on H200, B200 and GB200 in one release"),
)
COLUMNS = ("model", "node", "precision", "input_tokens", "output_tokens", "tps_tokens_per_s", "source", "release",
           "commit", "tp", "pp", "ep", "num_gpus", "tps_as_published", "tps_unit", "why_this_release")


def system_tps(row: dict[str, str]) -> float:
    """Output tokens/s of the whole run (all its GPUs) from a published value in either unit."""
    tps, gpus = float(row["tps"]), int(row["num_gpus"])
    if row["tps_unit"] == "output_tokens_per_s_per_gpu":
        return tps * gpus
    if row["tps_unit"] == "output_tokens_per_s_whole_system":
        return tps
    raise ValueError(f"unknown unit {row['tps_unit']!r}")


def node_tps(row: dict[str, str], node_gpus: int) -> float:
    """Output tokens/s of an InferWatt node: as many replicas of the run as the node has GPUs for."""
    return system_tps(row) * node_gpus / int(row["num_gpus"])


def select(rows: list[dict[str, str]]) -> list[dict[str, object]]:
    out = []
    for model, label, gpu, node, release, tp, why in SELECTION:
        chosen = [r for r in rows if r["model"] == label and r["gpu"] == gpu and r["source_release"] == release
                  and int(r["tp"]) == tp and r["pp"] in ("", "1")]
        if not chosen:
            raise SystemExit(f"no rows for {model} on {gpu} in release {release} (TP{tp})")
        out.extend(_row(model, node, r, why)
                   for r in sorted(chosen, key=lambda r: (int(r["input_len"]), int(r["output_len"]))))
    return out


def catalogue_selection(rows: list[dict[str, str]]) -> list[dict[str, object]]:
    """Every (model, node) pair of the tables not chosen by hand (SELECTION) nor the paper's own H100 data, one
    set of rows each, by a stated rule:
    precision: FP8 where the pair has FP8 rows, else FP4, else BF16 (FP16 and "Mixed" rows are not used);
    release: the one with the most rows of the pair at that precision, the newest on a tie (a fit needs points);
    run: within it, the parallel configuration (tp, pp, ep, GPUs) with the most rows, the one with the highest
    median node throughput on a tie (an operator runs the best configuration it benchmarked).
    Throughput is converted to the node as in `node_tps`."""
    taken = {(model, node) for model, _, _, node, *_ in SELECTION}
    taken |= {(model, "8xH100") for model in ("Llama 3.1 405B", "Llama 3.1 70B", "Mixtral 8x22B")}  # the paper's
    pairs: dict[tuple[str, str], list[dict[str, str]]] = {}
    for r in rows:
        if r["gpu"] in GPU_NODES and r["precision"] in PRECISIONS:
            pairs.setdefault((MODEL_NAMES[r["model"]], GPU_NODES[r["gpu"]]), []).append(r)
    out = []
    for (model, node), group in sorted(pairs.items()):
        if (model, node) in taken:
            continue
        precision = next(p for p in PRECISIONS if any(r["precision"] == p for r in group))
        group = [r for r in group if r["precision"] == precision]
        release = max(dict.fromkeys(r["source_release"] for r in group),
                      key=lambda rel: (sum(r["source_release"] == rel for r in group), RELEASES.index(rel)))
        group = [r for r in group if r["source_release"] == release]
        configs: dict[tuple[str, ...], list[dict[str, str]]] = {}
        for r in group:
            configs.setdefault((r["tp"], r["pp"] or "1", r["ep"], r["num_gpus"], r["model"], r["gpu"]), []).append(r)
        chosen = max(configs.values(),
                     key=lambda c: (len(c), statistics.median(node_tps(r, NODE_GPUS[node]) for r in c)))
        why = (f"rule: {precision} (FP8 > FP4 > BF16), release {release} (most rows), TP{chosen[0]['tp']} PP"
               f"{chosen[0]['pp'] or '1'}{' EP' + chosen[0]['ep'] if chosen[0]['ep'] else ''} on "
               f"{chosen[0]['num_gpus']} GPUs (most rows)")
        seen = set()
        for r in sorted(chosen, key=lambda r: (int(r["input_len"]), int(r["output_len"]))):
            point = (r["input_len"], r["output_len"])
            if point in seen:  # a point twice in one run (a QPS sweep): the first, maximum-load row
                continue
            seen.add(point)
            out.append(_row(model, node, r, why))
    return out


def _row(model: str, node: str, r: dict[str, str], why: str) -> dict[str, object]:
    return {"model": model, "node": node, "precision": r["precision"], "input_tokens": r["input_len"],
            "output_tokens": r["output_len"], "tps_tokens_per_s": f"{node_tps(r, NODE_GPUS[node]):.2f}",
            "source": f"NVIDIA TensorRT-LLM {r['source_release']} perf-overview ({REPOSITORY}, {r['source_path']}), "
                      f"{r['model_as_written']}, {r['gpu_as_written']}",
            "release": r["source_release"], "commit": r["commit"], "tp": r["tp"], "pp": r["pp"] or "1",
            "ep": r["ep"], "num_gpus": r["num_gpus"], "tps_as_published": r["tps"], "tps_unit": r["tps_unit"],
            "why_this_release": why}


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {path} ({len(rows)} rows)")


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else DEFAULT_SOURCE
    with source.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    hand, rule = select(rows), catalogue_selection(rows)
    _write(OUT, hand)
    _write(CATALOGUE_OUT, rule)
    tables = {(MODEL_NAMES[r["model"]], GPU_NODES[r["gpu"]]) for r in rows
              if r["gpu"] in GPU_NODES and r["precision"] in PRECISIONS}
    paper = {(m, "8xH100") for m in ("Llama 3.1 405B", "Llama 3.1 70B", "Mixtral 8x22B")}  # data/tps_benchmarks*.csv
    covered = {(r["model"], r["node"]) for r in hand + rule} | paper
    missing = tables - covered
    print(f"coverage: {len(tables & covered)} of {len(tables)} (model, node) pairs of the tables with an FP8, FP4 or "
          f"BF16 row" + (f"; missing {sorted(missing)}" if missing else ""))
    if missing:
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
