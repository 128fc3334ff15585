# Sphinx configuration of the offline docs build (tools/build_docs.py stages the pages; see its docstring).
from nbdev.config import get_config

_cfg = get_config()
project = _cfg.lib_name
html_title = _cfg.lib_name
author = 'vitnb developers'
copyright = 'vitnb developers'
release = version = _cfg.version

extensions = ['myst_nb', 'sphinx.ext.mathjax']
root_doc = 'index'
exclude_patterns = ['**.ipynb_checkpoints']
source_suffix = {'.md': 'myst-nb', '.ipynb': 'myst-nb'}

# Notebooks come with their stored outputs (nbdev-test --save): never execute them here.
nb_execution_mode = 'off'
nb_ipywidgets_js = {}                      # the default loads require.js and the widget manager from CDNs
nb_merge_streams = True
nb_render_markdown_format = 'myst'         # markdown outputs (tables, links) parse like markdown cells
myst_enable_extensions = ['dollarmath', 'amsmath', 'colon_fence', 'attrs_inline', 'html_image', 'strikethrough']
myst_dmath_double_inline = True
myst_update_mathjax = False                # its MathJax 3 settings would leave our MathJax 2 nothing to typeset
suppress_warnings = ['myst.header', 'mystnb.unknown_mime_type', 'misc.highlighting_failure', 'myst.xref_missing']

# MathJax 2.7 served from _static/mathjax (copied there by build_docs.py from the jupyter-server-mathjax package,
# which ships the STIX-Web fonts only).
mathjax_path = 'mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full'
mathjax2_config = {'tex2jax': {'inlineMath': [['\\(', '\\)']], 'displayMath': [['\\[', '\\]']], 'processEscapes': True},
                   'HTML-CSS': {'availableFonts': [], 'preferredFont': None, 'webFont': 'STIX-Web', 'imageFont': None},
                   'SVG': {'font': 'STIX-Web'}, 'showMathMenu': False,
                   'messageStyle': 'none'}

html_theme = 'furo'
html_css_files = ['custom.css']
# No view/edit buttons: Furo would link nbs/vit.ipynb, but the page comes from nbs/03_vit.ipynb.
html_theme_options = {'navigation_with_keys': True, 'top_of_page_buttons': []}
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
