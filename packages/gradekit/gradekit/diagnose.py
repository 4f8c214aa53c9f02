"""Diagnose a student's backpropagation: which array is wrong, and which classic mistake it is.

Trusted side only: this module computes the right gradients, so it never enters a student's
interpreter (the sandbox hides this package). The grader calls :func:`diagnose_gradients` with
the *reference run's* inputs and the student's recorded arrays.

The network is the two-layer sigmoid network of chapter 8 (the XOR network in batch form,
``ch08-algorithm``), with the loss L = 1/(2n) Σ (A2 − Y)²:

    Z1 = X W1 + b1,  A1 = σ(Z1),  Z2 = A1 W2 + b2,  A2 = σ(Z2)
    dZ2 = (A2 − Y)/n ⊙ A2(1 − A2);  dW2 = A1ᵀ dZ2;  db2 = Σ_rows dZ2
    dZ1 = (dZ2 W2ᵀ) ⊙ A1(1 − A1);   dW1 = Xᵀ dZ1;   db1 = Σ_rows dZ1

Each entry of :data:`WRONG_VARIANTS` recomputes the gradients with one classic mistake; a
student's array that matches a variant (and not the truth) is reported with that mistake's
description.
"""
import numpy as np

__all__ = ["correct_gradients", "WRONG_VARIANTS", "diagnose_gradients", "likely_mistake"]


def _sig(Z):
    return 1.0 / (1.0 + np.exp(-Z))


def _backprop(X, Y, W1, b1, W2, b2, mistake=None):
    """Gradients (dW1, db1, dW2, db2), optionally with one mistake."""
    n = X.shape[0]
    Z1 = X @ W1 + b1
    A1 = _sig(Z1)
    Z2 = A1 @ W2 + b2
    A2 = _sig(Z2)
    scale = 1.0 if mistake == "no_mean" else 1.0 / n
    dA2 = (A2 - Y) * scale
    if mistake == "sign":
        dA2 = -dA2
    if mistake == "no_activation_derivative":
        prime2, prime1 = np.ones_like(A2), np.ones_like(A1)
    elif mistake == "sigma_prime_of_a":          # σ'(A) = σ(A)(1 − σ(A)) instead of σ'(Z) = A(1 − A)
        prime2, prime1 = _sig(A2) * (1 - _sig(A2)), _sig(A1) * (1 - _sig(A1))
    elif mistake == "z_times_one_minus_z":       # the formula A(1 − A) applied to Z
        prime2, prime1 = Z2 * (1 - Z2), Z1 * (1 - Z1)
    else:
        prime2, prime1 = A2 * (1 - A2), A1 * (1 - A1)
    dZ2 = dA2 * prime2
    dZ1 = (dZ2 @ W2.T) * prime1
    dW2, dW1 = A1.T @ dZ2, X.T @ dZ1
    if mistake == "transposed_dW":
        dW2, dW1 = dZ2.T @ A1, dZ1.T @ X          # (d_out, d_in): the column convention's shape
    axis = 1 if mistake == "db_wrong_axis" else 0
    db2, db1 = dZ2.sum(axis=axis), dZ1.sum(axis=axis)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def correct_gradients(X, Y, W1, b1, W2, b2):
    """The right gradients of the two-layer network, as a dict dW1, db1, dW2, db2."""
    return _backprop(X, Y, W1, b1, W2, b2)


WRONG_VARIANTS = {
    "transposed_dW": "dW has the transposed shape: use A_prevᵀ @ dZ (rows are samples), not dZᵀ @ A_prev",
    "no_mean": "the gradient is n times too large: the loss averages over the n samples, so dA needs the 1/n",
    "sigma_prime_of_a": "σ' was applied to the activation A: σ'(Z) = A(1 − A) already, do not take σ of A again",
    "z_times_one_minus_z": "A(1 − A) was computed from Z instead of A: σ'(Z) = σ(Z)(1 − σ(Z)) = A(1 − A)",
    "db_wrong_axis": "db was summed over the wrong axis: sum dZ over the samples (axis=0), one value per unit",
    "no_activation_derivative": "the activation's derivative is missing: dZ = dA ⊙ σ'(Z), not dZ = dA",
    "sign": "the sign is flipped: dA = (A − Y)/n, not (Y − A)/n",
}


def diagnose_gradients(student, X, Y, W1, b1, W2, b2, rtol=1e-6, atol=1e-10):
    """Compare a student's gradients with the right ones and with the known mistakes.

    Parameters
    ----------
    student : dict with keys "dW1", "db1", "dW2", "db2" (missing keys are reported)
    X (n, d), Y (n, k), W1 (d, h), b1 (h,), W2 (h, k), b2 (k,)

    Returns
    -------
    list of str
        One line per wrong array: which layer and array, and the likely mistake (empty when
        everything is right).
    """
    right = correct_gradients(X, Y, W1, b1, W2, b2)
    variants = {m: _backprop(X, Y, W1, b1, W2, b2, mistake=m) for m in WRONG_VARIANTS}
    problems = []
    for key in ("dW2", "db2", "dW1", "db1"):
        layer = f"layer {key[-1]} {key[:-1]}"
        if key not in student or student[key] is None:
            problems.append(f"{layer}: missing")
            continue
        got = np.asarray(student[key], dtype=float)
        if got.shape == right[key].shape and np.allclose(got, right[key], rtol=rtol, atol=atol):
            continue
        match = [m for m, v in variants.items()
                 if got.shape == v[key].shape and np.allclose(got, v[key], rtol=rtol, atol=atol)]
        if match:
            problems.append(f"{layer} is wrong. Likely mistake: {WRONG_VARIANTS[match[0]]}")
        elif got.shape != right[key].shape:
            problems.append(f"{layer} has shape {got.shape}, expected {right[key].shape}")
        else:
            i = np.unravel_index(int(np.argmax(np.abs(got - right[key]))), got.shape)
            problems.append(f"{layer} is wrong at {list(map(int, i))}: {got[i]:.6g} instead of {right[key][i]:.6g} "
                            f"(no known mistake matches)")
    return problems


def likely_mistake(spec, got, inputs, rtol=1e-6, atol=1e-10):
    """For a record's ``diagnose`` spec ``"two_layer_sigmoid:dW2"``: the classic mistake whose
    gradient ``got`` equals (its description), or None. ``inputs`` is the *reference* record's
    encoded dict of X, Y, W1, b1, W2, b2 (trusted: it comes from the reference run)."""
    from nbcheck.records import decode
    network, _, key = str(spec).partition(":")
    if network != "two_layer_sigmoid" or key not in ("dW1", "db1", "dW2", "db2") or not inputs:
        return None
    try:
        args = decode(inputs)
        arrays = {k: np.asarray(args[k], dtype=float) for k in ("X", "Y", "W1", "b1", "W2", "b2")}
    except (ValueError, KeyError, TypeError):
        return None
    got = np.asarray(got, dtype=float)
    right = _backprop(**arrays)[key]
    same = lambda a, b: a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=atol)   # noqa: E731
    if same(got, right):
        return None
    for mistake, description in WRONG_VARIANTS.items():
        wrong = _backprop(**arrays, mistake=mistake)[key]
        if not same(wrong, right) and same(got, wrong):   # a mistake that leaves this array right says nothing
            return description
    return None
