"""The layer protocol and its base class, shared by :mod:`mlpkit.layers`, :mod:`mlpkit.dropout`
and :mod:`mlpkit.conv`.

* ``forward(X, training=True) -> A`` caches what the backward pass needs;
* ``backward(dA) -> dX`` takes ``∂L/∂A`` and returns ``∂L/∂X``, filling the gradients. Like
  PyTorch's ``.grad``, the gradients are written into the layer's existing ``dW``, ``db``
  arrays, so no step allocates them anew: copy them if you want to keep one step's values;
* ``parameters()`` / ``gradients()`` return lists in the same order ([] if none);
  ``param_names`` names the attributes that hold the parameters (("W", "b") for Dense).
"""
from ._checks import layer_label

__all__ = ["Layer"]


class Layer:
    """Base class: a layer with no parameters passes gradients through unchanged."""

    name = None
    index = None  # position in a Sequential, set by the network (for messages)
    param_names = ()  # attributes holding the trainable arrays, in the order of parameters()

    def forward(self, X, training=True):
        raise NotImplementedError

    def backward(self, dA, need_dX=True):
        raise NotImplementedError

    def parameters(self):
        return [getattr(self, name) for name in self.param_names]

    def gradients(self):
        return [getattr(self, "d" + name) for name in self.param_names]

    def penalty(self):
        """Regularisation added to the loss by this layer (0 if none)."""
        return 0.0

    def has_penalty(self):
        """Does :meth:`penalty` add anything (a regulariser is set)?"""
        return False

    @property
    def label(self):
        return layer_label(self, self.index)
