#!/usr/bin/python3
"""Builds the fuzz targets' seed corpora into a directory (never into the repository).

    scripts/fuzz_corpus.py OUT [TARGET...]

Seeds are real data from ../shared/quickdraw (ndjson lines, Google's .npy headers and rows,
doodleNet's model.json), the tests' fixtures, and small files in the formats qd writes, made here
the way qd makes them. Without ../shared/quickdraw the seeds from the fixtures and the made files
remain. Multi-file inputs join their files with the separator of fuzz/fuzz_support.h.
"""
import gzip
import io
import json
import os
import random
import struct
import sys
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("QD_SHARED_QUICKDRAW", ROOT.parent / "shared" / "quickdraw"))
FIXTURES = ROOT / "tests" / "fixtures"
SEPARATOR = b"\n=qd-fuzz-part=\n"
MAX_SEED = 16384  # bytes; the fuzzers' -max_len (scripts/fuzz.sh)
rng = random.Random(14)


def have_shared():
    return (SHARED / "simplified").is_dir()


def ndjson_lines():
    """Real lines first (two per category, then monkey's 1,000 in part, raw lines that fit), then
    the fixtures' hand-made good and bad lines."""
    lines = []
    if have_shared():
        for path in sorted((SHARED / "simplified").glob("*.ndjson")):
            lines += path.read_bytes().splitlines()[:2]
        lines += (SHARED / "simplified-1000" / "monkey.ndjson").read_bytes().splitlines()[:100:10]
        for path in sorted((SHARED / "raw").glob("*.ndjson"))[:20]:
            lines += [l for l in path.read_bytes().splitlines()[:2] if len(l) <= MAX_SEED]
    for path in sorted(FIXTURES.glob("*.ndjson")):
        lines += path.read_bytes().splitlines()
    return lines


def npy_header(descr, shape, reserve=128):
    """qd's own header (store/src/npy.cpp npy_header): padded to a 128-byte reservation."""
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    d = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, dims)
    total = 10 + len(d) + 1
    padded = (max(total, reserve) + 63) // 64 * 64
    d += " " * (padded - total) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(d)) + d.encode()


def numpy_file(array, version=None):
    out = io.BytesIO()
    np.lib.format.write_array(out, array, version=version, allow_pickle=False)
    return out.getvalue()


def seeds_drawing_parser():
    return ndjson_lines()


def binary_record(key_id, countrycode, recognized, timestamp, strokes):
    """One record of Google's binary format (quickdraw-dataset README, "Binary files")."""
    out = struct.pack("<Q2sBIH", key_id, countrycode, recognized, timestamp, len(strokes))
    for xs, ys in strokes:
        out += struct.pack("<H", len(xs)) + bytes(xs) + bytes(ys)
    return out


def seeds_binary_format():
    """The first byte says how the stream arrives (binary_format_fuzzer.cpp); then records: real
    drawings of simplified/ as Google's binary writer stores them, and hand-made faults."""
    records = []
    if have_shared():
        for path in sorted((SHARED / "simplified").glob("*.ndjson"))[::20]:
            for line in path.read_bytes().splitlines()[:2]:
                d = json.loads(line)
                records.append(binary_record(int(d["key_id"]), d["countrycode"].encode()[:2].ljust(2),
                                             int(d["recognized"]), 1488497110,
                                             [(s[0], s[1]) for s in d["drawing"]]))
    good = binary_record(5201136883597312, b"VE", 1, 1488497110,
                         [([0, 128, 255], [10, 200, 30]), ([40], [255])])
    records.append(good)
    stream = b"".join(records[:8]) or good
    return [
        b"\x00" + good,
        b"\x01" + stream,
        b"\x3f" + b"".join(records)[: MAX_SEED - 1],
        b"\x05" + good + binary_record(7, b"US", 1, 0, []) + good,  # no strokes
        b"\x02" + good + binary_record(8, b"US", 1, 0, [([], [])]),  # an empty stroke
        b"\x07" + good + binary_record(9, b"US", 2, 0, [([1], [1])]),  # recognized 2
        b"\x09" + stream[:-3],  # cut inside the last record
        b"\x04" + good + good[:10],  # cut inside a header
        b"\x0c" + good + binary_record(10, b"FR", 1, 0, [([1] * 200, [2] * 200)] * 12) + good,  # long
    ]


def seeds_gzip_lines():
    lines = ndjson_lines()
    text = b"\n".join(lines[:6]) + b"\n"
    seeds = [
        b"\x00" + text,
        b"\x35" + gzip.compress(text),
        b"\xf0" + gzip.compress(text[: len(text) // 2]) + gzip.compress(text[len(text) // 2 :]),
        b"\x11" + gzip.compress(text)[:-9],  # cut inside the member
        b"\x22" + gzip.compress(text) + b"garbage",
        b"\x03" + b"\xef\xbb\xbf" + text.replace(b"\n", b"\r\n"),
        b"\x07" + b"x" * 400 + b"\n" + text + b"y" * 350,  # long lines, unterminated last
        b"\x48" + gzip.compress(b"\n".join(lines[6:60])),
    ]
    return seeds


def seeds_npy():
    seeds = []
    if have_shared():
        for name in ["apple", "bowtie"]:
            raw = (SHARED / "numpy_bitmap" / f"{name}.npy").read_bytes()
            arr = np.load(SHARED / "numpy_bitmap" / f"{name}.npy", mmap_mode="r")
            header_len = len(raw) - arr.nbytes
            seeds.append(raw[:header_len] + raw[header_len : header_len + 2 * 784])  # real header
            seeds.append(numpy_file(np.ascontiguousarray(arr[:2])))
    images = np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4)
    seeds += [
        npy_header("|u1", [2, 4, 4]) + images.tobytes(),
        npy_header("<u8", [3]) + np.array([5, 6, 7], "<u8").tobytes(),
        numpy_file(images, version=(2, 0)),
        numpy_file(np.zeros((0, 28, 28), np.uint8)),
        numpy_file(np.float32(1.5)),  # a 0-d array
    ]
    return seeds


def shard_set(side=4):
    """A category directory as qd_prepare writes it: the manifest, then the four shard files."""
    rows = {"train": 3, "val": 1}
    files, shards = [], []
    for split, n in rows.items():
        images = bytes(rng.randrange(256) for _ in range(n * side * side))
        image_file = npy_header("|u1", [n, side, side]) + images
        keys_file = npy_header("<u8", [n]) + struct.pack(f"<{n}Q", *range(100, 100 + n))
        files += [image_file, keys_file]
        shards.append({"file": f"{split}-00000.npy", "keys": f"{split}-00000.keys.npy",
                       "split": split, "count": n,
                       "crc32": "%08x" % zlib.crc32(image_file),
                       "keys_crc32": "%08x" % zlib.crc32(keys_file),
                       "bytes": len(image_file), "keys_bytes": len(keys_file)})
    manifest = {
        "format_version": 1, "category": "cat", "side": side,
        "generator": "qd_prepare 0.1.0", "created_at": "2026-11-24T12:05:06Z",
        "options": {"size": side, "line_width": 16, "padding": 16, "val_fraction": 0.05,
                    "keep_unrecognized": False, "max_per_category": 0, "shard_size": 50000,
                    "min_points": 2, "min_extent": 64, "max_record_bytes": 262144,
                    "max_points": 8192, "max_strokes": 1024},
        "source": {"location": "https://storage.googleapis.com/quickdraw_dataset/full/simplified/cat.ndjson",
                   "size": 76676944, "mtime_ns": 0, "etag": "\"0908a48b\"",
                   "last_modified": "Tue, 07 Mar 2017 00:00:00 GMT", "truncated": False},
        "counts": {"read": 5, "kept": 4, "train": 3, "val": 1,
                   "rejected": {"unrecognized": 1, "malformed": 0, "truncated": 0,
                                "duplicate": 0, "too_large": 0}},
        "shards": shards,
    }
    return manifest, files


def seeds_manifest():
    manifest, files = shard_set()
    text = json.dumps(manifest, indent=2).encode()
    old = json.loads(text)  # a format-1 manifest from before the size limits
    for key in ["max_record_bytes", "max_points", "max_strokes"]:
        del old["options"][key]
    del old["counts"]["rejected"]["too_large"]
    return [
        SEPARATOR.join([text] + files),
        text,
        SEPARATOR.join([json.dumps(old).encode()] + files),
        SEPARATOR.join([text, files[0][:-3]] + files[1:]),  # a damaged shard
    ]


def seeds_run_config():
    manifest, _ = shard_set(28)
    options = {
        "shards": ["/data/cat"], "split": "train", "arch": "small", "conditional": False,
        "epochs": 30, "batch_size": 16, "latent_dim": 100, "lr_g": 2e-04, "lr_d": 2e-04,
        "beta1": 0.5, "beta2": 0.999, "label_smoothing": 0.1, "label_noise": 0,
        "instance_noise": 0, "instance_noise_steps": 1000, "ema_decay": 0, "seed": 0,
        "device": "auto", "threads": 0, "workers": 2, "data_on_device": "auto",
        "cudnn_benchmark": True, "channels_last": False, "bf16": False, "cuda_graph": False,
        "checkpoint_every": 500, "keep_checkpoints": 3, "log_every": 50,
    }
    config = {
        "format_version": 2, "written_at": "2026-11-29T12:37:28Z",
        "versions": {"qd": "0.1.0", "libtorch": "1.13.0"},
        "options": options,
        "data": {"images": 4, "side": 28, "categories": ["cat"],
                 "sources": [{"path": "/data/cat", "category": "cat", "label": 0, "images": 4,
                              "manifest": manifest}]},
    }
    conditional = json.loads(json.dumps(config))
    conditional["options"].update(arch="cdcgan", conditional=True, split="all", device="cpu",
                                  data_on_device="off", ema_decay=0.999)
    conditional["data"]["categories"] = ["cat", "The Eiffel Tower"]
    return [json.dumps(config, indent=2).encode(), json.dumps(conditional).encode()]


def tiny_model(side=8, filters=2, hidden=4, classes=3):
    """A model in doodleNet's format and layer types, small enough to fuzz: its layer configs are
    doodleNet's own where doodleNet is there, with the sizes changed."""
    conv = {"class_name": "Conv2D", "config": {
        "name": "conv2d", "activation": "relu", "padding": "same", "strides": [1, 1],
        "filters": filters, "kernel_size": [3, 3], "batch_input_shape": [None, side, side, 1],
        "data_format": "channels_last", "use_bias": True}}
    pool = {"class_name": "MaxPooling2D", "config": {
        "name": "max_pooling2d", "pool_size": [2, 2], "padding": "valid", "strides": [2, 2]}}
    if have_shared():
        real = json.loads((SHARED / "models" / "doodlenet" / "model.json").read_bytes())
        layers = real["modelTopology"]["model_config"]["config"]["layers"]
        conv = json.loads(json.dumps(layers[0]))
        conv["config"].update(filters=filters, batch_input_shape=[None, side, side, 1])
        pool = layers[2]
    flat = side // 2 * (side // 2) * filters
    layers = [conv, pool,
              {"class_name": "Dropout", "config": {"name": "dropout", "rate": 0.1}},
              {"class_name": "Flatten", "config": {"name": "flatten"}},
              {"class_name": "Dense", "config": {"name": "dense", "units": hidden, "activation": "tanh"}},
              {"class_name": "Dense", "config": {"name": "dense_1", "units": classes, "activation": "softmax"}}]
    weights = [("conv2d/kernel", [3, 3, 1, filters]), ("conv2d/bias", [filters]),
               ("dense/kernel", [flat, hidden]), ("dense/bias", [hidden]),
               ("dense_1/kernel", [hidden, classes]), ("dense_1/bias", [classes])]
    model = {"format": "layers-model", "generatedBy": "keras v2.2.4-tf",
             "modelTopology": {"model_config": {"class_name": "Sequential",
                                                "config": {"layers": layers}}},
             "weightsManifest": [{"paths": ["group1-shard1of1.bin"],
                                  "weights": [{"name": n, "shape": s, "dtype": "float32"}
                                              for n, s in weights]}]}
    count = sum(int(np.prod(s)) for _, s in weights)
    blob = np.array([rng.uniform(-1, 1) for _ in range(count)], "<f4").tobytes()
    names = "".join(f"class {i}\n" for i in range(classes)).encode()
    return json.dumps(model).encode(), blob, names


def seeds_sketch_classifier():
    model, blob, names = tiny_model()
    seeds = [SEPARATOR.join([model, blob, names]),
             SEPARATOR.join(tiny_model(side=6, filters=1, hidden=2, classes=2))]
    if have_shared():
        doodlenet = SHARED / "models" / "doodlenet"
        real = (doodlenet / "model.json").read_bytes()
        seeds.append(SEPARATOR.join([real, b"", (doodlenet / "class_names.txt").read_bytes()]))
    return seeds


def idx_file(magic, dims, body):
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims) + body


def seeds_image_inputs():
    """IDX images (with and without their labels after the separator) and CIFAR-10 records; the
    first Fashion-MNIST images and labels when Debian's dataset-fashion-mnist is installed."""
    images = bytes(rng.randrange(256) for _ in range(3 * 4 * 4))
    idx_images = idx_file(0x803, [3, 4, 4], images)
    idx_labels = idx_file(0x801, [3], bytes([0, 7, 9]))
    record = lambda label: bytes([label]) + bytes(rng.randrange(256) for _ in range(3072))
    seeds = [
        SEPARATOR.join([idx_images, idx_labels]),
        idx_images,
        SEPARATOR.join([idx_images, idx_file(0x801, [2], bytes([1, 2]))]),  # counts disagree
        record(3) + record(9),
        record(0)[:3000],  # a cut record
    ]
    fashion = Path("/usr/share/datasets/fashion-mnist")
    if (fashion / "t10k-images-idx3-ubyte.gz").is_file():
        with gzip.open(fashion / "t10k-images-idx3-ubyte.gz") as f:
            head = f.read(16 + 4 * 784)
        with gzip.open(fashion / "t10k-labels-idx1-ubyte.gz") as f:
            labels = f.read(8 + 4)
        seeds.append(SEPARATOR.join([head[:4] + struct.pack(">I", 4) + head[8:],
                                     labels[:4] + struct.pack(">I", 4) + labels[8:]]))
    return seeds


TARGETS = {
    "drawing_parser_fuzzer": seeds_drawing_parser,
    "gzip_lines_fuzzer": seeds_gzip_lines,
    "binary_format_fuzzer": seeds_binary_format,
    "npy_fuzzer": seeds_npy,
    "manifest_fuzzer": seeds_manifest,
    "run_config_fuzzer": seeds_run_config,
    "sketch_classifier_fuzzer": seeds_sketch_classifier,
    "image_inputs_fuzzer": seeds_image_inputs,
}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    targets = sys.argv[2:] or list(TARGETS)
    for target in targets:
        if target not in TARGETS:
            sys.exit(f"fuzz_corpus.py: no target {target} (one of {', '.join(TARGETS)})")
        folder = out / target
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        seeds = TARGETS[target]()
        for i, seed in enumerate(seeds):
            if len(seed) > MAX_SEED:
                sys.exit(f"fuzz_corpus.py: {target} seed {i} is {len(seed)} bytes, over {MAX_SEED}")
            (folder / f"seed-{i:04d}").write_bytes(seed)
        print(f"{target}: {len(seeds)} seeds in {folder}")
    if not have_shared():
        print(f"fuzz_corpus.py: {SHARED} is absent: seeds from the fixtures and made files only")


if __name__ == "__main__":
    main()
