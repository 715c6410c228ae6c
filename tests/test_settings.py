"""Production settings refuse unsafe values. Each case imports the settings in a fresh interpreter, so the
test process keeps its own settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LONG_KEY = "k3y-" + "x" * 60


def _import_settings(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"REVOYURE_ENV", "DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import revoyure.settings"],
        env=clean,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_debug():
    result = _import_settings(REVOYURE_ENV="production", DEBUG="1", SECRET_KEY=LONG_KEY)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DEBUG" in result.stderr


def test_production_refuses_the_default_secret_key():
    result = _import_settings(REVOYURE_ENV="production", DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = _import_settings(REVOYURE_ENV="production", DEBUG="0", SECRET_KEY="short-key")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_long_key_and_debug_off():
    result = _import_settings(REVOYURE_ENV="production", DEBUG="0", SECRET_KEY=LONG_KEY)
    assert result.returncode == 0, result.stderr


def test_production_turns_debug_off_by_default():
    result = subprocess.run(
        [sys.executable, "-c", "import revoyure.settings as s; print(s.DEBUG)"],
        env={
            **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}},
            "REVOYURE_ENV": "production",
            "SECRET_KEY": LONG_KEY,
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_development_accepts_the_default_key():
    result = _import_settings(REVOYURE_ENV="development")
    assert result.returncode == 0, result.stderr
