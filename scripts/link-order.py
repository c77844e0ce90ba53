#!/usr/bin/env python3
"""Turns valgrind lackey traces into a linker symbol ordering file (see link-order.sh).

    link-order.py BINARY LINK_MAP TRACE...

The link map names the function section at each address of BINARY (stripped or not); each
trace lists the address of every block of code run, in order. Prints the functions run, in
the order first run, one symbol a line.
"""
import bisect
import re
import struct
import sys

SECTION = re.compile(r"^\s*([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+\s+\S.*:\(\.text\.(.+)\)$")
PREFIX = re.compile(r"^(unlikely|hot|startup|exit|split)\.")
BLOCK = re.compile(r"^SB ([0-9a-fA-F]+)")


def sections(map_path):
    """(start, end, symbol) of every function section, sorted by start."""
    out = []
    with open(map_path, errors="replace") as f:
        for line in f:
            m = SECTION.match(line)
            if m and int(m.group(2), 16) > 0:
                start = int(m.group(1), 16)
                # LLVM names cold functions' sections .text.unlikely.<symbol> (and so on).
                symbol = PREFIX.sub("", m.group(3))
                out.append((start, start + int(m.group(2), 16), symbol))
    out.sort()
    return out


def entry_point(binary):
    with open(binary, "rb") as f:
        header = f.read(64)
    if header[:4] != b"\x7fELF" or header[4] != 2:
        sys.exit("not a 64-bit ELF file: " + binary)
    return struct.unpack_from("<Q", header, 24)[0]


def blocks(trace_path):
    with open(trace_path, errors="replace") as f:
        for line in f:
            m = BLOCK.match(line)
            if m:
                yield int(m.group(1), 16)


def main():
    binary, map_path, traces = sys.argv[1], sys.argv[2], sys.argv[3:]
    secs = sections(map_path)
    if not secs:
        sys.exit("no .text.* input sections in the link map: " + map_path)
    starts = [s[0] for s in secs]
    entry = entry_point(binary)

    def find(vaddr):
        i = bisect.bisect_right(starts, vaddr) - 1
        if i >= 0 and vaddr < secs[i][1]:
            return secs[i][2]
        return None

    order, seen = [], set()
    for path in traces:
        addrs = list(blocks(path))
        # A position-independent binary runs at a load address of valgrind's choosing: the
        # one where the binary's entry point was run and most blocks fall in its functions.
        bases = {a - entry for a in addrs if (a - entry) % 4096 == 0 and a >= entry}
        best, score = None, 0
        for base in bases:
            n = sum(1 for a in addrs[:: max(1, len(addrs) // 5000)] if find(a - base))
            if n > score:
                best, score = base, n
        if best is None:
            sys.exit("cannot place the binary in trace " + path)
        for a in addrs:
            sym = find(a - best)
            if sym and sym not in seen:
                seen.add(sym)
                order.append(sym)
    print("\n".join(order))


if __name__ == "__main__":
    main()
