#!/usr/bin/env python3
"""The pod's architecture as a Graphviz graph, from the planner's actual wiring.

Usage: scripts/report/architecture.py PLAN_JSON > architecture.dot
  PLAN_JSON: `phtpu pod --plan-json FILE` (the OCS circuits, the slices, every chip's routing).

One box per rack (its logical cube in its slice and the cube's Y arm), grouped by slice (its Z
arm and shape); the spare and unused racks apart. An edge per pair of racks joined by OCS
circuits along a dimension, labelled with how many circuits (one per OCS of that dimension that
joins them): the optical links the planner programmed. Colours: x, y, z.
"""
import json
import sys
from collections import defaultdict

COLOUR = {"x": "#0072b2", "y": "#d55e00", "z": "#009e73"}


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: architecture.py PLAN_JSON", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        plan = json.load(f)
    cube = int(plan["cube"].split("x")[0])  # "4x4x4"
    racks = plan["racks"]
    # each rack's slice and logical cube (cube index k = cx + KX (cy + KY cz), racks in k order)
    where = {}
    for s in plan["slices"]:
        shape = [int(v) for v in s["shape"].split("x")]
        kx, ky = shape[0] // cube, shape[1] // cube
        for k, r in enumerate(s["racks"]):
            c = (k % kx, (k // kx) % ky, k // (kx * ky))
            where[r] = (s, c)
    # circuits: OCS (dim, face) pairs ports p <-> q; port 2r is rack r's + link, 2r+1 its - link
    circuits = defaultdict(int)  # (dim, rack a, rack b), a <= b -> OCSes joining them
    ocses = defaultdict(int)
    for o in plan["ocs"]:
        ocses[o["dim"]] += 1
        for p, q in o["pairs"]:
            a, b = sorted((p // 2, q // 2))
            circuits[(o["dim"], a, b)] += 1
    out = ["digraph pod {", '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.3, ranksep=0.6,',
           f'         label="{racks} racks of {cube}x{cube}x{cube} chips, {plan["ocs_count"]} OCSes of '
           f'{plan["ocs_ports"]} ports ({", ".join(f"{ocses[d]} along {d}" for d in "xyz")}); '
           'edges: the OCS circuits between racks along x, y and z", labelloc=b];',
           '  node [shape=box, style="rounded,filled", fillcolor="#f4f4f4", fontname="Helvetica", fontsize=10];',
           '  edge [dir=none, fontname="Helvetica", fontsize=9, penwidth=2];']
    for i, s in enumerate(plan["slices"]):
        out.append(f"  subgraph cluster_slice{i} {{")
        twist = " twisted" if s["twisted"] else ""
        out.append(f'    label="slice {s["slice"]}: {s["shape"]}{twist}, Z arm {s["z_arm"]}"; '
                   'style="rounded"; color="#999999";')
        for r in s["racks"]:
            c = where[r][1]
            out.append(f'    rack{r} [label="rack {r}\\ncube ({c[0]},{c[1]},{c[2]})\\n'
                       f'Y arm {c[0] + 1}.{c[1] + 1}.{c[2] + 1}"];')
        out.append("  }")
    free = [r for r in range(racks) if r not in where]
    if free:
        out.append("  subgraph cluster_free {")
        out.append(f'    label="spare or unused ({plan["spares"]} kept spare)"; style="rounded,dashed"; color="#999999";')
        for r in free:
            out.append(f'    rack{r} [label="rack {r}", fillcolor="#ffffff"];')
        out.append("  }")
    for (d, a, b), n in sorted(circuits.items()):
        if a not in where and b not in where:
            continue  # a spare's own loopback circuits
        out.append(f'  rack{a} -> rack{b} [color="{COLOUR[d]}", fontcolor="{COLOUR[d]}", label="{d} x{n}"];')
    out.append("}")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
