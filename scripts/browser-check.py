"""Checks what headless chromium left of a page (scripts/browser-test.sh).

    browser-check.py dashboard DOM.html CONSOLE.log
    browser-check.py chart DOM.html CONSOLE.log
    browser-check.py png SCREENSHOT.png

A dashboard must be `data-state="ready"` with 4 charts, no errors of its
own, and every chart box must hold an SVG with content; a chart page must be
`data-chart="drawn"` with an SVG with content; neither may log a console
error. A screenshot must have many pixels that are not the page background.
"""

import struct
import sys
import zlib
from html.parser import HTMLParser


class Charts(HTMLParser):
    """Counts the SVG paths inside each chart box (`div.chart` or `#chart`)."""

    def __init__(self):
        super().__init__()
        self.stack = []
        self.paths = {}
        self.attrs = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("html", "body"):
            self.attrs[tag] = attrs
        box = None
        if tag == "div" and (attrs.get("id") == "chart" or "data-chart" in attrs):
            box = attrs.get("data-chart") or "chart"
            self.paths.setdefault(box, 0)
        inside = next((b for b in reversed(self.stack) if b), None)
        if inside and tag == "path":
            self.paths[inside] += 1
        if tag not in ("path", "rect", "circle", "line", "polyline", "polygon", "br", "input", "meta", "link", "img"):
            self.stack.append(box)

    def handle_endtag(self, tag):
        if tag not in ("path", "rect", "circle", "line", "polyline", "polygon", "br", "input", "meta", "link", "img") and self.stack:
            self.stack.pop()


def console_errors(path):
    bad = []
    for line in open(path, errors="replace"):
        # Chromium logs every console message at INFO, whatever its level:
        # the pages log nothing, so any message is a problem.
        if ":CONSOLE" in line:
            bad.append(line.strip())
        elif "Refused to" in line or "Content Security Policy" in line:
            bad.append(line.strip())
    return bad


def check_page(kind, dom_path, console_path):
    dom = open(dom_path, errors="replace").read()
    parser = Charts()
    parser.feed(dom)
    problems = []
    if kind == "dashboard":
        body = parser.attrs.get("body", {})
        if body.get("data-state") != "ready":
            problems.append(f"state {body.get('data-state')!r}, errors {body.get('data-errors')!r}")
        if body.get("data-errors"):
            problems.append(f"page errors: {body['data-errors']}")
        if body.get("data-charts") != "4":
            problems.append(f"{body.get('data-charts')!r} charts drawn")
    else:
        if parser.attrs.get("html", {}).get("data-chart") != "drawn":
            problems.append("the chart page did not draw")
    if not parser.paths:
        problems.append("no chart box in the page")
    for box, paths in parser.paths.items():
        if paths < 3:
            problems.append(f"chart {box}: {paths} SVG paths")
    problems += [f"console: {line}" for line in console_errors(console_path)]
    return problems


def pixels(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, color = header[0], header[1], header[2], header[3]
    if depth != 8 or color not in (2, 6):
        raise ValueError(f"unsupported PNG (depth {depth}, color {color})")
    bpp = 3 if color == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def check_png(path):
    width, height, bpp, rows = pixels(path)
    counts = {}
    for line in rows[::4]:
        for x in range(0, width * bpp, bpp * 4):
            px = bytes(line[x:x + 3])
            counts[px] = counts.get(px, 0) + 1
    total = sum(counts.values())
    background = max(counts.values())
    problems = []
    if width < 800 or height < 600:
        problems.append(f"screenshot is {width}x{height}")
    if total - background < total // 20 or len(counts) < 50:
        problems.append(f"screenshot looks blank: {len(counts)} colours, {total - background} of {total} sampled pixels off the background")
    return problems


def main():
    kind = sys.argv[1]
    problems = check_png(sys.argv[2]) if kind == "png" else check_page(kind, sys.argv[2], sys.argv[3])
    for problem in problems:
        print(f"[browser-check] {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
