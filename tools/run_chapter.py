"""Execute one MyST Markdown chapter (or .ipynb) without building the book.

Usage: python tools/run_chapter.py book/ch05_chain_rule.md [more files ...]

The notebook runs with its own folder as working directory (as in the book build);
a failing cell is printed with its traceback and the exit code is 1. Nothing is
written to _build/.
"""
import sys
import time
from pathlib import Path

import jupytext
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def run(path: Path, timeout: int = 300) -> bool:
    nb = jupytext.read(path)
    nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as err:
        print(f"FAILED {path}:\n{err}")
        return False
    warnings = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                if o.get("name") == "stderr"]
    for w in warnings:
        print(f"stderr in {path}: {w.get('text', '')[:500]}")
    print(f"ok {path} ({time.perf_counter() - start:.1f} s)")
    return True


if __name__ == "__main__":
    results = [run(Path(p)) for p in sys.argv[1:]]
    sys.exit(0 if all(results) else 1)
