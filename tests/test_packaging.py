"""`pip install .` (not editable) gives a working `atlas-ld` that finds its declarative files."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True)
    return next(out.glob("atlas_ld-*.whl"))


def test_wheel_carries_the_declarative_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("ontology", "shapes", "mappings", "sparql", "reference/data"):
        source = {p.relative_to(ROOT).as_posix() for p in (ROOT / folder).iterdir() if p.is_file()}
        packaged = {n.removeprefix("publisher/_data/") for n in names if n.startswith(f"publisher/_data/{folder}/")}
        assert source <= packaged, f"missing from the wheel: {sorted(source - packaged)}"
    assert "publisher/queries/describe.rq" in names
    assert "publisher/web/templates/entity.html" in names


def test_installed_wheel_builds_the_seed(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(wheel)], check=True, capture_output=True)
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    code = "import publisher.resources as r; print(r.resource_dir('shapes'))"
    where = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True,
                           check=True).stdout.strip()
    assert where.startswith(str(target))
    result = subprocess.run(
        [sys.executable, "-m", "publisher", "build", str(ROOT / "tests" / "data" / "seed"),
         "--store", str(tmp_path / "store")],
        env=env, cwd=tmp_path, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "records published: 1" in result.stdout
