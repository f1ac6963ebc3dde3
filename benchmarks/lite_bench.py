"""mindlite.lite benchmark: inference latency, compression accuracy, model size, export/load
time and federated averaging.

    python benchmarks/lite_bench.py                 # everything (a few minutes on 2 cores)
    python benchmarks/lite_bench.py --quick         # fewer timing repeats, FedAvg 5 rounds
    python benchmarks/lite_bench.py --out table.md  # also write the markdown there
    python benchmarks/lite_bench.py --sections latency   # only some of latency,export,accuracy,fedavg

Sections (markdown on stdout):
  1. latency, batch 1 and 32: a 3-conv CNN (32x32x3, conv-BN-ReLU-pool x3, dense) and
     ResNet-18 (model_zoo/resnet, 32x32, 10 classes) as mindlite PYNATIVE (eager), GRAPH
     (compiled), lite O0 / O2 / O2+int8, onnxruntime fp32 / int8 (QDQ); O0/O2 node counts;
  2. accuracy on digits (scikit-learn): fp32 CNN, its int8 PTQ (MAX_MIN, KL), the CNN with 50%
     of its conv channels pruned and fine-tuned, a 4x narrower student distilled from it
     (T=4, alpha=0.7) and the same student trained from scratch, same epochs;
  3. model size: .mindir, .ms fp32 / int8, .onnx fp32 / int8;
  4. export / load / convert time;
  5. FedAvg on digits (MLP, 4 clients, 10 rounds): rounds/s and accuracy per round, IID vs
     Dirichlet(0.5).
Latency is the best and the median of repeated calls after a warm-up call (which compiles).
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from typing import Any, Callable

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import mindlite as ms  # noqa: E402
from mindlite import lite, nn  # noqa: E402
from mindlite.lite import federated, onnx_export, prune  # noqa: E402
from tests.lite.nets import CNN, MLP, accuracy, copy_weights, digits, evaluate, randomize_bn, train  # noqa: E402


class ThreeConv(nn.Cell):
    """3x (conv3x3-BN-ReLU-maxpool) on 32x32x3, then a dense classifier."""

    def __init__(self, widths: tuple = (32, 64, 64), classes: int = 10) -> None:
        super().__init__()
        layers = []
        c_in = 3
        for c in widths:
            layers += [nn.Conv2d(c_in, c, 3, pad_mode="pad", padding=1, has_bias=True), nn.BatchNorm2d(c), nn.ReLU(),
                       nn.MaxPool2d(2, 2)]
            c_in = c
        self.features = nn.SequentialCell(layers)
        self.flat = nn.Flatten()
        self.fc = nn.Dense(c_in * 4 * 4, classes)

    def construct(self, x: Any) -> Any:
        return self.fc(self.flat(self.features(x)))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    parts = [f"{cpu}, {os.cpu_count()} cores", f"Python {platform.python_version()}", f"numpy {np.__version__}"]
    try:
        import onnxruntime
        parts.append(f"onnxruntime {onnxruntime.__version__}")
    except ImportError:
        parts.append("no onnxruntime")
    if hasattr(os, "getloadavg"):
        parts.append(f"load average {os.getloadavg()[0]:.1f} at start")
    return "; ".join(parts)


def timed_ms(fn: Callable[[], Any], repeats: int, budget: float) -> tuple[float, float]:
    """(best, median) milliseconds of repeated calls after one warm-up call (which compiles).
    NOTE: on a shared machine the best run is the figure to compare; the median shows the noise."""
    fn()
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < repeats or (time.perf_counter() - start < budget and len(times) < 50):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * min(times), 1000 * statistics.median(times)


def _ort(path: str) -> Any:
    import onnxruntime as ort
    return ort.InferenceSession(path, providers=["CPUExecutionProvider"])


def _have_ort() -> bool:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        return True
    except ImportError:
        return False


# ---- 1. latency --------------------------------------------------------------------------------------------
def latency(name: str, net: Any, shape: tuple, workdir: str, args: Any, int8: bool) -> tuple[list, dict]:
    rng = np.random.default_rng(0)
    net.set_train(False)
    example = ms.Tensor(rng.random((2,) + shape, dtype=np.float32))
    path = ms.export(net, example, file_name=os.path.join(workdir, name))
    conv = lite.Converter()
    o0_report = conv.convert(path, os.path.join(workdir, name + "_o0"), optimize="O0")
    o2_report = conv.convert(path, os.path.join(workdir, name + "_o2"), optimize="O2")
    calib = [rng.random((16,) + shape, dtype=np.float32) for _ in range(4)]
    models = {"lite O0": name + "_o0.ms", "lite O2": name + "_o2.ms"}
    if int8:
        conv.convert(path, os.path.join(workdir, name + "_int8"), optimize="O2",
                     quant_config={"calib_data": calib, "method": "MAX_MIN"})
        models["lite O2 + int8"] = name + "_int8.ms"
    built = {}
    for label, f in models.items():
        m = lite.Model()
        m.build_from_file(os.path.join(workdir, f))
        built[label] = m
    sessions = {}
    if _have_ort():
        sessions["onnxruntime fp32"] = _ort(ms.export(net, example, file_name=os.path.join(workdir, name),
                                                      file_format="ONNX"))
        if int8:
            q = lite.quantize(lite.optimize_graph(lite.from_network(net, (example,)))[0], calib, method="MAX_MIN")
            sessions["onnxruntime int8 (QDQ)"] = _ort(onnx_export.save_onnx(q, os.path.join(workdir,
                                                                                             name + "_int8.onnx")))
    rows = []
    for batch in (1, 32):
        x = rng.random((batch,) + shape, dtype=np.float32)
        xt = ms.Tensor(x)
        row = {"case": f"{name}, batch {batch}"}
        for mode, label in ((ms.PYNATIVE_MODE, "mindlite PYNATIVE"), (ms.GRAPH_MODE, "mindlite GRAPH")):
            ms.set_context(mode=mode)
            try:
                row[label] = timed_ms(lambda: net(xt).asnumpy(), args.repeats, args.budget)
            finally:
                ms.set_context(mode=ms.PYNATIVE_MODE)
        for label, m in built.items():
            row[label] = timed_ms(lambda m=m: m.predict([x]), args.repeats, args.budget)
        for label, s in sessions.items():
            row[label] = timed_ms(lambda s=s: s.run(None, {"input0": x}), args.repeats, args.budget)
        rows.append(row)
    counts = {"O0 nodes": o0_report[-1]["nodes_after"], "O2 nodes": o2_report[-1]["nodes_after"],
              "O2 passes": ", ".join(f"{r['pass']} {r['nodes_before']}->{r['nodes_after']}" for r in o2_report[1:])}
    return rows, counts


def latency_table(rows: list) -> str:
    cols = [c for c in rows[0] if c != "case"]
    out = ["| case | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for r in rows:
        base = r["mindlite PYNATIVE"][0]
        cells = [f"{r[c][0]:.2f} ({r[c][1]:.2f}) {base / r[c][0]:.1f}x" if c in r else "-" for c in cols]
        out.append(f"| {r['case']} | " + " | ".join(cells) + " |")
    return "\n".join(out)


# ---- 2. accuracy on digits ----------------------------------------------------------------------------------
def compression(workdir: str, epochs: int) -> tuple[list, list]:
    xtr, ytr, xte, yte = digits()
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        ms.set_seed(0)
        teacher = train(CNN(16, 32), xtr, ytr, epochs=epochs)
        rows = [("fp32 CNN 16-32 (teacher)", evaluate(teacher, xte, yte))]
        path = ms.export(teacher, ms.Tensor(xte[:2]), file_name=os.path.join(workdir, "digits"))
        sizes = [("digits CNN .mindir", os.path.getsize(path))]
        fp32_ms = os.path.join(workdir, "digits_fp32")
        lite.Converter().convert(path, fp32_ms, optimize="O2")
        sizes.append(("digits CNN .ms O2 fp32", os.path.getsize(fp32_ms + ".ms")))
        for method in ("MAX_MIN", "KL"):
            out = os.path.join(workdir, f"digits_{method}")
            lite.Converter().convert(path, out, optimize="O2",
                                     quant_config={"calib_data": [xtr[:100], xtr[100:200]], "method": method})
            m = lite.Model()
            m.build_from_file(out + ".ms")
            rows.append((f"int8 PTQ {method} (per-channel, bias correction)",
                         accuracy(m.predict([xte])[0].get_data_to_numpy(), yte)))
            if method == "MAX_MIN":
                sizes.append(("digits CNN .ms O2 int8", os.path.getsize(out + ".ms")))
        pruned = copy_weights(CNN(16, 32), teacher)
        prune.channels(pruned, 0.5, inputs=ms.Tensor(xte[:2]))
        rows.append(("50% conv channels pruned, no fine-tuning", evaluate(pruned, xte, yte)))
        train(pruned, xtr, ytr, epochs=max(1, epochs // 2), lr=0.02)
        rows.append((f"50% conv channels pruned + {max(1, epochs // 2)} epochs fine-tuning",
                     evaluate(pruned, xte, yte)))
        ms.set_seed(1)
        student = CNN(4, 8)
        loss = lite.WithDistillLossCell(student, lite.DistillLoss(teacher, nn.CrossEntropyLoss(), T=4.0, alpha=0.7))
        train(student, xtr, ytr, epochs=epochs, loss_cell=loss)
        rows.append(("student CNN 4-8 distilled (T=4, alpha=0.7)", evaluate(student, xte, yte)))
        ms.set_seed(1)
        rows.append(("student CNN 4-8 from scratch", evaluate(train(CNN(4, 8), xtr, ytr, epochs=epochs), xte, yte)))
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    return rows, sizes


# ---- 5. FedAvg ---------------------------------------------------------------------------------------------
def fedavg(rounds: int) -> list:
    xtr, ytr, xte, yte = digits()
    flat_tr, flat_te = xtr.reshape(len(xtr), -1), xte.reshape(len(xte), -1)
    out = []
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        for split, alpha in (("iid", None), ("dirichlet", 0.5)):
            sim = federated.FedAvgSim(lambda: MLP(hidden=32), (flat_tr, ytr), rounds=rounds, local_epochs=1,
                                      seed=0, split=split, alpha=alpha or 0.5, num_clients=4, batch_size=32,
                                      lr=0.1, eval_data=(flat_te, yte))
            start = time.perf_counter()
            hist = sim.run()
            elapsed = time.perf_counter() - start
            sizes = [len(c[0]) for c in sim.clients]
            out.append((f"{split}" + (f" (alpha {alpha})" if alpha else ""), sizes, rounds / elapsed,
                        [h["accuracy"] for h in hist]))
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    return out


def latency_section(workdir: str, args: Any) -> list[str]:
    from model_zoo.resnet.src.resnet import resnet18
    ms.set_seed(0)
    rows, counts = latency("3-conv CNN", randomize_bn(ThreeConv()), (3, 32, 32), workdir, args, int8=True)
    ms.set_seed(0)
    rn_rows, rn_counts = latency("ResNet-18", randomize_bn(resnet18(class_num=10)), (3, 32, 32), workdir, args,
                                 int8=True)
    lines = ["### Latency: best (median) ms of repeated calls, and the best's speed-up over mindlite PYNATIVE", "",
             latency_table(rows + rn_rows), ""]
    for label, c in (("3-conv CNN", counts), ("ResNet-18", rn_counts)):
        lines.append(f"- {label}: O0 {c['O0 nodes']} nodes, O2 {c['O2 nodes']} nodes ({c['O2 passes']})")
    return lines


def export_section(workdir: str) -> list[str]:
    from model_zoo.resnet.src.resnet import resnet18
    net = randomize_bn(resnet18(class_num=10))
    example = ms.Tensor(np.zeros((2, 3, 32, 32), np.float32))
    t0 = time.perf_counter()
    path = ms.export(net, example, file_name=os.path.join(workdir, "rn_time"))
    t1 = time.perf_counter()
    ms.load(path)
    t2 = time.perf_counter()
    lite.Converter().convert(path, os.path.join(workdir, "rn_time"), optimize="O2")
    t3 = time.perf_counter()
    return ["", "### Export / load / convert (ResNet-18, 11.2M parameters, dynamic batch: 3 traces)", "",
            "| export MINDIR | load + verify | convert O2 |", "|---|---|---|",
            f"| {t1 - t0:.2f} s | {t2 - t1:.2f} s | {t3 - t2:.2f} s |"]


def size_section(workdir: str, sizes: list) -> list[str]:
    for name in ("3-conv CNN", "ResNet-18"):
        base = os.path.join(workdir, name)
        for suffix, label in ((".mindir", ".mindir"), ("_o2.ms", ".ms O2 fp32"), ("_int8.ms", ".ms O2 int8"),
                              (".onnx", ".onnx fp32"), ("_int8.onnx", ".onnx int8 QDQ")):
            if os.path.exists(base + suffix):
                sizes.append((f"{name} {label}", os.path.getsize(base + suffix)))
    return ["", "### Model size", "", "| file | bytes |", "|---|---|"] + [f"| {n} | {b:,} |" for n, b in sizes]


SECTIONS = ("latency", "export", "accuracy", "fedavg")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated subset of {SECTIONS}")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    sections = args.sections.split(",")
    args.repeats, args.budget = (3, 0.5) if args.quick else (9, 3.0)
    lines = [f"Machine: {machine()}", ""]
    sizes: list = []
    with tempfile.TemporaryDirectory() as workdir:
        if "latency" in sections:
            lines += latency_section(workdir, args)
        if "export" in sections:
            lines += export_section(workdir)
        if "accuracy" in sections:
            acc_rows, sizes = compression(workdir, epochs=2 if args.quick else 4)
            lines += ["", "### Accuracy on digits (397 test images)", "", "| model | accuracy |", "|---|---|"]
            lines += [f"| {name} | {acc * 100:.2f}% |" for name, acc in acc_rows]
        if "latency" in sections or "accuracy" in sections:
            lines += size_section(workdir, sizes)
    if "fedavg" in sections:
        rounds = 5 if args.quick else 10
        lines += ["", f"### FedAvg on digits (MLP 64-32-10, 4 clients, 1 local epoch, {rounds} rounds, GRAPH_MODE)",
                  "", "| split | client sizes | rounds/s | accuracy per round |", "|---|---|---|---|"]
        for name, sizes_, rps, accs in fedavg(rounds):
            lines.append(f"| {name} | {sizes_} | {rps:.2f} | {' '.join(f'{a * 100:.1f}' for a in accs)} |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
