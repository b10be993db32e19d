"""The guard against a test run that cannot end: a service's Kafka consumer runs in a
thread of faust's (mode's `WorkerThread`, not a daemon), so one left running by a service
that was not stopped keeps the pytest process from exiting, and CI hangs instead of
failing. At the end of the run such threads get a deadline to end; any left are named,
with where each waits, and the run ends failed."""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback

from mode.threads import WorkerThread

DEADLINE_SECONDS = 30.0


def consumer_threads_left() -> list[WorkerThread]:
    return [t for t in threading.enumerate() if isinstance(t, WorkerThread) and t.is_alive()]


def end_the_run_if_threads_are_left(exit_status: int) -> None:
    """Wait for faust's threads to end; if some do not, report them and exit failed."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while consumer_threads_left() and time.monotonic() < deadline:
        time.sleep(0.2)  # polled with a deadline: threads that are stopping end in time
    left = consumer_threads_left()
    if not left:
        return
    frames = sys._current_frames()
    report = [f"\n{len(left)} Kafka consumer thread(s) of faust left running after the tests:"]
    for thread in left:
        stack = frames.get(thread.ident or -1)
        where = "".join(traceback.format_stack(stack)[-4:]) if stack else "  (no stack)\n"
        report.append(f"- {thread.name} ({thread.service!r}), waiting in:\n{where}")
    sys.stderr.write("\n".join(report) + "\n")
    sys.stderr.flush()
    sys.stdout.flush()
    os._exit(exit_status or 1)  # the threads would keep the interpreter from exiting
