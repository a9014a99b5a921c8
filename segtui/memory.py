"""How much memory building the customer view may take, and how many passes over the
lines keep it there.

One pass over every line is the fastest build, but its peak grows with the lines: about
2.8 GB for 10M lines. When the budget (``SEGTUI_MEMORY``, or a third of the machine's
memory) is smaller than one pass needs, the lines are split by customer into passes that
each fit (see ``customers.build_customers``). Passes whose lines can stay uncompressed in
the page cache cost no time, so those are taken even when the budget would allow one
(``thrifty_passes``).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping

from segtui.errors import SegtuiError

__all__ = ["MAX_PASSES", "PASS_BYTES", "memory_budget", "parse_size", "passes_for", "ram_bytes", "spill_compression",
           "thrifty_passes"]

#: peak bytes per line of one pass (measured on 10M generated lines of 13 columns:
#: 180-220 B, from one pass at 2.8 GB to four at 1.1 GB)
BYTES_PER_LINE = 250
#: bytes per customer of the finished view (230 measured) with some room to finish it
BYTES_PER_CUSTOMER = 300
#: the interpreter, Polars and the file's metadata before any line is read
BASE_BYTES = 400 * 2**20
#: more passes than this cost more in re-reading than they save
MAX_PASSES = 64
#: the lines' share of a pass when passes cost no time (``thrifty_passes``): 10M lines then
#: take 4 passes and 1.3 GB, in the time of one pass at 2.5 GB
PASS_BYTES = 640 * 2**20

_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", re.IGNORECASE)


def parse_size(text: str, source: str = "SEGTUI_MEMORY") -> int:
    """Bytes in a size such as ``1.5G``, ``800M``, ``2GB`` or ``512MiB`` (powers of 1024).

    Examples
    --------
    >>> parse_size("1.5G"), parse_size("800m"), parse_size("2 GiB")
    (1610612736, 838860800, 2147483648)
    >>> parse_size("lots")
    Traceback (most recent call last):
    segtui.errors.SegtuiError: SEGTUI_MEMORY 'lots' is not a size such as 1.5G or 800M
    """
    match = _SIZE.fullmatch(text)
    if not match or float(match[1]) <= 0:
        raise SegtuiError(f"{source} {text!r} is not a size such as 1.5G or 800M", title="Bad memory size")
    return int(float(match[1]) * _UNITS[match[2].lower()])


def ram_bytes() -> int:
    """The machine's physical memory in bytes."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def memory_budget(environ: Mapping[str, str] = os.environ, ram: int | None = None) -> int:
    """The bytes the view may take: ``SEGTUI_MEMORY`` if set, else a third of the machine's memory.

    Examples
    --------
    >>> memory_budget({"SEGTUI_MEMORY": "2G"}) == 2 * 2**30
    True
    >>> memory_budget({}, ram=24 * 2**30) == 8 * 2**30
    True
    """
    if environ.get("SEGTUI_MEMORY"):
        return parse_size(environ["SEGTUI_MEMORY"])
    return (ram_bytes() if ram is None else ram) // 3


def passes_for(lines: int | None, customers: int | None, budget: int) -> int:
    """How many passes over ``lines`` keep the build within ``budget`` bytes.

    The finished view of ``customers`` (estimated: every line a customer when unknown)
    stays in memory through the last pass; what is left of the budget is shared out
    per pass. A budget too small for the view itself gets the most passes.

    Examples
    --------
    >>> GB = 2**30
    >>> passes_for(10_000_000, 1_000_000, 8 * GB), passes_for(10_000_000, 1_000_000, int(1.5 * GB))
    (1, 3)
    >>> passes_for(100_000_000, 10_000_000, 8 * GB)
    5
    >>> passes_for(None, None, GB)
    1
    """
    if not lines:
        return 1
    room = budget - BASE_BYTES - BYTES_PER_CUSTOMER * (customers if customers is not None else lines)
    if room <= 0:
        return MAX_PASSES
    return _passes_within(lines, room)


def _passes_within(lines: int, room: int) -> int:
    """The passes (1 to ``MAX_PASSES``) that keep each pass's ``lines`` within ``room`` bytes."""
    return max(1, min(MAX_PASSES, math.ceil(lines * BYTES_PER_LINE / room)))


def spill_compression(spill_bytes: int, budget: int, free_disk: int, ram: int | None = None) -> str | None:
    """How to compress the lines written for the passes: not at all (None) when their
    uncompressed size ``spill_bytes`` fits in the memory the build leaves to the page cache
    (the machine's less the ``budget``) and twice on the disk, else ``"lz4"``.

    Uncompressed files cost 3.8x the disk of LZ4 ones but write and read back faster
    (10M lines: 0.55 s less), as long as they never have to wait for the disk itself.

    Examples
    --------
    >>> GB = 2**30
    >>> spill_compression(10 * GB, 8 * GB, free_disk=70 * GB, ram=24 * GB) is None
    True
    >>> spill_compression(10 * GB, 8 * GB, free_disk=15 * GB, ram=24 * GB)
    'lz4'
    >>> spill_compression(10 * GB, 16 * GB, free_disk=70 * GB, ram=24 * GB)
    'lz4'
    """
    cache = (ram_bytes() if ram is None else ram) - budget
    return None if spill_bytes <= cache and 2 * spill_bytes <= free_disk else "lz4"


def thrifty_passes(lines: int | None) -> int:
    """The passes that keep each pass's lines within ``PASS_BYTES``: what the build takes
    when its lines can be written uncompressed (``spill_compression``), since passes then
    cost no time (10M lines: 8.8-9.0 s in 1, 3 or 4 passes) and save memory.

    Examples
    --------
    >>> thrifty_passes(1_000_000), thrifty_passes(10_000_000), thrifty_passes(None)
    (1, 4, 1)
    """
    return _passes_within(lines, PASS_BYTES) if lines else 1
