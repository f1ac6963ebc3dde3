#!/usr/bin/env bash
# Throughput of the recipe on one NVIDIA GPU (needs cupy): the tiny default setup (GRAPH with
# amp auto = O1 and O0, PYNATIVE O0) and ResNet-50 at 224x224, batch 32, on a generated
# ImageNet-layout folder of random JPEGs (the numbers include JPEG decoding and augmentation),
# in fp32, O1 (auto) and O3 (MindSpore's GPU setting; NaN with mindlite, see README.md).
#   bash model_zoo/resnet/scripts/run_gpu_check.sh OUT_DIR
set -u
OUT=${1:-/tmp/resnet_gpu_check}
HERE=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT"
export MINDLITE_PROGRESS=0
python -c "import cupy, numpy; print('cupy', cupy.__version__, 'numpy', numpy.__version__)" || exit 1
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
nproc
run() {  # name, timeout, args...
  local name=$1 limit=$2; shift 2
  echo "== $name: python train.py $*"
  timeout "$limit" python "$HERE/train.py" --device_target GPU --output_dir "$OUT/$name" "$@" > "$OUT/$name.log" 2>&1
  echo "rc=$?"
  grep -E "ResNet recipe|throughput|final accuracy|Error|error" "$OUT/$name.log" | tail -6
}
run tiny_graph_auto 100
run tiny_graph_fp32 90 --amp_level O0
run tiny_pynative_fp32 60 --mode pynative --amp_level O0 --steps 64 --run_eval false --loss_print_steps 32
python - <<'PY'
import os, numpy as np
from PIL import Image
rng = np.random.default_rng(0)
for split, n in (("train", 64), ("val", 8)):
    for c in range(4):
        d = f"/tmp/fake_imagenet/{split}/n{c:08d}"
        os.makedirs(d, exist_ok=True)
        for i in range(n):
            Image.fromarray((rng.random((375, 500, 3)) * 255).astype(np.uint8)).save(f"{d}/{i}.JPEG", quality=90)
print("fake ImageNet folder ready")
PY
R50="--config imagenet --data_path /tmp/fake_imagenet/train --eval_data_path /tmp/fake_imagenet/val --batch_size 32 --eval_batch_size 32 --lr_max 0.1 --loss_print_steps 4 --num_parallel_workers 12 --save_checkpoint false"
run r50_224_b32_fp32 110 $R50 --steps 8 --amp_level O0
run r50_224_b32_auto 110 $R50 --steps 8
run r50_224_b32_O3 110 $R50 --steps 8 --amp_level O3
