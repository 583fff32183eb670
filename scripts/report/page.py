#!/usr/bin/env python3
"""The report's page (docs/report/index.md, made HTML by pandoc), from the data of `make report`.

Usage: scripts/report/page.py REPORTS_DIR > docs/report/index.md
  REPORTS_DIR: BUILD_DIR/reports after scripts/report.sh's runs; commands.tsv names the command
  of every key, and every number on the page names its command.

Only formatting happens here: every number is read from a run's JSON or CSV. The TPU v4 to phext
concept map is the one table written by hand (it names code, not measurements).
"""
import json
import os
import sys


def load(rep, name):
    with open(os.path.join(rep, name), encoding="utf-8") as f:
        return json.load(f)


def cmd(cmds, key):
    return f"`{cmds[key]}`"


def fmt(x, digits=3):
    """Numbers as people read them: at most `digits` significant digits, thousands grouped."""
    if x == 0:
        return "0"
    if abs(x) >= 10 ** digits:
        return f"{x:,.0f}"
    s = f"{x:.{digits}g}"
    return s if "e" not in s else f"{x:,.0f}"


def pct(x, digits=1):
    return f"{100 * x:.{digits}f} %"


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: page.py REPORTS_DIR", file=sys.stderr)
        return 2
    rep = sys.argv[1]
    cmds = {}
    with open(os.path.join(rep, "commands.tsv"), encoding="utf-8") as f:
        for line in f:
            k, c = line.rstrip("\n").split("\t", 1)
            cmds[k] = c
    p = []
    w = p.append

    w("All figures and tables on this page come from runs of `phtpu` (the RTL simulations and the")
    w("model), made by `make report` (`scripts/report.sh`); each names its command. The runs are")
    w("seeded, so the page is the same every time. The model's full tables: [model-results.md](../model-results.md);")
    w("the theory: [architecture.md](../architecture.md), [model.md](../model.md),")
    w("[workloads.md](../workloads.md), [compare.md](../compare.md); sources: [references.md](../references.md).")
    w("")

    # ---- 1. architecture
    plan = load(rep, "arch_plan.json")
    w("## The pod: racks, OCSes and slices")
    w("")
    w("![The planner's wiring: racks (cubes), the slices they serve and the OCS circuits between them](architecture.svg)")
    w("")
    w(f"Command: {cmd(cmds, 'arch')}; the graph is the planner's OCS circuits (`--plan-json`), drawn by")
    w("`scripts/report/architecture.py`. A cube of 4×4×4 chips is a rack; its six faces' links go to")
    w(f"{plan['ocs_count']} optical circuit switches of {plan['ocs_ports']} ports here (TPU v4: 48 of 128). A slice is a set of")
    w("cubes joined into a torus by programming the OCSes: its phext Z arm names it, each cube's Y arm")
    w("is its place in the slice, each chip's X arm its place in the cube. The twisted 4×4×8's x")
    w("wraps land on the other cube (the x edges between its two racks); a spare rack waits to")
    w("replace a failed one without changing any chip's coordinate.")
    w("")

    # ---- 2. routing
    j = load(rep, "journey.json")
    hops = j["journey"]
    across = sum(1 for a, b in zip(hops, hops[1:]) if a["phext"].split("/")[1] != b["phext"].split("/")[1])
    w("## Coordinate routing: a packet through the phext arms")
    w("")
    w("![One packet's hops, with the coordinate of every router it passed](journey.svg)")
    w("")
    w(f"Command: {cmd(cmds, 'journey')}. The Verilated routers of an {j['shape']} torus record the")
    w(f"packet's path: {len(hops) - 1} hops from cycle {hops[0]['cycle']} to {hops[-1]['cycle']}, {across} of them across cubes (the")
    w("Y arm changes: an optical link in the pod). Each router decodes the destination's phext")
    w("coordinate in hardware (dimension order x, y, z, the shorter way round each ring) and changes")
    w("virtual channel where a ring's dateline is crossed, so the torus cannot deadlock.")
    w("")

    # ---- 3. SparseCore
    sc = load(rep, "sc.json")
    w("## The SparseCore pipeline")
    w("")
    w("![Each stage's share of the cycles over the run](sparsecore.svg)")
    w("")
    w(f"Command: {cmd(cmds, 'sc')}; the occupancy is read from its waveform (`scripts/report/sc_occupancy.py`).")
    w(f"{sc['batch']} bags of 1 to 20 Zipf-distributed ids, rows sharded over {sc['shards']} chips: "
      f"{fmt(sc['lookups_per_cycle'])} lookups a cycle, {pct(sc['fraction_of_bound'])} of the bound"
      f" ({sc['bound_by']}), in {sc['cycles']} cycles. Remote rows come back through one response port, which is")
    w("busy almost every cycle while the combiner waits on it: the unit is bound by its remote rows here.")
    w("")

    # ---- 4. topologies
    topo = {t: load(rep, f"topo_{t}.json") for t in ("mesh", "torus", "twisted")}
    tm = {"torus": load(rep, "topo_model.json")["shapes"][0], "twisted": load(rep, "topo_model_tw.json")["shapes"][0]}
    w("## Topologies: mesh, torus, twisted torus")
    w("")
    w("![Latency against accepted throughput on the RTL routers](topology.svg)")
    w("")
    w(f"Commands: {cmd(cmds, 'topo_mesh')}, {cmd(cmds, 'topo_torus')}, {cmd(cmds, 'topo_twisted')};")
    w(f"diameter, bisection and the all-to-all: {cmd(cmds, 'topo_model')} and {cmd(cmds, 'topo_model_tw')}")
    w("(the network model of the scaled pod's chip). The mesh's bisection is derived: the 4×4 links")
    w("across the middle of its z.")
    w("")
    w("| 128 chips | average hops | saturation (flits/chip/cycle) | latency at 0.05 (cycles) | diameter | bisection links | all-to-all 64 KiB (model, cycles) |")
    w("|---|---|---|---|---|---|---|")
    w(f"| 4×4×8 mesh | {fmt(topo['mesh']['sweep'][0]['hops_avg'])} | {fmt(topo['mesh']['saturation_throughput'])} | "
      f"{fmt(topo['mesh']['sweep'][0]['latency']['avg'])} | 13 | 16 | - |")
    for t, label in (("torus", "4×4×8 torus"), ("twisted", "4×4×8 twisted torus")):
        m = tm[t]
        w(f"| {label} | {fmt(topo[t]['sweep'][0]['hops_avg'])} | {fmt(topo[t]['saturation_throughput'])} | "
          f"{fmt(topo[t]['sweep'][0]['latency']['avg'])} | {m['diameter']} | {m['bisection_links']} | "
          f"{fmt(m['estimates'][0]['cycles'])} |")
    w("")
    w("Wraparound links shorten the paths and double the bisection; the twist joins the short")
    w("dimensions' wraps to the long one, so no dimension is longer than the others: fewer hops, the")
    w("most bisection, and the highest saturation. At full scale the model finds the same for TPU v4")
    w("(the twisted tori's all-to-all 20 to 37 % faster: model.md).")
    w("")
    w("![Collective time against slice shape, TPU v4, the model](collectives.svg)")
    w("")
    w(f"Command: {cmd(cmds, 'table')}. What these times rest on, the model against the RTL pod at every")
    w(f"calibration point ({cmd(cmds, 'cal')}; model.md, \"Calibration on the RTL\"):")
    w("")
    w("![The model against the RTL pod, every calibration point](calibration.svg)")
    w("")

    # ---- 5. faults and goodput
    fr = load(rep, "fault.json")["faults"][0]
    c = fr["cycles"]
    w("## Fault tolerance")
    w("")
    w("![A rack fails: detection, repair, re-run](fault.svg)")
    w("")
    w(f"Command: {cmd(cmds, 'fault')}.")
    w(f"The rack fails {c['fault'] - c['start']} cycles into the all-reduce; its neighbours' links go dark and the")
    w(f"slice notices {c['detected'] - c['fault']} cycles later; the job restarts and the OCSes move the failed rack's cube")
    w(f"to the spare ({c['ocs_done'] - c['detected']} cycles, drain, switch and settle), the routers are reprogrammed "
      f"({c['repaired'] - c['ocs_done']}), and the")
    w(f"all-reduce runs again and is verified ({c['rerun_done'] - c['repaired']}). The other slice runs verified collectives")
    w("throughout; no chip's phext coordinate changes.")
    w("")
    w("![Goodput against slice size, with and without OCS](goodput.svg)")
    w("")
    w(f"Command: {cmd(cmds, 'avail')}: with OCS any free cubes make a slice, so a large slice still")
    w("finds its cubes when hosts fail; without it a slice needs contiguous racks.")
    w("")

    # ---- 6. workloads
    w("## Workloads")
    w("")
    w("The workload mix: every GPT-3 preset on 512 TPU v4 chips, each at its fastest slice and mapping")
    w("(data D, tensor T and pipeline P parallelism on the torus dimensions; the workload model).")
    w("")
    w("| model | parameters | FLOPs a step | batch (sequences) | slice | mapping | step | MFU | compute | tensor all-reduces | bubble | command |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for i, m in enumerate(("gpt3-125m", "gpt3-350m", "gpt3-1.3b", "gpt3-6.7b", "gpt3-175b")):
        s = load(rep, f"mix_{m}.json")
        b = s["ranked"][0]
        st = b["step_seconds"]
        w(f"| {m} | {fmt(s['model']['params'] / 1e9)} B | {s['model']['step_flops']:.3g} | {s['model']['batch']} | "
          f"{b['shape']} | {b['mapping']}, {b['recompute']} | {fmt(st)} s | {pct(b['mfu'])} | "
          f"{pct(b['compute_seconds'] / st, 0)} | {pct(b['tensor_seconds'] / st, 0)} | {pct(b['bubble_seconds'] / st, 0)} | "
          f"`{cmds[f'mix{i}']}` |")
    w("")
    s = load(rep, "search.json")
    best, naive = s["ranked"][0], s["naive"]
    w(f"GPT-3 175B on 512 chips ({cmd(cmds, 'search')}): the best is {best['shape']} with {best['mapping']} "
      f"({best['recompute']} recomputation), {fmt(best['step_seconds'])} s a step at {pct(best['mfu'])} MFU; the naive choice")
    w(f"(the most data parallelism that fits) takes {fmt(naive['step_seconds'])} s, {naive['step_seconds'] / best['step_seconds']:.2f}× longer,")
    w(f"mostly in its tensor all-reduces ({fmt(naive['tensor_seconds'])} against {fmt(best['tensor_seconds'])} s): "
      "workloads.md explains why.")
    w("")
    llm = load(rep, "llm.json")
    w("Checked on the RTL: the scaled pod runs a transformer's tensor-parallel layers (a GEMM on every")
    w("chip's MXU, then the all-reduce of its results) and a small DLRM step (every chip's lookups in its")
    w("own table, their all-to-all, the MLP), all verified, beside the workload model's predictions")
    w(f"({cmd(cmds, 'llm')}; workloads.md, \"Checked on the RTL pod\"):")
    w("")
    w("| workload | slice | RTL cycles | of them GEMMs | workload model | error |")
    w("|---|---|---|---|---|---|")
    for r in llm["results"]:
        w(f"| {r['workload']} | {r['shape']} | {r['cycles']} | {r['gemm_cycles']} | {fmt(r['model_cycles'], 4)} | "
          f"{100 * (r['model_cycles'] / r['cycles'] - 1):+.1f} % |")
    w("")
    hp, hn = load(rep, "hier_pod.json"), load(rep, "hier_net.json")
    est = {e["workload"]: e for e in hn["shapes"][0]["estimates"]}
    w(f"Hierarchical collectives, grouped by phext arm (inside each cube, then across cubes), on the pod")
    w(f"({cmd(cmds, 'hier_pod')}) and in the model ({cmd(cmds, 'hier_net')}):")
    w("")
    w("| collective | RTL cycles | model cycles | flits on in-cube links | flits through OCSes |")
    w("|---|---|---|---|---|")
    for r in hp["results"]:
        w(f"| {r['workload']} | {r['cycles']} | {fmt(est[r['workload']]['cycles'], 4)} | {r['flits_electrical']:,} | "
          f"{r['flits_optical']:,} |")
    w("")
    w("Grouping by arm sends fewer flits through the OCSes and more through the cubes; where that")
    w("pays, at scale on the RTL's machine and on TPU v4: model-results.md, \"Hierarchical")
    w("collectives\"; why: model.md.")
    w("")

    # ---- 7. time to train
    w("## Time to train (MLPerf-style): GPT-3 175B to 300 billion tokens")
    w("")
    w("| chips | slice | mapping | step | MFU | days | command |")
    w("|---|---|---|---|---|---|---|")
    for i, n in enumerate((512, 1024, 2048, 4096)):
        s = load(rep, f"ttt_{n}.json")
        b = s["ranked"][0]
        tokens = s["model"]["batch"] * s["model"]["seq"]
        days = 300e9 / tokens * b["step_seconds"] / 86400
        w(f"| {n} | {b['shape']} | {b['mapping']}, {b['recompute']} | {fmt(b['step_seconds'])} s | {pct(b['mfu'])} | "
          f"{fmt(days)} | `{cmds[f'ttt{i}']}` |")
    w("")
    w("Days = 300 × 10⁹ tokens / (batch × 2048 tokens a step) × the step time: the model's step, no")
    w("input pipeline, checkpoints or restarts.")
    w("")

    # ---- 8. comparison and energy
    cp, cd = load(rep, "compare.json"), load(rep, "compare_dlrm.json")
    labels = {m["name"]: m["label"] for m in cp["machines"]}
    w("## TPU v4 beside TPU v3, A100 and IPU Bow")
    w("")
    w(f"{cmd(cmds, 'compare')} and {cmd(cmds, 'compare_dlrm')}: the workload model on each machine's")
    w("published figures (compare.md has the method and every assumption; references.md §C1–§C7 the")
    w("sources). Each machine at its fastest slice and mapping of the same chip count.")
    w("")
    w(f"| machine | peak TFLOP/s | memory | power a chip | GPT-3 175B on {cp['chips']}: step | MFU | tokens/J | perf/W | "
      f"DLRM on {cd['chips']}: step | samples/J |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    dl = {r["machine"]: r for r in cd["results"]}
    for m, r in zip(cp["machines"], cp["results"]):
        d = dl.get(m["name"], {})
        llm_cells = (f"{fmt(r['step_seconds'])} s | {pct(r['mfu'])} | {fmt(r['tokens_per_joule'])} | "
                     f"{r['perf_per_watt_relative']:.2f}×") if r["ran"] else f"does not fit ({r['why_not']}) | | |"
        dl_cells = (f"{fmt(d['step_seconds'] * 1e3)} ms | {fmt(d['samples_per_joule'])}") if d.get("ran") else "does not fit |"
        mem = m["memory_bytes"]["value"]
        mem_s = f"{mem / 2**30:g} GiB" if mem % 2**30 == 0 else f"{fmt(mem / 1e9)} GB"
        w(f"| {m['label']} | {fmt(m['peak_flops']['value'] / 1e12)} | {mem_s} | "
          f"{fmt(m['power_w']['value'])} W | {llm_cells} | {dl_cells} |")
    w("")
    pub = cp.get("published", [])
    if pub:
        w("How far to trust these rows: each machine's model FLOPs utilisation against the one it has")
        w("been published at on a large transformer (another model and scale; hardware FLOPs converted:")
        w("compare.md), and the tokens per joule it would give:")
        w("")
        w("| machine | the model's MFU | published MFU | on | tokens/J at it | perf/W at it |")
        w("|---|---|---|---|---|---|")
        for x in pub:
            w(f"| {labels[x['machine']]} | {pct(x['model_mfu'])} | {pct(x['mfu'])} | {x['published_on']} "
              f"(references.md {x['source']}) | {fmt(x['tokens_per_joule'])} | {x['perf_per_watt_relative']:.2f}× |")
        w("")
    w("## Energy and carbon")
    w("")
    w(f"A training run of GPT-3 175B (300 billion tokens) on {cp['chips']} chips of each machine: the chips' energy")
    w(f"times a PUE of {cp['pue']:.2f}, at {cp['grid_kg_co2e_per_kwh']} kg CO2e per kWh (the defaults: references.md §C6; "
      "`--pue`, `--grid` change them).")
    w("")
    w("| machine | days | MWh | t CO2e |")
    w("|---|---|---|---|")
    for r in cp["results"]:
        if r["ran"]:
            w(f"| {labels[r['machine']]} | {fmt(r['run_seconds'] / 86400)} | {fmt(r['facility_kwh'] / 1e3)} | "
              f"{fmt(r['co2e_kg'] / 1e3)} |")
    w("")
    fb = cp.get("fabric") or {}
    if fb:
        w(f"The switches: {cp['chips']} TPU v4 chips take {fmt(fb['ocs_watts'])} W of OCSes (their share of the pod's 48), "
          f"against {fmt(fb['packet_switch_watts'])} W for electrical packet switches of as many ports "
          f"({fb['ocs_watts_each']:g} and {fb['packet_switch_watts_each']:g} W each: references.md §C7, unconfirmed).")
        w("")

    # ---- 9. the concept map (by hand: it names code, not measurements)
    w("## TPU v4 in phext terms")
    w("")
    w("| TPU v4 | phext-tpu | where |")
    w("|---|---|---|")
    for row in (
        ("pod, slice (a job's chips)", "Z arm `library.shelf.series`: the slice's isolation domain", "`coords/` (phext library), `rtl/common/phext_decoder.sv`"),
        ("cube (rack of 4×4×4 chips)", "Y arm `collection.volume.book`: the cube's place in the slice", "`sim/pod/planner.*`"),
        ("chip in its cube", "X arm `chapter.section.scroll`", "`coords/chip_address.*`"),
        ("ICI router, dimension-order routing", "the router decodes the destination's phext coordinate", "`rtl/ici/`, `coords/routing.hpp` (oracle)"),
        ("electrical links inside a cube", "an X-arm hop", "`rtl/ici/`, `sim/pod/pod_fabric.*`"),
        ("OCS (optical circuit switch)", "a Y-arm hop: circuits programmed per slice", "`rtl/ocs/ocs_switch.sv`, `sim/pod/pod_ocs.cpp`"),
        ("twisted torus", "the wrap of a short dimension shifted in the Y arm", "`coords/topology.*`, routing registers"),
        ("MXU (128×128 systolic array)", "the MXU tile (4×4 in the pod's chip)", "`rtl/mxu/`, `sim/model/compute_model.*`"),
        ("SparseCore (embeddings)", "the lookup unit; rows sharded by slice position", "`rtl/sparsecore/`"),
        ("collectives (all-reduce, all-to-all)", "DMA schedules on slice positions; hierarchical ones by arm", "`sim/pod/schedules.*`, `sim/pod/collectives.*`"),
        ("spare rack, repair", "a cube moves to another rack; no coordinate changes", "`sim/pod/pod_faults.cpp`, `Plan::with_rack_replaced`"),
        ("4096-chip pod at scale", "the analytic and network models, calibrated on the RTL", "`sim/model/`"),
    ):
        w(f"| {row[0]} | {row[1]} | {row[2]} |")
    w("")
    print("\n".join(p))
    return 0


if __name__ == "__main__":
    sys.exit(main())
