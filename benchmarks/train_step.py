"""Training-step throughput: mindlite GRAPH_MODE vs PYNATIVE vs PyTorch CPU eager.

Networks (identical structure in both frameworks; the torch twins are in
benchmarks/train_step_torch.py and the parameter counts are checked to be equal):

* ``mlp``            MLP 784-256-256-10, batch 64, Momentum 0.9 + softmax cross entropy
* ``resnet50_224``   ResNet-50 v1.5 (model_zoo/resnet), batch 8 at 224x224, 1000 classes,
                     Momentum 0.9 + softmax cross entropy, float32
* ``resnet50_32``    the same network, batch 32 at 32x32, 10 classes
* ``bert_base``      BERT-base pre-training step (model_zoo/bert BertNetworkWithLoss: 12 layers,
                     hidden 768, vocab 30522, MLM + NSP heads, tied decoder), seq 128, batch 8,
                     20 masked positions per sequence (max_predictions_per_seq 20),
                     AdamWeightDecay (torch: AdamW), dropout 0.1 on
* ``bert_2layer``    the same with 2 encoder layers (the --quick run)

Each (network, framework) runs in its own subprocess (``--only NAME/FRAMEWORK``), so the
peak RSS (VmHWM; ru_maxrss in the JSON) of one measurement is not polluted by another. Warm-up steps
(the first includes GRAPH compilation) are excluded from the timing; the compile time
reported is first-call time minus a steady step, next to the ``compile_seconds`` recorded
on mindlite's compiled executable. The float32 GEMM rate (numpy matmul 2048^3) is measured
in the same run, before and after the models, and gives the model FLOPs utilisation of
ResNet-50 at 224 (24.5 GFLOP per image per training step) and BERT-base (85.5 GFLOP per
sequence, the figure for an MLM over all 128 tokens; with 20 masked positions the step
does about 70 GFLOP, see the notes printed with the table).

    python benchmarks/train_step.py                 # full run (17 min on a busy shared 2-core machine)
    python benchmarks/train_step.py --quick         # MLP + ResNet-50 32x32 + 2-layer BERT (~3.5 min busy)
    python benchmarks/train_step.py --cases mlp,resnet50_32 --frameworks graph,torch --out table.md
    python benchmarks/train_step.py --only resnet50_224/graph          # one measurement, JSON line
    python benchmarks/train_step.py --only resnet50_224/graph --profile     # + cProfile of one steady step
    python benchmarks/train_step.py --only resnet50_224/graph --profile first   # cProfile the first call
    python benchmarks/train_step.py --quick --profile slowest   # + profile the mindlite run furthest behind torch

Output: one JSON line per measurement (prefix-free, ``{"case": ...}``), then a markdown
table on stdout (also written to ``--out FILE``).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

FRAMEWORKS = ("graph", "pynative", "torch", "torch_cl", "jax")
DEFAULT_FRAMEWORKS = ("graph", "pynative", "torch")
# peers that apply to some networks only: torch_cl = PyTorch with channels_last memory (conv nets),
# jax = plain JAX jit (the MLP; its interpreter is --jax-python)
ONLY_FOR = {"torch_cl": ("resnet",), "jax": ("mlp",)}
TORCH_THREADS = 2

# steps: timed steps; warmup: untimed steps first (the first one compiles in GRAPH mode);
# budget_s: if a warm-up step shows the timed steps would take longer than this, fewer are
# timed (at least 1) so that a slow framework cannot blow the run time; timeout_s: per subprocess.
CASES: dict[str, dict[str, Any]] = {
    "mlp": {"kind": "mlp", "batch": 64, "steps": 200, "warmup": 10, "budget_s": 30, "timeout_s": 150,
            "unit": "steps/s", "per_step": 1, "desc": "MLP 784-256-256-10, b64, Momentum"},
    "resnet50_32": {"kind": "resnet", "batch": 32, "image": 32, "classes": 10, "steps": 5, "warmup": 2,
                    "budget_s": 40, "timeout_s": 240, "unit": "images/s",
                    "desc": "ResNet-50 v1.5, b32 32x32, 10 classes, Momentum"},
    "resnet50_224": {"kind": "resnet", "batch": 8, "image": 224, "classes": 1000, "steps": 3, "warmup": 1,
                     "budget_s": 60, "timeout_s": 330, "unit": "images/s", "gflop": 24.5,
                     "desc": "ResNet-50 v1.5, b8 224x224, 1000 classes, Momentum"},
    "bert_2layer": {"kind": "bert", "layers": 2, "batch": 8, "seq": 128, "preds": 20, "steps": 3, "warmup": 1,
                    "budget_s": 30, "timeout_s": 200, "unit": "sequences/s",
                    "desc": "BERT (2 layers, h768, vocab 30522) MLM+NSP, seq 128, b8, 20 masked, AdamWeightDecay"},
    "bert_base": {"kind": "bert", "layers": 12, "batch": 8, "seq": 128, "preds": 20, "steps": 3, "warmup": 1,
                  "budget_s": 60, "timeout_s": 330, "unit": "sequences/s", "gflop": 85.5,
                  "desc": "BERT-base (12 layers, h768, vocab 30522) MLM+NSP, seq 128, b8, 20 masked, "
                          "AdamWeightDecay"},
}
FULL = ["mlp", "resnet50_32", "resnet50_224", "bert_base"]
QUICK = ["mlp", "resnet50_32", "bert_2layer"]
QUICK_OVERRIDES = {"mlp": {"steps": 100, "warmup": 5, "budget_s": 10},
                   "resnet50_32": {"steps": 3, "warmup": 1, "budget_s": 15},
                   "bert_2layer": {"steps": 2, "warmup": 1, "budget_s": 15}}


# ---- memory ------------------------------------------------------------------------------------
def _vm(field: str) -> float | None:
    """A /proc/self/status field (VmRSS, VmHWM) in MiB, or None where there is no /proc."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _maxrss_mib() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / (1024 * 1024) if sys.platform == "darwin" else r / 1024  # bytes on macOS, KiB on Linux


# ---- GEMM ceiling ------------------------------------------------------------------------------
def gemm_gflops(n: int = 2048, repeat: int = 5) -> float:
    """Best-of-`repeat` float32 numpy.matmul n^3 rate in GFLOP/s (default numpy threading)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), np.float32)
    np.matmul(a, b, out=c)
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        np.matmul(a, b, out=c)
        best = min(best, time.perf_counter() - t)
    return 2 * n ** 3 / best / 1e9


# ---- inputs (same numbers for both frameworks) ---------------------------------------------------
def make_inputs(case: dict) -> tuple:
    rng = np.random.default_rng(0)
    kind = case["kind"]
    if kind == "mlp":
        return (rng.standard_normal((case["batch"], 784), dtype=np.float32),
                rng.integers(0, 10, case["batch"]).astype(np.int32))
    if kind == "resnet":
        b, s = case["batch"], case["image"]
        return (rng.standard_normal((b, 3, s, s), dtype=np.float32),
                rng.integers(0, case["classes"], b).astype(np.int32))
    b, seq, preds, vocab = case["batch"], case["seq"], case["preds"], 30522
    lengths = rng.integers(seq // 2, seq + 1, b)
    lengths[0] = seq
    input_mask = (np.arange(seq)[None, :] < lengths[:, None]).astype(np.int32)
    input_ids = rng.integers(1000, vocab, (b, seq)).astype(np.int32) * input_mask
    token_type = np.zeros((b, seq), np.int32)
    for i, n in enumerate(lengths):
        token_type[i, n // 2:n] = 1
    positions = np.stack([np.sort(rng.choice(np.arange(1, n), preds, replace=False)) for n in lengths]).astype(np.int32)
    masked_ids = np.take_along_axis(input_ids, positions, 1).astype(np.int32)
    weights = np.ones((b, preds), np.float32)
    nsp = rng.integers(0, 2, b).astype(np.int32)
    # BertNetworkWithLoss order: input_ids, input_mask, token_type_id, next_sentence_labels,
    # masked_lm_positions, masked_lm_ids, masked_lm_weights
    return input_ids, input_mask, token_type, nsp, positions, masked_ids, weights


# ---- builders ----------------------------------------------------------------------------------
def build_mindlite(case: dict, mode: str):
    """(train_step, network, inputs as mindlite Tensors). `mode`: "graph" | "pynative"."""
    sys.path.insert(0, ROOT)
    import mindlite as ms
    from mindlite import Tensor, nn
    ms.set_context(mode=ms.GRAPH_MODE if mode == "graph" else ms.PYNATIVE_MODE)
    ms.set_seed(0)
    kind = case["kind"]
    if kind == "mlp":
        net = nn.SequentialCell([nn.Dense(784, 256, activation="relu"), nn.Dense(256, 256, activation="relu"),
                                 nn.Dense(256, 10)])
        loss_net = nn.WithLossCell(net, nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean"))
        opt = nn.Momentum(net.trainable_params(), learning_rate=0.01, momentum=0.9)
    elif kind == "resnet":
        from model_zoo.resnet.src.resnet import resnet50
        net = resnet50(class_num=case["classes"])
        loss_net = nn.WithLossCell(net, nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean"))
        opt = nn.Momentum(net.trainable_params(), learning_rate=0.01, momentum=0.9)
    else:
        from model_zoo.bert.src.bert_model import BertConfig, BertNetworkWithLoss
        cfg = BertConfig.base(num_hidden_layers=case["layers"], seq_length=case["seq"])
        net = loss_net = BertNetworkWithLoss(cfg, is_training=True)
        opt = nn.AdamWeightDecay(net.trainable_params(), learning_rate=1e-4, eps=1e-6, weight_decay=0.01)
    step = nn.TrainOneStepCell(loss_net, opt)
    step.set_train()
    inputs = tuple(Tensor(a) for a in make_inputs(case))
    n_params = sum(int(p.size) for p in net.trainable_params())
    return step, n_params, inputs, lambda loss: float(loss.asnumpy())


def build_torch(case: dict, channels_last: bool = False):
    import torch
    torch.set_num_threads(TORCH_THREADS)
    torch.manual_seed(0)
    sys.path.insert(0, HERE)
    import train_step_torch as T
    kind = case["kind"]
    arrays = make_inputs(case)
    if kind in ("mlp", "resnet"):
        model = T.mlp([784, 256, 256, 10]) if kind == "mlp" else T.ResNet50(case["classes"])
        x, y = torch.from_numpy(arrays[0]), torch.from_numpy(arrays[1]).long()
        if channels_last:
            model = model.to(memory_format=torch.channels_last)
            x = x.contiguous(memory_format=torch.channels_last)
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        loss_fn = torch.nn.CrossEntropyLoss()

        def loss_of() -> Any:
            return loss_fn(model(x), y)
    else:
        model = T.BertPreTrainingLoss(layers=case["layers"])
        decay = [p for n, p in model.named_parameters() if p.ndim > 1]
        no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                                lr=1e-4, eps=1e-6)
        ts = [torch.from_numpy(a) for a in arrays]
        ts = [t.long() if t.dtype == torch.int32 else t for t in ts]

        def loss_of() -> Any:
            return model(*ts)
    model.train()

    def step() -> Any:
        opt.zero_grad(set_to_none=True)
        loss = loss_of()
        loss.backward()
        opt.step()
        return loss.detach()

    return step, T.count_params(model), (), lambda loss: float(loss.item())


# ---- one measurement (child process) -----------------------------------------------------------
def measure(name: str, framework: str, case: dict, profile: str | None = None) -> dict:
    """Build, warm up and time one (case, framework); `profile`: None, "step" (cProfile one extra
    steady step) or "first" (cProfile the first call, i.e. GRAPH capture + compile + first run)."""
    t_build = time.perf_counter()
    if framework in ("torch", "torch_cl"):
        step, n_params, inputs, to_float = build_torch(case, channels_last=framework == "torch_cl")
    elif framework == "jax":
        sys.path.insert(0, HERE)
        import train_step_jax
        step, n_params, to_float = train_step_jax.build(case, make_inputs(case))
        inputs = ()
    else:
        step, n_params, inputs, to_float = build_mindlite(case, framework)
    build_s = time.perf_counter() - t_build
    rss_built = _vm("VmRSS")

    prof_first = None
    if profile == "first":
        import cProfile
        prof_first = cProfile.Profile()
        prof_first.enable()
    t0 = time.perf_counter()
    loss_first = to_float(step(*inputs))
    first_s = time.perf_counter() - t0
    if prof_first is not None:
        prof_first.disable()
    warm_times = []
    for _ in range(case["warmup"] - 1):
        t = time.perf_counter()
        to_float(step(*inputs))
        warm_times.append(time.perf_counter() - t)
    # a slow framework times fewer steps (at least 1) so the whole run stays bounded
    est = min(warm_times) if warm_times else first_s
    steps = case["steps"]
    if est * steps > case["budget_s"]:
        steps = max(1, int(case["budget_s"] / max(est, 1e-9)))
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        loss = to_float(step(*inputs))
        times.append(time.perf_counter() - t)
    step_s = sum(times) / len(times)
    per_step = case.get("per_step", case["batch"])
    rec = {"case": name, "framework": framework, "params": n_params, "batch": case["batch"], "unit": case["unit"],
               "steps_timed": steps, "warmup": case["warmup"], "step_s": step_s, "step_min_s": min(times),
               "step_median_s": float(np.median(times)), "throughput": per_step / step_s,
               "throughput_median": per_step / float(np.median(times)), "throughput_best": per_step / min(times),
               "first_call_s": first_s, "build_s": build_s,
               "compile_s": max(0.0, first_s - step_s), "loss_first": loss_first, "loss_last": loss,
               "rss_built_mib": rss_built, "ru_maxrss_mib": _maxrss_mib(), "vm_hwm_mib": _vm("VmHWM")}
    # VmHWM is this process image's own high-water mark; ru_maxrss survives exec on Linux and so
    # can show the parent's peak (the parent's GEMM matrices) for a small child.
    rec["peak_rss_mib"] = rec["vm_hwm_mib"] if rec["vm_hwm_mib"] is not None else rec["ru_maxrss_mib"]
    if framework in ("graph", "pynative"):
        jf = step.__dict__.get("_jit_fn")
        # cache: key -> list of executables (one per set of guards)
        exes = [e for v in jf.cache.values() for e in (v if isinstance(v, list) else [v])] if jf is not None else []
        rec["executables"] = len(exes)
        rec["compile_seconds"] = sum(getattr(e, "compile_seconds", 0.0) for e in exes) if exes else None
        if exes:  # the memory planner's estimate, where the executor records one
            planned = getattr(exes[0].compiled, "planned_peak_bytes", None)
            if planned is not None:
                rec["planned_peak_mib"] = planned / 2 ** 20
    if profile:
        import cProfile
        import io
        import pstats
        if prof_first is not None:
            prof, rec["profiled_step_s"] = prof_first, first_s
        else:
            prof = cProfile.Profile()
            t = time.perf_counter()
            prof.enable()
            to_float(step(*inputs))
            prof.disable()
            rec["profiled_step_s"] = time.perf_counter() - t
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(10)
        rec["profile"] = out.getvalue()
        rec["profile_what"] = "first call" if prof_first is not None else "steady step"
    return rec


# ---- driver (parent process) -------------------------------------------------------------------
def run_child(name: str, framework: str, case_over: dict, timeout: float, profile: str | None,
              python: str | None = None) -> dict:
    cmd = [python or sys.executable, os.path.abspath(__file__), "--only", f"{name}/{framework}"]
    if case_over:
        cmd += ["--case-json", json.dumps(case_over)]
    if profile:
        cmd += ["--profile", profile]
    t = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                              check=False)
    except subprocess.TimeoutExpired as e:
        tail = (e.stderr or b"")[-1500:] if isinstance(e.stderr, bytes) else (e.stderr or "")[-1500:]
        if isinstance(tail, bytes):
            tail = tail.decode(errors="replace")
        return {"case": name, "framework": framework, "error": f"timeout after {timeout:.0f} s", "stderr_tail": tail,
                    "wall_s": time.perf_counter() - t}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            rec = json.loads(line)
            rec["wall_s"] = time.perf_counter() - t
            return rec
    return {"case": name, "framework": framework, "error": f"exit code {proc.returncode}",
                "stderr_tail": proc.stderr[-3000:], "wall_s": time.perf_counter() - t}


def _fmt(x: Any, nd: int = 2) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        if abs(x) >= 100:
            return f"{x:,.0f}"
        return f"{x:.{nd}f}"
    return str(x)


def markdown(results: list[dict], cases: list[str], gemm: dict, meta: dict) -> str:
    by = {(r["case"], r["framework"]): r for r in results}
    peak_gemm = max(v for k, v in gemm.items() if v and k.startswith("numpy"))
    lines = [(f"Machine: {meta['machine']}; {meta['versions']}; mindlite: its own thread pool (one thread per "
              f"CPU), BLAS at one thread; torch.set_num_threads({TORCH_THREADS}); {meta['date']}. "
              + (f"Each measurement run {meta['repeat']} times round-robin, the quietest (best median step) kept; "
                 if meta.get("repeat", 1) > 1 else "One measurement each; ")
              + f"load average (1 min) during the runs {meta.get('load', '?')}."),
             "",
             "float32 GEMM 2048^3 (GFLOP/s): " + ", ".join(f"{k} {v:.0f}" for k, v in gemm.items() if v),
             "", ("| case | framework | throughput: median (mean, best step) | median step (s) | steps timed "
                  "| GRAPH/PYNATIVE | GRAPH/peer | first call (s) | compile (s): first - step / compile_seconds "
                  "| peak RSS (MiB) | MFU | loss first -> last |"),
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name in cases:
        case = CASES[name]
        p, t = by.get((name, "pynative")), by.get((name, "torch"))
        for fw in FRAMEWORKS:
            r = by.get((name, fw))
            if r is None:
                continue
            if "error" in r:
                lines.append(f"| {name} | {fw} | **failed: {r['error']}** | | | | | | | | | |")
                continue
            ratio_p = ratio_t = ""

            def ratio(a: dict, b: dict | None) -> str:
                if not b or "error" in b:
                    return ""
                return (f"{a['throughput_median'] / b['throughput_median']:.2f}x "
                        f"({a['throughput'] / b['throughput']:.2f}x)")
            if fw == "graph":
                ratio_p = ratio(r, p)
                peers = [(f, by.get((name, f))) for f in ("torch", "torch_cl", "jax")]
                ratio_t = "; ".join(f"{f} {ratio(r, q)}" for f, q in peers if q and "error" not in q)
            elif fw == "pynative":
                ratio_t = "PYNATIVE/torch " + ratio(r, t) if t and "error" not in t else ""
            comp = f"{r['compile_s']:.1f}"
            if fw == "graph":
                comp += f" / {_fmt(r.get('compile_seconds'), 2)}"
            mfu = ""
            if case.get("gflop"):
                mfu = f"{r['throughput_median'] * case['gflop'] / peak_gemm:.1%}"
            lines.append(f"| {name} | {fw} | **{_fmt(r['throughput_median'])}** ({_fmt(r['throughput'])}, "
                         f"{_fmt(r['throughput_best'])}) {case['unit']} "
                         f"| {r['step_median_s']:.4g} | {r['steps_timed']} | {ratio_p} | {ratio_t} "
                         f"| {r['first_call_s']:.2f} | {comp} | {_fmt(r['peak_rss_mib'])} | {mfu} "
                         f"| {r['loss_first']:.4g} -> {r['loss_last']:.4g} |")
    lines.append("")
    lines.append("Parameter counts side by side (trainable scalars; must be equal):")
    lines.append("")
    for name in cases:
        counts = {fw: by[(name, fw)].get("params") for fw in FRAMEWORKS if (name, fw) in by
                  and "error" not in by[(name, fw)]}
        verdict = ("no successful measurement" if not counts else "only one framework measured" if len(counts) == 1
                   else "equal" if len(set(counts.values())) == 1 else "**MISMATCH**")
        lines.append(f"- {name} ({CASES[name]['desc']}): " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
                     + f" - {verdict}")
    lines.append("")
    lines.append(f"Notes: throughput = items / median step time over the timed steps after warm-up (in "
                 "brackets: items / mean step time, and the best single step); ratios are of the median "
                 "throughputs (of the means in brackets). On a shared machine the mean of many short steps is "
                 "dominated by stalls when a BLAS/OpenMP thread is descheduled, so the median is the primary "
                 "figure. MFU (of the median) = throughput x GFLOP per item / "
                 f"{peak_gemm:.0f} GFLOP/s (best numpy GEMM of this run), with 24.5 GFLOP per 224x224 image and "
                 "85.5 GFLOP per BERT-base sequence (the MLM-over-all-tokens figure; this step predicts 20 "
                 "positions, about 70 GFLOP, so its true utilisation is ~0.82x the MFU shown). Compile = first "
                 "call minus a steady step (all frameworks; torch's is allocator/first-touch warm-up) and, for "
                 "GRAPH, the `compile_seconds` recorded on the executable. Peak RSS = the peak of the "
                 "measurement's own subprocess: VmHWM from /proc/self/status (ru_maxrss is in the JSON; on Linux it "
                 "survives exec, so for a small child it can show the parent's peak); it includes building the model "
                 "and its optimizer state.")
    for r in results:
        if "error" in r:
            lines += ["", f"### {r['case']}/{r['framework']} failed: {r['error']}", "", "```",
                      (r.get("stderr_tail") or "").strip()[-2500:], "```"]
        if r.get("profile"):
            lines += ["", (f"### cProfile of the {r['profile_what']} of {r['case']}/{r['framework']} "
                           f"({r['profiled_step_s']:.2f} s under the profiler), top 10 by tottime"), "", "```",
                      r["profile"].strip(), "```"]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="MLP + ResNet-50 32x32 + 2-layer BERT, fewer steps")
    ap.add_argument("--cases", help=f"comma-separated subset of {', '.join(CASES)}")
    ap.add_argument("--frameworks", default=",".join(DEFAULT_FRAMEWORKS),
                    help="comma-separated subset of " + ",".join(FRAMEWORKS) + " (torch_cl: ResNet only, jax: MLP only)")
    ap.add_argument("--jax-python", help="interpreter with jax installed, for the jax framework (default: this one)")
    ap.add_argument("--only", help="NAME/FRAMEWORK: run one measurement in this process and print its JSON line")
    ap.add_argument("--case-json", help=argparse.SUPPRESS)  # overrides passed to a child
    ap.add_argument("--profile", nargs="?", const="", default=None,
                    help="with --only: cProfile one extra steady step ('step', the default) or the first call "
                         "('first'), top 10 by tottime. Without --only: NAME/FRAMEWORK[:first][,...] to profile, "
                         "or 'slowest' for the mindlite measurement furthest behind torch")
    ap.add_argument("--out", help="write the markdown table to this file")
    ap.add_argument("--timeout", type=float, help="seconds per measurement subprocess (default: per case)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="measure every (case, framework) this many times, round-robin, and keep each one's "
                         "quietest run (best median step)")
    args = ap.parse_args()

    if args.only:
        name, framework = args.only.split("/")
        case = dict(CASES[name])
        if args.case_json:
            case.update(json.loads(args.case_json))
        profile = None if args.profile is None else (args.profile or "step")
        print(json.dumps(measure(name, framework, case, profile=profile)), flush=True)
        return

    cases = args.cases.split(",") if args.cases else (QUICK if args.quick else FULL)
    frameworks = [f for f in args.frameworks.split(",") if f]
    for c in cases:
        if c not in CASES:
            ap.error(f"unknown case {c!r}; choose from {', '.join(CASES)}")
    for f in frameworks:
        if f not in FRAMEWORKS:
            ap.error(f"unknown framework {f!r}; choose from {', '.join(FRAMEWORKS)}")
    overrides = QUICK_OVERRIDES if args.quick else {}
    to_profile = set(args.profile.split(",")) if args.profile else set()

    import datetime
    t_start = time.perf_counter()
    meta = {"machine": f"{platform.machine()} {os.cpu_count()} cores ({_cpu_name()})",
                "versions": f"Python {platform.python_version()}, numpy {np.__version__}, torch {_torch_version()}",
                "date": datetime.date.today().isoformat()}
    gemm = {"numpy before": gemm_gflops()}
    print(json.dumps(dict(gemm_gflops_numpy_before=gemm["numpy before"], **meta)), flush=True)
    results = []
    for name in cases:
        best: dict = {}
        for rnd in range(args.repeat):  # round-robin, so every framework sees the same spread of load
            for fw in frameworks:
                over = overrides.get(name, {})
                timeout = args.timeout or over.get("timeout_s", CASES[name]["timeout_s"])
                prof = "first" if f"{name}/{fw}:first" in to_profile else "step" if f"{name}/{fw}" in to_profile \
                    else None
                if fw in ONLY_FOR and CASES[name]["kind"] not in ONLY_FOR[fw]:
                    continue
                rec = run_child(name, fw, over, timeout, prof, args.jax_python if fw == "jax" else None)
                rec["round"], rec["loadavg"] = rnd, _loadavg()
                print(json.dumps({k: v for k, v in rec.items() if k not in ("profile", "stderr_tail")}), flush=True)
                old = best.get(fw)
                if old is None or "error" in old or ("error" not in rec
                                                     and rec["throughput_median"] > old["throughput_median"]):
                    best[fw] = rec
        results += [best[fw] for fw in frameworks if fw in best]
    if "slowest" in to_profile:
        worst, worst_ratio = None, 0.0
        by = {(r["case"], r["framework"]): r for r in results if "error" not in r}
        for r in results:
            if r["framework"] == "torch":
                continue
            t = by.get((r["case"], "torch"))
            ratio = float("inf") if "error" in r else (t["throughput"] / r["throughput"] if t else 0.0)
            if ratio > worst_ratio:
                worst, worst_ratio = r, ratio
        if worst is not None:
            over = overrides.get(worst["case"], {})
            rec = run_child(worst["case"], worst["framework"], over, CASES[worst["case"]]["timeout_s"] * 2, "step")
            if rec.get("profile"):
                by_key = {(r["case"], r["framework"]): i for i, r in enumerate(results)}
                results[by_key[(worst["case"], worst["framework"])]]["profile"] = rec["profile"]
                results[by_key[(worst["case"], worst["framework"])]]["profiled_step_s"] = rec["profiled_step_s"]
                results[by_key[(worst["case"], worst["framework"])]]["profile_what"] = rec["profile_what"]
    loads = [r["loadavg"] for r in results if r.get("loadavg") is not None]
    meta["repeat"] = args.repeat
    meta["load"] = f"{min(loads):.1f}-{max(loads):.1f}" if loads else "?"
    gemm["numpy after"] = gemm_gflops()
    gemm["torch"] = None if args.quick else _torch_gemm()
    print(json.dumps({"gemm_gflops_numpy_after": gemm["numpy after"], "gemm_gflops_torch": gemm["torch"],
                          "total_wall_s": time.perf_counter() - t_start}), flush=True)
    table = markdown(results, cases, gemm, meta)
    print()
    print(table)
    if args.out:
        with open(args.out, "w") as f:
            f.write(table)


def _loadavg() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _torch_version() -> str:
    try:
        out = subprocess.run([sys.executable, "-c", "import torch; print(torch.__version__)"], capture_output=True,
                             text=True, timeout=60, check=False)
        return out.stdout.strip() or "not installed"
    except Exception:  # noqa: BLE001
        return "not installed"


def _torch_gemm() -> float | None:
    """torch.matmul 2048^3 float32 rate with the benchmark's thread count, in a subprocess."""
    code = (f"import time, torch; torch.set_num_threads({TORCH_THREADS}); a=torch.randn(2048,2048); "
            "b=torch.randn(2048,2048); c=a@b; "
            "best=min((lambda t: (a@b, time.perf_counter()-t)[1])(time.perf_counter()) for _ in range(5)); "
            "print(2*2048**3/best/1e9)")
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
        return float(out.stdout.strip())
    except Exception:  # noqa: BLE001
        return None


if __name__ == "__main__":
    main()
