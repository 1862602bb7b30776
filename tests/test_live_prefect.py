"""A real Prefect server on loopback: deploy the nightly flow with `observatoire serve`, trigger a run, see it
complete. Slow (≈ 30–60 s): the only test that needs a server."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from flows.offline import offline_env

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"Prefect server at {url} not healthy after {timeout} s")


@pytest.mark.slow  # a real Prefect server and a flow run
def test_deploy_and_run_on_a_live_server(private_home, tmp_path):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        **offline_env(tmp_path / "prefect-live"),
        "PREFECT_API_URL": api,
        "OBSERVATOIRE_HOME": str(private_home),
    }
    server_env = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
    logs = tmp_path / "logs"
    logs.mkdir()
    server = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=server_env,
        stdout=open(logs / "server.log", "w"),
        stderr=subprocess.STDOUT,
    )
    serve = None
    try:
        _wait_healthy(api)
        serve = subprocess.Popen(
            [str(BIN / "observatoire"), "serve"],
            env=env,
            stdout=open(logs / "serve.log", "w"),
            stderr=subprocess.STDOUT,
        )
        deadline, result = time.time() + 90, None
        while time.time() < deadline:  # the deployment exists once `serve` has registered it
            result = subprocess.run(
                [str(BIN / "prefect"), "deployment", "inspect", "nightly-refresh/nightly"],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            if result.returncode == 0:
                break
            time.sleep(2)
        assert result is not None and result.returncode == 0, result.stdout + result.stderr
        assert "0 2 * * *" in result.stdout and "Europe/Paris" in result.stdout
        run = subprocess.run(
            [str(BIN / "prefect"), "deployment", "run", "nightly-refresh/nightly", "--watch", "--watch-timeout", "240"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stdout + run.stderr + (logs / "serve.log").read_text()
        assert "Completed" in run.stdout + run.stderr
    finally:
        for proc in (serve, server):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
