"""Hypothesis strategies shared by the property tests (``from strategies import ...``).

tests/support is on pytest's pythonpath (pyproject.toml), so every test folder imports this
one module; a strategy is defined here once, never per test file.
"""
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

__all__ = ["seeds", "batch_rows", "network_shapes", "GRADCHECK_SETTINGS", "json_like"]

#: Seeds for ``np.random.default_rng``: the arrays themselves are drawn by numpy from the seed,
#: which keeps examples small to print and fast to shrink.
seeds = st.integers(0, 10_000)

#: Number of rows n of a batch.
batch_rows = st.integers(1, 6)


@st.composite
def network_shapes(draw, min_outputs=1, max_layers=3, max_width=5):
    """(n, widths): a batch of n rows through Dense layers widths[0] → widths[1] → ... (2–4 sizes).

    ``min_outputs=2`` for softmax / one-hot heads, which need at least two classes.
    """
    n = draw(batch_rows)
    hidden = draw(st.lists(st.integers(1, max_width), min_size=1, max_size=max_layers))
    out = draw(st.integers(min_outputs, max(min_outputs, max_width)))
    return n, hidden + [out]


#: For finite-difference checks: few examples (each is hundreds of loss evaluations), no
#: deadline (timing is not under test), the same examples on every run, and assume()
#: rejections (inputs near a kink) allowed.
GRADCHECK_SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


#: any JSON a hostile file or kernel could send: nested, huge and odd numbers, strings, and the
#: shapes of records (so that decoders meet near-misses, not only noise)
_leaves = (st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats(allow_nan=True, allow_infinity=True)
           | st.text(max_size=20))
json_like = st.recursive(
    _leaves,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["v", "kind", "name", "value", "type", "shape", "data", "dtype", "hidden",
                                       "rtol", "atol", "truth", "at_least", "message", "problem", "x"]) | st.text(max_size=5),
                      inner, max_size=5),
    max_leaves=30)
