"""Build the course kit: one zip, linked from the book's site, that a student installs OFFLINE.

    python tools/build_kit.py [--html _build/html]

Run it after the book is built (the chapters' clean notebooks come from the build:
``<html>/_sources/book/chNN_*.ipynb``, written by book/_ext/notebook_export.py). It writes
``<html>/kit/backprop-checked-kit.zip`` holding

* ``wheels/``: mlpkit, nbcheck (if ``packages/nbcheck`` exists), the ``backprop-checked``
  meta-package, and the wheel of every dependency needed to run the chapters and to open and
  validate the exercises in JupyterLab, at the versions of the environment that builds the book
  (``pip freeze``; requirements.txt pins the direct ones). Built for this platform (Linux x86-64,
  CPython of the builder).
* ``chapters/chNN_*.ipynb``, ``exercises/psNN/psNN.ipynb``, ``README.md`` (the instructions).

The ``backprop-checked`` meta-package depends on all of them (so one ``pip install`` name installs
everything), ships Fashion-MNIST (Debian's ``dataset-fashion-mnist``, MIT licence) into
``<venv>/share/mlpkit/fashion-mnist`` for chapter 12, and turns off nbgrader's instructor and
exchange panels in JupyterLab (``etc/jupyter/labconfig/page_config.d/backprop-checked.json``):
with no exchange configured, the Assignment List only says "Error fetching courses!". The
Validate button stays.

Wheels are cached in ``$BACKPROP_KIT_CACHE`` (default ``~/.cache/backprop-checked/wheels``); a
build first tries the cache alone (no network) and asks PyPI only for what is missing.
"""
from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KIT_NAME = "backprop-checked-kit"
META_NAME = "backprop-checked"
# What a student's environment needs (direct requirements; pinned from requirements.txt).
KIT_PACKAGES = [
    "numpy", "scipy", "sympy", "matplotlib", "pandas", "scikit-learn", "tqdm", "pooch", "micrograd",
    "jupyterlab", "notebook", "nbgrader", "ipykernel", "nbclient",
]
# Also pinned (from the builder's environment) though not in requirements.txt.
EXTRA_PACKAGES = ["threadpoolctl", "ipywidgets"]
# nbgrader's JupyterLab plugins a student must not see: the exchange panels (no exchange is
# configured: "Error fetching courses!") and the instructor's tools. validate-assignment stays.
DISABLED_LAB_PLUGINS = [
    "@jupyter/nbgrader:assignment-list",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyterlab/apputils-extension:announcements",   # asks jupyter.org for news: offline, no
]
FASHION_MNIST_DIRS = [Path("/usr/share/datasets/fashion-mnist")]
FASHION_MNIST_FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                       "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


def log(msg):
    print(f"[build_kit] {msg}", flush=True)


def pins_from_requirements(path=ROOT / "requirements.txt"):
    pins = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s#;]+)", line)
        if m:
            pins[canon(m.group(1))] = m.group(2)
    return pins


def canon(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def frozen_environment():
    """name -> version of every installed distribution (the builder's tested set)."""
    from importlib import metadata
    out = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            out.setdefault(canon(name), dist.version)
    return out


def pip(*args, env=None, check=True):
    cmd = [sys.executable, "-m", "pip", *args]
    return subprocess.run(cmd, env=env, check=check, capture_output=True, text=True)


# --------------------------------------------------------------------------- a wheel by hand
def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return [arcname, f"sha256={digest}", str(len(data))]


def write_meta_wheel(outdir: Path, version: str, requires: list[str], data_files: dict[str, bytes]) -> Path:
    """A pure-Python wheel with no code: dependencies plus files under <prefix> (``.data/data``)."""
    dist = META_NAME.replace("-", "_")
    wheel_path = outdir / f"{dist}-{version}-py3-none-any.whl"
    info = f"{dist}-{version}.dist-info"
    metadata = [f"Metadata-Version: 2.1", f"Name: {META_NAME}", f"Version: {version}",
                "Summary: Everything a student of 'Backprop, checked' needs, for an offline install",
                "Requires-Python: >=3.11"]
    metadata += [f"Requires-Dist: {r}" for r in requires]
    files = {f"{dist}-{version}.data/data/{k}": v for k, v in data_files.items()}
    files[f"{info}/METADATA"] = ("\n".join(metadata) + "\n").encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: tools/build_kit.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files[f"{info}/top_level.txt"] = b""
    rows = [_record_line(name, data) for name, data in files.items()]
    rows.append([f"{info}/RECORD", "", ""])
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    files[f"{info}/RECORD"] = buf.getvalue().encode()
    with zipfile.ZipFile(wheel_path, "w") as zf:
        for name, data in files.items():
            compress = zipfile.ZIP_STORED if name.endswith(".gz") else zipfile.ZIP_DEFLATED
            zf.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data, compress_type=compress)
    return wheel_path


def local_wheel(src: Path, outdir: Path) -> Path:
    """pip wheel --no-deps of a local package directory (built from a copy: no build/ left in the
    tree); returns the wheel."""
    before = set(outdir.glob("*.whl"))
    copy = outdir.parent / "src" / src.name
    if src == ROOT:     # the repository root holds mlpkit: copy only what its build needs
        copy.mkdir(parents=True)
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(src / name, copy / name)
        shutil.copytree(src / "mlpkit", copy / "mlpkit", ignore=shutil.ignore_patterns("__pycache__"))
    else:
        shutil.copytree(src, copy, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".*"))
    pip("wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(outdir), str(copy))
    new = sorted(set(outdir.glob("*.whl")) - before) or sorted(outdir.glob(f"{canon(src.name).replace('-', '_')}-*.whl"))
    if not new:
        raise SystemExit(f"pip wheel built nothing for {src}")
    return new[-1]


def wheel_name_version(path: Path):
    name, version = path.name.split("-")[:2]
    return canon(name), version


def fashion_mnist_files():
    for d in FASHION_MNIST_DIRS:
        if all((d / f).exists() for f in FASHION_MNIST_FILES):
            return {f"share/mlpkit/fashion-mnist/{f}": (d / f).read_bytes() for f in FASHION_MNIST_FILES}
    log("Fashion-MNIST not found (apt-get install dataset-fashion-mnist): chapter 12 will download it")
    return {}


def collect_wheels(meta: Path, local: Path, wheels: Path, cache: Path, constraints: Path):
    """Every wheel the meta-package needs, into wheels/: from the cache alone if it can, else PyPI."""
    base = ["wheel", "-q", "-w", str(wheels), "-c", str(constraints), "--find-links", str(local),
            "--find-links", str(cache), "--prefer-binary", str(meta)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull        # no site find-links or mirrors: PyPI or the cache only
    r = pip(*base[:1], "--no-index", *base[1:], env=env, check=False)
    if r.returncode != 0:
        log("the cache lacks some wheels: asking PyPI")
        r = pip(*base, env=env, check=False)
        if r.returncode != 0:
            raise SystemExit(f"pip wheel failed:\n{r.stdout}\n{r.stderr}")
    cache.mkdir(parents=True, exist_ok=True)
    for whl in wheels.glob("*.whl"):
        if not (cache / whl.name).exists() and whl.parent != local:
            shutil.copy2(whl, cache / whl.name)


def readme(meta_version, chapters, exercises, platform_tag):
    ps = exercises[0] if exercises else "ps01/ps01.ipynb"
    return f"""# Backprop, checked — the course kit

Everything needed to run the book's chapters and solve its graded exercises, offline: the
wheels of `mlpkit`, `nbcheck`, JupyterLab, nbgrader, numpy, scipy, sympy, matplotlib, pandas,
scikit-learn and their dependencies ({platform_tag}), the chapters as notebooks
(`chapters/`) and the exercises (`exercises/`).

## Install (once, no network needed)

In the folder where you downloaded `{KIT_NAME}.zip` (needs Python 3.11 with `venv`):

    unzip {KIT_NAME}.zip
    python3 -m venv bpc && bpc/bin/pip install --no-index --find-links {KIT_NAME}/wheels {META_NAME}

## Open the exercises

    bpc/bin/jupyter lab {KIT_NAME}

JupyterLab opens in your browser. Open `exercises/{ps}`, replace every
`raise NotImplementedError()` with your code, run the cells, and press **Validate** (toolbar)
to check that the notebook runs and passes its visible tests. Hand in the `.ipynb` file the way
your instructor tells you. nbgrader's Assignment List and Course List panels are switched off
in this install: they need a course exchange this kit does not have (they would only say
"Error fetching courses!").

The chapters are in `chapters/`; each runs top to bottom (chapter 12 reads Fashion-MNIST from
the install, where mlpkit looks for it).

Contents: {len(chapters)} chapters, {len(exercises)} exercises, {META_NAME} {meta_version}.
"""


def build_kit(html: Path, out: Path | None = None, cache: Path | None = None) -> Path:
    t0 = time.perf_counter()
    html = html.resolve()
    out = out or html / "kit" / f"{KIT_NAME}.zip"
    cache = cache or Path(os.environ.get("BACKPROP_KIT_CACHE", Path.home() / ".cache" / "backprop-checked" / "wheels"))
    chapters = sorted((html / "_sources" / "book").glob("ch*.ipynb"))
    if not chapters:
        raise SystemExit(f"no chapter notebooks in {html}/_sources/book: build the book first (make build)")
    exercises = sorted((ROOT / "exercises").glob("ps*/ps*.ipynb"))

    pins = pins_from_requirements()
    frozen = frozen_environment()
    with tempfile.TemporaryDirectory(prefix="kit-") as tmp:
        tmp = Path(tmp)
        local, wheels = tmp / "local", tmp / "wheels"
        local.mkdir()
        wheels.mkdir()
        requires, local_names = [], set()
        for src in (ROOT, ROOT / "packages" / "nbcheck"):
            if (src / "pyproject.toml").exists() or (src / "setup.py").exists():
                name, version = wheel_name_version(local_wheel(src, local))
                requires.append(f"{name}=={version}")
                local_names.add(name)
                log(f"built {name} {version}")
        for name in KIT_PACKAGES + EXTRA_PACKAGES:
            version = pins.get(canon(name)) or frozen.get(canon(name))
            requires.append(f"{name}=={version}" if version else name)
        constraints = tmp / "constraints.txt"
        constraints.write_text("".join(f"{n}=={v}\n" for n, v in sorted(frozen.items())
                                       if n not in local_names and n != canon(META_NAME)))
        data = fashion_mnist_files()
        page_config = {"disabledExtensions": {p: True for p in DISABLED_LAB_PLUGINS}}
        data["etc/jupyter/labconfig/page_config.d/backprop-checked.json"] = (json.dumps(page_config, indent=2) + "\n").encode()
        meta_version = time.strftime("%Y.%m.%d")
        meta = write_meta_wheel(local, meta_version, requires, data)
        collect_wheels(meta, local, wheels, cache, constraints)
        for whl in local.glob("*.whl"):
            shutil.copy2(whl, wheels / whl.name)
        platform_tag = f"Linux x86-64, CPython {sys.version_info.major}.{sys.version_info.minor}"

        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_suffix(".zip.part")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            ex_rel = [str(p.relative_to(ROOT / "exercises")) for p in exercises]
            zf.writestr(f"{KIT_NAME}/README.md", readme(meta_version, chapters, ex_rel, platform_tag))
            for whl in sorted(wheels.glob("*.whl")):
                zf.write(whl, f"{KIT_NAME}/wheels/{whl.name}", compress_type=zipfile.ZIP_STORED)
            for nb in chapters:
                zf.write(nb, f"{KIT_NAME}/chapters/{nb.name}")
            for nb, rel in zip(exercises, ex_rel):
                zf.write(nb, f"{KIT_NAME}/exercises/{rel}")
        partial.replace(out)
        n_wheels = len(list(wheels.glob("*.whl")))
    size = out.stat().st_size / 1e6
    log(f"wrote {out} ({size:.0f} MB: {n_wheels} wheels, {len(chapters)} chapters, {len(exercises)} exercises) "
        f"in {time.perf_counter() - t0:.0f} s")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--html", type=Path, default=Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html")))
    ap.add_argument("--out", type=Path, default=None, help="default: <html>/kit/backprop-checked-kit.zip")
    ap.add_argument("--cache", type=Path, default=None)
    args = ap.parse_args(argv)
    build_kit(args.html, args.out, args.cache)


if __name__ == "__main__":
    main()
