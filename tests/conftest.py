from __future__ import annotations

from pathlib import Path

import pytest

from parley.loading import Dataset, load_dataset
from tests.mini import write_mini


@pytest.fixture(scope="session")
def mini_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_mini(tmp_path_factory.mktemp("mini"))


@pytest.fixture(scope="session")
def mini(mini_dir: Path) -> Dataset:
    return load_dataset(mini_dir)


@pytest.fixture(scope="session")
def bundled() -> Dataset:
    return load_dataset()
