"""Settings: the production switch passes Django's deployment checks and refuses to start half-configured."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env={**base, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checks():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SUPPORTOPS_ENV="production",
        SECRET_KEY="k" * 20 + "production-secret-that-is-long-and-random-8f3a91c2d7e6b5a4",
        ALLOWED_HOSTS="supportops.example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_development_settings_fail_the_deployment_checks():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", SUPPORTOPS_ENV="development")

    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG is on in development


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", SUPPORTOPS_ENV="production", ALLOWED_HOSTS="supportops.example.com")

    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_an_unknown_environment_name_is_refused():
    result = run_manage("check", SUPPORTOPS_ENV="staging")

    assert result.returncode != 0
    assert "SUPPORTOPS_ENV must be 'development' or 'production'" in result.stderr
