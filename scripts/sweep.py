#!/usr/bin/env python3
"""Sweeps of phtpu runs: a job list that GNU parallel and a Slurm job array run unchanged, and one
merged CSV of the results.

Usage:
  scripts/sweep.py jobs SPEC.json -o JOBS.txt [--outdir DIR] [--phtpu PATH]
  scripts/sweep.py merge OUTDIR -o ALL.csv

  parallel --joblog LOG < JOBS.txt                       # every job, on every core
  sbatch --array=1-N scripts/sweep-slurm.sh JOBS.txt     # or as a Slurm array, N = lines of JOBS.txt

The spec (a JSON object) names a phtpu command that writes CSV (pod, model, avail), options that
every run gets, and axes, each a list of values for one option; there is one run for every
combination of the axes' values:

  {"command": "pod",
   "options": {"cube": "2x2x2", "racks": 2, "slice": ["2x2x2", "2x2x2"]},
   "axes": {"workload": ["allreduce", "alltoall"], "bytes": ["1KiB", "4KiB"], "seed": [1, 2]}}

Keys are the command's long options without the dashes (`phtpu COMMAND --help`); a value is a
string or a number, a list of them for an option that takes several (`--slice A --slice B`), or
true/false for a flag (given or not). "description" (any text) is allowed and ignored. The runs
are numbered from 1 in the order of the axes in the spec, the last axis changing fastest.

jobs writes JOBS.txt, line N being job N, a complete shell command:

  build/phtpu pod --cube 2x2x2 ... --seed 1 --csv OUTDIR/job-0001.csv.part -q \\
      && mv OUTDIR/job-0001.csv.part OUTDIR/job-0001.csv

so a job's CSV appears only when phtpu succeeded (a failed run leaves job-NNNN.csv.part). It also
writes OUTDIR/sweep.json, the spec and every job's parameters, which merge reads. Paths are
written as given: run the job list from the directory jobs ran in (or give absolute --phtpu and
--outdir). OUTDIR defaults to the directory of JOBS.txt; jobs refuses a directory that holds
results of a different sweep.

merge writes one CSV: the job number, one column per axis (`arg_` and the option, dashes as
underscores: arg_bytes, arg_electrical_latency) holding the value as given on the command line
(a list joined by spaces, a flag as 1 or 0), then the job CSV's own columns, one row per row of
every job, in job order. It fails, writing nothing, when a job has no CSV (it lists which:
failed, or not run), when the job CSVs' columns differ, or when OUTDIR holds job CSVs its
sweep.json does not list. ALL.csv is written atomically; `-o -` writes to standard output.

Errors: one line on stderr; exit status 1 for bad input or missing results, 2 for bad usage.
"""
import argparse
import csv
import io
import itertools
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

PROG = "sweep.py"
MANIFEST = "sweep.json"
FORMAT = 1
SPEC_KEYS = {"command", "options", "axes", "description"}
# set by sweep.py itself
RESERVED = {"csv", "quiet", "help"}
# options that write a file of their own: every job would write the same path
FILE_OUTPUTS = {"json", "markdown", "plan-json", "plan-phext", "trace"}
JOB_FILE = re.compile(r"^job-(\d+)\.csv(\.part)?$")


class Error(Exception):
    pass


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        sys.stderr.write(f"{self.prog}: {message} (try --help)\n")
        sys.exit(2)


def write_atomic(path, text):
    """Write text to path through a temporary file in the same directory (no partial file)."""
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    d = os.path.dirname(path) or "."
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=d)
    try:
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def ranges(numbers):
    """[1, 2, 3, 7] -> '1-3,7'"""
    out, start, prev = [], None, None
    for n in sorted(numbers):
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append(f"{start}-{prev}" if prev > start else str(start))
            start = prev = n
    if start is not None:
        out.append(f"{start}-{prev}" if prev > start else str(start))
    return ",".join(out)


# ---------------------------------------------------------------------------------------- jobs

def command_options(phtpu, command):
    """The long options of `phtpu COMMAND --help`: name -> (takes a value, takes several)."""
    try:
        r = subprocess.run([phtpu, command, "--help"], capture_output=True, text=True, timeout=60)
    except OSError as e:
        raise Error(f"cannot run {phtpu} ({e.strerror}); build it (cmake --build build --target phtpu) or give --phtpu")
    except subprocess.TimeoutExpired:
        raise Error(f"{phtpu} {command} --help did not finish")
    if r.returncode != 0 or f"Usage: phtpu {command} " not in r.stdout:
        raise Error(f"phtpu has no command '{command}' ({phtpu} {command} --help failed)")
    opts = {}
    for line in r.stdout.splitlines():
        m = re.match(r"^\s+(?:-\w,)?--([A-Za-z0-9][\w-]*)(?: ([A-Z]+)(?==|\s|$)(?:=\S*)?( \.\.\.)?)?", line)
        if m:
            opts[m.group(1)] = (m.group(2) is not None, m.group(3) is not None)
    return opts


def arg_values(command, name, value, spec_opts, where):
    """The command-line words for option `name` = value, and the value as a CSV cell."""
    takes_value, several = spec_opts[name]
    flag = "--" + name
    if not takes_value:
        if not isinstance(value, bool):
            raise Error(f"{where}: '{name}' is a flag of phtpu {command}: give true or false, not {json.dumps(value)}")
        return ([flag] if value else []), ("1" if value else "0")
    if isinstance(value, list):
        if not value:
            raise Error(f"{where}: '{name}' has an empty list of values")
        if not several:
            raise Error(f"{where}: '{name}' takes one value per run (phtpu {command} --help), not a list")
        items = value
    else:
        items = [value]
    words, cells = [], []
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            raise Error(f"{where}: '{name}' needs a string or a number, not {json.dumps(v)}")
        s = str(v)
        if s == "":
            raise Error(f"{where}: '{name}' has an empty value")
        words += [flag, s]
        cells.append(s)
    return words, " ".join(cells)


def check_name(command, name, spec_opts, where):
    if not isinstance(name, str) or name.startswith("-"):
        raise Error(f"{where}: option '{name}' must be a long option name without dashes (e.g. 'racks')")
    if name in RESERVED:
        raise Error(f"{where}: '{name}' is set by {PROG} (every job gets --csv and -q)")
    if name in FILE_OUTPUTS:
        raise Error(f"{where}: '{name}' writes a file that every job would overwrite; a sweep collects CSV only")
    if name not in spec_opts:
        raise Error(f"{where}: phtpu {command} has no option --{name} (phtpu {command} --help)")


def load_json(path, what):
    try:
        if path == "-":
            return json.load(sys.stdin)
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        raise Error(f"{path}: {e.strerror}")
    except json.JSONDecodeError as e:
        raise Error(f"{path}: not valid JSON {what} (line {e.lineno}: {e.msg})")


def expand(spec, path, phtpu, outdir):
    """The jobs of a spec: [(params {axis: cell}, shell line)]."""
    if not isinstance(spec, dict):
        raise Error(f"{path}: the spec must be a JSON object with 'command', 'options' and 'axes'")
    unknown = [k for k in spec if k not in SPEC_KEYS]
    if unknown:
        raise Error(f"{path}: unknown key '{unknown[0]}' (the keys: {', '.join(sorted(SPEC_KEYS))})")
    command = spec.get("command")
    if not isinstance(command, str) or not command:
        raise Error(f"{path}: 'command' must name a phtpu command, e.g. \"pod\"")
    options = spec.get("options", {})
    axes = spec.get("axes")
    if not isinstance(options, dict):
        raise Error(f"{path}: 'options' must be an object (option: value)")
    if not isinstance(axes, dict) or not axes:
        raise Error(f"{path}: 'axes' must be a non-empty object (option: list of values)")
    spec_opts = command_options(phtpu, command)
    if "csv" not in spec_opts:
        raise Error(f"{path}: phtpu {command} writes no CSV (no --csv option); a sweep needs it")
    fixed = []
    for name, value in options.items():
        check_name(command, name, spec_opts, f"{path}: options")
        fixed += arg_values(command, name, value, spec_opts, f"{path}: options")[0]
    columns = {}
    for name, values in axes.items():
        check_name(command, name, spec_opts, f"{path}: axes")
        if name in options:
            raise Error(f"{path}: '{name}' is both in 'options' and in 'axes'")
        if not isinstance(values, list):
            raise Error(f"{path}: axis '{name}' must be a list of values")
        if not values:
            raise Error(f"{path}: axis '{name}' is empty (give at least one value)")
        col = "arg_" + name.replace("-", "_")
        if col in columns.values():
            raise Error(f"{path}: axes '{name}' and another give the same column {col}")
        columns[name] = col
        seen = set()
        for v in values:
            key = json.dumps(v, sort_keys=True)
            if key in seen:
                raise Error(f"{path}: axis '{name}' repeats the value {key}")
            seen.add(key)
    if "quiet" in spec_opts:
        quiet = ["-q"]
    else:
        quiet = []
    combos = list(itertools.product(*axes.values()))
    width = max(4, len(str(len(combos))))
    jobs = []
    for n, combo in enumerate(combos, 1):
        words, params = [phtpu, command] + fixed, {}
        for name, value in zip(axes, combo):
            w, cell = arg_values(command, name, value, spec_opts, f"{path}: axes")
            words += w
            params[name] = cell
        csv_name = f"job-{n:0{width}d}.csv"
        part = os.path.join(outdir, csv_name + ".part")
        final = os.path.join(outdir, csv_name)
        words += ["--csv", part] + quiet
        line = " ".join(shlex.quote(w) for w in words) + f" && mv -f {shlex.quote(part)} {shlex.quote(final)}"
        jobs.append({"job": n, "csv": csv_name, "params": params, "command": line})
    return command, columns, jobs


def cmd_jobs(a):
    if a.output == "-" and a.outdir is None:
        raise Error("jobs: -o - needs --outdir")
    outdir = a.outdir if a.outdir is not None else (os.path.dirname(a.output) or ".")
    spec = load_json(a.spec, "sweep spec")
    command, columns, jobs = expand(spec, a.spec, a.phtpu, outdir)
    manifest = {"format": FORMAT, "command": command, "phtpu": a.phtpu, "outdir": outdir,
                "spec": spec, "columns": columns, "jobs": jobs}
    text = json.dumps(manifest, indent=2) + "\n"
    mpath = os.path.join(outdir, MANIFEST)
    if os.path.isdir(outdir):
        results = sorted(f for f in os.listdir(outdir) if JOB_FILE.match(f))
        old = None
        if os.path.exists(mpath):
            with open(mpath) as f:
                old = f.read()
        if results and old != text:
            raise Error(f"jobs: {outdir} holds the results of another job list ({results[0]} ...); use a new --outdir or remove them")
    write_atomic(mpath, text)
    write_atomic(a.output, "".join(j["command"] + "\n" for j in jobs))
    if a.output != "-":
        sys.stderr.write(f"{PROG}: {len(jobs)} jobs in {a.output}, results to {outdir}; run them with\n"
                         f"  parallel --joblog {os.path.join(outdir, 'parallel.log')} < {a.output}\n"
                         f"  sbatch --array=1-{len(jobs)} scripts/sweep-slurm.sh {a.output}\n")


# --------------------------------------------------------------------------------------- merge

def cmd_merge(a):
    mpath = os.path.join(a.outdir, MANIFEST)
    if not os.path.isdir(a.outdir):
        raise Error(f"merge: {a.outdir}: no such directory")
    if not os.path.exists(mpath):
        raise Error(f"merge: {mpath} not found ({a.outdir} was not written by '{PROG} jobs')")
    m = load_json(mpath, "sweep manifest")
    try:
        if m["format"] != FORMAT:
            raise Error(f"merge: {mpath}: format {m['format']}, this {PROG} reads {FORMAT}")
        columns = m["columns"]
        jobs = [(int(j["job"]), j["csv"], [j["params"][name] for name in columns]) for j in m["jobs"]]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise Error(f"merge: {mpath}: not a sweep manifest written by '{PROG} jobs'")
    listed = {name for _, name, _ in jobs}
    extra = sorted(f for f in os.listdir(a.outdir)
                   if JOB_FILE.match(f) and not f.endswith(".part") and f not in listed)
    if extra:
        raise Error(f"merge: {a.outdir} holds {extra[0]}, which its {MANIFEST} does not list (results of another sweep?)")
    failed, not_run = [], []
    for n, name, _ in jobs:
        if not os.path.exists(os.path.join(a.outdir, name)):
            (failed if os.path.exists(os.path.join(a.outdir, name + ".part")) else not_run).append(n)
    if failed or not_run:
        parts = []
        if failed:
            parts.append(f"failed {ranges(failed)} (their .csv.part left)")
        if not_run:
            parts.append(f"no CSV {ranges(not_run)} (not run, or failed before writing)")
        raise Error(f"merge: {len(failed) + len(not_run)} of {len(jobs)} jobs have no result in {a.outdir}: "
                    f"{'; '.join(parts)}; rerun those lines of the job list")
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    header = first = None
    rows = 0
    for n, name, params in jobs:
        path = os.path.join(a.outdir, name)
        try:
            with open(path, newline="") as f:
                records = list(csv.reader(f))
        except OSError as e:
            raise Error(f"merge: {path}: {e.strerror}")
        except (csv.Error, UnicodeDecodeError) as e:
            raise Error(f"merge: {path}: not a CSV file ({e})")
        if not records:
            raise Error(f"merge: {path} is empty (no header)")
        if header is None:
            header, first = records[0], name
            clash = [c for c in header if c == "job" or c in columns.values()]
            if clash:
                raise Error(f"merge: {path} has a column '{clash[0]}', which merge adds itself")
            w.writerow(["job"] + list(columns.values()) + header)
        elif records[0] != header:
            raise Error(f"merge: {name}'s columns ({','.join(records[0])}) differ from {first}'s ({','.join(header)})")
        for i, r in enumerate(records[1:], 2):
            if len(r) != len(header):
                raise Error(f"merge: {path} line {i}: {len(r)} fields, its header has {len(header)}")
            w.writerow([n] + params + r)
            rows += 1
    write_atomic(a.output, out.getvalue())
    if a.output != "-":
        sys.stderr.write(f"{PROG}: {len(jobs)} jobs, {rows} rows in {a.output}\n")


def main(argv):
    doc = __doc__.split("\n\n", 1)
    p = OneLineParser(prog=PROG, description=doc[0], epilog=doc[1],
                      formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND")
    pj = sub.add_parser("jobs", help="expand a sweep spec into a job list, one shell command a line",
                        description="Expand SPEC.json into JOBS.txt, one complete shell command a line (line N = job N), "
                                    "and write OUTDIR/sweep.json for merge. The spec's format: scripts/sweep.py --help.")
    pj.add_argument("spec", metavar="SPEC.json", help="the sweep spec (- for standard input)")
    pj.add_argument("-o", dest="output", metavar="JOBS.txt", required=True, help="the job list (- for standard output)")
    pj.add_argument("--outdir", metavar="DIR", help="where the jobs write their CSVs (default: the directory of JOBS.txt)")
    pj.add_argument("--phtpu", metavar="PATH", default="build/phtpu", help="the phtpu binary the jobs run (default: build/phtpu)")
    pm = sub.add_parser("merge", help="merge the jobs' CSVs into one CSV",
                        description="Merge the job CSVs of OUTDIR into one CSV: job number, one arg_ column per axis, "
                                    "then the jobs' columns. Fails, writing nothing, when a job has no CSV or the "
                                    "columns differ.")
    pm.add_argument("outdir", metavar="OUTDIR", help="the directory the jobs wrote to (holds sweep.json)")
    pm.add_argument("-o", dest="output", metavar="ALL.csv", required=True, help="the merged CSV (- for standard output)")
    a = p.parse_args(argv)
    if a.cmd is None:
        p.error("a command is needed: jobs or merge")
    try:
        (cmd_jobs if a.cmd == "jobs" else cmd_merge)(a)
    except Error as e:
        sys.stderr.write(f"{PROG}: {e}\n")
        return 1
    except OSError as e:
        sys.stderr.write(f"{PROG}: {e.filename or ''}: {e.strerror}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
