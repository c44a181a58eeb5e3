"""Running Parley for a team is documented: the replicas' make target and every option of its script, the load
benchmark, and a proxy example that keeps browsers on one replica and passes the websocket through."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scripts.replicas import parse_args

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
NGINX = (ROOT / "docs" / "deploy" / "nginx.conf").read_text(encoding="utf-8")


@pytest.mark.parametrize("target", ["replicas", "bench-load", "bench-load-quick"])
def test_team_make_targets_exist_and_are_documented(target: str) -> None:
    assert re.search(rf"^{re.escape(target)}:", MAKEFILE, flags=re.M), f"no `{target}` target in the Makefile"
    assert f"make {target}" in README, f"README does not mention `make {target}`"


@pytest.mark.parametrize("variable", ["REPLICA_PORTS", "REPLICA_ARGS", "PARLEY_STORE_URL"])
def test_replicas_settings_are_documented(variable: str) -> None:
    assert variable in MAKEFILE or variable == "PARLEY_STORE_URL"
    assert f"| `{variable}` |" in README, f"the README's settings tables do not describe {variable}"


def test_every_option_of_the_replicas_script_is_documented() -> None:
    options = vars(parse_args([]))
    assert options
    for name in options:
        flag = "--" + name.replace("_", "-")
        assert flag in README, f"scripts/replicas.py {flag} is not in the README"


def test_replicas_script_refuses_two_replicas_on_one_port() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--ports", "8501", "8501"])


def test_the_proxy_example_is_sticky_and_passes_the_websocket() -> None:
    stream = re.search(r"location = /_stcore/stream \{(.*?)\}", NGINX, flags=re.S)
    assert stream, "no location for Streamlit's websocket"
    assert "proxy_set_header Upgrade $http_upgrade;" in stream.group(1)
    assert "proxy_set_header Connection $connection_upgrade;" in stream.group(1)
    upstream = re.search(r"upstream parley \{(.*?)\}", NGINX, flags=re.S)
    assert upstream and re.search(r"^\s*(hash \S+ consistent|ip_hash);", upstream.group(1), flags=re.M)
    # The example points at the replicas `make replicas` starts by default.
    servers = re.findall(r"^\s*server 127\.0\.0\.1:(\d+);", upstream.group(1), flags=re.M)
    assert [int(p) for p in servers] == parse_args([]).ports
