#!/usr/bin/env python
"""Open the built docs site (`_docs/`) in headless Chromium and check it the way a reader would.

Serves `_docs/` on a local port and drives Debian's `chromium` (installed with apt-get when missing, as root) with
Playwright. For the landing page and every notebook page: the page loads (HTTP 200), its <title> holds the notebook's
title, every internal link points at a page that exists and, when it has a #fragment, at an element with that id,
every image has loaded, and no request left the local server (the site needs no network). Also: math is typeset by
the bundled MathJax, and search finds a page. Saves screenshots of the landing page and of the attention-maps figure.
Prints one line per check and 'N passed, M failed'; exits non-zero on any failure.

Usage: python tools/test_docs.py [--site _docs] [--screenshots build/docs-screenshots]
"""
from __future__ import annotations
import argparse, functools, http.server, json, os, shutil, subprocess, sys, threading, time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit, unquote

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking']
MAPS_PAGE = 'attention_maps.html'            # nbs/15_attention_maps.ipynb

def find_chromium(install:bool=True) -> str:
    "Path of Debian's chromium; `apt-get install chromium` first when it is missing and we may (root)."
    for name in ('chromium', 'chromium-browser'):
        if p := shutil.which(name): return p
    if not install or os.geteuid() != 0: sys.exit("chromium not found: install it with `apt-get install -y chromium`")
    print("chromium not found: installing Debian's chromium package", flush=True)
    env = {**os.environ, 'DEBIAN_FRONTEND': 'noninteractive'}
    subprocess.run(['apt-get', 'update', '-qq'], check=True, env=env)
    subprocess.run(['apt-get', 'install', '-y', '-qq', 'chromium'], check=True, env=env, stdout=subprocess.DEVNULL)
    return find_chromium(install=False)

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass

class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):       # the browser dropping a connection is not a failure
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)): super().handle_error(request, client_address)

def serve(site:Path):
    srv = _Server(('127.0.0.1', 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/"

class _Ids(HTMLParser):
    def __init__(self):
        super().__init__(); self.ids = set()
    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ('id', 'name') and v: self.ids.add(v)

@functools.lru_cache(None)
def ids_of(path:Path) -> frozenset:
    p = _Ids(); p.feed(path.read_text(encoding='utf-8', errors='replace')); return frozenset(p.ids)

class Checks:
    def __init__(self): self.passed, self.failed = 0, []
    def __call__(self, ok:bool, name:str, detail:str=''):
        if ok: self.passed += 1; print(f"ok      {name}")
        else: self.failed.append(name); print(f"FAILED  {name}: {detail}")
        return ok

def check_links(site:Path, base:str, page:str, hrefs:list) -> list:
    "Broken internal links of `page`: target file missing, or #fragment with no such id in the target."
    bad = []
    for h in set(hrefs):
        u = urlsplit(urljoin(base + page, h))
        if not (base.startswith(f"{u.scheme}://{u.netloc}/") and u.scheme.startswith('http')): continue   # external
        rel = unquote(u.path)[1:] or 'index.html'
        target = site/rel
        if target.is_dir(): target = target/'index.html'
        if not target.is_file(): bad.append(f"{h} (no file {rel})"); continue
        if u.fragment and target.suffix == '.html' and unquote(u.fragment) not in ids_of(target):
            bad.append(f"{h} (no id {u.fragment!r} in {rel})")
    return sorted(bad)

def api_missing(site:Path) -> list:
    "Public functions and classes in the package's nbdev index whose anchor is on no built page."
    from nbdev.config import get_config
    cfg = get_config()
    idx = {}
    exec((cfg.lib_path/'_modidx.py').read_text(), idx)
    out = []
    for mod, syms in idx['d']['syms'].items():
        for name, (url, _) in syms.items():
            short = name[len(mod) + 1:]
            if '.' in short or short.startswith('_'): continue          # methods and private helpers
            page, _, anchor = url.partition('#')
            if not (site/page).exists() or anchor not in ids_of(site/page): out.append(f"{name} ({url})")
    return out

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--site', default=str(ROOT/'_docs'))
    ap.add_argument('--screenshots', default=str(ROOT/'build'/'docs-screenshots'))
    a = ap.parse_args(argv)
    site, shots = Path(a.site), Path(a.screenshots)
    if not (site/'index.html').exists(): sys.exit(f"no {site}/index.html: build the site first (make docs)")
    manifest = site/'_pages.json'
    pages = json.loads(manifest.read_text()) if manifest.exists() else \
        [dict(page=p.name, title=None) for p in sorted(site.glob('*.html'))]
    shots.mkdir(parents=True, exist_ok=True)
    exe = find_chromium()
    from playwright.sync_api import sync_playwright
    srv, base = serve(site)
    check, t0 = Checks(), time.perf_counter()
    external = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=FLAGS, headless=True)
        ctx = browser.new_context(viewport={'width': 1280, 'height': 900})
        def _route(route):       # the site must not need the network: refuse and record anything not ours
            if route.request.url.startswith(base): return route.continue_()
            external.append(route.request.url); route.abort()
        ctx.route('**/*', _route)
        pg = ctx.new_page()
        errors = []
        pg.on('pageerror', lambda e: errors.append(str(e)))
        for entry in pages:
            name, title = entry['page'], entry.get('title')
            errors.clear(); n_ext = len(external)
            resp = pg.goto(base + name, wait_until='load')
            pg.wait_for_load_state('networkidle')
            ok = resp is not None and resp.status == 200
            if not check(ok, f"{name} loads", f"HTTP {resp.status if resp else None}"): continue
            doc_title = pg.title()
            check(bool(doc_title) and (title is None or title in doc_title), f"{name} title {title!r}", f"<title> is {doc_title!r}")
            h1 = pg.locator('article h1').first.inner_text() if pg.locator('article h1').count() else ''
            check(title is None or title in h1, f"{name} heading", f"first <h1> is {h1!r}")
            hrefs = pg.eval_on_selector_all('a[href]', 'els => els.map(e => e.getAttribute("href"))')
            bad = check_links(site, base, name, hrefs)
            check(not bad, f"{name} internal links ({len(hrefs)} links)", '; '.join(bad[:8]))
            broken = pg.eval_on_selector_all('img', 'els => els.filter(e => !(e.complete && e.naturalWidth > 0)).map(e => e.src)')
            n_img = pg.locator('img').count()
            check(not broken, f"{name} images ({n_img})", ', '.join(broken[:5]))
            check(len(external) == n_ext, f"{name} needs no network", ', '.join(external[n_ext:][:5]))
            check(not errors, f"{name} no script errors", '; '.join(errors[:3]))
        # API docs: every public function and class nbdev indexed (vitnb/_modidx.py) has its show_doc entry
        missing = api_missing(site)
        check(not missing, f"every exported function and class has a show_doc entry", ', '.join(missing[:10]))
        # screenshots
        pg.goto(base + 'index.html', wait_until='networkidle')
        pg.screenshot(path=str(shots/'landing.png'), full_page=False)
        check((shots/'landing.png').stat().st_size > 10_000, f"screenshot {shots/'landing.png'}")
        if (site/MAPS_PAGE).exists():
            pg.goto(base + MAPS_PAGE, wait_until='networkidle')
            figs = pg.locator('div.cell_output img')
            best = max(range(figs.count()), default=None, key=lambda i: figs.nth(i).evaluate('e => e.naturalWidth * e.naturalHeight'))
            ok = best is not None
            if ok:
                figs.nth(best).scroll_into_view_if_needed()
                figs.nth(best).screenshot(path=str(shots/'attention_maps.png'))
            check(ok, f"screenshot {shots/'attention_maps.png'}", f"no figure on {MAPS_PAGE}")
        else: check(False, f"attention-maps page {MAPS_PAGE} exists", "not built")
        # math: pages with $...$ must come out typeset by the bundled MathJax
        math_pages = [e['page'] for e in pages if 'class="math' in (site/e['page']).read_text(encoding='utf-8')]
        if math_pages:
            pg.goto(base + math_pages[0], wait_until='load')
            try:
                pg.wait_for_selector('.MathJax, .MathJax_Display, mjx-container', timeout=20_000); ok = True
            except Exception: ok = False
            check(ok, f"math typeset by the bundled MathJax ({math_pages[0]})", "no MathJax output after 20 s")
        # search: Sphinx's client-side index
        pg.goto(base + 'search.html?q=attention', wait_until='load')
        try:
            pg.wait_for_selector('#search-results li, ul.search li', timeout=20_000)
            n = pg.locator('#search-results li, ul.search li').count()
        except Exception: n = 0
        check(n > 0, f"search for 'attention' finds pages ({n})", "no results")
        browser.close()
    srv.shutdown()
    print(f"checked {len(pages)} pages in {time.perf_counter() - t0:.0f} s; screenshots in {shots}")
    if check.failed: print("failed:", ', '.join(check.failed))
    print(f"{check.passed} passed, {len(check.failed)} failed")
    sys.exit(1 if check.failed else 0)

if __name__ == '__main__': main()
