#!/usr/bin/env python3
"""One-shot GPU probe for mindlite's cupy backend design (background: shared/GPU_NOTES.md).

On a GPU machine, from the repo root:
    python3 benchmarks/gpu_probe.py --out $OUT/gpu_probe.jsonl --summary $OUT/gpu_probe_summary.md
Without a GPU:
    --compile-only  NVRTC-compiles every kernel source below for sm_90 and exits
    --self-test     numpy checks of the im2col/col2im index math and of the dropout hash
Every section runs in its own try/except; one JSON line per measurement goes to stdout and --out.
Conv layout is NCHW; col is (C*KH*KW, N*OH*OW) so forward/backward are single large GEMMs.
"""
import argparse
import contextlib
import ctypes
import ctypes.util
import glob
import io
import json
import math
import os
import site
import statistics
import sys
import time
import traceback

import numpy as np

cp = None     # cupy: imported in main() so --self-test needs numpy only
torch = None  # reference only; optional
BF16 = None   # ml_dtypes.bfloat16 if importable
_P = None     # the Probe, for compile-time records
# problem sizes (module constants so a CPU mock can shrink them)
CONV_BATCH, FUSED_SHAPE, GRAPH_N, STEP_MNK = 64, (64, 256, 56, 56), 1 << 20, 2048
H2D_BYTES, NCCL_N = 256 << 20, 1 << 24

# ----------------------------------------------------------------------------- kernel sources
# No #include: the device image may lack CUDA headers, so half<->float goes through inline PTX.
_HALF = r'''
__device__ __forceinline__ float h2f(unsigned short h) { float f; asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h)); return f; }
__device__ __forceinline__ unsigned short f2h(float f) { unsigned short h; asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f)); return h; }
'''
_LOOP = '#define FOR_EACH(i, n) for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; ' \
        'i < (n); i += (long long)blockDim.x * gridDim.x)\n'

def _prelude(dtype):
    if dtype == 'float16':
        return _HALF + _LOOP + 'typedef unsigned short T;\n#define LD(v) h2f(v)\n#define ST(v) f2h(v)\n'
    return _LOOP + 'typedef float T;\n#define LD(v) (v)\n#define ST(v) (v)\n'


# col[(c*KH+i)*KW+j][(n*OH+oy)*OW+ox] = x[n,c,oy*SH-PH+i*DH, ox*SW-PW+j*DW] (0 outside).
# col2im is the adjoint, gather-style: one thread per x element sums its col entries (no atomics).
_CONV_SRC = r'''
extern "C" __global__ void im2col(const T* __restrict__ x, T* __restrict__ col,
    int N, int C, int H, int W, int KH, int KW, int OH, int OW,
    int SH, int SW, int PH, int PW, int DH, int DW, long long total) {
  const long long NP = (long long)N * OH * OW;
  FOR_EACH(idx, total) {
    long long q = idx % NP, r = idx / NP;
    int ox = (int)(q % OW); long long t = q / OW; int oy = (int)(t % OH); int n = (int)(t / OH);
    int j = (int)(r % KW); long long t2 = r / KW; int i = (int)(t2 % KH); int c = (int)(t2 / KH);
    int h = oy * SH - PH + i * DH, w = ox * SW - PW + j * DW;
    T v = 0;
    if (h >= 0 && h < H && w >= 0 && w < W) v = x[(((long long)n * C + c) * H + h) * W + w];
    col[idx] = v;
  }
}
extern "C" __global__ void col2im(const T* __restrict__ col, T* __restrict__ dx,
    int N, int C, int H, int W, int KH, int KW, int OH, int OW,
    int SH, int SW, int PH, int PW, int DH, int DW, long long total) {
  const long long NP = (long long)N * OH * OW;
  FOR_EACH(idx, total) {
    int w = (int)(idx % W); long long t = idx / W; int h = (int)(t % H); t /= H;
    int c = (int)(t % C); int n = (int)(t / C);
    float acc = 0.f;
    for (int i = 0; i < KH; ++i) {
      int ys = h + PH - i * DH;
      if (ys < 0 || ys % SH) continue;
      int oy = ys / SH; if (oy >= OH) continue;
      for (int j = 0; j < KW; ++j) {
        int xs = w + PW - j * DW;
        if (xs < 0 || xs % SW) continue;
        int ox = xs / SW; if (ox >= OW) continue;
        acc += LD(col[(((long long)c * KH + i) * KW + j) * NP + ((long long)n * OH + oy) * OW + ox]);
      }
    }
    dx[idx] = ST(acc);
  }
}
'''

# splitmix64 output number idx+1 of the stream seeded by `seed`; top 24 bits -> u in [0,1).
_FUSED_SRC = r'''
__device__ __forceinline__ unsigned long long mix64(unsigned long long z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
extern "C" __global__ void bias_relu_dropout(const T* __restrict__ x, const T* __restrict__ bias,
    T* __restrict__ y, unsigned char* __restrict__ mask, long long n, int C, int HW,
    unsigned long long seed, float p, float mult) {
  FOR_EACH(idx, n) {
    int c = (int)((idx / HW) % C);
    float v = LD(x[idx]) + LD(bias[c]);
    v = v > 0.f ? v : 0.f;
    unsigned long long z = mix64(seed + (unsigned long long)(idx + 1) * 0x9E3779B97F4A7C15ULL);
    float u = (float)(z >> 40) * (1.0f / 16777216.0f);
    unsigned char keep = u >= p;
    mask[idx] = keep;
    y[idx] = ST(keep ? v * mult : 0.f);
  }
}
'''

N_CHAIN = 20
_CHAIN_OPS = ['tanhf(v)', 'v * 0.5f + {c}f', 'fmaxf(v, 0.0f) - {c}f', 'v * v * 0.25f + {c}f']

def _chain_src():
    # ~20 distinct generated elementwise kernels, as a graph compiler would emit them.
    out = [_LOOP]
    for k in range(N_CHAIN):
        expr = _CHAIN_OPS[k % len(_CHAIN_OPS)].format(c='%.3f' % (0.01 * (k + 1)))
        out.append('extern "C" __global__ void chain_k%d(const float* __restrict__ a, float* __restrict__ b, '
                   'long long n) { FOR_EACH(i, n) { float v = a[i]; b[i] = %s; } }\n' % (k, expr))
    return ''.join(out)

def _all_sources():
    srcs = {'chain': _chain_src()}
    for dt in ('float32', 'float16'):
        srcs['conv_' + dt] = _prelude(dt) + _CONV_SRC
        srcs['fused_' + dt] = _prelude(dt) + _FUSED_SRC
    return srcs

def compile_only():
    from cupy_backends.cuda.libs import nvrtc
    ok = True
    for name, src in _all_sources().items():
        prog = nvrtc.createProgram(src, name + '.cu', [], [])
        try:
            t0 = time.perf_counter()
            nvrtc.compileProgram(prog, ['--gpu-architecture=sm_90', '-std=c++17'])
            print('compiled %-14s %6d bytes cubin in %.2fs' % (name, len(nvrtc.getCUBIN(prog)),
                                                                 time.perf_counter() - t0))
        except Exception as e:  # noqa: BLE001
            ok = False
            print('FAILED %s: %r\n%s' % (name, e, nvrtc.getProgramLog(prog)))
    return ok

# ----------------------------------------------------------------------------- numpy references
def _out_size(H, k, s, p, d=1):
    return (H + 2 * p - d * (k - 1) - 1) // s + 1

def _np_im2col_ref(x, kh, kw, sh, sw, ph, pw, dh=1, dw=1):
    """Vectorised transcription of the im2col kernel's index math."""
    N, C, H, W = x.shape
    OH, OW = _out_size(H, kh, sh, ph, dh), _out_size(W, kw, sw, pw, dw)
    NP = N * OH * OW
    idx = np.arange(C * kh * kw * NP, dtype=np.int64)
    q, r = idx % NP, idx // NP
    ox, t = q % OW, q // OW
    oy, n = t % OH, t // OH
    j, t2 = r % kw, r // kw
    i, c = t2 % kh, t2 // kh
    h, w = oy * sh - ph + i * dh, ox * sw - pw + j * dw
    ok = (h >= 0) & (h < H) & (w >= 0) & (w < W)
    flat = ((n * C + c) * H + np.clip(h, 0, H - 1)) * W + np.clip(w, 0, W - 1)
    return np.where(ok, x.reshape(-1)[flat], 0).astype(x.dtype).reshape(C * kh * kw, NP)

def _np_col2im_ref(col, shape, kh, kw, sh, sw, ph, pw, dh=1, dw=1):
    """Vectorised transcription of the gather-style col2im kernel."""
    N, C, H, W = shape
    OH, OW = _out_size(H, kh, sh, ph, dh), _out_size(W, kw, sw, pw, dw)
    NP = N * OH * OW
    idx = np.arange(N * C * H * W, dtype=np.int64)
    w, t = idx % W, idx // W
    h, t = t % H, t // H
    c, n = t % C, t // C
    acc = np.zeros(idx.shape, np.float64)
    flatcol = col.reshape(-1)
    for i in range(kh):
        ys = h + ph - i * dh
        for j in range(kw):
            xs = w + pw - j * dw
            ok = (ys >= 0) & (ys % sh == 0) & (ys // sh < OH) & (xs >= 0) & (xs % sw == 0) & (xs // sw < OW)
            pos = ((c * kh + i) * kw + j) * NP + (n * OH + ys // sh) * OW + xs // sw
            acc += np.where(ok, flatcol[np.where(ok, pos, 0)], 0)
    return acc.astype(col.dtype).reshape(shape)

def _np_direct_conv(x, Wt, gy, s, p, d=1):
    """Direct (no im2col) conv forward, dW and dx, for checking the col path."""
    N, C, H, W_ = x.shape
    O, _, kh, kw = Wt.shape
    OH, OW = _out_size(H, kh, s, p, d), _out_size(W_, kw, s, p, d)
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    y = np.zeros((N, O, OH, OW))
    dW = np.zeros_like(Wt)
    dxp = np.zeros_like(xp)
    for i in range(kh):
        for j in range(kw):
            sl = (slice(None), slice(None), slice(i * d, i * d + s * (OH - 1) + 1, s),
                  slice(j * d, j * d + s * (OW - 1) + 1, s))
            y += np.einsum('oc,nchw->nohw', Wt[:, :, i, j], xp[sl])
            dW[:, :, i, j] = np.einsum('nohw,nchw->oc', gy, xp[sl])
            dxp[sl] += np.einsum('oc,nohw->nchw', Wt[:, :, i, j], gy)
    return y, dW, dxp[:, :, p:p + H, p:p + W_]

def _np_keep_mask(idx, seed, p):
    """numpy transcription of the fused kernel's splitmix64 dropout mask."""
    M = np.uint64(0xFFFFFFFFFFFFFFFF)
    with np.errstate(over='ignore'):
        z = (np.uint64(seed) + (idx.astype(np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)) & M
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float32) * np.float32(1.0 / 16777216.0)
    return (u >= np.float32(p)).astype(np.uint8)

def self_test():
    rng = np.random.default_rng(0)
    ok = True
    # (N,C,H,W,O,k,s,p,d): includes stride 2, padding, 7x7/2, 1x1/2, dilation 2, odd sizes
    for (N, C, H, W, O, k, s, p, d) in [(2, 3, 9, 8, 4, 3, 1, 1, 1), (2, 3, 11, 11, 5, 7, 2, 3, 1),
                                        (1, 4, 8, 8, 6, 1, 2, 0, 1), (2, 2, 10, 9, 3, 3, 2, 1, 1),
                                        (1, 3, 9, 9, 2, 3, 1, 2, 2)]:
        x = rng.standard_normal((N, C, H, W))
        Wt = rng.standard_normal((O, C, k, k))
        OH, OW = _out_size(H, k, s, p, d), _out_size(W, k, s, p, d)
        gy = rng.standard_normal((N, O, OH, OW))
        y0, dW0, dx0 = _np_direct_conv(x, Wt, gy, s, p, d)
        col = _np_im2col_ref(x, k, k, s, s, p, p, d, d)
        W2 = Wt.reshape(O, -1)
        y = (W2 @ col).reshape(O, N, OH, OW).transpose(1, 0, 2, 3)
        gyt = gy.transpose(1, 0, 2, 3).reshape(O, -1)
        dW = (gyt @ col.T).reshape(Wt.shape)
        dx = _np_col2im_ref(W2.T @ gyt, x.shape, k, k, s, s, p, p, d, d)
        errs = [float(np.abs(a - b).max()) for a, b in ((y, y0), (dW, dW0), (dx, dx0))]
        good = max(errs) < 1e-9
        ok &= good
        print('im2col/col2im case %s: max err y/dW/dx = %s %s' % ((N, C, H, W, O, k, s, p, d), errs,
                                                                     'OK' if good else 'FAIL'))
    for p in (0.1, 0.5):
        m = _np_keep_mask(np.arange(1 << 20), 1234, p)
        rate, tol = float(m.mean()), 5 * math.sqrt(p * (1 - p) / m.size)
        good = abs(rate - (1 - p)) < tol
        ok &= good
        print('dropout hash p=%.1f keep=%.5f (want %.5f +- %.5f) %s' % (p, rate, 1 - p, tol, 'OK' if good else 'FAIL'))
    return ok

# ----------------------------------------------------------------------------- infrastructure
class Budget(Exception):
    pass

class Probe:
    def __init__(self, args):
        self.args = args
        self.t0 = time.perf_counter()
        self.records = []
        self.fh = open(args.out, 'a')
        self.warm, self.reps = (1, 3) if args.quick else (3, 15)

    def left(self):
        return self.args.budget_s - (time.perf_counter() - self.t0)

    def check_budget(self):
        if self.left() <= 0:
            raise Budget('global budget of %ss exhausted' % self.args.budget_s)

    def emit(self, rec):
        rec = dict(rec, t=round(time.perf_counter() - self.t0, 2))
        self.records.append(rec)
        line = json.dumps(rec, default=str)
        print(line, flush=True)
        self.fh.write(line + '\n')
        self.fh.flush()

    def run(self, name, fn):
        if self.left() <= 0:
            self.emit({'section': name, 'skipped': 'global budget of %ss exhausted' % self.args.budget_s})
            return
        try:
            fn(self)
        except Budget as e:
            self.emit({'section': name, 'skipped': 'stopped inside section: %s' % e})
        except Exception as e:  # noqa: BLE001 - the probe must go on
            self.emit({'section': name, 'error': repr(e), 'traceback': traceback.format_exc()})
        finally:
            with contextlib.suppress(Exception):
                cp.cuda.Device().synchronize()
                cp.get_default_memory_pool().free_all_blocks()
            with contextlib.suppress(Exception):
                torch.cuda.synchronize()
                torch.cuda.empty_cache()
            try:
                write_summary(self)  # rewritten after every section, so a hang still leaves one
            except Exception as e:  # noqa: BLE001
                self.emit({'section': 'summary', 'error': repr(e), 'traceback': traceback.format_exc()})

def _med(ts):
    return round(statistics.median(ts), 4)

def time_cp(P, fn, stream=None, reps=None):
    """Median device ms of fn() between cupy Event pairs on `stream` (default: current)."""
    s = stream if stream is not None else cp.cuda.get_current_stream()
    for _ in range(P.warm):
        fn()
    evs = [(cp.cuda.Event(), cp.cuda.Event()) for _ in range(reps or P.reps)]
    for a, b in evs:
        a.record(s)
        fn()
        b.record(s)
    evs[-1][1].synchronize()
    return _med([cp.cuda.get_elapsed_time(a, b) for a, b in evs])

def time_torch(P, fn, reps=None):
    for _ in range(P.warm):
        fn()
    evs = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True))
           for _ in range(reps or P.reps)]
    for a, b in evs:
        a.record()
        fn()
        b.record()
    torch.cuda.synchronize()
    return _med([a.elapsed_time(b) for a, b in evs])

def relerr(a, b):
    """max|a-b| / max|b|, computed in float32 on the device."""
    a, b = a.astype(cp.float32), b.astype(cp.float32)
    return float(cp.abs(a - b).max() / cp.maximum(cp.abs(b).max(), 1e-30))

def t2c(t):
    return cp.from_dlpack(t.contiguous())

_MODS, _FUNCS = {}, {}

def kernel(mod, name):
    """Module/function cache: one NVRTC compile per source (timed), no lookups during capture."""
    if mod not in _MODS:
        t0 = time.perf_counter()
        m = cp.RawModule(code=_all_sources()[mod])
        m.compile()
        _MODS[mod] = m
        _P.emit({'section': 'compile', 'module': mod, 'compile_s': round(time.perf_counter() - t0, 3)})
    if (mod, name) not in _FUNCS:
        _FUNCS[mod, name] = _MODS[mod].get_function(name)
    return _FUNCS[mod, name]

def launch(k, n, args, stream=None):
    block = 256
    grid = max(1, min((n + block - 1) // block, 1 << 20))
    k((grid,), (block,), args, stream=stream)

def torch_tf32(matmul=None, conv=None):
    """Toggle TF32 in torch: the fp32_precision API where it exists, else the legacy flags."""
    mm = torch.backends.cuda.matmul
    if hasattr(mm, 'fp32_precision'):
        if matmul is not None:
            mm.fp32_precision = 'tf32' if matmul else 'ieee'
        if conv is not None:
            torch.backends.cudnn.conv.fp32_precision = 'tf32' if conv else 'ieee'
        return 'fp32_precision'
    if matmul is not None:
        mm.allow_tf32 = matmul
    if conv is not None:
        torch.backends.cudnn.allow_tf32 = conv
    return 'allow_tf32'

def cupy_tf32(P, on):
    """Toggle TF32 for cupy float32 matmul (private API); False, with a note, if that is not possible."""
    core = cp._core
    rl = getattr(core, '_routines_linalg', None)
    if not (hasattr(core, 'set_compute_type') and rl is not None and hasattr(rl, 'COMPUTE_TYPE_TF32')):
        P.emit({'section': 'tf32', 'note': 'cupy._core.set_compute_type or COMPUTE_TYPE_TF32 missing'})
        return False
    try:
        core.set_compute_type(cp.float32, rl.COMPUTE_TYPE_TF32 if on else rl.COMPUTE_TYPE_DEFAULT)
        return True
    except Exception as e:  # noqa: BLE001
        P.emit({'section': 'tf32', 'note': 'set_compute_type(float32, %s) failed: %r' % (on, e)})
        return False

# ----------------------------------------------------------------------------- 6. config
def sec_config(P):
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):  # show_config writes to sys.stdout
            cp.show_config()
    except Exception as e:  # noqa: BLE001
        buf.write('show_config failed: %r' % e)
    props = cp.cuda.runtime.getDeviceProperties(0)
    name = props.get('name', b'')
    rec = {'section': 'config', 'device': name.decode() if isinstance(name, bytes) else str(name),
           'cc': '%s.%s' % (props.get('major'), props.get('minor')),
           'sm_count': props.get('multiProcessorCount'),
           'mem_gib': round(props.get('totalGlobalMem', 0) / 2 ** 30, 1),
           'cuda_runtime': cp.cuda.runtime.runtimeGetVersion(),
           'cuda_driver': cp.cuda.runtime.driverGetVersion(),
           'cupy': cp.__version__, 'numpy': np.__version__, 'python': sys.version.split()[0],
           'ml_dtypes': None, 'torch': None, 'torch_cuda': None, 'cudnn': None,
           'env': {k: v for k, v in os.environ.items() if k.startswith(('CUPY_', 'CUDA_', 'NCCL_'))},
           'show_config': buf.getvalue()}
    with contextlib.suppress(Exception):
        import ml_dtypes
        rec['ml_dtypes'] = ml_dtypes.__version__
    with contextlib.suppress(Exception):
        from cupy_backends.cuda.libs import nvrtc
        rec['nvrtc'] = nvrtc.getVersion()
    if torch is not None:
        rec.update(torch=torch.__version__, torch_cuda=torch.version.cuda)
        with contextlib.suppress(Exception):
            rec['cudnn'] = torch.backends.cudnn.version()
            rec['cudnn_available'] = torch.backends.cudnn.is_available()
    P.emit(rec)

# ----------------------------------------------------------------------------- 1. GEMM
def _gemm_shapes():
    r = [('square_4096', 1, 4096, 4096, 4096), ('bert_qkv_out', 1, 4096, 768, 768),
         ('bert_ffn_up', 1, 4096, 768, 3072), ('bert_ffn_down', 1, 4096, 3072, 768),
         ('bert_attn_scores', 32 * 12, 128, 64, 128), ('bert_mlm_decoder', 1, 4096, 768, 30522)]
    for (hw, k, n) in [(56, 64, 256), (56, 256, 64), (28, 512, 128), (14, 1024, 256), (7, 2048, 512)]:
        r.append(('r50_1x1_%d_%dx%d' % (hw, k, n), 1, 64 * hw * hw, k, n))
    return r

def sec_gemm(P):
    try:
        for mode in ('fp32', 'tf32', 'fp16', 'bf16'):
            tf = mode == 'tf32'
            if not cupy_tf32(P, tf) and tf:
                continue
            if torch is not None:
                torch_tf32(matmul=tf)
            for (name, B, M, K, N) in _gemm_shapes():
                P.check_budget()
                rec = {'section': 'gemm', 'shape': name, 'mode': mode, 'B': B, 'M': M, 'K': K, 'N': N}
                try:
                    sa, sb = ((B, M, K), (B, K, N)) if B > 1 else ((M, K), (K, N))
                    a32 = cp.random.standard_normal(sa, dtype=cp.float32)
                    b32 = cp.random.standard_normal(sb, dtype=cp.float32)
                    dt = {'fp16': cp.float16, 'bf16': BF16}.get(mode, cp.float32)
                    if dt is None:
                        raise RuntimeError('ml_dtypes not importable: bf16 unsupported')
                    a, b = a32.astype(dt), b32.astype(dt)
                    flops = 2.0 * B * M * K * N
                    c = cp.matmul(a, b)
                    ms = time_cp(P, lambda: cp.matmul(a, b))
                    rec.update(cupy_ms=ms, cupy_tflops=round(flops / ms / 1e9, 2))
                    if torch is not None:
                        tdt = {'fp16': torch.float16, 'bf16': torch.bfloat16}.get(mode, torch.float32)
                        ta, tb = torch.from_dlpack(a32).to(tdt), torch.from_dlpack(b32).to(tdt)
                        tc = torch.matmul(ta, tb)
                        tms = time_torch(P, lambda: torch.matmul(ta, tb))
                        rec.update(torch_ms=tms, torch_tflops=round(flops / tms / 1e9, 2),
                                   ratio_cupy_over_torch=round(ms / tms, 3),
                                   relerr_vs_torch=relerr(c, t2c(tc.float())))
                    if name == 'square_4096' and mode != 'fp32':
                        rec['relerr_vs_fp32'] = relerr(c, cp.matmul(a32, b32) if not tf else _fp32_ref(a32, b32))
                except Budget:
                    raise
                except Exception as e:  # noqa: BLE001
                    rec.update(error=repr(e), traceback=traceback.format_exc())
                P.emit(rec)
    finally:
        cupy_tf32(P, False)
        if torch is not None:
            torch_tf32(matmul=False)

def _fp32_ref(a, b):
    cupy_tf32(_P, False)
    try:
        return cp.matmul(a, b)
    finally:
        cupy_tf32(_P, True)

# ----------------------------------------------------------------------------- 2. conv
_CONV_LAYERS = [  # name, C, H, O, k, s, p  (batch 64, square inputs)
    ('conv1_7x7s2', 3, 224, 64, 7, 2, 3), ('3x3_64_56', 64, 56, 64, 3, 1, 1),
    ('3x3s2_128_56to28', 128, 56, 128, 3, 2, 1), ('3x3_256_14', 256, 14, 256, 3, 1, 1),
    ('3x3_512_7', 512, 7, 512, 3, 1, 1), ('1x1s2_256to512_56to28', 256, 56, 512, 1, 2, 0)]

def _geom(x, k, s, p):
    N, C, H, W = x.shape
    OH, OW = _out_size(H, k, s, p), _out_size(W, k, s, p)
    return (N, C, H, W, k, k, OH, OW, s, s, p, p, 1, 1)

def _gargs(g, total):
    return tuple(np.int32(v) for v in g) + (np.int64(total),)

def cp_im2col(x, k, s, p):
    g = _geom(x, k, s, p)
    N, C, _, _, KH, KW, OH, OW = g[:8]
    col = cp.empty((C * KH * KW, N * OH * OW), x.dtype)
    launch(kernel('conv_' + x.dtype.name, 'im2col'), col.size, (x, col) + _gargs(g, col.size))
    return col

def cp_col2im(col, xshape, dtype, k, s, p):
    dx = cp.empty(xshape, dtype)
    g = _geom(dx, k, s, p)
    launch(kernel('conv_' + dx.dtype.name, 'col2im'), dx.size, (col, dx) + _gargs(g, dx.size))
    return dx

def cp_conv_fwd(x, W2, k, s, p):
    N, _, H, Wd = x.shape
    OH, OW = _out_size(H, k, s, p), _out_size(Wd, k, s, p)
    col = cp_im2col(x, k, s, p)
    y = cp.matmul(W2, col)  # (O, N*OH*OW): one big GEMM, then one transpose copy to NCHW
    return cp.ascontiguousarray(y.reshape(W2.shape[0], N, OH, OW).transpose(1, 0, 2, 3)), col

def cp_conv_bwd(gy, col, W2, xshape, k, s, p):
    O = W2.shape[0]
    gyt = cp.ascontiguousarray(gy.transpose(1, 0, 2, 3)).reshape(O, -1)
    dW = cp.matmul(gyt, col.T)                   # (O, C*k*k)
    dx = cp_col2im(cp.matmul(W2.T, gyt), xshape, gy.dtype, k, s, p)
    return dW, dx

def sec_conv(P):
    _part(P, 'index_check', _conv_index_check, section='conv')
    _conv_layers(P)

def _conv_index_check(P):
    # the device kernels against the numpy transcription (self-tested on CPU), tiny cases
    for (k, s, p) in [(3, 1, 1), (7, 2, 3), (1, 2, 0), (3, 2, 1)]:
        xs = np.random.default_rng(1).standard_normal((2, 3, 11, 10)).astype(np.float32)
        col = cp_im2col(cp.asarray(xs), k, s, p)
        ref = _np_im2col_ref(xs, k, k, s, s, p, p)
        gc = np.random.default_rng(2).standard_normal(ref.shape).astype(np.float32)
        dx = cp_col2im(cp.asarray(gc), xs.shape, cp.float32, k, s, p)
        P.emit({'section': 'conv', 'part': 'index_check', 'k': k, 's': s, 'p': p,
                'im2col_exact': bool(np.array_equal(col.get(), ref)),
                'col2im_maxerr': float(np.abs(dx.get() - _np_col2im_ref(gc, xs.shape, k, k, s, s, p, p)).max())})

def _conv_layers(P):
    if torch is not None:
        torch.backends.cudnn.benchmark = True  # best-case cuDNN algorithms
    try:
        for mode, tol in (('fp32', 1e-3), ('tf32', 1e-2), ('fp16', 1e-2)):
            dt = cp.float16 if mode == 'fp16' else cp.float32
            if not cupy_tf32(P, mode == 'tf32') and mode == 'tf32':
                continue
            if torch is not None:
                torch_tf32(conv=mode == 'tf32', matmul=mode == 'tf32')
            for (name, C, H, O, k, s, p) in _CONV_LAYERS:
                P.check_budget()
                rec = {'section': 'conv', 'layer': name, 'mode': mode, 'N': CONV_BATCH, 'C': C, 'H': H, 'O': O,
                       'k': k, 's': s, 'p': p, 'tol': tol}
                try:
                    _conv_one(P, rec, dt, C, H, O, k, s, p)
                except Budget:
                    raise
                except Exception as e:  # noqa: BLE001
                    rec.update(error=repr(e), traceback=traceback.format_exc())
                P.emit(rec)
                cp.get_default_memory_pool().free_all_blocks()
    finally:
        cupy_tf32(P, False)
        if torch is not None:
            torch_tf32(conv=False, matmul=False)

def _conv_one(P, rec, dt, C, H, O, k, s, p):
    N = CONV_BATCH
    OH = _out_size(H, k, s, p)
    x = cp.random.standard_normal((N, C, H, H), dtype=cp.float32).astype(dt)
    Wt = (cp.random.standard_normal((O, C, k, k), dtype=cp.float32) / math.sqrt(C * k * k)).astype(dt)
    gy = cp.random.standard_normal((N, O, OH, OH), dtype=cp.float32).astype(dt)
    W2 = Wt.reshape(O, -1)
    y, col = cp_conv_fwd(x, W2, k, s, p)
    dW, dx = cp_conv_bwd(gy, col, W2, x.shape, k, s, p)
    rec['fwd_cupy_ms'] = time_cp(P, lambda: cp_conv_fwd(x, W2, k, s, p))
    rec['bwd_cupy_ms'] = time_cp(P, lambda: cp_conv_bwd(gy, col, W2, x.shape, k, s, p))
    rec['im2col_ms'] = time_cp(P, lambda: cp_im2col(x, k, s, p))
    gcol = cp.matmul(W2.T, gy.transpose(1, 0, 2, 3).reshape(O, -1))
    rec['col2im_ms'] = time_cp(P, lambda: cp_col2im(gcol, x.shape, dt, k, s, p))
    rec['col_mib'] = round(col.nbytes / 2 ** 20, 1)
    flops = 2.0 * N * OH * OH * O * C * k * k
    rec['fwd_cupy_tflops'] = round(flops / rec['fwd_cupy_ms'] / 1e9, 2)
    if torch is None:
        return
    tx, tW, tgy = torch.from_dlpack(x), torch.from_dlpack(Wt), torch.from_dlpack(gy)
    F = torch.nn.functional

    def tbwd_aten():  # what autograd calls: both grads in one cuDNN-backed op
        return torch.ops.aten.convolution_backward(tgy, tx, tW, None, [s, s], [p, p], [1, 1], False,
                                                   [0, 0], 1, [True, True, False])[:2]

    def tbwd_nn():
        return (torch.nn.grad.conv2d_input(tx.shape, tW, tgy, stride=s, padding=p),
                torch.nn.grad.conv2d_weight(tx, tW.shape, tgy, stride=s, padding=p))
    ty = F.conv2d(tx, tW, stride=s, padding=p)
    try:
        tdx, tdW = tbwd_aten()
        tbwd, rec['torch_bwd_api'] = tbwd_aten, 'aten.convolution_backward'
    except Exception:  # noqa: BLE001
        tdx, tdW = tbwd_nn()
        tbwd, rec['torch_bwd_api'] = tbwd_nn, 'nn.grad.conv2d_input+conv2d_weight'
    rec['fwd_torch_ms'] = time_torch(P, lambda: F.conv2d(tx, tW, stride=s, padding=p))
    rec['bwd_torch_ms'] = time_torch(P, tbwd)
    rec['fwd_ratio'] = round(rec['fwd_cupy_ms'] / rec['fwd_torch_ms'], 3)
    rec['bwd_ratio'] = round(rec['bwd_cupy_ms'] / rec['bwd_torch_ms'], 3)
    rec['err_y'] = relerr(y, t2c(ty))
    rec['err_dW'] = relerr(dW.reshape(Wt.shape), t2c(tdW))
    rec['err_dx'] = relerr(dx, t2c(tdx))
    rec['ok'] = max(rec['err_y'], rec['err_dW'], rec['err_dx']) < rec['tol']

# ----------------------------------------------------------------------------- 3. fused elementwise
def sec_fused(P):
    N, C, H, W = FUSED_SHAPE
    drop_p, scale, seed = 0.1, 1.5, 20240607
    mult = scale / (1 - drop_p)
    for dt in (cp.float32, cp.float16):
        P.check_budget()
        x = cp.random.standard_normal((N, C, H, W), dtype=cp.float32).astype(dt)
        bias = cp.random.standard_normal((C,), dtype=cp.float32).astype(dt)
        y = cp.empty_like(x)
        mask = cp.empty(x.shape, cp.uint8)
        k = kernel('fused_' + x.dtype.name, 'bias_relu_dropout')
        args = (x, bias, y, mask, np.int64(x.size), np.int32(C), np.int32(H * W), np.uint64(seed),
                np.float32(drop_p), np.float32(mult))

        def fused():
            launch(k, x.size, args)
        b4 = bias.reshape(1, C, 1, 1)

        def unfused():  # the same chain as separate cupy ops (5-6 kernels, cuRAND for the mask)
            t = cp.maximum(x + b4, 0)
            m = cp.random.random(x.shape, dtype=cp.float32) >= drop_p
            return (t * m) * mult
        fused()
        t_f, t_u = time_cp(P, fused), time_cp(P, unfused)
        t_um = time_cp(P, lambda: (cp.maximum(x + b4, 0) * mask) * mult)
        ref = (cp.maximum(x + b4, 0) * mask) * mult  # same mask array as the fused kernel
        keep = float(mask.mean())
        tol_keep = 5 * math.sqrt(drop_p * (1 - drop_p) / mask.size) + 1e-5
        probe = np.unique(np.r_[0:min(x.size, 1 << 16), max(0, x.size - (1 << 16)):x.size]).astype(np.int64)
        hash_ok = bool(np.array_equal(mask.ravel()[cp.asarray(probe)].get(), _np_keep_mask(probe, seed, drop_p)))
        err = relerr(y, ref)
        gb = x.size * (2 * x.itemsize + 1) / 1e9
        P.emit({'section': 'fused', 'dtype': x.dtype.name, 'shape': list(x.shape), 'p': drop_p,
                'fused_ms': t_f, 'unfused_ms': t_u, 'unfused_given_mask_ms': t_um,
                'speedup': round(t_u / t_f, 2), 'fused_gbps': round(gb / t_f * 1e3, 1),
                'keep_rate': round(keep, 6), 'keep_rate_ok': abs(keep - (1 - drop_p)) < tol_keep,
                'hash_matches_numpy': hash_ok, 'relerr_vs_unfused': err,
                'ok': err < (1e-2 if dt == cp.float16 else 1e-5)})

# ----------------------------------------------------------------------------- 4. CUDA graphs
def _chain(bufs, n, stream=None):
    for i in range(N_CHAIN):
        launch(kernel('chain', 'chain_k%d' % i), n, (bufs[i], bufs[i + 1], np.int64(n)), stream)

def _host_us(fn, stream, batches, per_batch=10):
    """Median host us per fn() call, timed in synced batches so the launch queue never fills up."""
    ts = []
    for _ in range(batches):
        stream.synchronize()
        t0 = time.perf_counter()
        for _ in range(per_batch):
            fn()
        ts.append((time.perf_counter() - t0) / per_batch * 1e6)
    stream.synchronize()
    return round(statistics.median(ts), 2)

def _find_cublas():
    """Prefer the libcublas this process already loaded (via cupy), then the wheels, then the system."""
    cands = []
    with contextlib.suppress(Exception):
        for line in open('/proc/self/maps'):
            path = line.split()[-1]
            if os.path.basename(path).startswith('libcublas.so') and path not in cands:
                cands.append(path)
    roots = list(sys.path) + getattr(site, 'getsitepackages', list)()
    for r in roots:
        for sub in ('nvidia/cublas/lib', 'nvidia/cu13/lib', 'nvidia/cu12/lib'):
            for path in sorted(glob.glob(os.path.join(r, sub, 'libcublas.so*'))):
                if path not in cands:
                    cands.append(path)
    with contextlib.suppress(Exception):
        from cuda import pathfinder
        cands.append(pathfinder.load_nvidia_dynamic_lib('cublas').abs_path)
    found = ctypes.util.find_library('cublas')
    cands += [c for c in (found, 'libcublas.so.13', 'libcublas.so.12', 'libcublas.so') if c]
    for c in cands:
        try:
            return ctypes.CDLL(c), c, cands
        except OSError:
            continue
    return None, None, cands

def _cublas_api(lib):
    vp, i, f = ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)
    lib.cublasCreate_v2.argtypes = [ctypes.POINTER(vp)]
    lib.cublasSetStream_v2.argtypes = [vp, vp]
    lib.cublasSetWorkspace_v2.argtypes = [vp, vp, ctypes.c_size_t]
    lib.cublasSgemm_v2.argtypes = [vp, i, i, i, i, i, f, vp, i, vp, i, f, vp, i]
    lib.cublasDestroy_v2.argtypes = [vp]
    lib.cublasGetVersion_v2.argtypes = [vp, ctypes.POINTER(i)]
    return lib

def _part(P, part, fn, *args, section='graph'):
    """Run one sub-check; an exception becomes a record and the next sub-check still runs."""
    try:
        fn(P, *args)
    except Budget:
        raise
    except Exception as e:  # noqa: BLE001
        P.emit({'section': section, 'part': part, 'error': repr(e), 'traceback': traceback.format_exc()})

def sec_graph(P):
    pool = cp.cuda.MemoryPool()  # dedicated: graph buffers are never handed to other arrays
    keep = []                    # references to everything a graph touches
    s = cp.cuda.Stream(non_blocking=True)
    with cp.cuda.using_allocator(pool.malloc), s:
        _part(P, 'chain', _graph_chain, s, keep)
        _part(P, 'cupy_matmul_in_capture', _graph_cupy_matmul, s, keep)
    s.synchronize()

def _capture(s, fn):
    """Capture fn() on s; always ends the capture so the stream stays usable."""
    s.begin_capture()
    try:
        fn()
    finally:
        g = s.end_capture()
    return g

def _graph_chain(P, s, keep):
    # (a) ~20 generated kernels: replay == eager, host cost per launch vs eager enqueue
    n = GRAPH_N
    bufs = [cp.random.standard_normal(n, dtype=cp.float32)] + [cp.zeros(n, cp.float32) for _ in range(N_CHAIN)]
    keep.append(bufs)
    for i in range(N_CHAIN):
        kernel('chain', 'chain_k%d' % i)
    _chain(bufs, n, s)
    s.synchronize()
    eager = bufs[-1].copy()
    t0 = time.perf_counter()
    g = _capture(s, lambda: _chain(bufs, n, s))
    g.upload(s)
    capture_ms = round((time.perf_counter() - t0) * 1e3, 3)
    keep.append(g)
    bufs[-1].fill(0)
    g.launch(s)
    s.synchronize()
    same = bool(cp.array_equal(bufs[-1], eager))
    bufs[0][...] = cp.random.standard_normal(n, dtype=cp.float32)  # new data in the "static input"
    _chain(bufs, n, s)
    eager2 = bufs[-1].copy()
    bufs[-1].fill(0)
    g.launch(s)
    s.synchronize()
    same2 = bool(cp.array_equal(bufs[-1], eager2))
    bt = 5 if P.args.quick else 30
    P.emit({'section': 'graph', 'part': 'chain', 'n_kernels': N_CHAIN, 'n_elems': n, 'capture_ms': capture_ms,
            'replay_equals_eager': same, 'replay_after_input_update_equals_eager': same2,
            'host_us_graph_launch': _host_us(lambda: g.launch(s), s, bt),
            'host_us_eager_enqueue': _host_us(lambda: _chain(bufs, n, s), s, bt),
            'device_ms_graph': time_cp(P, lambda: g.launch(s), s),
            'device_ms_eager': time_cp(P, lambda: _chain(bufs, n, s), s)})
    s.synchronize()

def _graph_cupy_matmul(P, s, keep):
    # (b) expected: NotImplementedError from cupy's cuBLAS wrapper (GPU_NOTES section 3)
    a = cp.random.standard_normal((256, 256), dtype=cp.float32)
    keep.append(a)
    rec = {'section': 'graph', 'part': 'cupy_matmul_in_capture', 'raised': False}

    def body():
        try:
            keep.append(cp.matmul(a, a))
        except Exception as e:  # noqa: BLE001
            rec.update(raised=True, exc_type=type(e).__name__, exc_msg=str(e))
    try:
        keep.append(_capture(s, body))
    except Exception as e:  # noqa: BLE001
        rec['end_capture_error'] = repr(e)
    s.synchronize()
    P.emit(rec)

def sec_cublas_graph(P):
    # (c) raw cuBLAS via ctypes inside a capture: can one graph hold a whole step (GEMM + elementwise)?
    # Runs late: a bad capture could leave a sticky CUDA error for every later section.
    pool, keep = cp.cuda.MemoryPool(), []  # dedicated pool; keep every buffer the graph touches
    _graph_raw_cublas(P, pool, keep)
    cp.cuda.Device().synchronize()

def _graph_raw_cublas(P, pool, keep):
    rec = {'section': 'graph', 'part': 'raw_cublas'}
    M = K = N = STEP_MNK
    a = cp.random.standard_normal((M, K), dtype=cp.float32)
    b = cp.random.standard_normal((K, N), dtype=cp.float32)
    ref = cp.matmul(a, b)  # outside capture; also makes cupy load its libcublas
    cp.cuda.Device().synchronize()
    lib, path, cands = _find_cublas()
    rec.update(lib=path, candidates=cands)
    if lib is None:
        rec['error'] = 'libcublas not found'
        return P.emit(rec)
    lib = _cublas_api(lib)
    h = ctypes.c_void_p()
    st = lib.cublasCreate_v2(ctypes.byref(h))
    if st != 0:
        rec['error'] = 'cublasCreate_v2 status %d' % st
        return P.emit(rec)
    s = cp.cuda.Stream(non_blocking=True)
    with cp.cuda.using_allocator(pool.malloc), s:
        ver = ctypes.c_int()
        lib.cublasGetVersion_v2(h, ctypes.byref(ver))
        ws = cp.empty(32 << 20, cp.uint8)
        c = cp.zeros((M, N), cp.float32)
        n = M * N
        bufs = [c] + [cp.zeros(n, cp.float32) for _ in range(N_CHAIN)]
        alpha, beta = ctypes.c_float(1.0), ctypes.c_float(0.0)
        keep.extend([a, b, ws, c, bufs, alpha, beta, s])
        rec['cublas_version'] = ver.value
        # order matters: cublasSetStream resets the workspace to cuBLAS's own pool
        rec['set_stream'] = lib.cublasSetStream_v2(h, ctypes.c_void_p(s.ptr))
        rec['set_workspace'] = lib.cublasSetWorkspace_v2(h, ctypes.c_void_p(ws.data.ptr), ws.nbytes)

        def sgemm():  # row-major C = A B  ==  column-major C^T = B^T A^T
            return lib.cublasSgemm_v2(h, 0, 0, N, M, K, ctypes.byref(alpha), ctypes.c_void_p(b.data.ptr), N,
                                      ctypes.c_void_p(a.data.ptr), K, ctypes.byref(beta),
                                      ctypes.c_void_p(c.data.ptr), N)

        def step():
            sgemm()
            _chain([c.reshape(-1)] + bufs[1:], n, s)
        rec['eager_status'] = sgemm()
        s.synchronize()
        rec['eager_relerr'] = relerr(c, ref)
        step()
        s.synchronize()
        eager_out = bufs[-1].copy()
        c.fill(0)
        s.synchronize()
        def body():
            rec['capture_status'] = sgemm()
            _chain([c.reshape(-1)] + bufs[1:], n, s)
        try:
            g = _capture(s, body)
        except Exception as e:  # noqa: BLE001 - e.g. capture invalidated by cuBLAS
            rec.update(capture_error=repr(e), works=False)
            lib.cublasDestroy_v2(h)
            return P.emit(rec)
        keep.append(g)
        g.upload(s)
        c.fill(0)
        bufs[-1].fill(0)
        g.launch(s)
        s.synchronize()
        rec['replay_gemm_relerr'] = relerr(c, ref)
        rec['replay_chain_relerr'] = relerr(bufs[-1], eager_out)
        rec['works'] = rec['capture_status'] == 0 and rec['replay_gemm_relerr'] < 1e-4 \
            and rec['replay_chain_relerr'] < 1e-4
        bt = 5 if P.args.quick else 20
        rec.update(step_host_us_graph=_host_us(lambda: g.launch(s), s, bt),
                   step_host_us_eager=_host_us(step, s, bt),
                   step_device_ms_graph=time_cp(P, lambda: g.launch(s), s),
                   step_device_ms_eager=time_cp(P, step, s))
        s.synchronize()
    lib.cublasDestroy_v2(h)
    P.emit(rec)

# ----------------------------------------------------------------------------- 5. NCCL + H2D
def sec_nccl(P):
    from cupy.cuda import nccl
    rec = {'section': 'nccl', 'available': bool(getattr(nccl, 'available', False))}
    if not rec['available']:
        return P.emit(rec)
    with contextlib.suppress(Exception):
        rec['version'] = nccl.get_version()
    with contextlib.suppress(Exception):
        rec['build_version'] = nccl.get_build_version()
    uid = nccl.get_unique_id()
    rec['uid_type'] = type(uid).__name__
    try:
        comm = nccl.NcclCommunicator(1, uid, 0)
    except TypeError:  # the uid type (bytes vs tuple) changed across cupy versions
        comm = nccl.NcclCommunicator(1, tuple(uid) if isinstance(uid, bytes) else bytes(x & 0xFF for x in uid), 0)
    n = NCCL_N
    x = cp.arange(n, dtype=cp.float32)
    y = cp.zeros_like(x)
    s = cp.cuda.Stream(non_blocking=True)

    def ar():
        comm.allReduce(x.data.ptr, y.data.ptr, n, nccl.NCCL_FLOAT32, nccl.NCCL_SUM, s.ptr)
    ar()
    s.synchronize()
    rec['allreduce_ok'] = bool(cp.array_equal(x, y))
    rec['allreduce_64mib_ms'] = time_cp(P, ar, s)
    g = None
    try:  # NCCL is documented as capturable; check it with cupy's capture
        y.fill(0)
        with s:
            g = _capture(s, ar)
        g.launch(s)
        s.synchronize()
        rec['allreduce_in_graph_ok'] = bool(cp.array_equal(x, y))
    except Exception as e:  # noqa: BLE001
        rec['allreduce_in_graph_error'] = repr(e)
    s.synchronize()
    g = None  # drop the graph (and NCCL's resources held by it) before the communicator
    comm.destroy()
    P.emit(rec)

def sec_h2d(P):
    import cupyx
    nbytes = H2D_BYTES
    pinned = cupyx.empty_pinned((nbytes,), dtype=np.uint8)
    pinned[:] = 1
    pageable = np.ones(nbytes, np.uint8)
    dev = cp.empty(nbytes, cp.uint8)
    s = cp.cuda.Stream(non_blocking=True)
    reps = 3 if P.args.quick else 8
    rec = {'section': 'h2d', 'mib': nbytes >> 20}
    for name, fn in (('pinned_h2d', lambda: dev.set(pinned, stream=s)),
                     ('pageable_h2d', lambda: dev.set(pageable, stream=s)),
                     ('pinned_d2h', lambda: dev.get(stream=s, out=pinned))):
        ms = time_cp(P, fn, s, reps=reps)
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        s.synchronize()
        wall = (time.perf_counter() - t0) / reps * 1e3
        rec[name + '_gbps'] = round(nbytes / ms / 1e6, 2)
        rec[name + '_wall_gbps'] = round(nbytes / wall / 1e6, 2)
    rec['roundtrip_ok'] = bool((dev[:1024] == 1).all())
    P.emit(rec)

# ----------------------------------------------------------------------------- summary
def _gmean(v):
    v = [x for x in v if x and x > 0]
    return round(math.exp(sum(map(math.log, v)) / len(v)), 3) if v else None

def _fmt(v):
    return '%.1e' % v if isinstance(v, float) and 0 < abs(v) < 1e-2 else ('' if v is None else str(v))

def _table(head, rows):
    return ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)] + \
        ['| ' + ' | '.join(_fmt(c) for c in r) + ' |' for r in rows]

def write_summary(P):
    R = P.records
    by = lambda sec, key=None: [r for r in R if r.get('section') == sec and (key is None or key in r)]  # noqa
    L = ['Run: `%s`, %.0f s, budget %s s%s.' % (' '.join(sys.argv[1:]), time.perf_counter() - P.t0,
                                                P.args.budget_s, ', quick' if P.args.quick else '')]
    for r in by('config', 'device'):
        L.append('Device **{device}** (cc {cc}, {sm_count} SMs, {mem_gib} GiB); CUDA runtime {cuda_runtime}, driver '
                 '{cuda_driver}; cupy {cupy}, numpy {numpy}, torch {torch} (CUDA {torch_cuda}, cuDNN {cudnn}), '
                 'ml_dtypes {ml_dtypes}.'.format(**r))
    conv = by('conv', 'layer')
    L += ['', '### (i) Conv: im2col + cuBLAS (cupy, NCHW) vs cuDNN (torch)', '',
          'ratio = cupy ms / cuDNN ms (>1: cuDNN faster); bwd = dW + dx (cupy reuses the forward col); '
          'cudnn.benchmark=True; fp32 rows have TF32 off on both sides.', '']
    rows = [[r['layer'], r['mode']] + ([r['error'][:120]] if 'error' in r else
            [r.get(k) for k in ('fwd_cupy_ms', 'fwd_torch_ms', 'fwd_ratio', 'bwd_cupy_ms', 'bwd_torch_ms',
                                'bwd_ratio', 'im2col_ms', 'col2im_ms', 'err_y', 'err_dW', 'err_dx', 'ok')])
            for r in conv]
    rows += [['**geomean**', m, '', '', _gmean([r.get('fwd_ratio') for r in conv if r['mode'] == m]), '', '',
              _gmean([r.get('bwd_ratio') for r in conv if r['mode'] == m])] for m in ('fp32', 'tf32', 'fp16')
             if any(r['mode'] == m for r in conv)]
    L += _table(['layer', 'mode', 'fwd cupy ms', 'fwd cuDNN ms', 'fwd ratio', 'bwd cupy ms', 'bwd cuDNN ms',
                 'bwd ratio', 'im2col ms', 'col2im ms', 'err y', 'err dW', 'err dx', 'ok'], rows)
    L += ['- device index check FAILED: %s' % r for r in by('conv', 'im2col_exact')
          if not (r['im2col_exact'] and r['col2im_maxerr'] < 1e-4)]
    L += ['', '### (ii) Whole step as one CUDA graph (raw cuBLAS via ctypes in capture)', '']
    for r in [r for r in by('graph', 'part') if r['part'] == 'raw_cublas']:
        L.append('- lib `%s`, cuBLAS %s; status in capture %s; replay GEMM rel err %s, chain rel err %s -> '
                 '**works: %s** %s' % (r.get('lib'), r.get('cublas_version'), r.get('capture_status'),
                                       _fmt(r.get('replay_gemm_relerr')), _fmt(r.get('replay_chain_relerr')),
                                       r.get('works'), (r.get('error') or r.get('capture_error') or '')[:200]))
        if 'step_host_us_graph' in r:
            L.append('- step (%d^3 SGEMM + %d kernels): host {step_host_us_graph} us graph vs {step_host_us_eager} us '
                     'eager; device {step_device_ms_graph} ms graph vs {step_device_ms_eager} ms eager'.format(**r)
                     % (STEP_MNK, N_CHAIN))
    for r in [r for r in by('graph', 'part') if r['part'] == 'cupy_matmul_in_capture']:
        L.append('- `cupy.matmul` in capture: raised=%s %s: %s' % (r.get('raised'), r.get('exc_type', ''),
                                                                  r.get('exc_msg', r.get('error', ''))))
    L += ['', '### (iii) GEMM: cupy.matmul vs torch.matmul', '']
    L += _table(['shape', 'BxMxKxN', 'mode', 'cupy ms', 'cupy TFLOP/s', 'torch ms', 'torch TFLOP/s', 'cupy/torch',
                 'rel err vs torch'],
                [[r['shape'], '%sx%sx%sx%s' % (r['B'], r['M'], r['K'], r['N']), r['mode']] +
                 ([r['error'][:120]] if 'error' in r else
                  [r.get(k) for k in ('cupy_ms', 'cupy_tflops', 'torch_ms', 'torch_tflops', 'ratio_cupy_over_torch',
                                      'relerr_vs_torch')]) for r in by('gemm', 'shape')])
    sq = [r for r in by('gemm', 'cupy_tflops') if r['shape'] == 'square_4096']
    if sq:
        L.append('\n4096^3 cupy TFLOP/s: ' + ', '.join('%s %s (rel err vs fp32 %s)' % (
            r['mode'], r['cupy_tflops'], _fmt(r.get('relerr_vs_fp32', '-'))) for r in sq))
    L += ['', '### (iv) Fused bias+ReLU+dropout kernel vs separate cupy ops', '']
    L += ['- {dtype} {shape}: fused {fused_ms} ms ({fused_gbps} GB/s) vs unfused {unfused_ms} ms ({unfused_given_mask_ms} '
          'ms with a given mask): **{speedup}x**; keep rate {keep_rate} ok={keep_rate_ok}, hash==numpy '
          '{hash_matches_numpy}, rel err {relerr_vs_unfused:.1e}'.format(**r) for r in by('fused', 'dtype')]
    L += ['', '### (v) CUDA graph replay vs eager enqueue (%d generated kernels, %d floats)' % (N_CHAIN, GRAPH_N), '']
    L += ['- host per launch: graph {host_us_graph_launch} us vs eager {host_us_eager_enqueue} us; device: graph '
          '{device_ms_graph} ms vs eager {device_ms_eager} ms; capture+upload {capture_ms} ms; replay == eager: '
          '{replay_equals_eager} (after input update: {replay_after_input_update_equals_eager})'.format(**r)
          for r in by('graph', 'host_us_graph_launch')]
    L += ['', '### NCCL, H2D, NVRTC', '']
    L += ['- %s: %s' % (r['section'], {k: v for k, v in r.items() if k not in ('section', 't')})
          for r in by('nccl') + by('h2d') if 'error' not in r]
    L += ['- compile on device: ' + ', '.join('%s %ss' % (r['module'], r['compile_s']) for r in by('compile'))]
    bad = [r for r in R if 'error' in r or 'skipped' in r or 'note' in r]
    if bad:
        L += ['', '### Errors, skips and notes', '']
        L += ['- %s %s: %s' % (r['section'], r.get('shape') or r.get('layer') or r.get('part') or '',
                               (r.get('error') or r.get('skipped') or r.get('note'))[:300]) for r in bad]
    text = '\n'.join(L) + '\n'
    with open(P.args.summary, 'w') as f:
        f.write(text)
    return text

# ----------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default='gpu_probe.jsonl')
    ap.add_argument('--summary', default='gpu_probe_summary.md')
    ap.add_argument('--budget-s', type=float, default=300)
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--compile-only', action='store_true')
    ap.add_argument('--self-test', action='store_true')
    # order: most-wanted first, riskiest (raw cuBLAS capture, NCCL) last
    ap.add_argument('--sections', default='config,graph,fused,conv,gemm,h2d,cublas_graph,nccl')
    args = ap.parse_args()
    if args.compile_only or args.self_test:
        ok = (not args.self_test or self_test()) & (not args.compile_only or compile_only())
        sys.exit(0 if ok else 1)
    global cp, torch, BF16, _P
    import faulthandler
    faulthandler.dump_traceback_later(args.budget_s + 120, exit=True)  # last resort against a hang
    for d in (args.out, args.summary):
        if os.path.dirname(d):
            os.makedirs(os.path.dirname(d), exist_ok=True)
    import cupy
    cp = cupy
    with contextlib.suppress(Exception):
        import ml_dtypes
        BF16 = ml_dtypes.bfloat16
    P = _P = Probe(args)
    try:
        import torch as _t
        torch = _t if _t.cuda.is_available() else None
        if torch is None:
            P.emit({'section': 'config', 'note': 'torch.cuda.is_available() is False: no reference rows'})
    except Exception as e:  # noqa: BLE001
        P.emit({'section': 'config', 'note': 'torch unavailable: %r' % e})
    fns = {'config': sec_config, 'gemm': sec_gemm, 'conv': sec_conv, 'fused': sec_fused, 'graph': sec_graph,
           'nccl': sec_nccl, 'h2d': sec_h2d, 'cublas_graph': sec_cublas_graph}
    for name in args.sections.split(','):
        P.run(name, fns[name])
    try:
        print('\n' + write_summary(P), flush=True)
    except Exception as e:  # noqa: BLE001
        P.emit({'section': 'summary', 'error': repr(e), 'traceback': traceback.format_exc()})
    P.fh.close()


if __name__ == '__main__':
    main()
