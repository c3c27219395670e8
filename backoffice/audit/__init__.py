"""The audit trail every app writes to: who, when, what (old → new) and through which door.

`services.audit_record(...)` writes one row; the door (admin, api, command, job) is set once per
entry point (`context.audit_door`: the middleware for requests, the job engine for job attempts;
anything else — a management command, a shell — is the command door). Rows are read-only in the
admin for everyone but a superuser. This app depends on no other app of ours.
"""
