#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb (the landing page), from the notebook's stored outputs.

nbdev's own `nbdev-readme` renders the notebook with Quarto, which our machines and CI cannot install (see
build_docs.py). This is the same conversion done directly: markdown cells as they are; `#| hide` cells dropped;
code cells as Python blocks with their outputs (text as a plain block, Markdown outputs such as the results table
inline); `#| echo: false` cells show only their outputs. Run it after re-running the index notebook
(`nbdev-test --save nbs/index.ipynb`); `--check` exits 1 when README.md is out of date.

Usage: python tools/build_readme.py [--check]
"""
from __future__ import annotations
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NB, README = ROOT/'nbs'/'index.ipynb', ROOT/'README.md'
_DIRECTIVE = re.compile(r'^#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$')

def _text(v): return ''.join(v) if isinstance(v, list) else (v or '')

def _directives(src:str):
    "Leading `#| ...` lines -> ({name: value}, remaining source)."
    lines, opts = src.splitlines(), {}
    while lines and (m := _DIRECTIVE.match(lines[0])): opts[m[1]] = m[2].strip('"\'').lower(); lines.pop(0)
    return opts, '\n'.join(lines).strip('\n')

def _outputs(cell) -> list:
    out = []
    for o in cell.get('outputs', []):
        if o['output_type'] == 'stream' and o.get('name') == 'stdout': out.append(f"```\n{_text(o['text']).rstrip()}\n```")
        elif o['output_type'] in ('display_data', 'execute_result'):
            d = o.get('data', {})
            if 'text/markdown' in d: out.append(_text(d['text/markdown']).strip())
            elif 'text/plain' in d: out.append(f"```\n{_text(d['text/plain']).rstrip()}\n```")
    return out

def render(nb_path:Path=NB) -> str:
    nb = json.loads(nb_path.read_text())
    parts = [f"<!-- generated from {nb_path.relative_to(ROOT)} by tools/build_readme.py: edit the notebook, not this file -->"]
    for c in nb['cells']:
        src = _text(c['source'])
        if c['cell_type'] == 'markdown': parts.append(src.strip()); continue
        if c['cell_type'] != 'code': continue
        opts, code = _directives(src)
        if 'hide' in opts or opts.get('include') == 'false': continue
        if code and opts.get('echo') != 'false': parts.append(f"```python\n{code}\n```")
        parts += _outputs(c)
    return '\n\n'.join(p for p in parts if p) + '\n'

def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    text = render()
    if '--check' in argv:
        if not README.exists() or README.read_text() != text:
            sys.exit("README.md is out of date with nbs/index.ipynb: run `python tools/build_readme.py` and commit it")
        print("README.md matches nbs/index.ipynb"); return
    README.write_text(text); print(f"wrote {README}")

if __name__ == '__main__': main()
