"""The same programs on real MPI processes (`mpiexec -n 2`); marked `dist`, skipped when
mpi4py or mpiexec is missing (`pip install mpi4py mpich`)."""
import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def _mpiexec():
    local = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return local if os.path.exists(local) else shutil.which("mpiexec")


pytestmark = [pytest.mark.dist,
              pytest.mark.skipif(importlib.util.find_spec("mpi4py") is None or _mpiexec() is None,
                                 reason="needs mpi4py and mpiexec (pip install mpi4py mpich)")]


def _launch(case, n=2, mode="pynative"):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    proc = subprocess.run([_mpiexec(), "-n", str(n), sys.executable, os.path.join(HERE, "mpi_programs.py"), case, mode],
                          capture_output=True, text=True, timeout=110, env=env)
    assert proc.returncode == 0, f"{case} on {n} MPI ranks failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert f"OK {case}" in proc.stdout


@pytest.mark.timeout(120)
def test_collectives_against_numpy():
    _launch("collectives")


@pytest.mark.timeout(120)
def test_semi_auto_matmul():
    _launch("semi_matmul")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", ["dp_bert", "auto_bert", "dp_resnet", "auto_resnet"])
def test_training_matches_single_process(case):
    _launch(case)


@pytest.mark.timeout(120)
def test_auto_parallel_bert_graph_mode():
    _launch("auto_bert", mode="graph")
