"""`kongjian serve` under tracemalloc, for bench/conn_memory.py: on SIGUSR1 it writes
a snapshot of live allocations (grouped by line, 25 frames deep) to $KJ_TRACE_OUT.N.

    python bench/servers/kj_traced.py serve --data none ...
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import tracemalloc

_count = [0]


def _dump(signum: int, frame: object) -> None:
    gc.collect()
    _count[0] += 1
    out = f"{os.environ['KJ_TRACE_OUT']}.{_count[0]}"
    tracemalloc.take_snapshot().dump(out + ".tmp")
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    tracemalloc.start(25)
    signal.signal(signal.SIGUSR1, _dump)
    from hub.__main__ import main

    sys.exit(main(sys.argv[1:]))
