"""The one durable job engine: every long or remote piece of work is a `Job` row.

A job is written in the caller's transaction (`services.job_enqueue`) and, once that commits,
run by Celery (`CELERY_BROKER_URL` set) or in this process. A runner claims it with one
conditional UPDATE, so two runners never run one job; the handler registered for its
(target_type, operation) does the work. `RetryLater` (or an unexpected error, when the handler
says a retry is safe) schedules another attempt with exponential backoff; `JobFailed` ends it
FAILED; after `max_attempts` it is DEAD. `services.jobs_sweep` (Celery beat, the `serve`
command's sweeper thread, or `manage.py jobs_sweep`) re-runs due jobs whose dispatch was lost
and takes over RUNNING jobs whose worker died. The row is the truth: a broker that is down or a
killed process delays a job, never loses it.

Apps register their handlers in their `AppConfig.ready()` with `registry.register`.
"""
