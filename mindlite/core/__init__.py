"""The core: dtypes, Tensor/Parameter, context, bind/trace, the eager tape and autodiff."""
