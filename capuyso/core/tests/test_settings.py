"""Production settings refuse unsafe configurations; `check --deploy` is clean (each test
runs Django in a subprocess: independent of the test database)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.one_database

ROOT = Path(__file__).resolve().parents[3]
GOOD_KEY = "k" * 20 + "-production-secret-key-for-tests-0123456789"


def run_check(env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAPUYSO_", "DATABASE_URL"))}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "CAPUYSO_TESTING": "0"}, **env_extra)
    return subprocess.run(
        [sys.executable, "-m", "config.manage", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_the_default_secret_key(tmp_path):
    result = run_check({"CAPUYSO_ENV": "production", "CAPUYSO_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "CAPUYSO_SECRET_KEY" in result.stderr


def test_production_refuses_debug(tmp_path):
    result = run_check(
        {
            "CAPUYSO_ENV": "production",
            "CAPUYSO_SECRET_KEY": GOOD_KEY,
            "CAPUYSO_DEBUG": "1",
            "CAPUYSO_DATA_DIR": str(tmp_path),
        }
    )
    assert result.returncode != 0
    assert "CAPUYSO_DEBUG" in result.stderr


def test_production_secret_key_from_file_passes_the_deploy_check(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(GOOD_KEY)
    result = run_check(
        {
            "CAPUYSO_ENV": "production",
            "CAPUYSO_SECRET_KEY_FILE": str(key_file),
            "CAPUYSO_DATA_DIR": str(tmp_path),
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
