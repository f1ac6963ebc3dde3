"""Post-training int8 quantisation: `quantize(graph, calib_data, method=..., per_channel=True,
bias_correction=True)`.

Every convolution and dense layer with constant weights (conv2d, lite_conv2d, matmul by a
2-D constant, lite_dense) becomes a qconv2d / qdense node (qkernels.py):
  * weights: int8, symmetric, per output channel (or per tensor): scale_c = max|W_c| / 127,
    q = clip(round(W / scale_c), -127, 127);
  * input activations: int8 with a zero point, from a range [lo, hi] (lo <= 0 <= hi) calibrated
    on `calib_data`: scale = (hi - lo) / 255, zero_point = round(-128 - lo / scale);
  * the range comes from `method`:
      MAX_MIN     the observed minimum and maximum;
      PERCENTILE  the `percentile` / (100 - percentile) percentiles, to the edges of the histogram bin
                  that holds them;
      KL          the threshold T minimising KL(P || Q) between the |x| histogram P clipped at T and
                  its quantised version Q (TensorRT's entropy calibration), range [-T, T], or
                  [0, T] with 255 levels for a non-negative tensor; exact zeros are left out of P
                  (always exact in int8, a ReLU's zero spike would otherwise favour clipping);
  * bias correction: the bias absorbs the mean output shift the weight rounding causes on the
    calibration data, b' = b + E[conv(x, W - W_q)] per output channel;
  * a fused layer whose output feeds another layer is requantised to int8 at its calibrated
    output range, as an int8 pipeline does (and as the ONNX QDQ export runs).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.tensor import Tensor as _MsTensor
from ..ir.graph import Graph, Lit, Node, Var
from ..ops.conv import _conv2d_impl
from .mindir import MindIRGraph, transform
from .optimize import fold_constants_dce, freeze_weights
from .qkernels import qconv2d_p, qdense_p

METHODS = ("MAX_MIN", "KL", "PERCENTILE")
_TARGETS = ("conv2d", "lite_conv2d", "matmul", "lite_dense")


# ---- ranges and quantisation parameters ------------------------------------------------------------------
def qparams(lo: float, hi: float) -> tuple[float, int]:
    """(scale, zero_point) of asymmetric int8 for the range [lo, hi] (widened to hold 0)."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if hi == lo:
        return 1.0, 0
    scale = (hi - lo) / 255.0
    zp = int(np.clip(round(-128 - lo / scale), -128, 127))
    return scale, zp


def weight_qparams(w: np.ndarray, axis: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(int8 weights, float32 scales per channel along `axis`, or one scale when axis is None)."""
    w64 = w.astype(np.float64)
    out_axis = (1 if w.ndim == 2 else 0) if axis is None else axis  # the output-channel axis
    if axis is None:
        amax = np.full(w.shape[out_axis], np.abs(w64).max())
    else:
        amax = np.abs(np.moveaxis(w64, axis, 0)).reshape(w.shape[axis], -1).max(axis=1)
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    shape = [1] * w.ndim
    shape[out_axis] = -1
    q = np.clip(np.round(w64 / scale.astype(np.float64).reshape(shape)), -127, 127).astype(np.int8)
    return q, scale


def kl_threshold(hist: np.ndarray, bin_width: float, num_quantized_bins: int = 128) -> float:
    """The clipping threshold minimising KL(P || Q) for a histogram of |x| with bins of
    `bin_width` starting at 0: candidates keep the first i bins (i >= num_quantized_bins), P
    folds the clipped tail into bin i-1, Q spreads each of `num_quantized_bins` groups of P's
    bins evenly over its non-empty bins; zeros are smoothed (eps 1e-4) before the KL.
    Returns i * bin_width for the best i."""
    hist = np.asarray(hist, np.float64)
    n = len(hist)
    if n <= num_quantized_bins:
        return n * bin_width
    best_i, best_kl = n, math.inf
    for i in range(num_quantized_bins, n + 1):
        p = hist[:i].copy()
        p[-1] += hist[i:].sum()
        kept = hist[:i]
        edges = (np.arange(num_quantized_bins + 1) * i) // num_quantized_bins
        totals = np.add.reduceat(kept, edges[:-1])
        nonzero = np.add.reduceat((kept != 0).astype(np.float64), edges[:-1])
        per_bin = np.divide(totals, nonzero, out=np.zeros_like(totals), where=nonzero > 0)
        q = np.repeat(per_bin, np.diff(edges)) * (kept != 0)
        kl = _kl(_smooth(p), _smooth(q))
        if kl < best_kl:
            best_i, best_kl = i, kl
    return best_i * bin_width


def _smooth(p: np.ndarray, eps: float = 1e-4) -> np.ndarray:
    """Normalise to a distribution, moving `eps` mass to each empty bin from the others."""
    p = p / p.sum() if p.sum() > 0 else p
    zero = p == 0
    nz = int((~zero).sum())
    if nz == 0:
        return p
    take = eps * zero.sum() / nz
    return np.where(zero, eps, p - take)


def _kl(p: np.ndarray, q: np.ndarray) -> float:
    if (q <= 0).any() or (p < 0).any():
        return math.inf
    m = p > 0
    return float(np.sum(p[m] * np.log(p[m] / q[m])))


def percentile_range(hist: np.ndarray, lo: float, hi: float, pct: float) -> tuple[float, float]:
    """[(100-pct), pct] percentiles from a histogram of x over [lo, hi]: the outer edges of the
    bins where the cumulative count crosses them."""
    edges = np.linspace(lo, hi, len(hist) + 1)
    cdf = np.cumsum(hist) / max(hist.sum(), 1)
    upper = edges[1:][min(int(np.searchsorted(cdf, pct / 100.0)), len(hist) - 1)]
    lower = edges[:-1][min(int(np.searchsorted(cdf, 1 - pct / 100.0)), len(hist) - 1)]
    return float(lower), float(upper)


# ---- calibration ----------------------------------------------------------------------------------------
class _Stats:
    """Per observed tensor: running min/max, then histograms for KL / PERCENTILE."""

    def __init__(self) -> None:
        self.lo, self.hi = math.inf, -math.inf
        self.abs_hist: np.ndarray | None = None
        self.hist: np.ndarray | None = None
        self._memo: dict = {}  # computed ranges (KL is costly; every batch size asks again)

    def observe_range(self, x: np.ndarray) -> None:
        self.lo, self.hi = min(self.lo, float(x.min())), max(self.hi, float(x.max()))

    def observe_hist(self, x: np.ndarray, bins: int) -> None:
        amax = max(abs(self.lo), abs(self.hi))
        # exact zeros (a ReLU's spike) are exactly representable at any range: leaving them out
        # keeps KL from trading the whole tail for their bin
        ax = np.abs(x[x != 0])
        h, _ = np.histogram(ax, bins=bins, range=(0.0, amax if amax > 0 else 1.0))
        self.abs_hist = h if self.abs_hist is None else self.abs_hist + h
        h2, _ = np.histogram(x, bins=bins, range=(self.lo, self.hi if self.hi > self.lo else self.lo + 1.0))
        self.hist = h2 if self.hist is None else self.hist + h2

    def range(self, method: str, bins: int, percentile: float) -> tuple[float, float]:
        key = (method, bins, percentile)
        if key not in self._memo:
            self._memo[key] = self._range(method, bins, percentile)
        return self._memo[key]

    def _range(self, method: str, bins: int, percentile: float) -> tuple[float, float]:
        if method == "MAX_MIN" or self.hi <= self.lo:
            return self.lo, self.hi
        if method == "PERCENTILE":
            return percentile_range(self.hist, self.lo, self.hi, percentile)
        amax = max(abs(self.lo), abs(self.hi))
        if self.lo >= 0:
            return 0.0, kl_threshold(self.abs_hist, amax / bins, 255)
        t = kl_threshold(self.abs_hist, amax / bins, 128)
        return -t, t


def _batches(calib_data: Any, n_inputs: int) -> list:
    if isinstance(calib_data, (np.ndarray, _MsTensor)):
        calib_data = [calib_data]
    try:
        items = list(calib_data)
    except TypeError:
        raise ValueError(f"quantize: calib_data must be a list of batches, got {type(calib_data).__name__}") from None
    if not items:
        raise ValueError("quantize: calib_data is empty; give at least one batch of calibration inputs")
    out = []
    for k, b in enumerate(items):
        arrays = list(b) if n_inputs > 1 else [b]
        if len(arrays) != n_inputs:
            raise ValueError(f"quantize: calibration batch {k} has {len(arrays)} arrays, the graph takes {n_inputs}")
        out.append([a.asnumpy() if isinstance(a, _MsTensor) else np.asarray(getattr(a, "_data", a))
                    for a in arrays])
    return out


def _targets(g: Graph) -> list[int]:
    """Indices of the nodes to quantise: conv / dense with a constant float32 weight."""
    out = []
    for i, n in enumerate(g.nodes):
        if n.prim.name not in _TARGETS or not isinstance(n.inputs[1], Lit) or not isinstance(n.inputs[0], Var):
            continue
        w = np.asarray(n.inputs[1].value)
        if n.inputs[0].dtype != np.float32 or w.dtype != np.float32:
            continue
        if n.prim.name == "matmul" and (w.ndim != 2 or n.outs[0].ndim < 2):
            continue
        out.append(i)
    return out


def _weights(n: Node, per_channel: bool) -> tuple:
    w = np.asarray(n.inputs[1].value)
    conv = n.prim.name in ("conv2d", "lite_conv2d")
    q, scale = weight_qparams(w, (0 if conv else 1) if per_channel else None)
    shape = (-1, 1, 1, 1) if conv else (1, -1)
    w_dq = (q.astype(np.float64) * scale.astype(np.float64).reshape(shape)).astype(np.float32)
    return q, scale, w_dq


def _layer_shift(n: Node, x: np.ndarray, dw: np.ndarray) -> np.ndarray:
    """Per output channel, the sum over this batch of layer(x; dw) (for the bias correction)."""
    if n.prim.name in ("conv2d", "lite_conv2d"):
        p = n.params
        y = _conv2d_impl(np, x, dw, p["stride"], p["pads"], p["dilation"], p["groups"])
        return y.astype(np.float64).sum(axis=(0, 2, 3))
    return (x @ dw).astype(np.float64).reshape(-1, dw.shape[1]).sum(axis=0)


def calibrate(graph: MindIRGraph, batches: list, targets: list[int], method: str, bins: int,
              dw: dict) -> tuple[dict, dict]:
    """Run the float graph (weights frozen) on the calibration batches: a first pass records
    each target's input/output ranges and the output shift of the weight rounding (`dw`:
    node index -> W - W_q), a second pass (KL / PERCENTILE) their histograms within those
    ranges. Returns ({(i, "in"|"out"): _Stats}, {i: mean shift per output channel})."""
    from ..backend.executor import compile_graph
    runners: dict = {}

    def run(arrays: list) -> tuple:
        b = arrays[0].shape[0] if arrays[0].ndim else None
        if b not in runners:
            g, sources = _frozen(*_specialized(graph, b), graph.weights)
            probes = [g.nodes[i].inputs[0] for i in targets] + [g.nodes[i].outs[0] for i in targets]
            fn = compile_graph(Graph(g.name + "_calibration", g.inputs, g.nodes, probes), np)
            runners[b] = (g, sources, fn)
        g, sources, fn = runners[b]
        vals = fn(*[arrays[s[1]] for s in sources])
        m = len(targets)
        return g, [(np.asarray(vals[j]), np.asarray(vals[m + j])) for j in range(m)]

    stats = {(i, k): _Stats() for i in targets for k in ("in", "out")}
    shift = {i: 0.0 for i in targets}
    count = {i: 0 for i in targets}
    for arrays in batches:
        g, vals = run(arrays)
        for i, (x, y) in zip(targets, vals):
            stats[(i, "in")].observe_range(x)
            stats[(i, "out")].observe_range(y)
            shift[i] = shift[i] + _layer_shift(g.nodes[i], x, dw[i])
            count[i] += y.size // y.shape[1 if y.ndim == 4 else -1]
    if method != "MAX_MIN":
        for arrays in batches:
            _, vals = run(arrays)
            for i, (x, y) in zip(targets, vals):
                stats[(i, "in")].observe_hist(x, bins)
                stats[(i, "out")].observe_hist(y, bins)
    return stats, {i: shift[i] / max(count[i], 1) for i in targets}


# ---- the rewrite -------------------------------------------------------------------------------------------
def _qnode(n: Node, q: np.ndarray, scale: np.ndarray, bias: np.ndarray, xq: tuple, oq: tuple) -> Node:
    conv = n.prim.name in ("conv2d", "lite_conv2d")
    params = {"x_scale": float(xq[0]), "x_zp": int(xq[1]), "act": n.params.get("act", "none"),
              "out_scale": float(oq[0]), "out_zp": int(oq[1])}
    if conv:
        params.update({k: n.params[k] for k in ("stride", "pads", "dilation", "groups")})
    ins = (n.inputs[0], Lit(q), Lit(scale), Lit(bias.astype(np.float32)))
    return Node(qconv2d_p if conv else qdense_p, ins, params, n.outs, n.loc)


def _quantized(g: Graph, targets: list[int], plans: dict, ranges: dict, bias_correction: bool) -> Graph:
    """g with each target node replaced by its int8 kernel (weights, ranges from `plans`)."""
    outputs = {id(a) for a in g.outputs if isinstance(a, Var)}
    consumers = {id(a) for n in g.nodes for a in n.inputs if isinstance(a, Var)}
    nodes = list(g.nodes)
    for i in targets:
        n = nodes[i]
        q, scale, _ = plans["qw"][i]
        c = q.shape[0] if n.prim.name in ("conv2d", "lite_conv2d") else q.shape[1]
        bias = np.asarray(n.inputs[2].value, np.float64) if n.prim.name.startswith("lite_") else np.zeros(c)
        if bias_correction:
            bias = bias + plans["shifts"][i]
        # a fused layer feeding another op hands on int8 (requantised); a raw conv/matmul (its
        # bias add follows) and the network's outputs stay float
        fused = n.prim.name.startswith("lite_") and id(n.outs[0]) not in outputs and id(n.outs[0]) in consumers
        oq = qparams(*ranges[(i, "out")]) if fused else (0.0, 0)
        nodes[i] = _qnode(n, q, scale, bias, qparams(*ranges[(i, "in")]), oq)
    return Graph(g.name, g.inputs, nodes, g.outputs)


def quantize(graph: MindIRGraph, calib_data: Any, method: str = "MAX_MIN", per_channel: bool = True,
             bias_correction: bool = True, percentile: float = 99.99, num_bins: int = 2048) -> MindIRGraph:
    """An int8 copy of `graph` (a loaded/exported MINDIR or a converted model).

    Args:
        calib_data: calibration inputs: a list of batches (each an array, or a tuple of arrays
            for a multi-input graph); run through the float graph to find activation ranges.
        method: "MAX_MIN" | "KL" | "PERCENTILE" (see the module doc).
        per_channel: one weight scale per output channel (else one per layer).
        bias_correction: correct each bias for the mean shift of weight rounding.
        percentile, num_bins: PERCENTILE's percentile and the histogram size of KL/PERCENTILE.
    """
    if method not in METHODS:
        raise ValueError(f"quantize: method must be one of {METHODS}, got {method!r}")
    if not 50.0 < float(percentile) <= 100.0:
        raise ValueError(f"quantize: percentile must be in (50, 100], got {percentile}")
    if int(num_bins) < 256:
        raise ValueError(f"quantize: num_bins must be at least 256, got {num_bins}")
    batches = _batches(calib_data, len(graph.input_signature))
    from .mindir import check_inputs
    for k, arrays in enumerate(batches):
        check_inputs(graph.input_signature, [(a.shape, a.dtype) for a in arrays], f"quantize: calibration batch {k}")
    plans: dict[str, Any] = {}  # calibrated once; every batch size has the same node order

    def calibrated(g: Graph, sources: list) -> tuple:
        g, sources = _frozen(g, sources, graph.weights)
        targets = _targets(g)
        if not plans:
            qw = {i: _weights(g.nodes[i], per_channel) for i in targets}
            dw = {i: np.asarray(g.nodes[i].inputs[1].value) - qw[i][2] for i in targets}
            stats, shifts = calibrate(graph, batches, targets, method, int(num_bins), dw)
            plans.update(qw=qw, stats=stats, shifts=shifts)
        ranges = {key: st.range(method, int(num_bins), float(percentile)) for key, st in plans["stats"].items()}
        return _quantized(g, targets, plans, ranges, bias_correction), sources, len(targets)

    out, n_layers = transform(graph, calibrated, "quantize")
    fp32 = sum(int(np.asarray(w).nbytes) for w in graph.weights.values()) or \
        sum(int(c.nbytes) for c in graph.consts)
    int8 = sum(int(c.nbytes) for c in out.consts)
    out.doc.update({k: graph.doc[k] for k in ("optimize", "passes") if k in graph.doc})
    out.doc["quantization"] = {"method": method, "per_channel": bool(per_channel),
                               "bias_correction": bool(bias_correction),
                               "summary": {"quantized_layers": n_layers, "constant_bytes_before": fp32,
                                           "constant_bytes_after": int8}}
    return out


def _frozen(g: Graph, sources: list, weights: dict) -> tuple:
    """Weights as constants, folded (a captured Dense multiplies by transpose(weight))."""
    g, sources = freeze_weights(g, sources, weights)
    return fold_constants_dce(g), sources


def _specialized(graph: MindIRGraph, batch: int) -> tuple:
    spec = graph.specialize(batch)
    return spec.graph, list(spec.sources)
