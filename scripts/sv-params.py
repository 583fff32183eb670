#!/usr/bin/env python3
"""Write the integral constants of SystemVerilog sources as a C++ header.

Usage: scripts/sv-params.py OUT.hpp FILE.sv...

For every package in the files: each `localparam` / `parameter` of an integral type whose
value is a constant expression (sized or plain literals, earlier constants of the package or
`pkg::Name`, + - * / % << >> & | ^ ~, $clog2, parentheses). For every module: the defaults of
its header parameters (`module m #(parameter ...)`). Each lands in namespace
phtpu::rtl::<package or module> as `inline constexpr`, so the C++ views of a register map or a
packet layout (tb/chip_regs.hpp, tb/ici_flit.hpp, ...) take their values from the RTL, the one
place they are defined. A constant whose value is not such an expression (a typedef'd struct,
a function call) is listed in a comment. Writes OUT only when its contents change (no rebuild
of everything that includes it), atomically. Errors: one line on stderr, exit status 1.
"""
import os
import re
import sys
import tempfile

LITERAL = re.compile(r"(\d+)?\s*'\s*([sS]?)([dDhHbBoO])\s*([0-9a-fA-F_xXzZ]+)")


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def split_top(s):
    """Split 'A = 1, B = 2' at top-level commas."""
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [p.strip() for p in out if p.strip()]


def evaluate(expr, scope, scopes):
    def lit(m):
        base = {"d": 10, "h": 16, "b": 2, "o": 8}[m.group(3).lower()]
        digits = m.group(4).replace("_", "")
        if re.search(r"[xXzZ]", digits):
            raise ValueError("x/z literal")
        return str(int(digits, base))

    e = LITERAL.sub(lit, expr)
    e = e.replace("$clog2", "clog2")

    def name(m):
        pkg, ident = m.group(1), m.group(2)
        table = scopes.get(pkg) if pkg else scope
        if ident == "clog2" and not pkg:
            return ident
        if table is None or ident not in table:
            raise ValueError(f"unknown name {m.group(0)}")
        return str(table[ident])

    e = re.sub(r"\b(?:([A-Za-z_]\w*)::)?([A-Za-z_]\w*)\b", name, e)
    if not re.fullmatch(r"[0-9\s+\-*/%()<>&|^~clog2]*", e):
        raise ValueError(f"not a constant expression: {expr}")
    e = re.sub(r"(?<![/])/(?![/])", "//", e)
    value = eval(e, {"__builtins__": {}}, {"clog2": lambda v: max(0, (int(v) - 1).bit_length())})
    if not isinstance(value, int) or value < 0:
        raise ValueError(f"not a non-negative integer: {expr}")
    return value


def scan(path, scopes, order, skipped):
    text = strip_comments(open(path, encoding="utf-8").read())
    for m in re.finditer(r"\b(package|module)\s+([A-Za-z_]\w*)(.*?)\b(endpackage|endmodule)\b", text, re.S):
        kind, unit, body = m.group(1), m.group(2), m.group(3)
        if kind == "module":
            # the header's parameter list only: #( ... ) before the port list
            h = re.match(r"\s*(?:import\s+[^;]*;\s*)*#\s*\(", body)
            if not h:
                continue
            depth, i = 1, h.end()
            while depth and i < len(body):
                depth += {"(": 1, ")": -1}.get(body[i], 0)
                i += 1
            body = body[h.end():i - 1]
        scope = scopes.setdefault(unit, {})
        if unit not in order:
            order.append(unit)
        for d in re.finditer(r"\b(?:localparam|parameter)\b", body):
            items = split_top(declaration(body, d.end()))
            if not items:
                continue
            # the first item carries the type: int [unsigned], integer, logic/bit [range], or a
            # typedef'd one (not integral here)
            head, _, rest = items[0].partition("=")
            words = re.sub(r"\[[^\]]*\]", " ", head).split()
            integral = all(w in ("int", "unsigned", "integer", "longint", "logic", "bit", "signed") for w in words[:-1])
            items[0] = words[-1] + " =" + rest if words else items[0]
            for item in items:
                if "=" not in item:
                    continue
                ident, expr = (x.strip() for x in item.split("=", 1))
                if not re.fullmatch(r"[A-Za-z_]\w*", ident):
                    continue
                try:
                    if not integral:
                        raise ValueError("not an integral type")
                    scope[ident] = evaluate(expr, scope, scopes)
                except (ValueError, SyntaxError, ZeroDivisionError, TypeError):
                    skipped.setdefault(unit, []).append(ident)


def declaration(text, i):
    """The text of one parameter declaration starting at i: up to `;`, the `)` closing a
    parameter list, or the `,` before the next `parameter` keyword (all outside brackets)."""
    depth, start = 0, i
    while i < len(text):
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and ch == ";":
            break
        elif depth == 0 and ch == "," and re.match(r",\s*(?:localparam|parameter)\b", text[i:]):
            break
        i += 1
    return text[start:i]


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip() if len(argv) > 1 else "usage: scripts/sv-params.py OUT.hpp FILE.sv... (--help)",
              file=sys.stdout if len(argv) > 1 else sys.stderr)
        return 0 if len(argv) > 1 else 2
    out, sources = argv[1], argv[2:]
    scopes, order, skipped = {}, [], {}
    for src in sources:
        if not os.path.isfile(src):
            print(f"sv-params.py: no such file: {src}", file=sys.stderr)
            return 1
        scan(src, scopes, order, skipped)
    names = " ".join(os.path.relpath(s, os.path.dirname(os.path.abspath(__file__)) + "/..") for s in sources)
    lines = [f"// Generated from {names} by scripts/sv-params.py at build time; do not edit.",
             "#pragma once", "", "#include <cstdint>", ""]
    for unit in order:
        lines.append(f"namespace phtpu::rtl::{unit} {{")
        for ident, value in scopes[unit].items():
            ctype = "unsigned" if value < 2**32 else "std::uint64_t"
            lines.append(f"inline constexpr {ctype} {ident} = {value}u;")
        if skipped.get(unit):
            lines.append("// not integral constants: " + ", ".join(skipped[unit]))
        lines.append(f"}} // namespace phtpu::rtl::{unit}")
        lines.append("")
    text = "\n".join(lines)
    if os.path.exists(out) and open(out, encoding="utf-8").read() == text:
        return 0
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(out)), prefix=".sv-params.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
