"""Starts the test OpenID provider (settings.py beside this) as a process of its own on a free port of
127.0.0.1: migrate its SQLite database, make an RSA signing key, register the portal as a client, serve.
Everything lives in a temporary folder and goes with it; no key is ever kept in the repository."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalProvider:
    client_id = "bromley-portal"

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.url}/openid"
        self.client_secret = os.urandom(24).hex()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
            "OIDC_PROVIDER_DIR": str(folder),
            "OIDC_PROVIDER_URL": self.url,
            "OIDC_PROVIDER_SECRET_KEY": os.urandom(32).hex(),
            "PYTHONPATH": str(REPO_ROOT),
        }
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.process = None

    def _run(self, *args: str) -> None:
        subprocess.run([sys.executable, *args], env=self.env, cwd=REPO_ROOT, check=True, capture_output=True)

    def start(self) -> "LocalProvider":
        self._run("-m", "django", "migrate", "--verbosity", "0")
        self._run("-m", "django", "creatersakey")
        self.log = open(self.folder / "provider.log", "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            env=self.env,
            cwd=REPO_ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the test provider stopped: {(self.folder / 'provider.log').read_text()}")
            try:
                if requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2).ok:
                    return self
            except requests.ConnectionError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the test provider did not answer within {STARTUP_SECONDS} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self.log.close()

    def register_portal(self, portal_url: str) -> None:
        self.setup(
            client={
                "id": self.client_id,
                "secret": self.client_secret,
                "redirect_uri": f"{portal_url}/accounts/sso/callback/",
                "post_logout_redirect_uri": f"{portal_url}/accounts/login/",
            }
        )

    def person(self, username: str, groups: list[str], **fields) -> None:
        """Makes or changes a person at the provider (password "council-password")."""
        self.setup(
            people=[{"username": username, "password": "council-password", "groups": groups, **fields}]
        )

    def setup(self, **spec) -> None:
        self._run("-m", "tests.oidc_provider.people", json.dumps(spec))

    def portal_settings(self) -> dict:
        """The portal's settings for single sign-on with this provider (as the environment would give)."""
        return {
            "OIDC_ENABLED": True,
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_ISSUER": self.issuer,
            "OIDC_RP_SCOPES": "openid email profile groups",
            "OIDC_GROUPS_CLAIM": "groups",
        }
