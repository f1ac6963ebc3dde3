#!/usr/bin/env bash
# One GPU session in one go: the environment, the GPU tests (`pytest -m gpu`) and the GPU
# training-step benchmark, every result written under $OUT (at most 8 files).
#
#   OUT=/path bash benchmarks/gpu_session.sh [all|tests|bench] [quick|full]
#
# Run from the repository root on the GPU machine; mindlite runs from the checkout
# (PYTHONPATH), nothing is installed into the machine's Python. Wheels the machine lacks
# may be carried in .whl/ (git-ignored) and are installed into /tmp/site first: the cuDNN
# frontend (the machine has the cuDNN runtime, cupy, torch and pytest), fetched beforehand with
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#     --implementation cp --platform manylinux_2_28_x86_64 -d .whl nvidia-cudnn-frontend==1.32.0
# Without it convolutions take im2col + cuBLAS, and the results say so. Stages are time-boxed so the whole run (about 7 minutes for
# `all full`, 4 for `all quick`) leaves room for a rerun.
set -u -o pipefail
STAGE=${1:-all}
SIZE=${2:-full}
OUT=${OUT:-$PWD/gpu_session_out}
PY=${PYTHON:-python3}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export CUPY_CACHE_DIR=${CUPY_CACHE_DIR:-/tmp/cupy_kernel_cache}
log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$OUT/session.log"; }

if ls .whl/*.whl >/dev/null 2>&1; then
  log "installing carried wheels: $(ls .whl | tr '\n' ' ')"
  if $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
      >>"$OUT/session.log" 2>&1; then
    export PYTHONPATH="/tmp/site:$PYTHONPATH"
  else
    log "wheel install failed (see above); continuing without them"
  fi
fi

log "environment"
{
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1
  $PY - <<'PYEOF' 2>&1
import importlib, json, platform
out = {"python": platform.python_version()}
for name in ("numpy", "cupy", "torch", "ml_dtypes", "cudnn", "pytest"):
    try:
        m = importlib.import_module(name)
        out[name] = getattr(m, "__version__", "?")
    except Exception as e:  # noqa: BLE001
        out[name] = f"missing: {type(e).__name__}: {e}"[:200]
try:
    import cupy
    d = cupy.cuda.Device()
    out["cuda_runtime"] = cupy.cuda.runtime.runtimeGetVersion()
    out["device"] = cupy.cuda.runtime.getDeviceProperties(d.id)["name"].decode()
    out["compute_capability"] = d.compute_capability
except Exception as e:  # noqa: BLE001
    out["cupy_device"] = repr(e)[:300]
try:
    from mindlite.backend.gpu import conv, cublas
    out["cudnn_frontend_usable"] = conv.cudnn_module() is not None
    out["libcublas"] = cublas.find_cublas()[1]
except Exception as e:  # noqa: BLE001
    out["mindlite_gpu"] = repr(e)[:300]
print(json.dumps(out, indent=1))
PYEOF
} > "$OUT/env.txt"
cat "$OUT/env.txt"

if [ "$STAGE" = all ] || [ "$STAGE" = tests ]; then
  log "pytest -m gpu"
  T=240; [ "$SIZE" = quick ] && T=150
  timeout $T $PY -m pytest -m gpu tests/test_gpu_device.py tests/test_gpu.py -q -p no:cacheprovider \
      --timeout=120 -rfEs --junitxml="$OUT/pytest_gpu.xml" 2>&1 | tee "$OUT/pytest_gpu.txt" | tail -40
  log "pytest exit status ${PIPESTATUS[0]}"
fi

if [ "$STAGE" = all ] || [ "$STAGE" = bench ]; then
  log "benchmark ($SIZE)"
  if [ "$SIZE" = quick ]; then
    ARGS="--quick --steps 5 --warmup 2 --frameworks graph,torch,pynative --timeout-s 90 --budget-s 150"
    T=200
  else
    ARGS="--steps 10 --warmup 2 --frameworks graph,torch,pynative --timeout-s 150 --budget-s 260"
    T=300
  fi
  timeout $T $PY benchmarks/gpu_train_step.py --cases resnet50,bert_base --dtypes bf16 $ARGS \
      --out "$OUT/gpu_train_step.md" --jsonl "$OUT/gpu_train_step.jsonl" 2>&1 | tee "$OUT/bench.txt" | tail -30
  log "benchmark exit status ${PIPESTATUS[0]}"
fi
log "done; files: $(ls "$OUT" | tr '\n' ' ')"
