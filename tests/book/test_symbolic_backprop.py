"""Symbolic proofs behind Part I, outside the book: if one fails, a chapter's claim is false."""
import sympy as sp

z, x = sp.symbols("z x", real=True)
sigma = 1 / (1 + sp.exp(-z))


def test_sigmoid_derivative_step_by_step():
    """Chapter 6: σ = v⁻¹ with v = 1 + e^{−z}; chain rule; e^{−z} = (1 − σ)/σ; substitute."""
    v, s = sp.symbols("v s", positive=True)
    outer, inner = v**-1, 1 + sp.exp(-z)
    assert sp.simplify(outer.subs(v, inner) - sigma) == 0                          # rewrite
    assert sp.diff(outer, v) == -v**-2 and sp.diff(inner, z) == -sp.exp(-z)      # step 1
    step2 = sp.diff(outer, v).subs(v, inner) * sp.diff(inner, z)
    assert sp.simplify(step2 - sp.exp(-z) / (1 + sp.exp(-z)) ** 2) == 0          # step 2
    assert sp.simplify(step2 - sp.diff(sigma, z)) == 0
    assert sp.simplify(((1 - s) / s).subs(s, sigma) - sp.exp(-z)) == 0           # step 3
    assert sp.simplify(((1 - s) / s) / (1 / s) ** 2 - s * (1 - s)) == 0          # step 4
    assert sp.simplify(sp.diff(sigma, z) - sigma * (1 - sigma)) == 0             # the identity


def test_sigmoid_derivative_maximum_is_a_quarter_at_zero():
    assert sp.solve(sp.diff(sigma * (1 - sigma), z), z) == [0]
    assert sp.simplify((sigma * (1 - sigma)).subs(z, 0)) == sp.Rational(1, 4)
    assert sp.diff(sigma * (1 - sigma), z, 2).subs(z, 0) < 0


def test_tanh_and_relu_derivatives():
    assert sp.simplify(sp.diff(sp.tanh(z), z) - (1 - sp.tanh(z) ** 2)) == 0
    assert sp.diff(sp.Max(z, 0), z).subs(z, 1) == 1 and sp.diff(sp.Max(z, 0), z).subs(z, -1) == 0


def test_seed002_chain_rule_drills():
    """Chapter 5: each drill as outer(inner(x)); the chain-rule product equals the hand answer."""
    u = sp.symbols("u")
    drills = [((3 * x**2 + 1) ** 2, 3 * x**2 + 1, u**2, 12 * x * (3 * x**2 + 1)),
              (sp.sin(2 * x**2 + 3), 2 * x**2 + 3, sp.sin(u), 4 * x * sp.cos(2 * x**2 + 3)),
              (sp.log(sp.cos(x**2 + 1)), sp.cos(x**2 + 1), sp.log(u), -2 * x * sp.tan(x**2 + 1)),
              (sp.exp(2 * x**2 + 3 * x), 2 * x**2 + 3 * x, sp.exp(u),
               (4 * x + 3) * sp.exp(2 * x**2 + 3 * x))]
    for f, inner, outer, answer in drills:
        assert sp.simplify(outer.subs(u, inner) - f) == 0
        chain = sp.diff(outer, u).subs(u, inner) * sp.diff(inner, x)
        assert sp.simplify(chain - answer) == 0
        assert sp.simplify(sp.diff(f, x) - answer) == 0
        # and a centred difference at a point where cos(x² + 1) > 0
        fx, ax = sp.lambdify(x, f), sp.lambdify(x, answer)
        assert abs((fx(0.3 + 1e-6) - fx(0.3 - 1e-6)) / 2e-6 - ax(0.3)) < 1e-6 * max(1, abs(ax(0.3)))


def test_limit_definition_gives_the_derivative():
    h = sp.symbols("h")
    for f in (x**3, sp.sin(x), sigma.subs(z, x)):
        assert sp.simplify(sp.limit((f.subs(x, x + h) - f) / h, h, 0) - sp.diff(f, x)) == 0


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
    assert len(claims) == 12
    values = dict(zip(list(W1) + list(b1) + list(W2) + list(b2), [0.1 * i - 0.4 for i in range(12)]))
    # seed 000's cost line as printed, ½(y1 − a1)² + (y2 − a2)², doubles output 2's delta only
    printed = (y[0] - a2[0]) ** 2 / 2 + (y[1] - a2[1]) ** 2
    assert sp.simplify(sp.diff(printed, b2[0]) - sp.diff(C, b2[0])) == 0
    assert sp.simplify(sp.diff(printed, b2[1]) - 2 * sp.diff(C, b2[1])) == 0
    for p, claim in claims.items():
        # both sides evaluated at a point, then the symbolic identity
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
