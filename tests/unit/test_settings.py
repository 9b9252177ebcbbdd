"""Settings come from the environment with safe production defaults."""

import os
import subprocess
import sys


def run_check(env_extra, *args):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "nextsteps.cli", "check", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_with_debug_off(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text("k" * 20 + "-a-long-random-production-secret-value-1234567890")
    result = run_check(
        {"SECRET_KEY_FILE": str(key_file), "ALLOWED_HOSTS": "school.example"}, "--deploy"
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_is_refused_when_debug_is_off():
    result = run_check({"ALLOWED_HOSTS": "school.example"})
    assert result.returncode != 0
    assert "Set SECRET_KEY or SECRET_KEY_FILE" in result.stderr


def test_https_settings_follow_the_switch():
    from django.conf import settings

    # the test run sets HTTPS=0 (plain-HTTP test server); production defaults are covered above
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.X_FRAME_OPTIONS == "DENY"
