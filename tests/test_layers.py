"""The import layers of docs/design.md hold, and the import-linter contracts checking them bite."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(
    not LINT_IMPORTS.exists(), reason="import-linter is not installed (`make setup` installs it)"
)


def _lint_imports(tree):
    """Run lint-imports on the package under ``tree/src`` with the contracts of ``tree``."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def _copy_tree(tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_layers_hold():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "forbidden_import", "contract"),
    [
        ("models/objective.py", "import normbench.study.store", "Layers"),
        ("data/contract.py", "import normbench.models.cv", "Layers"),
        ("report/html.py", "import normbench.models.estimators", "neither fits nor simulates"),
        ("analysis/findings.py", "import normbench.study.explain", "neither fits nor simulates"),
        ("vocab/pairs.py", "import snakemake", "never imports snakemake"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(tmp_path, module, forbidden_import, contract):
    tree = _copy_tree(tmp_path)
    path = tree / "src" / "normbench" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{forbidden_import}\n", encoding="utf-8")
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken


def test_importing_the_report_loads_no_model_code():
    """The report renders results: importing it must not load the solvers or numba."""
    code = (
        "import sys, normbench.report.build, normbench.report.compare; "
        "bad = sorted(m for m in sys.modules if m.startswith(('normbench.models', "
        "'normbench.data', 'numba'))); print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"
