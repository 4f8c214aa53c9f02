import numpy as np
import pytest

from mlpkit import init

pytestmark = [pytest.mark.ch03, pytest.mark.ch10, pytest.mark.ch11]


@pytest.mark.parametrize("name, var", [("xavier_uniform", 2 / (400 + 600)), ("xavier_normal", 2 / (400 + 600)),
                                       ("he_uniform", 2 / 400), ("he_normal", 2 / 400)])
def test_variance_of_scaled_initialisers(name, var):
    W = init.get(name)(400, 600, rng=np.random.default_rng(0))
    assert W.shape == (400, 600)
    assert W.var() == pytest.approx(var, rel=0.02) and abs(W.mean()) < 0.01 * np.sqrt(var) * 10


def test_uniform_is_the_seeds_random_and_dtype_is_kept():
    W = init.uniform(3, 4, rng=np.random.default_rng(1), dtype=np.float32)
    assert W.dtype == np.float32 and W.min() >= 0 and W.max() < 1
    np.testing.assert_array_equal(init.zeros(2, 3), np.zeros((2, 3)))


def test_explicit_rng_is_required_and_reproducible():
    with pytest.raises(ValueError, match="explicit random generator"):
        init.he_normal(3, 3, rng=None)
    a = init.he_normal(3, 3, rng=np.random.default_rng(5))
    b = init.he_normal(3, 3, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="unknown initialiser"):
        init.get("kaiming")
