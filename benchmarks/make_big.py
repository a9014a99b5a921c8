"""Write a transaction file larger than memory allows ``segtui sample`` to build at once.

``segtui sample`` generates the whole frame in memory (about 1 GB per million customers);
this writes ``--blocks`` blocks of ``--customers`` each with segtui's own generator (seed
``seed + block``), gives each block's customer and order ids a block prefix so that they
stay distinct, and streams the blocks into one Parquet file.

    python benchmarks/make_big.py /tmp/x100m.parquet --blocks 10 --customers 1000000

gives about 100M lines and 10M customers (the issue-14 "larger than RAM" file).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import polars as pl

from segtui.sample import generate_transactions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="Parquet file to write")
    parser.add_argument("--blocks", type=int, default=10)
    parser.add_argument("--customers", type=int, default=1_000_000, help="customers per block")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    parts = Path(tempfile.mkdtemp(prefix="segtui_big_", dir=args.out.parent))
    try:
        for block in range(args.blocks):
            frame = generate_transactions(customers=args.customers, seed=args.seed + block)
            prefix = f"B{block:03d}-"
            frame = frame.with_columns((pl.lit(prefix) + pl.col(c)).alias(c) for c in ("customer_id", "order_id"))
            frame.write_parquet(parts / f"{block:04d}.parquet")
            print(f"block {block + 1}/{args.blocks}: {frame.height:,} lines", flush=True)
            del frame
        tmp = args.out.with_name(args.out.name + ".part")
        pl.scan_parquet(parts / "*.parquet").sink_parquet(tmp)
        tmp.replace(args.out)
    finally:
        shutil.rmtree(parts, ignore_errors=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
