# The two commands of the README:
#   make book   installs what the book needs and builds it into _build/html
#   make test   installs everything, builds the book with execution (failing on any
#               warning or error) and runs every test
PYTHON ?= python
PIP := $(PYTHON) -m pip
JB_FLAGS := --all -W -n --keep-going

.PHONY: install install-check install-system install-system-book book build test pytest simd release benchmark clean

install:
	$(PIP) install -q -r requirements.txt -e . -e packages/nbcheck -e packages/gradekit

install-check: install
	$(PIP) install -q -r requirements-check.txt

install-system-book:
	bash tools/install_system.sh book

install-system:
	bash tools/install_system.sh test

build:
	jupyter-book build $(JB_FLAGS) .

book: install install-system-book build

pytest:
	$(PYTHON) -m pytest -n 2 --dist loadgroup

# The numerically sensitive checks again with numpy's widest SIMD kernels disabled (and at the
# baseline): every run exercises at least two dispatch paths, whatever CPU it gets.
simd:
	$(PYTHON) tools/simd_runs.py

test: install-check install-system build simd pytest

release:
	gradekit generate

benchmark:
	$(PYTHON) benchmarks/bench_mlp.py

clean:
	rm -rf _build grading
