"""Waiting on a state another process or thread brings about, instead of sleeping a guess."""

import time


def wait_for(condition, *, timeout: float = 30.0, interval: float = 0.02):
    """Poll `condition()` until it returns something truthy and return that; fail the test with
    `timeout` seconds gone (a bound on a hang, not a measurement)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout:.0f} s for {condition}")
        time.sleep(interval)
