"""`ops.Custom`: MindSpore's custom-operator entry point, for te and Python functions.

    >>> from mindlite import ops, te
    >>> from mindlite.te.lang import cce
    >>> sig = ops.Custom(lambda x: cce.vrec(cce.vadds(cce.vexp(cce.vmuls(x, -1.0)), 1.0)), func_type="te")
    >>> sig(ms.Tensor(np.ones(4, np.float32)))
    >>> sq = ops.Custom(lambda x: x * x, out_shape=lambda s: s, out_dtype=lambda d: d, func_type="pyfunc",
    ...                 bprop=lambda x, out, dout: (2 * x * dout,))

func_type "te": `func` takes te placeholders (one per input, of the inputs' shapes and
dtypes) and returns a te tensor; the op is built on first use per input signature, and
its gradient is te's unless `bprop` is given. func_type "pyfunc": `func` runs on numpy
arrays on the host; `out_shape`/`out_dtype` (values, or functions of the input shapes /
dtypes) give its shape rule; it is differentiable only with a `bprop`.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..ops.registry import Aval, Primitive
from .expr import Tensor as TeTensor
from .expr import as_dtype, placeholder
from .op import USER_DEFINED, _unique, build

_FUNC_TYPES = ("te", "pyfunc")


def _np_dtype(d: Any) -> np.dtype:
    return np.dtype(getattr(d, "np", d))


def _user_bprop(bprop: Callable[..., Any]) -> Callable[..., Any]:
    def rule(*inputs: Any, out: Any, dout: Any) -> tuple:
        got = bprop(*inputs, out, dout)
        return tuple(got) if isinstance(got, (tuple, list)) else (got,)
    return rule


class Custom:
    """A custom operator (see the module docstring); call it on Tensors like any op."""

    def __init__(self, func: Callable[..., Any], out_shape: Any = None, out_dtype: Any = None,
                 func_type: str = "hybrid", bprop: Callable[..., Any] | None = None, reg_info: Any = None) -> None:
        if func_type not in _FUNC_TYPES:
            raise ValueError(f"ops.Custom: func_type {func_type!r} is not supported here; use one of {_FUNC_TYPES}")
        if not callable(func):
            raise TypeError(f"ops.Custom: func must be callable, got {type(func).__name__}")
        if bprop is not None and not callable(bprop):
            raise TypeError(f"ops.Custom: bprop must be callable, got {type(bprop).__name__}")
        self.func, self.out_shape, self.out_dtype = func, out_shape, out_dtype
        self.func_type, self.bprop, self.reg_info = func_type, bprop, reg_info
        self.name = getattr(func, "__name__", "custom").replace("<lambda>", "lambda")
        self._prims: dict = {}
        self._pyfunc: Primitive | None = None

    def __call__(self, *args: Any) -> Any:
        return self.primitive(*args)(*args)

    def primitive(self, *args: Any) -> Primitive:
        """The primitive this op binds for these arguments."""
        if self.func_type == "pyfunc":
            if self._pyfunc is None:
                self._pyfunc = self._make_pyfunc()
            return self._pyfunc
        sig = tuple((tuple(a.shape), _np_dtype(a.dtype).str) for a in args)
        prim = self._prims.get(sig)
        if prim is None:
            prim = self._prims[sig] = self._make_te(args)
        return prim

    def _make_te(self, args: tuple) -> Primitive:
        phs = [placeholder(tuple(a.shape), _np_dtype(a.dtype), f"x{k}") for k, a in enumerate(args)]
        out = self.func(*phs)
        if not isinstance(out, TeTensor):
            raise TypeError(f"ops.Custom({self.name}, func_type='te'): func must return a te tensor, got "
                            f"{type(out).__name__}")
        if self.out_shape is not None and not callable(self.out_shape) and tuple(self.out_shape) != out.shape:
            raise ValueError(f"ops.Custom({self.name}): out_shape {list(self.out_shape)} differs from the te "
                             f"result's {list(out.shape)}")
        if self.out_dtype is not None and not callable(self.out_dtype) and as_dtype(self.out_dtype) != out.dtype:
            raise TypeError(f"ops.Custom({self.name}): out_dtype {as_dtype(self.out_dtype)} differs from the te "
                            f"result's {out.dtype}")
        prim = build(out, phs, f"Custom_{self.name}")
        if self.bprop is not None:
            prim.def_bprop(_user_bprop(self.bprop))
        return prim

    def _make_pyfunc(self) -> Primitive:
        if self.out_shape is None or self.out_dtype is None:
            raise ValueError(f"ops.Custom({self.name}, func_type='pyfunc') needs out_shape and out_dtype")
        func, name = self.func, self.name

        def impl(xp: Any, *arrays: Any) -> Any:
            host = [a.get() if hasattr(a, "get") and not isinstance(a, np.ndarray) else a for a in arrays]
            want = infer(*[Aval(tuple(np.shape(a)), np.asarray(a).dtype) for a in host])
            res = np.asarray(func(*host))
            if res.shape != want.shape:
                raise ValueError(f"ops.Custom({name}, func_type='pyfunc'): func returned shape {list(res.shape)}, "
                                 f"out_shape says {list(want.shape)}")
            return xp.asarray(res.astype(want.dtype, copy=False))

        def infer(*avals: Any) -> Aval:
            shapes = [a.shape if isinstance(a, Aval) else () for a in avals]
            dtypes = [a.dtype if isinstance(a, Aval) else np.asarray(a).dtype for a in avals]
            shape = self.out_shape(*shapes) if callable(self.out_shape) else self.out_shape
            dtype = self.out_dtype(*dtypes) if callable(self.out_dtype) else self.out_dtype
            return Aval(tuple(shape), _np_dtype(dtype))

        prim = Primitive(_unique(f"Custom_{name}"), impl, infer, is_pure=True)
        USER_DEFINED.add(prim.name)
        if self.bprop is not None:
            prim.def_bprop(_user_bprop(self.bprop))
        return prim


__all__ = ["Custom"]
