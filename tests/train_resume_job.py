"""A small training job used by tests/test_model.py (run as a subprocess).

    python train_resume_job.py DIR EPOCHS [--kill-at STEP] [--resume CKPT] [--mode graph|pynative]

Prints one line `loss <global step> <value>` per step. With --kill-at it SIGKILLs itself
right after that step's checkpoint is written."""
import argparse
import os
import signal
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import mindlite as ms  # noqa: E402
import mindlite.dataset as ds  # noqa: E402
from mindlite import nn  # noqa: E402


class Net(nn.Cell):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Dense(4, 16, activation="relu")
        self.drop = nn.Dropout(p=0.3)
        self.fc2 = nn.Dense(16, 3)

    def construct(self, x):
        return self.fc2(self.drop(self.fc1(x)))


class Printer(ms.train.Callback):
    def __init__(self, kill_at):
        self.kill_at = kill_at

    def on_train_step_end(self, run_context):
        cb = run_context.original_args()
        print(f"loss {cb.cur_step_num} {float(cb.net_outputs.asnumpy()):.10f}", flush=True)
        if cb.cur_step_num == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("epochs", type=int)
    ap.add_argument("--kill-at", type=int, default=-1)
    ap.add_argument("--resume")
    ap.add_argument("--mode", default="pynative")
    args = ap.parse_args()
    ms.set_context(mode=ms.GRAPH_MODE if args.mode == "graph" else ms.PYNATIVE_MODE)
    ms.set_seed(1)
    ds.config.set_seed(2)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((60, 4)).astype(np.float32)
    y = (np.abs(x[:, 0]) * 2 + x[:, 1] > 1).astype(np.int32) + (x[:, 2] > 1).astype(np.int32)
    data = ds.NumpySlicesDataset({"x": x, "y": y}, shuffle=True).batch(8, drop_remainder=True)
    net = Net()
    opt = nn.Adam(net.trainable_params(), 0.01)
    model = ms.Model(net, nn.CrossEntropyLoss(), opt)
    ckpt = ms.ModelCheckpoint("job", args.dir, ms.CheckpointConfig(save_checkpoint_steps=1, keep_checkpoint_max=3))
    initial_epoch = model.resume(args.resume) if args.resume else 0
    # the checkpoint callback runs before the printer, so a kill at step k leaves its checkpoint
    model.train(args.epochs, data, callbacks=[ckpt, Printer(args.kill_at)], initial_epoch=initial_epoch)


if __name__ == "__main__":
    main()
