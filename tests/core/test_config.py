"""The server posture in .streamlit/config.toml, read back as Streamlit itself resolves it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit import config

from components.imports import UPLOAD_LIMIT_MB
from parley.importer import MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parents[2]
CONFIG_FILE = ROOT / ".streamlit" / "config.toml"
MB = 1024 * 1024

POSTURE = {
    "server.address": "127.0.0.1",  # local only unless the command line says otherwise (README: running for a team)
    "client.showErrorDetails": "none",
    "server.fileWatcherType": "none",
    "server.enableXsrfProtection": True,
    "browser.gatherUsageStats": False,
    "client.disableDataExport": True,
    "server.headless": True,
    # A full collection after every run (each 3-second poll included) walked every object the server holds.
    "runner.postScriptGC": False,
    "runner.magicEnabled": False,
}


@pytest.fixture
def effective(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Streamlit's options as `streamlit run` resolves them from the repository root; restored afterwards."""
    monkeypatch.chdir(ROOT)
    config.get_config_options(force_reparse=True)
    yield
    monkeypatch.undo()
    config.get_config_options(force_reparse=True)


@pytest.mark.parametrize("option,value", list(POSTURE.items()))
def test_posture_option_is_set_by_the_project_config(effective, option, value):
    assert config.get_option(option) == value
    assert Path(config.get_where_defined(option)) == CONFIG_FILE


def test_server_upload_cap_equals_the_importer_cap(effective):
    assert MAX_FILE_BYTES % MB == 0, "server.maxUploadSize is whole megabytes: keep MAX_FILE_BYTES a multiple of 1 MB"
    assert config.get_option("server.maxUploadSize") == MAX_FILE_BYTES // MB
    assert Path(config.get_where_defined("server.maxUploadSize")) == CONFIG_FILE


def test_uploader_cap_equals_the_importer_cap():
    assert UPLOAD_LIMIT_MB * MB == MAX_FILE_BYTES
