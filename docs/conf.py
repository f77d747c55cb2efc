"""Sphinx configuration for sslx's documentation site.

Build:  pip install '.[docs]' && sphinx-build -W --keep-going docs docs/_build/html
(CI: bash .ci/docs).  The API reference is generated from the installed
sslx itself: every public name, and the docstrings of the C code as they
are when the site is built.
"""
import enum
import inspect
import os
import sys

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

# A checkout built in place (python setup.py build_ext --inplace) is used
# before an installed sslx.
HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")
if any(n.startswith("_sslx") and n.endswith(".so") for n in os.listdir(os.path.join(SRC, "sslx"))):
    sys.path.insert(0, SRC)

import sslx  # noqa: E402

project = "sslx"
author = "the sslx authors"
copyright = "the sslx authors"
release = version = sslx.__version__

extensions = ["myst_parser", "sphinx.ext.autodoc"]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3
autodoc_member_order = "bysource"
autodoc_typehints = "none"
html_theme = "alabaster"
html_theme_options = {"description": "Python's ssl module in C on OpenSSL 3", "fixed_sidebar": True}
html_sidebars = {"**": ["about.html", "navigation.html", "searchbox.html"]}
html_title = "sslx %s" % release


# ---------------------------------------------------------------- the API page

def public_names():
    """sslx's public names, sorted into the groups the API page shows."""
    groups = {"classes": [], "functions": [], "exceptions": [], "enums": [], "constants": []}
    for name in sorted(dir(sslx), key=str.lower):
        if name.startswith("_"):
            continue
        obj = getattr(sslx, name)
        if inspect.isclass(obj):
            if issubclass(obj, BaseException):
                groups["exceptions"].append(name)
            elif issubclass(obj, enum.Enum):
                groups["enums"].append(name)
            else:
                groups["classes"].append(name)
        elif callable(obj):
            groups["functions"].append(name)
        elif not inspect.ismodule(obj):
            groups["constants"].append(name)
    return groups


def table(header, rows):
    out = [".. list-table::", "   :header-rows: 1", ""]
    for row in [header] + rows:
        out.append("   * - " + row[0])
        out.extend("     - " + cell for cell in row[1:])
    return out + [""]


def literal(value):
    text = repr(value)
    if len(text) > 70:
        text = text[:67] + "..."
    return "``%s``" % text.replace("`", "'")


class SslxApi(SphinxDirective):
    """``.. sslx-api::`` expands to autodoc directives for every public
    name of sslx, and tables for its enums and constants."""

    def run(self):
        groups = public_names()
        rst = ["Classes", "-------", ""]
        for name in groups["classes"]:
            rst += [".. autoclass:: sslx.%s" % name, "   :members:", "   :undoc-members:", ""]
        rst += ["Functions", "---------", ""]
        for name in groups["functions"]:
            rst += [".. autofunction:: sslx.%s" % name, ""]
        rst += ["Exceptions", "----------", "",
                "These are the standard library's own classes (see "
                ":doc:`differences`), so ``except ssl.SSLError`` catches sslx's errors.", ""]
        for name in groups["exceptions"]:
            rst += [".. autoexception:: sslx.%s" % name, ""]
        rst += ["Enumerations", "------------", ""]
        rows = []
        for name in groups["enums"]:
            members = ", ".join("``%s``" % m.name for m in getattr(sslx, name))
            rows.append(["``%s``" % name, members or "(none)"])
        rst += table(["enum", "members"], rows)
        rst += ["Constants", "---------", "",
                "Values as in this build (``OPENSSL_VERSION`` and the ``HAS_`` flags depend "
                "on the OpenSSL sslx was built with).", ""]
        rst += table(["name", "value"],
                     [["``%s``" % n, literal(getattr(sslx, n))] for n in groups["constants"]])
        container = nodes.section()
        container.document = self.state.document
        self.state.nested_parse(StringList(rst, source="sslx-api"), self.content_offset,
                                container, match_titles=True)
        return container.children


def setup(app):
    app.add_directive("sslx-api", SslxApi)
    return {"parallel_read_safe": True}
