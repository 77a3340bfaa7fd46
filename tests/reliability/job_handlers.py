"""Job handlers loaded by worker subprocesses in the crash test
(``PROMODESK_JOB_MODULES='["tests.reliability.job_handlers"]'``, cwd = the repository root).

``crash.credit`` records that it *started* (in a file, outside the job's transaction, so the
record survives a rollback or a SIGKILL), then makes two effects in the job's unit of work:
- an idempotent one: a ledger entry moving 1 coin, with ``ref`` = the payload's number;
- a non-idempotent one: an audit event. Exactly one per job proves that the effects commit
  only with the job's done mark, whatever happened to earlier attempts.
"""

from __future__ import annotations

import os
import time

from promodesk.audit import service as audit
from promodesk.kit.jobs import JobContext, handler
from promodesk.ledger import service as ledger

CRASH_JOB = "crash.credit"


@handler(CRASH_JOB)
def crash_credit(ctx: JobContext) -> None:
    p = ctx.payload
    fd = os.open(p["starts_file"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{ctx.job_id} {ctx.attempt}\n".encode())
    finally:
        os.close(fd)
    if p.get("hang") and ctx.attempt == 1:
        time.sleep(600)  # the first worker is killed while it sits here
    time.sleep(float(p.get("sleep", 0.02)))
    ws = int(p["workspace_id"])
    ledger.move(ctx.uow, ws, CRASH_JOB, str(p["n"]), int(p["source"]), int(p["target"]), 1)
    audit.record(
        ctx.uow,
        workspace_id=ws,
        actor="crash-test",
        action="crash.effect",
        object_type="crash",
        object_id=p["n"],
    )
