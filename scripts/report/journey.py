#!/usr/bin/env python3
"""One packet's path through the phext arms, as a Graphviz graph, from a real `phtpu net` run.

Usage: scripts/report/journey.py NET_JSON > journey.dot
  NET_JSON: `phtpu net --journey SRC:DST --json FILE` (the routers' record of the packet's hops).

A box per router the packet passed, with its torus position and its phext coordinate split into
its arms (Z: the slice, Y: the cube, X: the chip in the cube); an arrow per hop with the cycle,
the output port and the virtual channel the router chose. A hop that changes the Y arm leaves
the cube (an optical link through an OCS in the pod; dashed), the others stay on the cube's
electrical links.
"""
import json
import sys


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: journey.py NET_JSON", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        net = json.load(f)
    hops = net.get("journey")
    if not hops:
        print(f"journey.py: {sys.argv[1]} has no journey (run phtpu net with --journey)", file=sys.stderr)
        return 1
    first, last = hops[0], hops[-1]
    out = ['digraph journey {',
           '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, labelloc=b,',
           f'         label="phtpu net --shape {net["shape"]} --journey: a packet from {first["chip"]} to {last["chip"]}, '
           f'{len(hops) - 1} hops, cycles {first["cycle"]} to {last["cycle"]}; solid: inside a cube (electrical), '
           'dashed: across cubes (the Y arm changes: optical)"];',
           '  node [shape=box, style="rounded,filled", fillcolor="#f4f4f4", fontname="Helvetica", fontsize=10];',
           '  edge [fontname="Helvetica", fontsize=9, penwidth=2];']
    for i, h in enumerate(hops):
        z, y, x = h["phext"].split("/")
        fill = "#fde0c5" if i in (0, len(hops) - 1) else "#f4f4f4"
        out.append(f'  n{i} [fillcolor="{fill}", label="chip {h["chip"]}\\nZ {z}\\nY {y}\\nX {x}"];')
    for i in range(len(hops) - 1):
        h, n = hops[i], hops[i + 1]
        across = h["phext"].split("/")[1] != n["phext"].split("/")[1]
        style = 'style=dashed, color="#d55e00"' if across else 'color="#0072b2"'
        out.append(f'  n{i} -> n{i + 1} [{style}, label="cycle {h["cycle"]}\\n{h["port"]}, vc {h["vc"]}"];')
    out.append("}")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
