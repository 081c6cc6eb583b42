"""Every teaching notebook in notebooks/ runs from top to bottom in the project's interpreter.

The notebooks are stored without outputs; each is executed here with nbclient in a kernel whose
spec points at this interpreter (``sys.executable``, the venv's python), from the notebooks/
folder, and its outputs are checked for the figures and numbers it promises.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "alliance-sim-test"
#: text each notebook's outputs must show, besides its figures (a few real outputs)
EXPECTED = {
    "01_quickstart": ["summary.json", "nations.parquet", "nation-years, 146 nations, 21 years"],
    "02_free_riding_and_the_2pct_guideline": [
        "31 allies",
        "Spearman rank correlation of GDP and defence share",
        "f = 0 -> 0.1: NATO mean share",
    ],
    "03_sweeps_and_sensitivity": ["18 runs in", "range of mean share"],
    "04_what_if_the_us_retrenches": ["31 NATO allies", "NATO ties left"],
}
MIN_FIGURES = {
    "01_quickstart": 3,
    "02_free_riding_and_the_2pct_guideline": 2,
    "03_sweeps_and_sensitivity": 2,
    "04_what_if_the_us_retrenches": 4,
}


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory, monkeypatch_module):
    """A kernel spec named KERNEL that starts ``sys.executable -m ipykernel_launcher``."""
    from ipykernel.kernelspec import install

    prefix = tmp_path_factory.mktemp("jupyter")
    install(kernel_name=KERNEL, prefix=str(prefix))
    share = prefix / "share" / "jupyter"
    monkeypatch_module.setenv("JUPYTER_PATH", str(share))
    return share / "kernels" / KERNEL


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_every_notebook_is_listed():
    assert sorted(p.stem for p in NOTEBOOKS) == sorted(EXPECTED)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, kernel_dir):
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient

    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    assert Path(spec.argv[0]) == Path(sys.executable), spec.argv  # the venv's interpreter
    book = nbformat.read(path, as_version=4)
    client = NotebookClient(
        book,
        kernel_name=KERNEL,
        timeout=300,
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.perf_counter()
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    elapsed = time.perf_counter() - started
    assert elapsed < 60, f"{path.name} took {elapsed:.0f} s (notebooks must run in under a minute)"

    outputs = [out for cell in book.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    text = "\n".join(
        out.get("text", "") + str(out.get("data", {}).get("text/plain", "")) for out in outputs
    )
    for expected in EXPECTED[path.stem]:
        assert expected in text, f"{path.name}: {expected!r} not in its outputs"
    figures = sum("image/png" in out.get("data", {}) for out in outputs)
    assert figures >= MIN_FIGURES[path.stem], f"{path.name}: {figures} figures"
