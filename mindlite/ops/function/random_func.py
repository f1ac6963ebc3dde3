"""`mindlite.ops.function.random_func`: MindSpore's random functions that mindlite implements."""
from ._family import export, missing

__all__ = export(globals(), """
    bernoulli multinomial normal rand rand_like randint randint_like randn randn_like randperm
    shuffle standard_normal uniform gamma laplace
""")


def __getattr__(name: str):  # noqa: ANN202 - module attribute hook
    raise missing(__name__, name)
