"""Inverted dropout (``eq-ch11-dropout``): a layer that zeroes random units in training and
passes all in prediction."""
from ._checks import ShapeError
from .base import Layer, register

__all__ = ["Dropout"]


@register
class Dropout(Layer):
    """Inverted dropout: in training, zero each unit with probability ``rate`` and scale
    the survivors by 1/(1 − rate), so E[output] = input; identity when ``training=False``.

    Parameters
    ----------
    rate : float in [0, 1)
    rng : numpy.random.Generator
        Draws the mask (required for training).

    Attributes
    ----------
    mask : ndarray or None
        The scaled keep-mask M of the last pass (entries 0 or 1/(1 − rate)); output = X ⊙ M,
        backward dX = dA ⊙ M. Set ``fixed_mask`` to reuse one mask (gradient checks).
    """

    def __init__(self, rate, rng=None, name=None):
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"Dropout: rate must be in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self.rng = rng
        self.name = name
        self.mask = None
        self.fixed_mask = None

    def __repr__(self):
        return f"Dropout({self.rate})"

    def forward(self, X, training=True):
        """X ⊙ M with M the scaled keep-mask (a new one each call); X itself when not training."""
        if not training or self.rate == 0.0:
            self.mask = None
            return X
        if self.fixed_mask is not None:
            if self.fixed_mask.shape != X.shape:
                raise ShapeError(f"{self.label}: fixed_mask has shape {self.fixed_mask.shape} "
                                 f"but the input has shape {X.shape}; set a mask of shape {X.shape} "
                                 f"(one entry per unit of the batch) or fixed_mask = None")
            self.mask = self.fixed_mask
        else:
            if self.rng is None:
                raise ValueError(f"{self.label}: pass rng=np.random.default_rng(seed) to draw dropout masks")
            keep = 1.0 - self.rate
            self.mask = (self.rng.random(X.shape) < keep).astype(X.dtype) / X.dtype.type(keep)
        return X * self.mask

    def backward(self, dA):
        """dX = dA ⊙ mask (the same mask as the forward pass)."""
        return dA if self.mask is None else dA * self.mask

    def config(self):
        """Rate and name; the generator is not saved (set ``layer.rng`` to train a loaded network)."""
        return {"type": "Dropout", "rate": self.rate, "name": self.name}
