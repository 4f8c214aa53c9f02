"""The repository keeps its promises: pinned requirements, CI = the README's test command."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _requirement_lines(name):
    lines = (ROOT / name).read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def test_requirements_are_pinned_exactly():
    for name in ("requirements.txt", "requirements-check.txt"):
        for req in _requirement_lines(name):
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][A-Za-z0-9.+\-]*", req), f"{name}: {req!r} is not pinned with =="


def test_torch_is_pinned_to_the_cpu_wheel_on_disk():
    # A looser spec pulls several GB of CUDA packages.
    assert "torch==2.13.0" in _requirement_lines("requirements-check.txt")
    assert not any(r.startswith("torch") for r in _requirement_lines("requirements.txt"))


def test_jupyter_book_is_version_1():
    assert "jupyter-book==1.0.4.post1" in _requirement_lines("requirements.txt")


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
    commands = [b.strip() for b in blocks]
    assert commands[:2] == ["make book", "make test"], commands
    ci = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()
          if line.strip() and not line.lstrip().startswith("#")]
    assert ci[-1] == "make test", ci


def test_make_test_builds_the_book_strictly_before_the_tests():
    makefile = (ROOT / "Makefile").read_text()
    assert "--all -W -n --keep-going" in makefile
    test_rule = re.search(r"^test:(.*)$", makefile, flags=re.M).group(1).split()
    assert test_rule.index("build") < test_rule.index("pytest")
