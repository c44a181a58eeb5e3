"""Runs app.py from a folder without a `pages/` subfolder, so AppTest drives the app as the server does."""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parents[2] / "app.py"), run_name="__main__")
