#!/usr/bin/env python
"""Check that notebooks run top to bottom in a plain Jupyter kernel on a machine without a GPU ("Run All").

`make test` runs every notebook under `nbdev-test`, which is not what a user's Jupyter does in three ways:

1. `nbdev-test` leaves out the cells flagged `#| cuda` (and `#| slow`); Jupyter runs every cell. A `#| cuda` cell
   must therefore skip itself, with a printed reason, when there is no CUDA device: it starts with
   `if have_cuda(...):` (`vitnb.testing.have_cuda`), which prints "skipped <what>: <why>" and returns False.
2. `nbdev-test` executes the cells in execnb's in-process IPython shell (with `IN_TEST=1` set, nbdev's cell
   processing applied, `#| eval: false` cells left out); Jupyter and `jupyter nbconvert --execute` run them in an
   ipykernel process started from the notebook's folder.
3. `nbdev-test` compares nothing about outputs; neither does this check (a cell passes when it raises nothing).

What this script does: for each notebook it is given (by default every notebook in nbs/ that has a `#| cuda` cell;
with `--all`, every notebook), it executes the notebook with nbclient (the executor behind
`jupyter nbconvert --execute`) in a fresh `python3` kernel whose working directory is the notebook's folder, with
CUDA hidden from the kernel (`CUDA_VISIBLE_DEVICES=''`) so the run is the one a CPU-only machine makes. All cells
run, in order, except those flagged `#| slow` (trainings of minutes: the property checked is the one the
project promises, "every notebook without its slow cells runs on a CPU-only machine"). A notebook fails if any
cell raises, or if a `#| cuda` cell printed nothing starting with "skipped " (a cuda cell that silently did
nothing, or ran GPU code, is not the promised behaviour). With `--gpu` CUDA is left visible and the opposite is
required: each `#| cuda` cell must run its checks (print no "skipped " line); use it on a machine with a GPU.

What it covers: (1) for every `#| cuda` cell of every notebook in the default mode (they all live in the
notebooks it executes), and (2) for the notebooks it executes. What it does not cover: (2) for the notebooks it
does not execute in the default mode, which CI's time budget does not allow (`--all` takes about as long as
`make test`'s notebooks); those run every cell except `#| slow`/`#| cuda` under `nbdev-test` in `make test`, so
what remains untested for them is only the kernel difference of point 2 (no notebook in nbs/ reads `IN_TEST`
or has an `#| eval: false` cell). The `#| slow` cells themselves run under `make test-slow`, not here.

Usage: python tools/check_jupyter.py [--all] [--gpu] [--timeout S] [NOTEBOOK ...]
Prints one line per notebook and "N passed, M failed"; exits non-zero on any failure.
"""
from __future__ import annotations
import argparse, os, re, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_FLAG = re.compile(r'^#\s*\|\s*([\w-]+)')
_ANSI = re.compile(r'\x1b\[[0-9;]*m')          # colour codes in tracebacks

def flags(cell) -> set:
    "The nbdev directive names at the top of a code cell (`#| cuda`, `#| slow`, `#| export`, ...)."
    out = set()
    for line in cell.source.splitlines():
        if not line.strip(): continue
        m = _FLAG.match(line.strip())
        if not m: break
        out.add(m[1])
    return out

def code_cells(nb) -> list: return [c for c in nb.cells if c.cell_type == 'code']

def has_cuda_cell(path:Path) -> bool:
    import nbformat
    return any('cuda' in flags(c) for c in code_cells(nbformat.read(path, as_version=4)))

def stdout_of(cell) -> str:
    return ''.join(o.get('text', '') for o in cell.get('outputs', []) if o.get('output_type') == 'stream' and o.get('name') == 'stdout')

def check(path:Path, *, gpu:bool, timeout:int) -> tuple[bool, str]:
    "Execute `path` without its `#| slow` cells in a fresh kernel; (ok, one-line summary)."
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    nb = nbformat.read(path, as_version=4)
    slow = [c for c in code_cells(nb) if 'slow' in flags(c)]
    nb.cells = [c for c in nb.cells if not (c.cell_type == 'code' and 'slow' in flags(c))]
    client = NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}})
    try: client.execute()
    except CellExecutionError as e:
        return False, "a cell raised: " + _ANSI.sub('', str(e)).strip().splitlines()[-1][:300]
    except Exception as e:
        return False, f"{type(e).__name__}: {str(e).strip()[:300]}"
    cuda = [c for c in code_cells(nb) if 'cuda' in flags(c)]
    said = [next((l for l in stdout_of(c).splitlines() if l.startswith('skipped ')), None) for c in cuda]
    if gpu and any(said): return False, f"a #| cuda cell skipped itself although CUDA is visible: {next(s for s in said if s)}"
    if not gpu and not all(said):
        return False, f"{said.count(None)} of {len(cuda)} #| cuda cell(s) printed no 'skipped ...' line without a GPU"
    what = f"{len(cuda)} #| cuda cell(s) " + ("ran" if gpu else "skipped, e.g. " + repr(said[0])) if cuda else "no #| cuda cell"
    return True, f"{len(code_cells(nb))} cells run, {len(slow)} #| slow left out, {what}"

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*', help="notebooks to execute (default: those in nbs/ with a #| cuda cell)")
    ap.add_argument('--all', action='store_true', help="execute every notebook in nbs/ (takes as long as the test suite)")
    ap.add_argument('--gpu', action='store_true', help="leave CUDA visible and require every #| cuda cell to run")
    ap.add_argument('--timeout', type=int, default=600, help="seconds allowed per cell (as nbdev-test)")
    a = ap.parse_args(argv)
    if not a.gpu: os.environ['CUDA_VISIBLE_DEVICES'] = ''      # inherited by every kernel started below
    nbs = sorted((ROOT/'nbs').glob('*.ipynb'))
    paths = [Path(p).resolve() for p in a.notebooks] or (nbs if a.all else [p for p in nbs if has_cuda_cell(p)])
    if not paths: print("no notebook to check"); return 1
    passed = failed = 0
    for p in paths:
        t0 = time.perf_counter()
        ok, msg = check(p, gpu=a.gpu, timeout=a.timeout)
        name = p.relative_to(ROOT) if p.is_relative_to(ROOT) else p
        print(f"{'ok     ' if ok else 'FAILED '} {name} ({time.perf_counter() - t0:.0f} s): {msg}", flush=True)
        passed, failed = passed + ok, failed + (not ok)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0

if __name__ == '__main__': sys.exit(main())
