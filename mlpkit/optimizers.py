"""Optimisers: gradient-descent variants with their state inside.

Each has one method, ``step(params, grads)``, which updates every array of ``params`` in
place from the matching array of ``grads`` (the lists ``model.parameters()`` and
``model.gradients()``). The update rules follow ``torch.optim`` exactly (same defaults for
ε placement and bias correction), so the first steps agree with PyTorch to round-off.
Notation: θ a parameter, g its gradient, η the learning rate, t = 1, 2, ... the step.

Scalars are kept as Python floats: a NumPy float64 scalar times a float32 array would
silently promote the update to float64.
"""
import math

import numpy as np

__all__ = ["Optimizer", "SGD", "Momentum", "Nesterov", "Adagrad", "Adadelta", "RMSProp", "Adam", "get"]


class Optimizer:
    """Base class: keeps ``slots`` state arrays per parameter array, created on the first step."""

    slots = 0

    def __init__(self, lr):
        if not lr > 0:
            raise ValueError(f"{type(self).__name__}: the learning rate must be > 0, got {lr}")
        self.lr = float(lr)
        self.t = 0
        self.state = None

    def _init_state(self, params, n_slots):
        if self.state is None or len(self.state) != len(params):
            self.state = [[np.zeros_like(p) for _ in range(n_slots)] for p in params]

    def step(self, params, grads):
        if len(params) != len(grads):
            raise ValueError(f"{type(self).__name__}.step: {len(params)} parameters but {len(grads)} gradients")
        if self.slots:
            self._init_state(params, self.slots)
        self.t += 1
        for i, (p, g) in enumerate(zip(params, grads)):
            if p.shape != g.shape:
                raise ValueError(f"{type(self).__name__}.step: parameter {i} has shape {p.shape} "
                                 f"but its gradient has shape {g.shape}")
            self._update(i, p, g)

    def _update(self, i, p, g):
        raise NotImplementedError

    def join_state(self, shapes):
        """Merge per-array state into one entry for one flat vector of all the arrays.

        ``fit`` calls this when it joins the parameters of shapes ``shapes`` into one vector θ
        (see :class:`mlpkit.training.FlatParameters`): velocities and moments follow, so
        ``fit`` and hand-made ``step`` calls can alternate. Nothing happens when the state
        does not hold one entry per array of these shapes (no step taken yet, say).
        """
        if self.state and [slots[0].shape for slots in self.state] == [tuple(s) for s in shapes]:
            self.state = [[np.concatenate(slot, axis=None) for slot in zip(*self.state)]]

    def split_state(self, shapes):
        """The inverse of :meth:`join_state`: one flat entry back into one entry per array."""
        sizes = [math.prod(s) for s in shapes]
        if self.state and len(self.state) == 1 and len(shapes) > 1 and self.state[0][0].size == sum(sizes):
            ends = np.cumsum(sizes)
            self.state = [[slot[end - size:end].reshape(shape) for slot in self.state[0]]
                          for shape, size, end in zip(shapes, sizes, ends)]

    def __repr__(self):
        args = ", ".join(f"{k}={v}" for k, v in vars(self).items() if k not in ("t", "state"))
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Plain gradient descent: θ ← θ − η g."""

    def step(self, params, grads):
        if len(params) != len(grads):
            raise ValueError(f"SGD.step: {len(params)} parameters but {len(grads)} gradients")
        self.t += 1
        lr = self.lr
        for p, g in zip(params, grads):
            p -= lr * g


class Momentum(Optimizer):
    """Heavy-ball momentum (torch ``SGD(momentum=μ)``): v ← μ v + g;  θ ← θ − η v.

    (The textbook form v ← μv − ηg, θ ← θ + v is the same sequence for a constant η.)
    """

    def __init__(self, lr=0.01, momentum=0.9):
        super().__init__(lr)
        self.momentum = float(momentum)

    slots = 1

    def _velocity(self, i, g):
        """v ← μ v + g (torch starts the buffer at the first gradient)."""
        v = self.state[i][0]
        if self.t == 1:
            v[...] = g
        else:
            v *= self.momentum
            v += g
        return v

    def _update(self, i, p, g):
        p -= self.lr * self._velocity(i, g)


class Nesterov(Momentum):
    """Nesterov momentum (torch ``SGD(momentum=μ, nesterov=True)``):
    v ← μ v + g;  θ ← θ − η (g + μ v)."""

    def _update(self, i, p, g):
        p -= self.lr * (g + self.momentum * self._velocity(i, g))


class Adagrad(Optimizer):
    """Adagrad: s ← s + g²;  θ ← θ − η g / (√s + ε)."""

    def __init__(self, lr=0.01, eps=1e-10):
        super().__init__(lr)
        self.eps = float(eps)

    slots = 1

    def _update(self, i, p, g):
        s = self.state[i][0]
        s += g * g
        p -= self.lr * g / (np.sqrt(s) + self.eps)


class Adadelta(Optimizer):
    """Adadelta (Zeiler 2012), torch form:
    s ← ρ s + (1 − ρ) g²;  Δ = √(u + ε) / √(s + ε) · g;  u ← ρ u + (1 − ρ) Δ²;  θ ← θ − η Δ."""

    def __init__(self, lr=1.0, rho=0.9, eps=1e-6):
        super().__init__(lr)
        self.rho, self.eps = float(rho), float(eps)

    slots = 2

    def _update(self, i, p, g):
        s, u = self.state[i]
        rho, eps = self.rho, self.eps
        s *= rho
        s += (1.0 - rho) * g * g
        delta = np.sqrt(u + eps) / np.sqrt(s + eps) * g
        u *= rho
        u += (1.0 - rho) * delta * delta
        p -= self.lr * delta


class RMSProp(Optimizer):
    """RMSProp (torch ``RMSprop(alpha=ρ)``): s ← ρ s + (1 − ρ) g²;  θ ← θ − η g / (√s + ε)."""

    def __init__(self, lr=0.01, rho=0.99, eps=1e-8):
        super().__init__(lr)
        self.rho, self.eps = float(rho), float(eps)

    slots = 1

    def _update(self, i, p, g):
        s = self.state[i][0]
        s *= self.rho
        s += (1.0 - self.rho) * g * g
        p -= self.lr * g / (np.sqrt(s) + self.eps)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2014):
    m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
    m̂ = m / (1 − β₁ᵗ);  v̂ = v / (1 − β₂ᵗ);  θ ← θ − η m̂ / (√v̂ + ε).

    Computed in place in one scratch buffer per parameter (no temporary arrays per step),
    in torch's order: denominator √v / √(1 − β₂ᵗ) + ε, step η / (1 − β₁ᵗ).
    """

    slots = 3                                   # m, v, and a scratch buffer

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    def _update(self, i, p, g):
        m, v, tmp = self.state[i]
        b1, b2 = self.beta1, self.beta2
        m *= b1
        np.multiply(g, 1.0 - b1, out=tmp)
        m += tmp                                # m ← β₁ m + (1 − β₁) g
        v *= b2
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - b2
        v += tmp                                # v ← β₂ v + (1 − β₂) g²
        # Python floats: a NumPy float64 scalar would promote float32 arrays to float64
        np.sqrt(v, out=tmp)
        tmp *= 1.0 / math.sqrt(1.0 - b2 ** self.t)
        tmp += self.eps                         # √v̂ + ε
        np.divide(m, tmp, out=tmp)
        tmp *= self.lr / (1.0 - b1 ** self.t)   # η m̂ / (√v̂ + ε)
        p -= tmp


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adagrad": Adagrad,
              "adadelta": Adadelta, "rmsprop": RMSProp, "adam": Adam}


def get(name, **kwargs):
    """Build an optimiser by name ("sgd", "adam", ...) with keyword hyper-parameters."""
    if isinstance(name, Optimizer):
        return name
    try:
        return OPTIMIZERS[str(name).lower()](**kwargs)
    except KeyError:
        raise ValueError(f"unknown optimiser {name!r}; choose one of {sorted(OPTIMIZERS)}") from None
