"""An outbox: something sent to people for events in a service's own history.

Like the relay (DESIGN.md §2), it follows the service's notification log from where it
got to, a position kept as a tracking record in the same store, so what caused a message
is never lost and a message is never blocked by, nor blocks, the event that caused it.
It sends at least once: a crash between sending and recording the position may send
one message again, which is better than none. A message that cannot be sent now is
tried again later; one refused for good is logged and counted, and the outbox moves on.
Only one instance of a service sends (the same kind of lease as the relay).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import Tracking
from prometheus_client import Counter, Gauge

from shared.application import ServiceApplication
from shared.mail import Mailer, MailSettings, Undeliverable
from shared.relay_lease import Lease, try_lease

log = logging.getLogger(__name__)

SENT = Counter("kyoso_outbox_sent_total", "Messages sent by an outbox", ["outbox", "outcome"])
BEHIND = Gauge("kyoso_outbox_behind", "Stored events an outbox has not handled yet", ["outbox"])

# Send what one stored event calls for (nothing, for most); raise to try again later.
Send = Callable[[Any], None]


class Outbox:
    def __init__(
        self,
        application: ServiceApplication,
        name: str,
        send: Send,
        retry_after: float,
        poll_interval: float = 0.5,
    ) -> None:
        self.application = application
        self.name = name
        self._send = send
        self._retry_after = retry_after
        self._poll_interval = poll_interval
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called after a save, from any thread: look at the log now."""
        loop = self._loop
        if loop is not None:
            loop.call_soon_threadsafe(self._wake.set)

    _loop: asyncio.AbstractEventLoop | None = None

    def position(self) -> int:
        recorder: Any = self.application.recorder
        recorded = recorder.max_tracking_id(self.name)
        if recorded is None:
            # A first start on a store with history: what happened before the outbox
            # existed was never promised by mail; start from now.
            recorded = recorder.max_notification_id() or 0
            recorder.insert_tracking(Tracking(self.name, recorded))
        return int(recorded)

    def handle_pending(self, limit: int = 100) -> int:
        """Send for the events after the position; return how many were handled. Raises
        when a message could not be sent (the position stays before its event)."""
        recorder: Any = self.application.recorder
        start = self.position() + 1
        notifications = recorder.select_notifications(start=start, limit=limit)
        for notification in notifications:
            domain_event = self.application.mapper.to_domain_event(notification)
            try:
                self._send(domain_event)
            except Undeliverable as refused:
                SENT.labels(self.name, "undeliverable").inc()
                log.warning("%s: event %d: %s", self.name, notification.id, refused)
            recorder.insert_tracking(Tracking(self.name, notification.id))
        BEHIND.labels(self.name).set(
            max(0, (recorder.max_notification_id() or 0) - self.position())
        )
        return len(notifications)

    async def run(self, stopping: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self.application.after_save.append(self.wake)
        lease: Lease | None = None
        try:
            while not stopping.is_set():
                if lease is None:
                    lease = await asyncio.to_thread(try_lease, self.application.recorder, self.name)
                    if lease is None:
                        await self._pause(stopping, self._retry_after)
                        continue
                try:
                    handled = await asyncio.to_thread(self.handle_pending)
                except Exception as problem:
                    SENT.labels(self.name, "retry").inc()
                    log.warning(
                        "%s: could not send (%s); trying again in %gs",
                        self.name,
                        problem,
                        self._retry_after,
                    )
                    await self._pause(stopping, self._retry_after)
                    continue
                if not handled:
                    await self._pause(stopping, self._poll_interval)
        finally:
            if lease is not None:
                await asyncio.to_thread(lease.release)

    async def _pause(self, stopping: asyncio.Event, seconds: float) -> None:
        self._wake.clear()
        waits = [asyncio.ensure_future(stopping.wait()), asyncio.ensure_future(self._wake.wait())]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED), seconds
            )
        for wait in waits:
            wait.cancel()


def mail_outbox(
    application: ServiceApplication,
    name: str,
    settings: MailSettings,
    sender: Callable[[Mailer], Send],
) -> Outbox | None:
    """An outbox that e-mails through the configured SMTP server (the mails `sender` makes
    of each stored event), or None when no server is configured: then nobody is e-mailed."""
    mailer = Mailer(settings)
    if not mailer.enabled:
        log.info("KYOSO_SMTP_HOST is empty: %s sends no e-mail", name)
        return None
    return Outbox(application, name, sender(mailer), settings.mail_retry_seconds)
