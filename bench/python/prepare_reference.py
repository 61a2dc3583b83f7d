#!/usr/bin/env python3
"""The baseline for bench_prepare: what qd_prepare does to one category's file, written the
straightforward way in one Python process (json, pycairo, numpy), for the benchmark to compare.

usage: prepare_reference.py INPUT OUT.npy [--size 28]

Reads Google's simplified ndjson, plain or gzipped (recognised by the magic bytes 1f 8b), drops
the records qd_prepare drops (malformed, fragments of under 2 points or 64 units, unrecognized,
a key_id already kept), renders the others with Google's own Cairo calls (quickdraw-dataset issue
#19) and writes them to OUT.npy as uint8 [N, size, size]. Prints `drawings=N seconds=S` last.
Unlike qd_prepare it writes no train/val split, key files or manifest.
"""
import argparse
import gzip
import json
import os
import sys
import time

import cairo
import numpy as np

ORIGINAL_SIDE = 256.0
LINE_WIDTH = 16.0
PADDING = 16.0
MIN_POINTS = 2
MIN_EXTENT = 64


def open_input(path):
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def valid_strokes(record):
    """The strokes of a well-formed record ([[x...], [y...]] with integers 0..255), else None."""
    if not isinstance(record, dict):
        return None
    key_id = record.get("key_id")
    if not (isinstance(key_id, str) and key_id.isascii() and key_id.isdigit()):
        return None
    if int(key_id) >= 2**64:
        return None
    if not all(isinstance(record.get(f), str) for f in ("word", "countrycode", "timestamp")):
        return None
    if not isinstance(record.get("recognized"), bool):
        return None
    strokes = record.get("drawing")
    if not isinstance(strokes, list) or not strokes:
        return None
    for stroke in strokes:
        if not (isinstance(stroke, list) and len(stroke) == 2):
            return None
        xs, ys = stroke
        if not (isinstance(xs, list) and isinstance(ys, list) and xs and len(xs) == len(ys)):
            return None
        for v in xs + ys:
            if not (type(v) is int and 0 <= v <= 255):
                return None
    return strokes


def is_fragment(strokes):
    xs = [x for stroke in strokes for x in stroke[0]]
    ys = [y for stroke in strokes for y in stroke[1]]
    extent = max(max(xs) - min(xs), max(ys) - min(ys))
    return len(xs) < MIN_POINTS or extent < MIN_EXTENT


class Renderer:
    """Google's vector_to_raster: an ARGB32 surface whose byte 0 of each pixel is the image."""

    def __init__(self, side):
        self.side = side
        self.surface = cairo.ImageSurface(cairo.FORMAT_ARGB32, side, side)
        self.ctx = cairo.Context(self.surface)
        self.ctx.set_antialias(cairo.ANTIALIAS_BEST)
        self.ctx.set_line_cap(cairo.LINE_CAP_ROUND)
        self.ctx.set_line_join(cairo.LINE_JOIN_ROUND)
        self.ctx.set_line_width(LINE_WIDTH)
        total_padding = PADDING * 2.0 + LINE_WIDTH
        scale = side / (ORIGINAL_SIDE + total_padding)
        self.ctx.scale(scale, scale)
        self.ctx.translate(total_padding / 2.0, total_padding / 2.0)

    def render(self, strokes):
        ctx = self.ctx
        ctx.set_source_rgb(0, 0, 0)
        ctx.paint()
        max_x = max(max(stroke[0]) for stroke in strokes)
        max_y = max(max(stroke[1]) for stroke in strokes)
        offset_x = (ORIGINAL_SIDE - max_x) / 2.0
        offset_y = (ORIGINAL_SIDE - max_y) / 2.0
        ctx.set_source_rgb(1, 1, 1)
        for xs, ys in strokes:
            ctx.move_to(xs[0] + offset_x, ys[0] + offset_y)
            for x, y in zip(xs, ys):
                ctx.line_to(x + offset_x, y + offset_y)
            ctx.stroke()
        self.surface.flush()
        pixels = np.frombuffer(self.surface.get_data(), dtype=np.uint8)
        rows = pixels.reshape(self.side, self.surface.get_stride())
        return rows[:, 0 : self.side * 4 : 4].tobytes()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="simplified ndjson, plain or gzipped")
    parser.add_argument("output", help="the .npy to write")
    parser.add_argument("--size", type=int, default=28, help="image side in pixels")
    args = parser.parse_args()

    start = time.perf_counter()
    renderer = Renderer(args.size)
    images = bytearray()
    kept_keys = set()
    read = kept = 0
    rejected = {"malformed": 0, "truncated": 0, "unrecognized": 0, "duplicate": 0}
    with open_input(args.input) as f:
        for line in f:
            read += 1
            try:
                record = json.loads(line)
            except ValueError:
                # A last line cut short is "truncated" for qd_prepare; either way it is dropped.
                rejected["truncated" if not line.endswith(b"\n") else "malformed"] += 1
                continue
            strokes = valid_strokes(record)
            if strokes is None:
                rejected["malformed"] += 1
            elif is_fragment(strokes):
                rejected["truncated"] += 1
            elif not record["recognized"]:
                rejected["unrecognized"] += 1
            elif int(record["key_id"]) in kept_keys:
                rejected["duplicate"] += 1
            else:
                kept_keys.add(int(record["key_id"]))
                images += renderer.render(strokes)
                kept += 1

    array = np.frombuffer(images, dtype=np.uint8).reshape(kept, args.size, args.size)
    temporary = args.output + ".tmp"
    with open(temporary, "wb") as out:
        np.save(out, array)
    os.replace(temporary, args.output)
    seconds = time.perf_counter() - start
    print(f"read={read} " + " ".join(f"{k}={v}" for k, v in rejected.items()), file=sys.stderr)
    print(f"drawings={kept} seconds={seconds:.3f}")


if __name__ == "__main__":
    main()
