"""Group commit for submissions: requests that arrive together are saved together.

Each HTTP request puts its submission in a queue and awaits its own outcome. One drainer
takes whatever is waiting (up to `max_group`), records it in one transaction in a worker
thread, and answers every request. Under light load a group is one submission and
nothing waits; under heavy load one commit serves many proposals, which is what lets the
API keep up with the store (bench/intake.py).
"""

from __future__ import annotations

import asyncio
from collections import deque

from services.intake.application import IntakeApplication, SubmissionRequest, Submitted


class SubmissionQueue:
    def __init__(self, intake: IntakeApplication, max_group: int = 64) -> None:
        self._intake = intake
        self._max_group = max_group
        self._waiting: deque[tuple[SubmissionRequest, asyncio.Future[Submitted]]] = deque()
        self._drainer: asyncio.Task[None] | None = None

    async def submit(self, request: SubmissionRequest) -> Submitted:
        outcome: asyncio.Future[Submitted] = asyncio.get_running_loop().create_future()
        self._waiting.append((request, outcome))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain(), name="intake-group-commit")
        return await outcome

    async def _drain(self) -> None:
        while self._waiting:
            group = [
                self._waiting.popleft() for _ in range(min(self._max_group, len(self._waiting)))
            ]
            try:
                outcomes = await asyncio.to_thread(self._intake.submit_many, [r for r, _ in group])
            except Exception as failure:
                for _, future in group:
                    if not future.done():
                        future.set_exception(failure)
                continue
            for (_, future), outcome in zip(group, outcomes, strict=True):
                if future.done():
                    continue  # the client went away; the proposal is recorded all the same
                if isinstance(outcome, Exception):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
