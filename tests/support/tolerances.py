"""Tolerances for comparing floats, each with its reason (shared by every test).

Nothing here may depend on one CPU's rounding: numpy dispatches different vectorised kernels
for ``exp``, ``log``, ``tanh`` and BLAS sums on different CPUs (AVX2, AVX-512, ...), so two ways
of computing the same number may differ in their last bits on one machine and not on another.
Every bound below is argued from the operations, not measured on the machine at hand.
"""
import numpy as np

EPS = float(np.finfo(np.float64).eps)        # 2.2e-16, one ulp at 1.0

#: Two float64 evaluations of the same smooth elementwise formula through different code paths
#: (e.g. ``scipy.special.expit`` vs ``1 / (1 + np.exp(-z))``): numpy's SIMD ``exp`` is accurate to
#: a few ulp (up to 4 on some kernels), each of the 2 further roundings adds 0.5 ulp, expit itself
#: is within 1 ulp, and 1 / (1 + u) has condition number u / (1 + u) < 1, so nothing is amplified.
ELEMENTWISE_ULP = 8

#: Sums of k terms in another order (BLAS kernels block differently on different CPUs): the
#: difference is at most k·EPS·cond with cond = Σ|terms| / |Σ terms|; the tests use k ≤ 10 and
#: well-conditioned data (cond ≲ 5), so 64 EPS.
REORDERED_SUM_RTOL = 64 * EPS

#: Absolute slack for entries that cancel to about 0 while their summands are of size ~1:
#: their relative error is unbounded, but the absolute one stays a few EPS per summand.
CANCELLATION_ATOL = 64 * EPS
