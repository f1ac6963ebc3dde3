"""GPU training-step throughput: mindlite GRAPH (generated kernels, cuBLAS/cuDNN, one CUDA
graph per step) and PYNATIVE against PyTorch eager (channels_last + autocast) and, where it
runs, torch.compile, on the same GPU in one run.

Networks (the structures of benchmarks/train_step.py, torch twins in train_step_torch.py):
  * ``resnet50``  ResNet-50 v1.5, batch 256, 224x224, 1000 classes, Momentum 0.9
  * ``bert_base`` BERT-base pre-training (MLM + NSP), seq 128, batch 64, AdamWeightDecay / AdamW
Precisions: ``fp32`` (TF32 off unless --tf32), ``bf16`` (mindlite amp O2, torch autocast),
``fp16`` (the same with a dynamic loss scale).

Each (network, precision, framework) runs in its own process (``--only``), so peak device
memory is its own. Reported per measurement: throughput (images/s or sequences/s), device
time per step (steps run back to back, one sync at the end), host time per step (the
Python call of one step, no sync: what a CUDA graph saves), peak device memory (the
framework's pools and the process's share of the card), first-call and compile time, and
for mindlite which paths ran (cuDNN or im2col + cuBLAS, one CUDA graph or eager).

    python benchmarks/gpu_train_step.py                                  # the issue's set: bf16, both nets
    python benchmarks/gpu_train_step.py --quick                          # small batches, 2 BERT layers
    python benchmarks/gpu_train_step.py --cases resnet50 --dtypes fp32,bf16 --frameworks graph,torch
    python benchmarks/gpu_train_step.py --only resnet50/bf16/graph       # one measurement, a JSON line

Targets (the issue): ResNet-50 GRAPH >= 1,787 img/s and >= 0.8x PyTorch eager; BERT-base
GRAPH >= 0.8x PyTorch eager; host time per GRAPH step < 1 ms; peak memory <= 1.1x PyTorch's.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CASES: dict[str, dict[str, Any]] = {
    "resnet50": {"kind": "resnet", "batch": 256, "image": 224, "classes": 1000, "unit": "images/s"},
    "bert_base": {"kind": "bert", "layers": 12, "batch": 64, "seq": 128, "preds": 20, "unit": "sequences/s"},
}
QUICK = {"resnet50": {"batch": 32}, "bert_base": {"batch": 16, "layers": 2}}
FRAMEWORKS = ("graph", "pynative", "torch", "torch_compile")
TARGET_IMG_S = 1787.0


# ---- device memory ------------------------------------------------------------------------------
def _card_used_mib() -> float | None:
    try:
        import cupy
        free, total = cupy.cuda.runtime.memGetInfo()
        return (total - free) / 2 ** 20
    except Exception:  # noqa: BLE001 - no cupy: ask torch
        try:
            import torch
            free, total = torch.cuda.mem_get_info()
            return (total - free) / 2 ** 20
        except Exception:  # noqa: BLE001
            return None


# ---- builders ----------------------------------------------------------------------------------
def build_mindlite(case: dict, dtype: str, mode: str, tf32: bool, device: str = "GPU") -> tuple:
    sys.path.insert(0, ROOT)
    sys.path.insert(0, HERE)
    import mindlite as ms
    from mindlite import Tensor, nn
    from mindlite.backend import gpu
    import train_step
    ms.set_context(device_target=device, mode=ms.GRAPH_MODE if mode == "graph" else ms.PYNATIVE_MODE)
    gpu.set_tf32(tf32)
    ms.set_seed(0)
    if case["kind"] == "resnet":
        from model_zoo.resnet.src.resnet import resnet50
        net = resnet50(class_num=case["classes"])
        loss_net = nn.WithLossCell(net, nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean"))
        params = net.trainable_params()
        opt = nn.Momentum(params, learning_rate=0.01, momentum=0.9)
    else:
        from model_zoo.bert.src.bert_model import BertConfig, BertNetworkWithLoss
        cfg = BertConfig.base(num_hidden_layers=case["layers"], seq_length=case["seq"])
        net = loss_net = BertNetworkWithLoss(cfg, is_training=True)
        params = net.trainable_params()
        opt = nn.AdamWeightDecay(params, learning_rate=1e-4, eps=1e-6, weight_decay=0.01)
    if dtype != "fp32":
        half = ms.bfloat16 if dtype == "bf16" else ms.float16
        loss_net = ms.amp.auto_mixed_precision(loss_net, "O2", dtype=half)
    if dtype == "fp16":
        step = nn.TrainOneStepWithLossScaleCell(loss_net, opt, nn.DynamicLossScaleUpdateCell(2 ** 16, 2, 1000))
    else:
        step = nn.TrainOneStepCell(loss_net, opt)
    step.set_train()
    inputs = tuple(Tensor(a) for a in train_step.make_inputs(dict(case, steps=1)))
    n_params = sum(int(p.size) for p in params)

    def to_float(out: Any) -> float:
        out = out[0] if isinstance(out, tuple) else out
        return float(out.asnumpy())

    def memory() -> dict:
        if device != "GPU":
            return {}
        import cupy
        pools = cupy.get_default_memory_pool().total_bytes()
        from mindlite.core import jit
        graph_pools = 0
        fn = jit.cell_function(step) if mode == "graph" else None
        for exes in (fn.cache.values() if fn is not None else []):
            for e in exes:
                pool = getattr(e.compiled, "pool", None)
                graph_pools += pool.total_bytes() if pool is not None else 0
        return {"pool_mib": (pools + graph_pools) / 2 ** 20}

    def extra() -> dict:
        from mindlite.core import jit
        rec = {"paths": {f"{op} / {path}": {"count": n, "why": why} for (op, path), (n, why) in gpu.paths().items()}}
        if mode == "graph":
            exes = [e for v in jit.cell_function(step).cache.values() for e in v]
            rec["executables"] = len(exes)
            rec["compile_seconds"] = sum(getattr(e, "compile_seconds", 0.0) for e in exes)
            rec["step_mode"] = [getattr(e.compiled, "mode", "eager") for e in exes]
            rec["capture_failure"] = [getattr(e.compiled, "reason", "") for e in exes if getattr(e.compiled, "reason", "")]
            runner = gpu.runner_for(__import__("cupy")) if device == "GPU" else None
            rec["kernels_compiled"] = runner.cache.compiles if runner is not None else None
        return rec

    def sync() -> None:
        if device == "GPU":
            import cupy
            cupy.cuda.Device().synchronize()
    return (lambda: step(*inputs)), n_params, to_float, sync, memory, extra


def build_torch(case: dict, dtype: str, compiled: bool, tf32: bool) -> tuple:
    import torch
    sys.path.insert(0, HERE)
    import train_step
    import train_step_torch as T
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cudnn.benchmark = True
    torch.manual_seed(0)
    dev = torch.device("cuda")
    arrays = train_step.make_inputs(dict(case, steps=1))
    if case["kind"] == "resnet":
        model = T.ResNet50(case["classes"]).to(dev).to(memory_format=torch.channels_last)
        x = torch.from_numpy(arrays[0]).to(dev).contiguous(memory_format=torch.channels_last)
        y = torch.from_numpy(arrays[1]).long().to(dev)
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        loss_fn = torch.nn.CrossEntropyLoss()

        def loss_of(m: Any) -> Any:
            return loss_fn(m(x), y)
    else:
        model = T.BertPreTrainingLoss(layers=case["layers"]).to(dev)
        decay = [p for n, p in model.named_parameters() if p.ndim > 1]
        no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                                lr=1e-4, eps=1e-6)
        ts = [torch.from_numpy(a).to(dev) for a in arrays]
        ts = [t.long() if t.dtype == torch.int32 else t for t in ts]

        def loss_of(m: Any) -> Any:
            return m(*ts)
    model.train()
    run = torch.compile(model) if compiled else model
    half = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(dtype)
    scaler = torch.amp.GradScaler("cuda") if dtype == "fp16" else None

    def step() -> Any:
        opt.zero_grad(set_to_none=True)
        if half is not None:
            with torch.autocast("cuda", dtype=half):
                loss = loss_of(run)
        else:
            loss = loss_of(run)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        else:
            loss.backward()
            opt.step()
        return loss.detach()

    def memory() -> dict:
        return {"pool_mib": torch.cuda.max_memory_reserved() / 2 ** 20,
                "allocated_peak_mib": torch.cuda.max_memory_allocated() / 2 ** 20}
    return step, T.count_params(model), lambda loss: float(loss.item()), torch.cuda.synchronize, memory, dict


# ---- one measurement -----------------------------------------------------------------------------
def measure(name: str, dtype: str, framework: str, case: dict, steps: int, warmup: int, tf32: bool,
            device: str = "GPU") -> dict:
    base = _card_used_mib()
    t = time.perf_counter()
    if framework in ("graph", "pynative"):
        step, n_params, to_float, sync, memory, extra = build_mindlite(case, dtype, framework, tf32, device)
    else:
        step, n_params, to_float, sync, memory, extra = build_torch(case, dtype, framework == "torch_compile", tf32)
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    loss_first = to_float(step())
    first_s = time.perf_counter() - t
    for _ in range(max(0, warmup - 1)):
        step()
    sync()
    host = []
    t0 = time.perf_counter()
    out = None
    for _ in range(steps):
        t = time.perf_counter()
        out = step()
        host.append(time.perf_counter() - t)
    loss_last = to_float(out)  # the one sync
    wall = time.perf_counter() - t0
    step_s = wall / steps
    per_step = case["batch"]
    rec = {"case": name, "dtype": dtype, "framework": framework, "batch": case["batch"], "unit": case["unit"],
           "params": n_params, "steps": steps, "throughput": per_step / step_s, "step_ms": step_s * 1e3,
           "host_ms_per_step": float(np.median(host)) * 1e3, "first_call_s": first_s,
           "compile_s": max(0.0, first_s - step_s), "build_s": build_s, "loss_first": loss_first,
           "loss_last": loss_last, "card_used_mib": (_card_used_mib() or 0) - (base or 0)}
    rec.update(memory())
    rec.update(extra())
    return rec


# ---- driver ----------------------------------------------------------------------------------------
def run_child(name: str, dtype: str, fw: str, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--only", f"{name}/{dtype}/{fw}", "--steps", str(args.steps),
           "--warmup", str(args.warmup), "--device", args.device] + (["--quick"] if args.quick else []) + \
        (["--tf32"] if args.tf32 else [])
    t = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout_s, cwd=ROOT, check=False)
    except subprocess.TimeoutExpired as e:
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        return {"case": name, "dtype": dtype, "framework": fw, "error": f"timeout after {args.timeout_s} s",
                "stderr_tail": err[-2000:]}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            rec = json.loads(line)
            rec["wall_s"] = time.perf_counter() - t
            return rec
    return {"case": name, "dtype": dtype, "framework": fw, "error": f"exit code {proc.returncode}",
            "stderr_tail": proc.stderr[-2000:]}


def table(recs: list) -> str:
    rows = ["| network | dtype | framework | throughput | step ms | host ms/step | peak pool MiB | card MiB | "
            "first call s | paths / notes |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in recs:
        if "error" in r:
            rows.append(f"| {r['case']} | {r['dtype']} | {r['framework']} | error: {r['error']} | | | | | | |")
            continue
        notes = "; ".join(f"{k} x{v['count']}" for k, v in r.get("paths", {}).items()
                          if any(w in k for w in ("conv", "training step", "matmul")))
        if r.get("capture_failure"):
            notes += f"; capture failed: {r['capture_failure'][0][:120]}"
        rows.append(f"| {r['case']} | {r['dtype']} | {r['framework']} | {r['throughput']:.1f} {r['unit']} | "
                    f"{r['step_ms']:.2f} | {r['host_ms_per_step']:.3f} | {r.get('pool_mib', 0):.0f} | "
                    f"{r.get('card_used_mib', 0):.0f} | {r['first_call_s']:.1f} | {notes} |")
    return "\n".join(rows)


def verdicts(recs: list) -> list[str]:
    """The issue's targets, each checked where both sides of it were measured."""
    by = {(r["case"], r["dtype"], r["framework"]): r for r in recs if "error" not in r}
    out = []
    for (case, dt, fw), r in sorted(by.items()):
        if fw != "graph":
            continue
        torch_r = by.get((case, dt, "torch"))
        if case == "resnet50":
            out.append(f"{case} {dt}: GRAPH {r['throughput']:.0f} img/s vs target {TARGET_IMG_S:.0f}: "
                       f"{'met' if r['throughput'] >= TARGET_IMG_S else 'NOT met'}")
        if torch_r:
            ratio = r["throughput"] / torch_r["throughput"]
            out.append(f"{case} {dt}: GRAPH / torch eager = {ratio:.2f} (target >= 0.8: {'met' if ratio >= 0.8 else 'NOT met'})")
            mem = r.get("pool_mib", 0) / max(torch_r.get("pool_mib", 1), 1)
            out.append(f"{case} {dt}: peak memory GRAPH / torch = {mem:.2f} (target <= 1.1: "
                       f"{'met' if mem <= 1.1 else 'NOT met'})")
        out.append(f"{case} {dt}: host time per GRAPH step {r['host_ms_per_step']:.3f} ms (target < 1 ms: "
                   f"{'met' if r['host_ms_per_step'] < 1 else 'NOT met'})")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", default="resnet50,bert_base")
    ap.add_argument("--dtypes", default="bf16")
    ap.add_argument("--frameworks", default="graph,pynative,torch,torch_compile")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="small batches and a 2-layer BERT (a smoke run)")
    ap.add_argument("--tf32", action="store_true", help="TF32 for float32 GEMMs and convolutions (both frameworks)")
    ap.add_argument("--device", default="GPU", help="mindlite's device_target (CPU only checks this script)")
    ap.add_argument("--timeout-s", type=int, default=300, help="per measurement")
    ap.add_argument("--budget-s", type=float, default=1e9, help="stop starting measurements after this")
    ap.add_argument("--only", help="NAME/DTYPE/FRAMEWORK: one measurement in this process, printed as JSON")
    ap.add_argument("--out", help="write the markdown table here too")
    ap.add_argument("--jsonl", help="append every record here")
    args = ap.parse_args()

    def case_of(name: str) -> dict:
        case = dict(CASES[name])
        if args.quick:
            case.update(QUICK.get(name, {}))
        return case
    if args.only:
        name, dtype, fw = args.only.split("/")
        print(json.dumps(measure(name, dtype, fw, case_of(name), args.steps, args.warmup, args.tf32, args.device)),
              flush=True)
        return
    recs, t0 = [], time.perf_counter()
    for name in args.cases.split(","):
        for dtype in args.dtypes.split(","):
            for fw in args.frameworks.split(","):
                if time.perf_counter() - t0 > args.budget_s:
                    recs.append({"case": name, "dtype": dtype, "framework": fw, "error": "skipped: budget spent"})
                    continue
                rec = run_child(name, dtype, fw, args)
                recs.append(rec)
                print(json.dumps(rec), flush=True)
                if args.jsonl:
                    with open(args.jsonl, "a") as f:
                        f.write(json.dumps(rec) + "\n")
    text = table(recs) + "\n\n" + "\n".join(f"- {v}" for v in verdicts(recs)) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
