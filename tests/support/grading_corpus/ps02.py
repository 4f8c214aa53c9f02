"""Grading corpus for ps02 (derivatives and the chain rule)."""
ASSIGNMENT, NOTEBOOK, TOTAL = "ps02", "ps02.ipynb", 10.0

SUBMISSIONS = {
    "numerical_only": {"fill": ["numerical_derivative"], "expected": 2.0},
    "two_drills": {"fill": ["drill1", "drill2"], "expected": 4.0},
    "equivalent_forms": {"fill": "all", "replace": {
        "drill3": "d3 = -2 * x * sp.sin(x**2 + 1) / sp.cos(x**2 + 1)",          # same function, other form
        "drill1": "d1 = 36 * x**3 + 12 * x"}, "expected": 10.0},
    "string_and_garbage": {"fill": "all", "replace": {
        "drill1": 'd1 = "12*x*(3*x**2 + 1)"',                                       # a string it can read
        "drill2": 'd2 = "4*x*cos(2*x**2 + 3"',                                      # unparsable: clear message
        "drill4": "d4 = 3.0"}, "expected": 6.0},                                    # not an expression
}

MUTATIONS = {
    "forward_difference": {"replace": {"numerical_derivative": '''def numerical_derivative(f, x, h=1e-5):
    return (f(x + h) - f(x)) / h'''}, "max_score": 8.0},
    "drill1_forgot_inner": {"replace": {"drill1": "d1 = 2 * (3 * x**2 + 1)"}, "max_score": 8.0},
    "drill2_forgot_inner": {"replace": {"drill2": "d2 = sp.cos(2 * x**2 + 3)"}, "max_score": 8.0},
    "drill3_sign": {"replace": {"drill3": "d3 = 2 * x * sp.tan(x**2 + 1)"}, "max_score": 8.0},
    "drill4_outer_only": {"replace": {"drill4": "d4 = sp.exp(2 * x**2 + 3 * x)"}, "max_score": 8.0},
}
