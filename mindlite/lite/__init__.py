"""`mindlite.lite`: from a trained network to an optimised, compressed inference model.

    ms.export(net, x, file_name="net")                       # net.mindir (mindir.py)
    lite.Converter().convert("net.mindir", "net", optimize="O2",
                             quant_config={"calib_data": batches, "method": "KL"})   # net.ms
    model = lite.Model(); model.build_from_file("net.ms"); model.predict([x])

Compression: `lite.quantize` (int8 PTQ), `lite.prune` (magnitude / channels),
`lite.DistillLoss` (distillation); `lite.federated.FedAvgSim` (federated averaging).
"""
from . import federated, prune  # noqa: F401
from .distill import DistillLoss, WithDistillLossCell  # noqa: F401
from .mindir import MindIRGraph, from_network  # noqa: F401
from .quant import quantize  # noqa: F401
from .runtime import Converter, Model, ModelType, Tensor, optimize_graph  # noqa: F401

__all__ = ["Converter", "Model", "ModelType", "Tensor", "MindIRGraph", "from_network", "optimize_graph",
           "quantize", "prune", "DistillLoss", "WithDistillLossCell", "federated"]
