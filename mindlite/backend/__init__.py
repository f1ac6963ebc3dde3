"""Backends: the array module (`xp`) of each device, and later the executor and kernels."""
from .device import Device, current_device, set_device

__all__ = ["Device", "current_device", "set_device"]


def _install() -> None:
    """Register the graph compiler with the core (which never imports the backend)."""
    from ..core.jit import set_compiler
    from ..core.prim import STATE, set_graph_runner
    from ..passes.pipeline import optimize
    from .executor import compile_graph, has_runtime_sizes, optimize_and_compile

    def compile_step(graph, inplace):
        xp = STATE.xp
        # graphs with run-time sizes (axes declared None) run through the executor on every device:
        # the generated GPU kernels and CUDA graphs are built for static shapes
        if xp.__name__ != "numpy" and not has_runtime_sizes(graph):
            from .gpu.compile import compile_gpu_step, gpu_lowering_enabled
            if gpu_lowering_enabled():  # generated kernels, cuBLAS/cuDNN, one CUDA graph per step
                return compile_gpu_step(graph, inplace, xp)
        g = optimize(graph, state_outs=inplace)
        return g, compile_graph(g)
    set_compiler(compile_step)
    set_graph_runner(compile_graph, optimize_and_compile)


_install()
