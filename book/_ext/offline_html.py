"""Sphinx extension: keep the HTML book free of scripts that need the network.

Jupyter Book 1 always loads sphinx-thebe, whose configuration script ends up twice in
every page (a JavaScript error: "Identifier 'THEBE_JS_URL' has already been declared") and
which would fetch thebe from a CDN if a reader clicked "launch". The book runs no live
kernels, so both its scripts are dropped from every page.
"""


def _drop_thebe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    kept = []
    for script in scripts:
        body = getattr(script, "attributes", {}).get("body", "") or ""
        name = str(script)
        if "THEBE_JS_URL" in body or "sphinx-thebe" in name or "thebe_selector" in body:
            continue
        kept.append(script)
    scripts[:] = kept


def setup(app):
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
