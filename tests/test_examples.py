"""The README's main job runs and learns."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.timeout(120)
def test_quick_start_learns_the_spirals():
    out = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "quick_start.py"), "--steps", "200"],
                         capture_output=True, text=True, timeout=110, check=True).stdout
    losses = [float(v) for v in re.findall(r"loss (\d+\.\d+)", out)]
    assert losses[-1] < 0.2 * losses[0]
    assert float(re.search(r"final accuracy (\d\.\d+)", out).group(1)) > 0.95


@pytest.mark.timeout(120)
@pytest.mark.parametrize("mode", ["graph", "pynative"])
def test_model_quick_start_reaches_high_accuracy(mode):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "model_quick_start.py"), "--mode", mode],
                         capture_output=True, text=True, timeout=110, check=True).stdout
    assert float(re.search(r"accuracy (\d\.\d+)", out).group(1)) > 0.95
