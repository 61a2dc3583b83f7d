#!/usr/bin/env python3
"""Checks that every qd library includes only its own headers and those of the qd libraries its
CMakeLists.txt links (qd_add_library, target_link_libraries; directly or through them), so no arrow points back up. Prints the library
graph as its CMake files declare it (--graph: as Graphviz dot). Exit 1 naming each include that
breaks the rule. Run by CTest and by hand: scripts/check_layering.py [--graph]."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Library folders: <folder>/CMakeLists.txt declares qd_<name> with headers in include/qd/<name>/.
FOLDERS = ["cli", "store", "rasterizer", "images", "pipeline"] + [
    "trainer/" + name for name in ["data", "model", "step", "eval", "report", "run", "exporter"]]


def links(folder):
    text = (ROOT / folder / "CMakeLists.txt").read_text()
    name = folder.split("/")[-1]
    uses = set()
    calls = re.findall(r"qd_add_library\(\s*" + name + r"\b([^)]*)\)", text)
    calls += re.findall(r"target_link_libraries\(\s*qd_" + name + r"\b([^)]*)\)", text)
    for call in calls:
        uses |= set(re.findall(r"qd::(\w+)", call))
    return uses - {"warnings"}


def main():
    direct = {f.split("/")[-1]: links(f) for f in FOLDERS}
    if "--graph" in sys.argv:
        print("digraph qd {\n  rankdir=BT;")
        for lib, uses in direct.items():
            print(f'  "{lib}";')
            for used in sorted(uses):
                print(f'  "{lib}" -> "{used}";')
        print("}")
        return 0
    closure = {}
    def reach(lib):
        if lib not in closure:
            closure[lib] = set()
            for used in direct.get(lib, ()):
                closure[lib] |= {used} | reach(used)
        return closure[lib]
    bad = []
    for folder in FOLDERS:
        lib = folder.split("/")[-1]
        allowed = reach(lib) | {lib}
        # The library's own files (its tools link more: qd::cli).
        files = [p for part in ("include", "src") for p in (ROOT / folder / part).rglob("*")]
        for path in sorted(files):
            if path.suffix not in (".h", ".cpp"):
                continue
            for n, line in enumerate(path.read_text().splitlines(), 1):
                m = re.match(r'\s*#include "qd/(\w+)/', line)
                if m and m.group(1) not in allowed:
                    bad.append(f"{path.relative_to(ROOT)}:{n}: {lib} includes qd/{m.group(1)}/ "
                               f"but links only {', '.join(sorted(allowed - {lib})) or 'nothing of qd'}")
    for line in bad:
        print(line)
    if bad:
        return 1
    print(f"layering: {len(FOLDERS)} libraries, every include within what its CMakeLists.txt links")
    return 0


if __name__ == "__main__":
    sys.exit(main())
