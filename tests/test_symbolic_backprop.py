"""Symbolic proofs behind Part I, outside the book: if one fails, a chapter's claim is false."""
import sympy as sp

z, x = sp.symbols("z x", real=True)
sigma = 1 / (1 + sp.exp(-z))


def test_sigmoid_derivative_identity_and_maximum():
    assert sp.simplify(sp.diff(sigma, z) - sigma * (1 - sigma)) == 0
    assert sp.simplify(sp.diff(sigma, z) - sp.exp(-z) / (1 + sp.exp(-z)) ** 2) == 0
    s = sp.symbols("s", positive=True)
    assert sp.simplify(((1 - s) / s) / (1 / s) ** 2 - s * (1 - s)) == 0
    assert sp.solve(sp.diff(sigma * (1 - sigma), z), z) == [0]
    assert sp.simplify((sigma * (1 - sigma)).subs(z, 0)) == sp.Rational(1, 4)


def test_tanh_and_relu_derivatives():
    assert sp.simplify(sp.diff(sp.tanh(z), z) - (1 - sp.tanh(z) ** 2)) == 0
    assert sp.diff(sp.Max(z, 0), z).subs(z, 1) == 1 and sp.diff(sp.Max(z, 0), z).subs(z, -1) == 0


def test_seed002_chain_rule_drills():
    drills = {(3 * x**2 + 1) ** 2: 12 * x * (3 * x**2 + 1),
              sp.sin(2 * x**2 + 3): 4 * x * sp.cos(2 * x**2 + 3),
              sp.log(sp.cos(x**2 + 1)): -2 * x * sp.tan(x**2 + 1),
              sp.exp(2 * x**2 + 3 * x): (4 * x + 3) * sp.exp(2 * x**2 + 3 * x)}
    for f, answer in drills.items():
        assert sp.simplify(sp.diff(f, x) - answer) == 0


def test_seed000_twelve_partials_by_deltas():
    sig = lambda M: M.applyfunc(lambda t: 1 / (1 + sp.exp(-t)))
    W1 = sp.Matrix(2, 2, sp.symbols("a:4"))
    W2 = sp.Matrix(2, 2, sp.symbols("c:4"))
    b1, b2 = sp.Matrix([sp.symbols("b0 b1")]), sp.Matrix([sp.symbols("d0 d1")])
    a0, y = sp.Matrix([[1, 0]]), sp.Matrix([[0, 1]])
    z1 = a0 * W1 + b1
    a1 = sig(z1)
    z2 = a1 * W2 + b2
    a2 = sig(z2)
    C = ((y[0] - a2[0]) ** 2 + (y[1] - a2[1]) ** 2) / 2
    d2 = [(a2[k] - y[k]) * a2[k] * (1 - a2[k]) for k in range(2)]
    d1 = [sum(W2[j, k] * d2[k] for k in range(2)) * a1[j] * (1 - a1[j]) for j in range(2)]
    claims = {W2[j, k]: a1[j] * d2[k] for j in range(2) for k in range(2)}
    claims |= {W1[j, k]: a0[j] * d1[k] for j in range(2) for k in range(2)}
    claims |= {b2[k]: d2[k] for k in range(2)} | {b1[k]: d1[k] for k in range(2)}
    values = dict(zip(list(W1) + list(b1) + list(W2) + list(b2), [0.1 * i - 0.4 for i in range(12)]))
    for p, claim in claims.items():
        # exact rational evaluation of both sides at a point, plus SymPy's structural check
        assert abs(float((sp.diff(C, p) - claim).subs(values))) < 1e-14
        assert sp.simplify(sp.diff(C, p) - claim) == 0


def test_matrix_delta_rule_is_the_jacobian_for_any_activation():
    g, gprime = sp.Function("g"), sp.Function("gprime")
    canon = lambda e: e.replace(lambda t: isinstance(t, sp.Subs), lambda t: gprime(t.point[0]))
    X = sp.Matrix(3, 2, sp.symbols("x:6"))
    Y = sp.Matrix(3, 1, sp.symbols("y:3"))
    W1, W2 = sp.Matrix(2, 2, sp.symbols("u:4")), sp.Matrix(2, 1, sp.symbols("v:2"))
    b1, b2 = sp.Matrix([sp.symbols("c:2")]), sp.Matrix([sp.symbols("d0")])
    ones = sp.ones(3, 1)
    Z1 = X * W1 + ones * b1
    A1 = Z1.applyfunc(g)
    Z2 = A1 * W2 + ones * b2
    A2 = Z2.applyfunc(g)
    L = sum((A2[i] - Y[i]) ** 2 for i in range(3)) / 3
    D2 = (2 * (A2 - Y) / 3).multiply_elementwise(Z2.applyfunc(gprime))
    D1 = (D2 * W2.T).multiply_elementwise(Z1.applyfunc(gprime))
    dW1, dW2, dX = X.T * D1, A1.T * D2, D1 * W1.T
    for i in range(2):
        assert sp.expand(canon(sp.diff(L, W2[i])) - dW2[i]) == 0
        assert sp.expand(canon(sp.diff(L, b1[i])) - sum(D1[:, i])) == 0
        for j in range(2):
            assert sp.expand(canon(sp.diff(L, W1[i, j])) - dW1[i, j]) == 0
    assert sp.expand(canon(sp.diff(L, b2[0])) - sum(D2)) == 0
    for i in range(3):
        for j in range(2):
            assert sp.expand(canon(sp.diff(L, X[i, j])) - dX[i, j]) == 0
