"""The embedded default's SMTP server (`kyoso up`): it accepts every message and keeps it
as an .eml file under KYOSO_DATA_DIR/mail/, so a trial desk can show what proposers
and staff would receive without a real mail server (and without mailing anyone)."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class _KeepAsFiles:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{self.count:04d}.eml"
        (self.folder / name).write_bytes(envelope.content)
        return "250 Kept"


class MailCatcher:
    def __init__(self, folder: Path, port: int = 0, host: str = "127.0.0.1") -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.host = host
        self.port = port or _free_port(host)
        self._controller = Controller(_KeepAsFiles(folder), hostname=host, port=self.port)
        self._started = False

    def start(self) -> MailCatcher:
        self._controller.start()
        self._started = True
        return self

    def stop(self) -> None:
        """Stop the server, if it was started (a desk stopped while starting never did)."""
        if self._started:
            self._controller.stop()
            self._started = False


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port
