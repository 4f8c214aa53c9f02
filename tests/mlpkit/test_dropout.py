"""mlpkit.dropout: inverted dropout."""
import numpy as np
import pytest

import mlpkit as mk
from mlpkit.dropout import Dropout

pytestmark = [pytest.mark.ch11]


def test_inverted_dropout_keeps_the_expectation_and_is_off_at_predict():
    rng = np.random.default_rng(0)
    d = Dropout(0.4, rng=rng)
    X = np.ones((2000, 50))
    out = d.forward(X, training=True)
    assert abs(out.mean() - 1.0) < 0.02
    assert set(np.unique(out)) <= {0.0, 1 / 0.6}
    np.testing.assert_array_equal(d.backward(np.ones_like(X)), d.mask)
    np.testing.assert_array_equal(d.forward(X, training=False), X)


def test_dropout_fixed_mask_and_errors():
    d = Dropout(0.5)
    d.fixed_mask = np.array([[2.0, 0.0]])
    np.testing.assert_array_equal(d.forward(np.array([[3.0, 4.0]])), [[6.0, 0.0]])
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\)"):
        Dropout(1.0)
    with pytest.raises(ValueError, match="rng="):
        Dropout(0.2).forward(np.ones((2, 2)))


def test_dropout_is_reexported_by_layers_and_has_no_parameters():
    assert mk.layers.Dropout is Dropout and mk.layers.Layer is mk.base.Layer
    d = Dropout(0.3, rng=np.random.default_rng(1))
    assert d.parameters() == [] and d.gradients() == [] and not d.has_penalty()
