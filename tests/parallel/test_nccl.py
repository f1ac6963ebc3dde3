"""The nccl backend: its data-type table, id exchange and call arguments with a stand-in for
cupy.cuda.nccl (runs everywhere), and every collective plus a data-parallel step on a real
GPU at world size 1 (marked gpu, skipped without one)."""
import numpy as np
import pytest

from mindlite.communication import nccl as N
from mindlite.communication._base import Group


class FakeNccl:
    """The constants and calls of cupy.cuda.nccl that the backend uses; a 2-rank world
    whose other rank holds the same data as this one."""
    NCCL_INT8, NCCL_UINT8, NCCL_INT32, NCCL_UINT32, NCCL_INT64, NCCL_UINT64 = 0, 1, 2, 3, 4, 5
    NCCL_FLOAT16, NCCL_FLOAT32, NCCL_FLOAT64, NCCL_BFLOAT16 = 6, 7, 8, 9
    NCCL_SUM, NCCL_PROD, NCCL_MAX, NCCL_MIN = 0, 1, 2, 3
    available = True

    def __init__(self):
        self.calls = []
        self.grouped = 0

    def get_unique_id(self):
        return tuple(range(-64, 64))

    def groupStart(self):
        self.grouped += 1

    def groupEnd(self):
        self.grouped -= 1

    def NcclCommunicator(self, n, uid, rank):
        fake = self

        class Comm:
            def allReduce(self, send, recv, count, dtype, op, stream):
                fake.calls.append(("allReduce", count, dtype, op))
                recv[...] = send * 2 if op == fake.NCCL_SUM else send

            def allGather(self, send, recv, count, dtype, stream):
                fake.calls.append(("allGather", count, dtype))
                recv[...] = np.stack([send, send])

            def reduceScatter(self, send, recv, count, dtype, op, stream):
                fake.calls.append(("reduceScatter", count, dtype, op))
                recv[...] = send[rank] * 2

            def broadcast(self, send, recv, count, dtype, root, stream):
                fake.calls.append(("broadcast", count, dtype, root))
                recv[...] = send

            def send(self, buf, count, dtype, peer, stream):
                assert fake.grouped
                fake.calls.append(("send", count, dtype, peer))

            def recv(self, buf, count, dtype, peer, stream):
                assert fake.grouped
                fake.calls.append(("recv", count, dtype, peer))
                buf[...] = peer
        return Comm()


class FakeMpi:
    def __init__(self):
        self.sent = None

    def Bcast(self, buf, root):
        self.sent = buf.copy()


class LogicComm(N.NcclCommunicator):
    """Arrays instead of device pointers, no stream, rank 0 of 2."""
    _buf = staticmethod(lambda a: a)

    def _stream(self):
        return 0


def test_nccl_logic_with_a_stand_in():
    fake, mpi = FakeNccl(), FakeMpi()
    comm = LogicComm(nccl=fake, rank=0, size=2, mpi_comm=mpi)
    assert mpi.sent.dtype == np.int8 and list(mpi.sent[:3]) == [-64, -63, -62]  # the id went over MPI
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_array_equal(comm.all_reduce(x), 2 * x)
    assert fake.calls[-1] == ("allReduce", 12, FakeNccl.NCCL_FLOAT32, FakeNccl.NCCL_SUM)
    np.testing.assert_array_equal(comm.all_gather(x, axis=1), np.concatenate([x, x], 1))
    assert fake.calls[-1] == ("allGather", 12, FakeNccl.NCCL_FLOAT32)
    np.testing.assert_array_equal(comm.reduce_scatter(x, "max", axis=0), 2 * x[:2])
    assert fake.calls[-1] == ("reduceScatter", 6, FakeNccl.NCCL_FLOAT32, FakeNccl.NCCL_MAX)
    out = comm.all_to_all(x.astype(np.float16), split_dim=0, concat_dim=1)
    assert out.shape == (2, 6) and [c[0] for c in fake.calls[-4:]] == ["send", "recv", "send", "recv"]
    assert fake.calls[-1] == ("recv", 6, FakeNccl.NCCL_FLOAT16, 1) and fake.grouped == 0
    np.testing.assert_array_equal(comm.broadcast(x, root=1), x)
    assert fake.calls[-1] == ("broadcast", 12, FakeNccl.NCCL_FLOAT32, 1)
    assert comm.log.by_op()["all_reduce"] == (1, 48)
    with pytest.raises(TypeError, match="cannot reduce bool"):
        comm.all_reduce(np.ones(3, bool))
    with pytest.raises(TypeError, match="does not support dtype complex64"):
        comm.all_gather(np.ones(3, np.complex64))


def test_nccl_needs_mpi_for_several_processes():
    with pytest.raises(RuntimeError, match="needs MPI"):
        LogicComm(nccl=FakeNccl(), rank=0, size=2, mpi_comm=None)


def test_dtype_table():
    fake = FakeNccl()
    assert N.nccl_dtype(fake, np.int64, "all_reduce") == fake.NCCL_INT64
    assert N.nccl_dtype(fake, np.bool_, "all_gather") == fake.NCCL_UINT8
    assert Group("g", (0, 1), 1).rank == 1


def _gpu():
    try:
        import cupy
        return cupy.is_available()
    except Exception:  # noqa: BLE001 - no cupy, no driver
        return False


@pytest.mark.gpu
@pytest.mark.skipif(not _gpu(), reason="needs an NVIDIA GPU with cupy and NCCL")
def test_nccl_world_of_one_on_gpu():
    import cupy
    import mindlite as ms
    from mindlite import Tensor, nn
    from mindlite.communication import AllGather, AllReduce, AlltoAll, Broadcast, ReduceScatter, init, release
    ms.set_context(device_target="GPU")
    try:
        init("nccl")
        x = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
        for op in (AllReduce(), AllGather(), ReduceScatter(), AlltoAll(1, 0, 1)):
            np.testing.assert_array_equal(op(x).asnumpy(), x.asnumpy())
        np.testing.assert_array_equal(Broadcast(0)((x,))[0].asnumpy(), x.asnumpy())
        ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.DATA_PARALLEL, gradients_mean=True)
        net = nn.Dense(3, 2)
        step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), nn.SGD(net.trainable_params(), 0.1))
        loss = step(x, Tensor(np.ones((2, 2), np.float32)))
        assert np.isfinite(loss.asnumpy()) and isinstance(net.weight._data, cupy.ndarray)
    finally:
        ms.reset_auto_parallel_context()
        release()
        ms.set_context(device_target="CPU")
