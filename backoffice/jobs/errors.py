"""What a job handler raises to tell the engine how an attempt ended."""


class JobError(Exception):
    """An attempt did not succeed; `message` is shown on the job (and to its requester)."""

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = str(message)


class RetryLater(JobError):
    """Nothing final happened: try again after the backoff (or `retry_after` seconds)."""

    def __init__(self, message: str = "", *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class JobFailed(JobError):
    """A final answer: retrying cannot help (e.g. the remote refused the request)."""
