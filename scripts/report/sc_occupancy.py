#!/usr/bin/env python3
"""The SparseCore lookup unit's stages over time, from a real waveform.

Usage: scripts/report/sc_occupancy.py VCD WINDOW > occupancy.dat
  VCD: the VCD of `phtpu sparsecore --trace FILE.fst` (fst2vcd FILE.fst);
  WINDOW: cycles per column.

For each stage, the share of each WINDOW cycles in which it did its work (a handshake that
fired, a write, a combine), sampled at every rising clock edge: gnuplot's `with image` rows
(x = the window's first cycle, y = the stage, z = the share). The stages, in pipeline order
(docs/blocks/sparsecore.md): ingest (a lookup taken), dedup hit (a row already on its way),
local and remote row requests, local row beats and remote response flits back, Spmem writes,
combine, output (a bag's group leaves). A stage's name and its row number are printed as a comment first.
"""
import sys

STAGES = [  # (name, signals that must all be 1)
    ("ingest", ["top.l_valid_i", "top.l_ready_o"]),
    ("dedup hit", ["top.sc_lookup.in_go", "top.sc_lookup.u_dedup.hit"]),
    ("local request", ["top.mq_valid_o", "top.mq_ready_i"]),
    ("remote request", ["top.rq_valid_o", "top.rq_ready_i"]),
    ("local row beat", ["top.mr_valid_i", "top.mr_ready_o"]),
    ("remote row flit", ["top.rp_valid_i", "top.rp_ready_o"]),
    ("Spmem write", ["top.sc_lookup.u_response.wr_en"]),
    ("combine", ["top.sc_lookup.u_combine.fire1"]),
    ("output", ["top.o_valid_o", "top.o_ready_i"]),
]
CLOCK = "top.clk_i"


def changes(f):
    """(id code, value) of every value change, and (None, None) at every timestamp; vectors as
    '0' when all zero, else '1'."""
    for line in f:
        t = line.split()
        if not t:
            continue
        c = t[0][0]
        if c == "#":
            yield None, None
        elif c in "01xz":
            yield t[0][1:], c
        elif c == "b":
            yield t[1], ("0" if set(t[0][1:]) <= {"0"} else "1")


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: sc_occupancy.py VCD WINDOW", file=sys.stderr)
        return 2
    window = int(sys.argv[2])
    if window < 1:
        print("sc_occupancy.py: WINDOW must be at least 1", file=sys.stderr)
        return 2
    wanted = {s for _, sig in STAGES for s in sig} | {CLOCK}
    code_of = {}  # full name -> VCD id code
    scope = []
    with open(sys.argv[1], encoding="ascii", errors="replace") as f:
        for line in f:  # the definitions
            t = line.split()
            if not t:
                continue
            if t[0] == "$scope":
                scope.append(t[2])
            elif t[0] == "$upscope":
                scope.pop()
            elif t[0] == "$var":
                name = ".".join(scope + [t[4]])
                if name in wanted and name not in code_of:
                    code_of[name] = t[3]
            elif t[0] == "$enddefinitions":
                break
        missing = sorted(wanted - code_of.keys())
        if missing:
            print(f"sc_occupancy.py: the waveform lacks {', '.join(missing)}", file=sys.stderr)
            return 1
        clock = code_of[CLOCK]
        # the values once every change of a timestamp is in, at each rising clock edge: the
        # cycle that begins there
        value = {}
        fired = []
        edge = False
        for code, v in changes(f):
            if code is None:
                if edge:
                    fired.append([all(value.get(code_of[s], "0") == "1" for s in sig) for _, sig in STAGES])
                    edge = False
                continue
            if code == clock and v == "1" and value.get(clock) != "1":
                edge = True
            value[code] = v
        if edge:
            fired.append([all(value.get(code_of[s], "0") == "1" for s in sig) for _, sig in STAGES])
    for i, (name, _) in enumerate(STAGES):
        print(f"# {i} {name}")
    for w in range(0, len(fired), window):
        chunk = fired[w:w + window]
        for i in range(len(STAGES)):
            share = sum(1 for row in chunk if row[i]) / len(chunk)
            print(f"{w} {i} {share:.4f}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
