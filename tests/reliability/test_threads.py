"""torch's thread count follows the cores this process may use, not the machine's core count."""

import os

from harness.backends.hf import available_cores


def test_available_cores_follow_the_affinity_mask():
    original = os.sched_getaffinity(0)
    assert 1 <= available_cores() <= len(original)
    os.sched_setaffinity(0, {min(original)})
    try:
        assert available_cores() == 1
    finally:
        os.sched_setaffinity(0, original)
