# The two commands of the README:
#   make book   installs what the book needs and builds it into _build/html
#   make test   installs everything, builds the book with execution (failing on any
#               warning or error) and runs every test
PYTHON ?= python
PIP := $(PYTHON) -m pip
JB_FLAGS := --all -W -n --keep-going

.PHONY: install install-check install-system install-system-book book build kit pdf pdf-if-possible test pytest simd release benchmark clean

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

# The course kit (one zip a student installs offline) and the whole book as a PDF, both into
# _build/html so that the site links them. The PDF needs Debian's chromium and poppler-utils:
# `make book` skips it (and says so) where they are missing; `make test` installs and checks it.
kit:
	$(PYTHON) tools/build_kit.py

pdf:
	$(PYTHON) tools/build_pdf.py

pdf-if-possible:
	@if command -v chromium >/dev/null 2>&1 && command -v pdfunite >/dev/null 2>&1; then \
	  $(PYTHON) tools/build_pdf.py; \
	else echo "PDF skipped: it needs Debian's chromium and poppler-utils (as root: bash tools/install_system.sh test)"; fi

book: install install-system-book build kit pdf-if-possible

pytest:
	$(PYTHON) -m pytest -n 2 --dist loadgroup

# The numerically sensitive checks again with numpy's widest SIMD kernels disabled (and at the
# baseline): every run exercises at least two dispatch paths, whatever CPU it gets.
simd:
	$(PYTHON) tools/simd_runs.py

test: install-check install-system build kit pdf simd pytest

release:
	gradekit generate

benchmark:
	$(PYTHON) benchmarks/bench_mlp.py

clean:
	rm -rf _build grading
