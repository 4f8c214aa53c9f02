import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import mlpkit as mk  # noqa: E402

pytestmark = [pytest.mark.ch04, pytest.mark.ch12]


def test_plots_draw_something():
    rng = np.random.default_rng(0)
    X, y = mk.data.moons(60, rng=0)
    model = mk.network.Sequential([mk.layers.Dense(2, 4, "tanh", rng=rng), mk.layers.Dense(4, 1, "sigmoid", rng=rng)],
                                  loss="bce")
    hist = model.fit(X, y, optimizer=mk.optimizers.Adam(0.05), epochs=5, verbose=0)
    ax = mk.plots.plot_history(hist)
    assert len(ax.get_lines()) == 1 and ax.get_xlabel() == "epoch"
    ax = mk.plots.plot_decision_boundary(model, X, y)
    assert ax.collections
    ax = mk.plots.plot_loss_surface(lambda w, b: w * w + b * b, (-1, 1), (-1, 1), path=[[1, 1], [0.5, 0.5], [0, 0]],
                                    minimum=(0, 0), resolution=20)
    assert any(line.get_label() == "descent path" for line in ax.get_lines())
    ax3 = mk.plots.plot_loss_surface(lambda w, b: w * w + b * b, (-1, 1), (-1, 1), kind="3d", resolution=10,
                                     path=[[1, 1], [0, 0]])
    assert ax3.name == "3d"
    plt.close("all")


def test_import_mlpkit_does_not_import_matplotlib_or_sklearn():
    import subprocess
    import sys
    code = "import mlpkit, mlpkit.network, mlpkit.layers, sys; print('matplotlib' in sys.modules, 'sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
