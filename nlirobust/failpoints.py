"""Fault injection for kill-and-resume drills: the process kills itself, as a node failure would, at a chosen point.

`NLIROBUST_KILL_AT=NAME:N` sends SIGKILL to this process the N-th time `failpoint(NAME)` is reached;
`NLIROBUST_FAIL_AT=NAME` makes it fail (RuntimeError) the first time, as a bad input would. Without the variables
(every real run) a failpoint is two comparisons. Points: `train_step` (after an optimizer step),
`checkpoint_write` (inside a half-written checkpoint), `predict_batch:{what}` (in a prediction pass, e.g.
`predict_batch:training-set pass`, the mistake pass after each epoch), `train_start:{output_dir}` (a training
job, after it found no finished run to reuse).
"""

from __future__ import annotations

import os
import signal

_TARGET, _, _COUNT = os.environ.get("NLIROBUST_KILL_AT", "").rpartition(":")
_hits = 0


_FAIL_AT = os.environ.get("NLIROBUST_FAIL_AT", "")


def failpoint(name: str) -> None:
    """SIGKILL this process if `name` is the configured point and this is its configured hit."""
    global _hits
    if _FAIL_AT and name == _FAIL_AT:
        raise RuntimeError(f"failpoint {name} (NLIROBUST_FAIL_AT)")
    if name != _TARGET:
        return
    _hits += 1
    if _hits == int(_COUNT):
        os.kill(os.getpid(), signal.SIGKILL)
