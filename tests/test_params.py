"""parameters/*.yaml validate into typed models; mistakes name the file and key."""

from __future__ import annotations

import shutil

import pytest

from workbench import params
from workbench.errors import ParameterError


def test_shipped_parameters_validate():
    for name in params.MODELS:
        assert params.load(name)


@pytest.fixture
def pdir(tmp_path, monkeypatch):
    shutil.copytree(params.DEFAULT_DIR, tmp_path / "p")
    monkeypatch.setenv("WORKBENCH_PARAMETERS", str(tmp_path / "p"))
    return tmp_path / "p"


def test_unknown_key_names_file_key_and_suggestion(pdir):
    (pdir / "intake.yaml").write_text("staging_memory_limit: 3GB\nstaging_thread: 2\n")
    with pytest.raises(ParameterError) as exc:
        params.load("intake")
    msg = str(exc.value)
    assert "intake.yaml" in msg and "staging_thread" in msg and "did you mean staging_threads" in msg


def test_wrong_type_is_refused(pdir):
    (pdir / "demo.yaml").write_text("period: '202406'\nmonths: many\npersons: 100\nseed: 1\n")
    with pytest.raises(ParameterError, match=r"demo\.yaml: parameter 'months'"):
        params.load("demo")


def test_bad_yaml_and_missing_file(pdir):
    (pdir / "reports.yaml").write_text("history_periods: [1\n")
    with pytest.raises(ParameterError, match="not valid YAML"):
        params.load("reports")
    (pdir / "reports.yaml").unlink()
    with pytest.raises(ParameterError, match="not found"):
        params.load("reports")
