#!/usr/bin/env python
"""Build the documentation site into `_docs/` (the `doc_path` of pyproject's [tool.nbdev]).

With Quarto on PATH this is nbdev's own build (`nbdev-docs`). Without it (our machines and CI: Quarto's installer
downloads a binary, which they cannot do; and the GitHub runner of `.github/workflows/deploy.yaml`, which publishes
what `make docs` builds) it is an offline build:

1. nbdev's notebook processing, as `nbdev-proc-nbs` does it (`nbdev.serve.proc_nbs`, which renders `show_doc`,
   adds a `show_doc` entry after every exported definition that has none, drops `#| hide` and exported cells and
   the nbdev directives) into `_proc/`. We call `proc_nbs` rather than the `nbdev-proc-nbs` command because that
   command first runs nbdev's Quarto installer (curl + sudo dpkg) when `quarto` is missing.
2. Staging into `build/docs/src/`: each processed notebook becomes `<output-file>.ipynb` (the page names Quarto
   would give: `03_vit.ipynb` -> `vit.html`), its front matter becomes the page title and summary, Quarto cell
   options (`echo`, `output`, `include`) become myst-nb tags, `show_doc` outputs become markdown (so each API entry
   is a section with the anchor nbdev's links use), and links to the published site become relative links.
3. Sphinx with myst-nb (notebooks with their stored outputs, never re-executed) and the Furo theme renders
   `build/docs/src/` into `_docs/` with the sidebar in notebook order, Sphinx's client-side search, and MathJax
   served from `_docs/_static/mathjax` (MathJax 2.7 from the `jupyter-server-mathjax` package): no page needs
   the network.

Usage: python tools/build_docs.py [--offline] [--workers N]
"""
from __future__ import annotations
import argparse, ast, html, json, os, re, shutil, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONF_DIR = ROOT/'tools'/'docs'                   # Sphinx conf.py and static files
STAGE = ROOT/'build'/'docs'

# ---------------------------------------------------------------- step 1: nbdev's processing
_SHOW_DIRS = {'export', 'exports', 'exporti', 'exec_doc'}

def _docs_do_eval(cell):
    """Which cells nbdev runs to render `show_doc`: ours is nbdev's rule (exported cells, `show_doc` cells, cells with
    imports) narrowed to cells made *only* of imports, and never a cell carrying a test flag (`#| slow`, `#| cuda`).
    nbdev's own rule also runs any cell that merely contains an import, which in a notebook's visible cells means
    running examples (and trainings) whose inputs were built by cells it does not run."""
    from nbdev.processors import cell_lang, _show_docs
    from nbdev.config import get_config
    if cell_lang(cell) != 'python' or cell.cell_type != 'code' or not cell.source: return
    if 'nbdev_export' + '()' in cell.source: return
    trees = cell.parsed_()
    if not trees: return
    d = cell.directives_
    if d.get('eval', '').lower() == 'false': return
    if d.keys() & set(str(get_config().get('tst_flags', '')).split()): return
    if d.keys() & _SHOW_DIRS: return True
    if all(isinstance(t, (ast.Import, ast.ImportFrom)) for t in trees): return True
    if _show_docs(trees): return True

def mixed_import_cells(nbs_path:Path) -> list:
    "Cells nbdev-docs (the Quarto path) would run although they hold more than imports: move their imports out."
    from nbdev.process import NBProcessor
    from nbdev.processors import _ast_contains
    out = []
    for p in sorted(nbs_path.glob('*.ipynb')):
        for i, c in enumerate(NBProcessor(p).nb.cells):
            if c.cell_type != 'code' or not c.source or c.directives_.keys() & (_SHOW_DIRS | {'hide'}): continue
            try: trees = c.parsed_()
            except Exception: continue
            if trees and _ast_contains(trees, (ast.Import, ast.ImportFrom)) and not _docs_do_eval(c):
                out.append(f"{p.name} cell {i}: {c.source.splitlines()[0][:60]}")
    return out

def proc_notebooks(workers:int=0):
    "nbdev's `nbdev-proc-nbs` minus the Quarto install: `_proc/` with rendered `show_doc`s."
    import nbdev.processors, nbdev.doclinks
    from nbdev.serve import proc_nbs
    nbdev.processors._do_eval = _docs_do_eval      # the narrowed rule above (in this process: workers=0 is serial)
    nbdev.doclinks._build_modidx()
    return proc_nbs(n_workers=workers)

# ---------------------------------------------------------------- step 2: staging for Sphinx
_RE_QOPT = re.compile(r'^#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')

def _split_options(src:str):
    "Quarto `#| key: value` lines at the top of a cell -> (options, remaining source)."
    lines, opts = src.splitlines(), {}
    while lines and (m := _RE_QOPT.match(lines[0])): opts[m[1]] = m[2].strip('"\''); lines.pop(0)
    return opts, '\n'.join(lines)

def _text(v): return ''.join(v) if isinstance(v, list) else (v or '')

class Stager:
    "Turn nbdev's processed notebooks into myst-nb pages."
    def __init__(self, cfg, pages:dict):
        self.site = (str(cfg.doc_host).rstrip('/') + '/' + str(cfg.doc_baseurl).strip('/')).rstrip('/') + '/'
        self.pages = pages                 # '03_vit.ipynb' -> 'vit'

    def link(self, url:str) -> str:
        "A link to the published site (or to a notebook) -> a relative link to our page."
        if url.startswith(self.site): url = url[len(self.site):]
        path, _, frag = url.partition('#')
        if path.endswith('.ipynb') and Path(path).name in self.pages: path = self.pages[Path(path).name] + '.html'
        if path.endswith('.html.md'): path = path[:-3]
        return path + ('#' + frag if frag else '')

    def md(self, s:str) -> str:
        "Markdown: site and notebook links -> relative raw-HTML links (MyST would try to resolve them as documents)."
        def _a(m):
            text, url = m[1], m[2]
            new = self.link(url)
            if new == url and '://' in url: return m[0]
            return f'<a class="reference internal" href="{html.escape(new)}">' + text + '</a>'
        return re.sub(r'(?<!!)\[([^\]\n]*)\]\(([^)\s]+)\)', _a, s)

    def show_doc(self, s:str) -> str:
        "nbdev's show_doc markdown -> a section headed by the symbol, with nbdev's anchor and a source link."
        from docutils.nodes import make_id
        s = re.sub(r'^---\s*$', '', s, flags=re.M)                     # a transition may not open a section
        s = re.sub(r'\[source\]\(([^)]+)\)\{[^}]*\}',
                   lambda m: f'<a class="nbdev-source" href="{html.escape(m[1])}">source</a>', s)
        def _h(m):
            anchor = m[2].strip().lower()
            if make_id(m[2]) == anchor: return m[0]
            return f'<span id="{html.escape(anchor)}"></span>\n\n{m[0]}'
        s = re.sub(r'^(#{2,6})\s+(\S.*?)\s*$', _h, s, count=1, flags=re.M)
        return self.md(s)

    def notebook(self, src:Path, dst:Path) -> str:
        import nbformat, yaml
        nb = nbformat.read(src, as_version=4)
        nb.metadata.pop('widgets', None)   # else myst-nb adds the ipywidgets JS from a CDN
        nb.metadata.setdefault('kernelspec', {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'})
        nb.metadata.setdefault('language_info', {'name': 'python', 'pygments_lexer': 'ipython3'})
        cells, title = [], None
        for c in nb.cells:
            s = _text(c.source)
            if c.cell_type == 'raw' and s.lstrip().startswith('---'):      # nbdev's front matter
                fm = yaml.safe_load(s.strip().strip('-')) or {}
                title = fm.get('title') or title
                body = f"# {title}\n" if title else ''
                if fm.get('description'): body += f"\n> {fm['description']}\n"
                if body: cells.append(nbformat.v4.new_markdown_cell(self.md(body)))
                continue
            if c.cell_type == 'markdown':
                if s.strip().startswith('<!-- WARNING: THIS FILE WAS AUTOGENERATED'): continue
                if title is None and (m := re.match(r'#\s+(.+)', s.strip())): title = m[1]
                c.source = self.md(s); c.pop('attachments', None) if not c.get('attachments') else None
                cells.append(c); continue
            if c.cell_type != 'code': continue
            opts, code = _split_options(s)
            if str(opts.get('include', '')).lower() == 'false': continue
            mds = [_text(o['data']['text/markdown']) for o in c.get('outputs', []) if 'text/markdown' in o.get('data', {})]
            if opts.get('output') == 'asis' and str(opts.get('echo', '')).lower() == 'false':   # show_doc cells
                if mds: cells.append(nbformat.v4.new_markdown_cell('\n\n'.join(self.show_doc(m) for m in mds)))
                continue
            c.source = code
            c.metadata.pop('execution', None)          # nbdev's timings: floats where nbformat wants strings
            tags = c.metadata.setdefault('tags', [])
            if str(opts.get('echo', '')).lower() == 'false': tags.append('remove-input')
            if str(opts.get('output', '')).lower() == 'false': tags.append('remove-output')
            for o in c.get('outputs', []):
                if 'text/markdown' in o.get('data', {}): o['data']['text/markdown'] = self.md(_text(o['data']['text/markdown']))
            if not code.strip() and not c.get('outputs'): continue
            cells.append(c)
        nb.cells = cells
        nbformat.write(nb, dst)
        return title or dst.stem

def stage(cfg, proc:Path, out:Path) -> list:
    "Write the pages into `out` (index first, then the notebooks in nbdev's sidebar order); returns [(page, title)]."
    from nbdev.config import nbpath2html
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    nbs = sorted(p.name for p in cfg.nbs_path.glob('*.ipynb') if not p.name.startswith(('_', '.')))
    nbs = sorted(nbs, key=lambda n: (n != 'index.ipynb', n))
    pages = {n: nbpath2html(Path(n)).stem for n in nbs}
    st, res = Stager(cfg, pages), []
    for n in nbs:
        if not (proc/n).exists(): raise FileNotFoundError(f"nbdev did not process {n} into {proc}")
        res.append((pages[n], st.notebook(proc/n, out/(pages[n] + '.ipynb'))))
    if 'index' not in [p for p, _ in res]:     # nbs/index.ipynb is the landing page; until it exists, a stub
        (out/'index.md').write_text(f"# {cfg.lib_name}\n\n{cfg.get('description', '')}\n\n"
                                    "*(No `nbs/index.ipynb` yet: this stub stands in for the landing page.)*\n")
        res.insert(0, ('index', cfg.lib_name))
    toc = '\n'.join(p for p, _ in res if p != 'index')
    idx = out/'index.ipynb'
    if idx.exists():
        import nbformat
        nb = nbformat.read(idx, as_version=4)
        nb.cells.append(nbformat.v4.new_markdown_cell(f"```{{toctree}}\n:hidden:\n:maxdepth: 1\n\n{toc}\n```"))
        nbformat.write(nb, idx)
    else:
        with open(out/'index.md', 'a') as f: f.write(f"\n```{{toctree}}\n:hidden:\n:maxdepth: 1\n\n{toc}\n```\n")
    for p in proc.rglob('*'):          # images and data files the notebooks' markdown refers to
        if p.is_file() and p.suffix not in ('.ipynb', '.yml', '.yaml') and not any(s.startswith(('.', '_')) for s in p.relative_to(proc).parts):
            (out/p.relative_to(proc)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, out/p.relative_to(proc))
    return res

# ---------------------------------------------------------------- step 3: Sphinx
def sphinx(src:Path, dest:Path, workers:int):
    import jupyter_server_mathjax
    mj_src = Path(jupyter_server_mathjax.__file__).parent/'static'
    static = STAGE/'static'
    if static.exists(): shutil.rmtree(static)
    shutil.copytree(mj_src, static/'mathjax', ignore=shutil.ignore_patterns('localization'))
    shutil.copy2(CONF_DIR/'custom.css', static/'custom.css')
    tmp = STAGE/'html'                    # myst-nb writes its `jupyter_execute/` beside the output folder
    if tmp.exists(): shutil.rmtree(tmp)
    cmd = [sys.executable, '-m', 'sphinx', '-b', 'html', '-q', '-c', str(CONF_DIR), '-d', str(STAGE/'doctrees'),
           '-j', str(max(workers, 1)), '-D', f'html_static_path={static}', str(src), str(tmp)]
    subprocess.run(cmd, check=True, cwd=ROOT)
    shutil.rmtree(tmp/'.doctrees', ignore_errors=True)
    (tmp/'.nojekyll').touch()
    if dest.exists(): shutil.rmtree(dest)
    shutil.move(tmp, dest)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--offline', action='store_true', help="use the offline build even when quarto is on PATH")
    ap.add_argument('--workers', type=int, default=0, help="parallel workers for Sphinx (notebook processing is serial)")
    a = ap.parse_args(argv)
    os.chdir(ROOT)
    t0 = time.perf_counter()
    if shutil.which('quarto') and not a.offline:
        print("quarto found: building with nbdev-docs")
        subprocess.run([str(Path(sys.executable).parent/'nbdev-docs')], check=True)
        print(f"built _docs/ with Quarto in {time.perf_counter() - t0:.0f} s"); return
    from nbdev.config import get_config
    cfg = get_config()
    print("quarto not on PATH: offline build (nbdev processing + Sphinx/myst-nb/Furo)")
    if mixed := mixed_import_cells(cfg.nbs_path):
        print(f"note: nbdev-docs (Quarto) would also run {len(mixed)} cells that mix imports with other code; "
              "moving their imports into an imports-only cell keeps its docs build from running them:\n  " + '\n  '.join(mixed))
    proc = proc_notebooks()
    t1 = time.perf_counter()
    pages = stage(cfg, proc, STAGE/'src')
    sphinx(STAGE/'src', cfg.doc_path, a.workers)
    (cfg.doc_path/'_pages.json').write_text(json.dumps([dict(page=p + '.html', title=t) for p, t in pages], indent=1))
    print(f"built {cfg.doc_path.relative_to(ROOT)}/ ({len(pages)} pages) in {time.perf_counter() - t0:.0f} s "
          f"(nbdev processing {t1 - t0:.0f} s); open {cfg.doc_path.relative_to(ROOT)}/index.html")

if __name__ == '__main__': main()
