"""`lambdalint size --output-format html`: one self-contained page (no network, no external
script, style or font) with the totals against Lambda's limits, the removable content, and a
treemap of the unzipped bytes (function -> artifact -> package) laid out by an inline script.

Every name on the page comes from user files.  The summary is written here with `html.escape`;
the treemap script reads the data from a `<script type="application/json">` element (with `<`, `>`
and `&` written as JSON escapes, so no name can close the element) and sets text with
`textContent` only.  A Content-Security-Policy allows no network access and only the page's own
script (by hash).
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
from typing import List, Optional

from lambdalint import __version__
from lambdalint.size_report import bloat_totals, largest_packages, no_zip_reason, removable_bytes

BLOAT_COLOURS = ("#e6550d", "#8c6bb1", "#3182bd", "#31a354", "#d6616b", "#bdbd22", "#17becf", "#7f7f7f")

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src '{script_hash}'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lambdalint {version}">
<title>lambdalint size: {title}</title>
<style>
  body {{ font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 16px 20px; color: #222; background: #fafafa; }}
  h1 {{ font-size: 20px; margin: 0 0 8px; }}
  h2 {{ font-size: 16px; margin: 0 0 6px; }}
  .fn {{ background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 10px 14px; margin: 0 0 12px; }}
  .fn .runtime {{ color: #666; font-weight: normal; font-size: 13px; margin-left: 8px; }}
  .cols {{ display: flex; flex-wrap: wrap; gap: 8px 32px; }}
  .cols > div {{ flex: 1 1 420px; min-width: 0; }}
  .limit {{ display: flex; align-items: center; gap: 8px; margin: 3px 0; }}
  .limit .what {{ flex: 0 0 70px; color: #444; }}
  .bar {{ position: relative; flex: 0 0 220px; height: 14px; background: #e8e8e8; border-radius: 3px; overflow: hidden; }}
  .bar .fill {{ position: absolute; left: 0; top: 0; bottom: 0; background: #2e7d32; }}
  .bar .fill.warn {{ background: #f9a825; }}
  .bar .fill.over {{ background: #c62828; }}
  .val.over {{ color: #c62828; font-weight: 600; }}
  table {{ border-collapse: collapse; font-size: 13px; margin-top: 6px; }}
  th, td {{ padding: 1px 10px 1px 0; text-align: left; vertical-align: top; }}
  th {{ color: #666; font-weight: normal; border-bottom: 1px solid #ddd; }}
  td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
  td.na {{ color: #999; font-style: italic; }}
  .path {{ color: #666; }}
  td.name, td.path {{ overflow-wrap: anywhere; min-width: 7em; }}
  .stack {{ display: flex; height: 12px; width: 100%; max-width: 420px; background: #e8e8e8; border-radius: 3px; overflow: hidden; margin: 4px 0; }}
  .stack span {{ display: block; height: 100%; }}
  .swatch {{ display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }}
  .muted {{ color: #777; }}
  #treemap {{ position: relative; height: 560px; background: #fff; border: 1px solid #ccc; overflow: hidden; margin-top: 6px; }}
  .tm {{ position: absolute; box-sizing: border-box; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; font-size: 12px; line-height: 15px; }}
  .tm-fn {{ background: #37474f; color: #fff; font-weight: 600; }}
  .tm-art {{ background: #78909c; color: #fff; font-size: 11px; }}
  .tm-pkg {{ box-shadow: inset 0 0 0 1px rgba(0, 0, 0, .28); color: #111; }}
  .tm.lab {{ padding: 1px 4px; }}
  .tm-art.lab {{ padding: 0 4px; }}
  .tm-pkg .size {{ display: block; color: #333; font-size: 11px; overflow: hidden; text-overflow: ellipsis; }}
  .tm-pkg:hover {{ outline: 2px solid #000; z-index: 2; }}
</style>
</head>
<body>
<h1>lambdalint size</h1>
{summary}
<h2>Unzipped bytes: function &rarr; artifact &rarr; package</h2>
<div id="treemap" role="img" aria-label="treemap of the unzipped bytes"><noscript>The treemap needs JavaScript; the numbers are in the tables above.</noscript></div>
<p class="muted">Area is proportional to unzipped bytes. Hover over a rectangle for its exact size. 1 MB = 1,048,576 bytes.</p>
<script type="application/json" id="lambdalint-size-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""

SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("lambdalint-size-data").textContent);
  var box = document.getElementById("treemap");
  var MB = 1048576;

  function human(bytes) {
    if (bytes >= MB / 10) { return (bytes / MB).toFixed(1) + " MB"; }
    if (bytes >= 1024) { return (bytes / 1024).toFixed(1) + " kB"; }
    return bytes + " B";
  }
  // One colour per distribution (or package without one), in order of size, from a palette of
  // light colours that keep dark labels readable.
  var PALETTE = ["#9ecae1", "#fdae6b", "#a1d99b", "#bcbddc", "#fc9272", "#c7e9c0", "#fdd0a2",
                 "#dadaeb", "#9edae5", "#f7b6d2", "#dbdb8d", "#c49c94", "#c6dbef", "#d9d9d9"];
  var colours = {};
  function colour(key) {
    if (!Object.prototype.hasOwnProperty.call(colours, key)) {
      colours[key] = PALETTE[Object.keys(colours).length % PALETTE.length];
    }
    return colours[key];
  }
  function sum(nodes) {
    var total = 0;
    for (var i = 0; i < nodes.length; i++) { total += nodes[i].area; }
    return total;
  }
  function worst(row, side) {
    var s = sum(row), max = 0, min = Infinity;
    for (var i = 0; i < row.length; i++) { max = Math.max(max, row[i].area); min = Math.min(min, row[i].area); }
    return Math.max(side * side * max / (s * s), s * s / (side * side * min));
  }
  // Squarified treemap (Bruls, Huizing, van Wijk): items sorted by value, largest first.
  function squarify(items, x, y, w, h) {
    var out = [], total = 0, i;
    for (i = 0; i < items.length; i++) { total += items[i].value; }
    if (total <= 0 || w <= 0 || h <= 0) { return out; }
    var nodes = items.map(function (item) { return {item: item, area: item.value * w * h / total}; });
    while (nodes.length) {
      var side = Math.min(w, h), row = [nodes[0]], n = 1;
      while (n < nodes.length && worst(row.concat([nodes[n]]), side) <= worst(row, side)) { row.push(nodes[n]); n++; }
      nodes = nodes.slice(n);
      var area = sum(row), offset = 0, thick;
      if (w >= h) {
        thick = nodes.length ? area / h : w;
        for (i = 0; i < row.length; i++) {
          var rh = row[i].area / thick;
          out.push({item: row[i].item, x: x, y: y + offset, w: thick, h: rh});
          offset += rh;
        }
        x += thick; w -= thick;
      } else {
        thick = nodes.length ? area / w : h;
        for (i = 0; i < row.length; i++) {
          var rw = row[i].area / thick;
          out.push({item: row[i].item, x: x + offset, y: y, w: rw, h: thick});
          offset += rw;
        }
        y += thick; h -= thick;
      }
    }
    return out;
  }
  var width = 1, height = 1;
  function pct(value, whole) { return (100 * value / whole).toFixed(3) + "%"; }
  // Positions in percent of the map: the map keeps its layout when the page's width changes.
  function rect(kind, r, text, title) {
    var el = document.createElement("div");
    el.className = "tm tm-" + kind + (text ? " lab" : "");
    el.style.left = pct(r.x, width);
    el.style.top = pct(r.y, height);
    el.style.width = pct(Math.max(r.w, 0), width);
    el.style.height = pct(Math.max(r.h, 0), height);
    el.title = title;
    if (text) { el.textContent = text; }
    box.appendChild(el);
    return el;
  }
  function byValue(a, b) { return b.value - a.value || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0); }
  function tree() {
    return data.functions.map(function (fn) {
      var artifacts = fn.artifacts.filter(function (a) { return a.available && a.unzipped_bytes > 0; });
      return {name: fn["function"], value: fn.unzipped_bytes, fn: fn, children: artifacts.map(function (a) {
        return {name: a.name, value: a.unzipped_bytes, artifact: a, children: a.packages.filter(function (p) {
          return p.bytes > 0;
        }).map(function (p) { return {name: p.name, value: p.bytes, pkg: p}; }).sort(byValue)};
      }).sort(byValue)};
    }).filter(function (f) { return f.value > 0; }).sort(byValue);
  }
  var HEADER = 18, PAD = 2;
  function inner(r, header) {
    var top = r.h > 3 * header ? header : 0;
    return {x: r.x + PAD, y: r.y + top + (top ? 0 : PAD), w: r.w - 2 * PAD, h: r.h - top - PAD - (top ? 0 : PAD)};
  }
  function draw() {
    box.textContent = "";
    var functions = tree();
    if (!functions.length) {
      var empty = document.createElement("p");
      empty.className = "muted";
      empty.style.margin = "12px";
      empty.textContent = "Nothing to draw: no artifact is available locally.";
      box.appendChild(empty);
      return;
    }
    // As tall as what is left of the window (so that the whole map shows), within bounds.
    var room = window.innerHeight - box.getBoundingClientRect().top - window.scrollY - 56;
    box.style.height = Math.round(Math.min(Math.max(room, 380), 800)) + "px";
    width = box.clientWidth || 1;
    height = box.clientHeight || 1;
    squarify(functions, 0, 0, width, height).forEach(function (f) {
      var fn = f.item.fn, pct = (100 * fn.unzipped_bytes / fn.unzipped_limit).toFixed(1);
      var fnText = fn["function"] + "  " + human(fn.unzipped_bytes) + " (" + pct + "% of the limit)";
      rect("fn", f, f.h > 3 * HEADER ? fnText : "", fnText);
      squarify(f.item.children, inner(f, HEADER).x, inner(f, HEADER).y, inner(f, HEADER).w, inner(f, HEADER).h).forEach(function (a) {
        var artifact = a.item.artifact;
        var artText = (artifact.kind === "code" ? "code " + (artifact.path || "") : "layer " + artifact.name) +
          "  " + human(artifact.unzipped_bytes);
        rect("art", a, a.h > 3 * (HEADER - 2) ? artText : "", artText + "\n" + (artifact.path || ""));
        var area = inner(a, HEADER - 2);
        squarify(a.item.children, area.x, area.y, area.w, area.h).forEach(function (p) {
          var pkg = p.item.pkg;
          var dist = pkg.distribution ? pkg.distribution + " " + (pkg.version || "") : "";
          var name = pkg.name + (dist && pkg.distribution !== pkg.name ? " (" + dist.trim() + ")" : "");
          var title = name + (dist && pkg.distribution === pkg.name ? " " + pkg.version : "") + "\n" +
            human(pkg.bytes) + " (" + pkg.bytes.toLocaleString("en-US") + " bytes, " +
            (100 * pkg.bytes / artifact.unzipped_bytes).toFixed(1) + "% of " + artifact.name + ")";
          var labelled = p.w > 36 && p.h > 14;
          var el = rect("pkg", p, "", title);
          el.style.background = colour(pkg.distribution ? "d:" + pkg.distribution : "p:" + pkg.name);
          if (labelled) {
            el.className += " lab";
            el.appendChild(document.createTextNode(pkg.name));
            if (p.h > 30) {
              var size = document.createElement("span");
              size.className = "size";
              size.textContent = human(pkg.bytes);
              el.appendChild(size);
            }
          }
        });
      });
    });
  }
  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(draw, 100);
  });
  draw();
})();
"""


def render_html(functions: List[dict]) -> str:
    script = SCRIPT
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    names = [fn["function"] for fn in functions]
    title = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "") or "nothing found"
    return TEMPLATE.format(
        script_hash=f"sha256-{digest}", version=_e(__version__), title=_e(title),
        summary=_summary(functions), data=embed_json({"functions": functions}), script=script)


def embed_json(value) -> str:
    """JSON that cannot end its `<script>` element nor open a comment: `<`, `>`, `&` escaped."""
    text = json.dumps(value, sort_keys=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _mb(size: int) -> str:
    if size >= 1024 * 1024 / 10 or size == 0:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} kB"
    return f"{size} B"


def _summary(functions: List[dict]) -> str:
    if not functions:
        return '<p class="muted">No function or layer found.</p>'
    return "\n".join(_function_card(fn) for fn in functions)


def _function_card(fn: dict) -> str:
    limits = (_limit("zipped", fn["zipped_bytes"], fn["zipped_limit"], no_zip_reason(fn))
              + _limit("unzipped", fn["unzipped_bytes"], fn["unzipped_limit"], "-"))
    return (f'<section class="fn"><h2>{_e(fn["function"])}<span class="runtime">{_e(fn["runtime"])}</span></h2>\n'
            f'<div class="cols"><div>{limits}{_artifacts(fn)}</div>'
            f'<div>{_bloat(fn)}{_largest(fn)}</div></div></section>')


def _limit(what: str, size: Optional[int], limit: int, missing: str) -> str:
    if size is None:
        return (f'<div class="limit"><span class="what">{what}</span>'
                f'<span class="val muted">{_e(missing)}</span></div>')
    share = 100 * size / limit
    state = "over" if size > limit else "warn" if share >= 80 else ""
    note = " &mdash; over the limit" if size > limit else ""
    return (f'<div class="limit"><span class="what">{what}</span>'
            f'<div class="bar" title="{share:.1f}% of {limit:,} bytes"><div class="fill {state}" '
            f'style="width: {min(share, 100):.2f}%"></div></div>'
            f'<span class="val {state}">{_mb(size)} of {_mb(limit)} ({share:.1f}%){note}</span></div>')


def _artifacts(fn: dict) -> str:
    rows = ['<tr><th>artifact</th><th>kind</th><th>path</th><th class="num">zipped</th>'
            '<th class="num">unzipped</th></tr>']
    for artifact in fn["artifacts"]:
        if artifact["available"]:
            zipped = _mb(artifact["zipped_bytes"]) if artifact["zipped_bytes"] is not None else "&ndash;"
            rows.append(f'<tr><td class="name">{_e(artifact["name"])}</td><td>{artifact["kind"]}</td>'
                        f'<td class="path">{_e(artifact["path"])}</td><td class="num">{zipped}</td>'
                        f'<td class="num">{_mb(artifact["unzipped_bytes"])}</td></tr>')
        else:
            rows.append(f'<tr><td class="name">{_e(artifact["name"])}</td><td>{artifact["kind"]}</td>'
                        f'<td class="na" colspan="3">not available locally (not counted)</td></tr>')
    return f'<table>{"".join(rows)}</table>'


def _bloat(fn: dict) -> str:
    totals = bloat_totals(fn)
    removable = removable_bytes(fn)
    if not removable:
        return '<div class="muted">Removable content: none found.</div>'
    unzipped = fn["unzipped_bytes"] or 1
    ordered = sorted(totals.items(), key=lambda item: (-item[1][0], item[0]))
    segments, items = [], []
    for i, (category, (size, files)) in enumerate(ordered):
        colour = BLOAT_COLOURS[i % len(BLOAT_COLOURS)]
        segments.append(f'<span style="width: {100 * size / unzipped:.2f}%; background: {colour}" '
                        f'title="{_e(category)}: {_mb(size)}"></span>')
        items.append(f'<tr><td><span class="swatch" style="background: {colour}"></span>{_e(category)}</td>'
                     f'<td class="num">{_mb(size)}</td><td class="num">{files:,} files</td></tr>')
    return (f'<div><b>Removable: {_mb(removable)}</b> ({100 * removable / unzipped:.1f}% of the unzipped size)'
            f'<div class="stack" title="removable share of the unzipped size">{"".join(segments)}</div>'
            f'<table>{"".join(items)}</table></div>')


def _largest(fn: dict) -> str:
    rows = []
    for package in largest_packages(fn):
        dist = f'{package["distribution"]} {package["version"] or ""}'.strip() if package["distribution"] else ""
        rows.append(f'<tr><td class="name">{_e(package["name"])}</td><td class="path">{_e(dist)}</td>'
                    f'<td class="path">{_e(package["artifact"])}</td>'
                    f'<td class="num">{_mb(package["bytes"])}</td></tr>')
    if not rows:
        return ""
    return ('<table><tr><th>largest packages</th><th>distribution</th><th>artifact</th>'
            f'<th class="num">unzipped</th></tr>{"".join(rows)}</table>')
