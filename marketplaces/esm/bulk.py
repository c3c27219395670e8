"""Many goods pushed to ESM as ONE job, with progress and an outcome per goods.

Shared by the sponsorship's and the seller discount's bulk push. The job's payload lists the goods
numbers; `job.result` holds `{total, succeeded, failed, pending, outcomes: [{goodsNo, status,
operation, message}]}`, saved every `PROGRESS_EVERY` goods with the job's heartbeat. A goods'
refusal is its outcome (FAILED); a retryable failure leaves it RETRY and the job's next attempt
sends only the goods not yet settled (OK or FAILED), so nothing settled is sent twice. Failures
that would refuse every goods alike (a retired API, bad keys) stop the job.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.jobs.models import Job
from backoffice.jobs.services import job_heartbeat
from marketplaces.http import FinalError, RetryableError

PROGRESS_EVERY = 50
SETTLED = ("OK", "FAILED")


def outcome(goods_no: str, status: str, message: str = "", operation: str = "") -> dict:
    return {"goodsNo": goods_no, "status": status, "operation": operation, "message": message}


def bulk_result(goods_nos: list[str], outcomes: dict[str, dict]) -> dict:
    """The job's result: counts and the outcomes in the order the goods were given."""
    rows = [outcomes[g] for g in goods_nos if g in outcomes]
    return {
        "total": len(goods_nos),
        "succeeded": sum(1 for r in rows if r["status"] == "OK"),
        "failed": sum(1 for r in rows if r["status"] == "FAILED"),
        "pending": len(goods_nos) - sum(1 for r in rows if r["status"] in SETTLED),
        "outcomes": rows,
    }


def _save_result(job: Job, result: dict, done: int) -> None:
    Job.objects.filter(pk=job.pk, locked_by=job.locked_by).update(result=result)
    job_heartbeat(job, done=done)


def _save(row, **fields) -> None:
    for name, value in fields.items():
        setattr(row, name, value)
    row.save(update_fields=[*fields, "updated_at"])


def bulk_failed(job: Job, message: str, *, model: type[models.Model]) -> None:
    """The job ended FAILED or DEAD: every goods without a final outcome gets the reason, and
    its row, still QUEUED, becomes FAILED."""
    goods_nos = job.payload.get("goods_nos", [])
    outcomes = {r["goodsNo"]: r for r in (job.result or {}).get("outcomes", [])}
    unsettled = [g for g in goods_nos if outcomes.get(g, {}).get("status") not in SETTLED]
    for goods_no in unsettled:
        outcomes[goods_no] = outcome(goods_no, "FAILED", message)
    Job.objects.filter(pk=job.pk).update(result=bulk_result(goods_nos, outcomes))
    model.objects.filter(goods_no__in=unsettled, local_state="QUEUED").update(
        local_state="FAILED", last_error=message, updated_at=timezone.now()
    )


def run_bulk(
    job: Job,
    *,
    model: type[models.Model],
    push_one: Callable,
    client,
    stop_on: tuple[type[Exception], ...],
    final: Callable[[FinalError], FinalError],
    missing_message: str,
) -> dict:
    """Push every goods of the job not yet settled: `push_one(row, client)` returns its outcome
    or raises a MarketplaceError. Returns the result; raises RetryableError when some goods must
    be sent again, `final(exc)` for a failure in `stop_on`."""
    goods_nos: list[str] = list(job.payload.get("goods_nos", []))
    outcomes = {
        r["goodsNo"]: r
        for r in (job.result or {}).get("outcomes", [])
        if r.get("status") in SETTLED
    }
    rows = model.objects.in_bulk(goods_nos, field_name="goods_no")
    retryable: list[RetryableError] = []
    done = len(outcomes)
    job_heartbeat(job, done=done, total=len(goods_nos))
    for goods_no in goods_nos:
        if goods_no in outcomes:
            continue
        row = rows.get(goods_no)
        if row is None:
            outcomes[goods_no] = outcome(goods_no, "FAILED", missing_message)
        else:
            try:
                outcomes[goods_no] = push_one(row, client)
            except stop_on as exc:
                _save_result(job, bulk_result(goods_nos, outcomes), done)
                raise final(exc) from exc
            except FinalError as exc:
                outcomes[goods_no] = outcome(goods_no, "FAILED", exc.message)
                _save(row, local_state="FAILED", last_error=exc.message)
            except RetryableError as exc:
                retryable.append(exc)
                outcomes[goods_no] = outcome(goods_no, "RETRY", exc.message)
                _save(row, last_error=exc.message)
        done += 1
        if done % PROGRESS_EVERY == 0:
            _save_result(job, bulk_result(goods_nos, outcomes), done)
    result = bulk_result(goods_nos, outcomes)
    _save_result(job, result, done)
    if retryable:
        raise RetryableError(
            _("%(n)s개 상품을 다시 보내야 합니다 (예: %(reason)s).")
            % {"n": len(retryable), "reason": retryable[0].message},
            retry_after=max((e.retry_after or 0) for e in retryable) or None,
        )
    return result
