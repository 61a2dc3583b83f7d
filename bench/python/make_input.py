#!/usr/bin/env python3
"""Writes a large, real benchmark input: every drawing of ../shared/quickdraw/simplified/ repeated
COPIES times, gzipped. Each copy gets its own key_ids (the original id plus copy * 10^18 mod 2^63),
so a repeated drawing is a new record, not a duplicate; the strokes stay real.

usage: make_input.py SIMPLIFIED_DIR COPIES OUT.ndjson.gz
"""
import gzip
import json
import os
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    source, copies, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    lines = []
    for name in sorted(os.listdir(source)):
        with open(os.path.join(source, name), encoding="utf-8") as f:
            lines.extend(json.loads(line) for line in f if line.strip())
    count = 0
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=6) as f:
        for copy in range(copies):
            for record in lines:
                record = dict(record)
                record["key_id"] = str((int(record["key_id"]) + copy * 10**18) % 2**63)
                f.write(json.dumps(record, separators=(",", ":")) + "\n")
                count += 1
    print(f"{count} drawings -> {out}")


if __name__ == "__main__":
    main()
