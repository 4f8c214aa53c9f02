"""One parameter vector θ and one gradient vector g for the duration of ``fit``.

On tiny networks a training step costs the *number* of numpy calls, not the arithmetic: with
every ``W``, ``b`` a view into θ and every ``dW``, ``db`` a view into g, the optimiser's update
θ ← θ − η g (``eq-ch04-gd``) is one call on one array instead of one per array.
"""
import numpy as np

__all__ = ["FlatParameters"]


class FlatParameters:
    """While ``fit`` runs: all parameters in one vector θ, all gradients in one vector g.

    On entering, each layer's parameter arrays (``W``, ``b``) become views into θ and its
    gradient arrays (``dW``, ``db``) views into g, in the order of ``model.parameters()``.
    Layers write their gradients in place (see :mod:`mlpkit.base`), so after a backward pass g
    already holds them and an optimiser step ``θ ← update(θ, g)`` is one call on one array
    instead of one per array. On leaving, the final values are copied back into the layers'
    original arrays and those are put back, so arrays taken before ``fit`` stay valid and see
    the result, as if they had been updated in place all along. The optimiser's state
    (velocities, Adam's moments), if it has one entry per array, is joined the same way on
    entering and split on leaving, so ``fit`` and hand-made ``step`` calls can alternate.

    A layer whose ``parameters()`` are not its ``param_names`` attributes (a custom layer that
    does not declare them) switches this off: :meth:`step` then updates array by array.
    """

    def __init__(self, model, optimizer):
        self.model, self.optimizer = model, optimizer
        self.owners = [(layer, name) for layer in model.layers for name in layer.param_names]
        declared = [getattr(layer, name) for layer, name in self.owners]
        params = model.parameters()
        self.enabled = len(declared) == len(params) and all(a is b for a, b in zip(declared, params))
        ends = np.cumsum([p.size for p in params])     # part k of θ (and g) holds parameter k
        self.parts = [(slice(end - p.size, end), p.shape) for p, end in zip(params, ends)]
        self.shapes = [p.shape for p in params]
        self.grad_owners = [(layer, "d" + name) for layer, name in self.owners]

    def _join(self, prefix):
        """One vector holding every layer's ``prefix + name`` array; the layers get views of it."""
        arrays = [getattr(layer, prefix + name) for layer, name in self.owners]
        self.originals[prefix] = arrays
        flat = np.concatenate(arrays, axis=None) if arrays else np.zeros(0, self.model.dtype)
        views = [flat[part].reshape(shape) for part, shape in self.parts]
        for (layer, name), view in zip(self.owners, views):
            setattr(layer, prefix + name, view)
        return flat, views

    def __enter__(self):
        self.originals = {}
        if not self.enabled:
            return self
        self.theta, _ = self._join("")
        self.g, self.grad_views = self._join("d")
        if hasattr(self.optimizer, "join_state"):
            self.optimizer.join_state(self.shapes)
        return self

    def step(self):
        """One optimiser step on the whole network, after a backward pass."""
        if not self.enabled:
            self.optimizer.step(self.model.parameters(), self.model.gradients())
            return
        # A layer that assigned a new gradient array instead of writing in place (a student's
        # own layer, say) is copied into its part of g, never skipped. (The protocol's "d" + name
        # attributes are read directly: building model.gradients() costs more than the loop.)
        for (layer, grad_name), view in zip(self.grad_owners, self.grad_views):
            grad = getattr(layer, grad_name)
            if grad is not view:
                view[...] = grad
        self.optimizer.step([self.theta], [self.g])     # θ ← update(θ, g)

    def finite(self):
        """Are all parameters finite numbers?"""
        if self.enabled:
            return bool(np.isfinite(self.theta).all())
        return all(np.isfinite(p).all() for p in self.model.parameters())

    def __exit__(self, *exc):
        for prefix, arrays in self.originals.items():
            for (layer, name), a in zip(self.owners, arrays):
                a[...] = getattr(layer, prefix + name)
                setattr(layer, prefix + name, a)
        if self.enabled and hasattr(self.optimizer, "split_state"):
            self.optimizer.split_state(self.shapes)
        return False
