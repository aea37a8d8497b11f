"""Import NVIDIA TensorRT-LLM's published throughput rows for InferWatt's models on newer nodes.

Run: .venv/bin/python scripts/import_trtllm.py [PATH to trtllm_perf_overview_detailed.csv]
(default: ../shared/data/trtllm/ beside this repository). Writes data/tps_benchmarks_trtllm.csv.

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
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "trtllm" / "trtllm_perf_overview_detailed.csv"
OUT = ROOT / "data" / "tps_benchmarks_trtllm.csv"
NODE_GPUS = {"8xH200": 8, "8xB200": 8, "4xGB200": 4}
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
        for r in sorted(chosen, key=lambda r: (int(r["input_len"]), int(r["output_len"]))):
            out.append({"model": model, "node": node, "precision": r["precision"], "input_tokens": r["input_len"],
                        "output_tokens": r["output_len"],
                        "tps_tokens_per_s": f"{node_tps(r, NODE_GPUS[node]):.2f}",
                        "source": f"NVIDIA TensorRT-LLM {r['source_release']} perf-overview ({REPOSITORY}, "
                                  f"{r['source_path']}), {r['model_as_written']}, {r['gpu_as_written']}",
                        "release": r["source_release"], "commit": r["commit"], "tp": r["tp"], "pp": r["pp"] or "1",
                        "ep": r["ep"], "num_gpus": r["num_gpus"], "tps_as_published": r["tps"],
                        "tps_unit": r["tps_unit"], "why_this_release": why})
    return out


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else DEFAULT_SOURCE
    with source.open(encoding="utf-8") as f:
        rows = select(list(csv.DictReader(f)))
    with OUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {OUT} ({len(rows)} rows)")


if __name__ == "__main__":
    main(sys.argv[1:])
