# The two commands of the README:
#   make book   installs what the book needs and builds it into _build/html
#   make test   installs everything, builds the book with execution (failing on any
#               warning or error) and runs every test
PYTHON ?= python
PIP := $(PYTHON) -m pip
JB_FLAGS := --all -W -n --keep-going

.PHONY: install install-system book build test pytest release benchmark clean

install:
	$(PIP) install -q -r requirements.txt -e .

install-check: install
	$(PIP) install -q -r requirements-check.txt

install-system:
	bash tools/install_system.sh

build:
	jupyter-book build $(JB_FLAGS) .

book: install install-system build

pytest:
	$(PYTHON) -m pytest -n 2 --dist loadgroup

test: install-check install-system build pytest

release:
	$(PYTHON) tools/release.py

benchmark:
	$(PYTHON) benchmarks/bench_mlp.py

clean:
	rm -rf _build grading
