#!/usr/bin/python3
"""Which reading of Google's simplification agrees best with Google's own simplified files.

    bench/python/raw_variants.py [SHARED_QUICKDRAW]

The quickdraw-dataset README says: align the drawing to the top-left corner (minimum 0), scale it
uniformly to a maximum value of 255, resample all strokes with a 1 pixel spacing, simplify all
strokes with Ramer-Douglas-Peucker, epsilon 2.0. It leaves open how to scale, how to resample,
which RDP distance, and when and how to round. Each variant below changes one detail of the one
qd implements (pipeline/src/raw_simplifier.cpp, "chosen"); each is run on the raw/ excerpts of
../shared/quickdraw against the same drawings in simplified/ (matched by key_id), and the table
gives identical strokes and drawings. Results: docs/formats.md, "Raw drawings".
"""
import json
import math
import sys
from pathlib import Path

SHARED = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[3] / "shared" / "quickdraw")


def pairs():
    out = []
    for raw_file in sorted((SHARED / "raw").glob("*.ndjson")):
        google = {}
        for line in (SHARED / "simplified" / raw_file.name).read_text().splitlines():
            d = json.loads(line)
            google[d["key_id"]] = d["drawing"]
        for line in raw_file.read_text().splitlines():
            d = json.loads(line)
            if d["key_id"] in google:
                out.append((d["drawing"], google[d["key_id"]]))
    return out


def resample_arc(pts, always_last=True):
    out, carry = [pts[0]], 0.0
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        length = math.hypot(x1 - x0, y1 - y0)
        if length == 0:
            continue
        t = 1.0 - carry
        while t <= length:
            out.append((x0 + (x1 - x0) * t / length, y0 + (y1 - y0) * t / length))
            t += 1.0
        carry = length - (t - 1.0)
    if always_last or out[-1] != pts[-1]:
        out.append(pts[-1])
    return out


def resample_per_segment(pts):
    out = [pts[0]]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        n = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0)))
        out += [(x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n) for k in range(1, n + 1)]
    return out if len(pts) > 1 else pts + pts


def rdp(pts, eps, to_segment=False):
    if len(pts) < 3:
        return pts
    (ax, ay), (bx, by) = pts[0], pts[-1]
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    far, at = -1.0, 0
    for i in range(1, len(pts) - 1):
        px, py = pts[i]
        if length2 == 0:
            d = math.hypot(px - ax, py - ay)
        elif to_segment:
            t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
            d = math.hypot(px - ax - t * dx, py - ay - t * dy)
        else:
            d = abs(dx * (py - ay) - dy * (px - ax)) / math.sqrt(length2)
        if d > far:
            far, at = d, i
    if far > eps:
        return rdp(pts[: at + 1], eps, to_segment)[:-1] + rdp(pts[at:], eps, to_segment)
    return [pts[0], pts[-1]]


def simplify(drawing, v):
    xs = [x for s in drawing for x in s[0]]
    ys = [y for s in drawing for y in s[1]]
    mx, my = min(xs), min(ys)
    extent = max(max(xs) - mx, max(ys) - my) or 1.0
    rounding = {"even": round, "half_up": lambda c: math.floor(c + 0.5), "trunc": int}[v["round"]]
    out = []
    for s in drawing:
        if v["scale"] == "times_255_over_extent":
            pts = [((x - mx) * 255 / extent, (y - my) * 255 / extent) for x, y in zip(s[0], s[1])]
        else:
            k = 255.0 / extent
            pts = [((x - mx) * k, (y - my) * k) for x, y in zip(s[0], s[1])]
        if v["resample"] == "arc":
            pts = resample_arc(pts, v["always_last"])
        elif v["resample"] == "per_segment":
            pts = resample_per_segment(pts)
        elif len(pts) == 1:
            pts = pts + pts
        if v["when"] == "before_rdp":
            pts = [(rounding(x), rounding(y)) for x, y in pts]
        pts = rdp(pts, 2.0, v["to_segment"])
        out.append([[int(rounding(x)) for x, _ in pts], [int(rounding(y)) for _, y in pts]])
    return out


CHOSEN = {"scale": "times_255_over_extent", "resample": "arc", "always_last": True,
          "to_segment": False, "when": "after_rdp", "round": "even"}
VARIANTS = [
    ("chosen: arc-length resampling, RDP to the line, rounded half to even after RDP", {}),
    ("rounded half up (floor(v + 0.5)) instead", {"round": "half_up"}),
    ("truncated instead of rounded", {"round": "trunc"}),
    ("rounded before RDP (after resampling)", {"when": "before_rdp"}),
    ("scaled by (v - min) * (255 / extent)", {"scale": "times_factor"}),
    ("last raw point kept only if not already the last sample", {"always_last": False}),
    ("RDP distance to the segment, not the line", {"to_segment": True}),
    ("resampled per raw segment (restarting at each raw point)", {"resample": "per_segment"}),
    ("not resampled", {"resample": "none"}),
]


def main():
    data = pairs()
    print(f"{len(data)} raw drawings of {SHARED / 'raw'} matched by key_id\n")
    print("| variant | identical strokes | identical drawings |\n|---|---:|---:|")
    for name, change in VARIANTS:
        v = dict(CHOSEN, **change)
        strokes = same_strokes = same_drawings = 0
        for raw, google in data:
            ours = simplify(raw, v)
            n = max(len(ours), len(google))
            same = sum(1 for i in range(min(len(ours), len(google))) if ours[i] == google[i])
            strokes += n
            same_strokes += same
            same_drawings += same == n
        print(f"| {name} | {same_strokes} of {strokes} | {same_drawings} of {len(data)} |", flush=True)


if __name__ == "__main__":
    main()
