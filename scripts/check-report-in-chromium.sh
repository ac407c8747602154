#!/usr/bin/env bash
# Opens an HTML report of `paramtrace report --html` in real headless Chromium and fails when
#   - the page asks for anything outside itself (scripts, stylesheets, images, fonts, frames:
#     only data: URLs and #fragments are allowed), checked in the HTML itself;
#   - the page logs anything to the console (the report has no scripts, so any console
#     message — an error, an uncaught exception, a blocked load — is a failure), read from
#     Chromium's own log (--enable-logging=stderr prints each console message as
#     "INFO:CONSOLE:<line>] "<message>", source: <url> (<line>)");
#   - the rendered DOM holds no <svg> element;
#   - the screenshot is blank or uniform (PNG decoded with python3's zlib: fewer than 16
#     distinct colors, or under 0.5% of the pixels differ from the background).
#
# Usage: scripts/check-report-in-chromium.sh REPORT.html [SCREENSHOT.png]
# Needs Debian's chromium package (apt-get install chromium) and python3.
# Exit status: 0 ok, 1 a check failed, 2 chromium or python3 missing (or bad usage).
set -u
if [ $# -lt 1 ] || [ ! -f "$1" ]; then
  echo "usage: $0 REPORT.html [SCREENSHOT.png]  (the report must exist)" >&2
  exit 2
fi
report=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "check-report-in-chromium: chromium is not installed (Debian: apt-get install chromium, as root; scripts/check-environment does it)" >&2
  exit 2
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "check-report-in-chromium: python3 is needed to check the HTML and decode the screenshot" >&2
  exit 2
fi

work=$(mktemp -d /tmp/paramtrace-chromium.XXXXXX)
trap 'rm -rf "$work"' EXIT
screenshot=${2:-$work/screenshot.png}
fail=0

# 1. Nothing outside the page.
python3 - "$report" <<'EOF' || fail=1
import sys, re
from html.parser import HTMLParser
problems = []
class Check(HTMLParser):
    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed"):
            problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "srcset", "poster", "data") and value is not None:
                if not (value.startswith("#") or value.startswith("data:")):
                    problems.append(f"<{tag} {name}=\"{value}\"> loads from outside the page")
            if name == "style" and value and re.search(r"url\((?!['\"]?(data:|#))", value):
                problems.append(f"<{tag} style> loads a url()")
            if name.startswith("on"):
                problems.append(f"<{tag} {name}> event handler (script)")
    def handle_data(self, data):
        if self.lasttag == "style" and (re.search(r"url\((?!['\"]?(data:|#))", data) or "@import" in data or "@font-face" in data):
            problems.append("<style> loads something (url(), @import or @font-face)")
text = open(sys.argv[1], encoding="utf-8").read()
Check().feed(text)
for p in problems[:20]:
    print(f"check-report-in-chromium: {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
EOF

# 2. Render: screenshot and console log; then the DOM as Chromium built it.
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1
  --no-first-run --no-default-browser-check --disable-extensions --user-data-dir="$work/profile")
timeout 180 "$browser" "${flags[@]}" --enable-logging=stderr --v=0 --window-size=1400,2400 \
  --screenshot="$screenshot" "file://$report" >"$work/out.txt" 2>"$work/log.txt"
status=$?
if [ "$status" -ne 0 ] || [ ! -s "$screenshot" ]; then
  echo "check-report-in-chromium: chromium failed (status $status) or wrote no screenshot; its log:" >&2
  tail -n 20 "$work/log.txt" >&2
  exit 1
fi
if grep -q ':CONSOLE' "$work/log.txt"; then
  echo "check-report-in-chromium: the page logged to the console:" >&2
  grep ':CONSOLE' "$work/log.txt" | sed 's/^/  /' >&2
  fail=1
fi
timeout 180 "$browser" "${flags[@]}" --dump-dom "file://$report" >"$work/dom.html" 2>/dev/null
svgs=$(grep -o '<svg' "$work/dom.html" | wc -l)
if [ "$svgs" -eq 0 ]; then
  echo "check-report-in-chromium: the rendered page has no <svg> element" >&2
  fail=1
fi

# 3. The screenshot is not blank.
python3 - "$screenshot" <<'EOF' || fail=1
import sys, zlib, struct
data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("check-report-in-chromium: the screenshot is not a PNG")
pos, chunks = 8, {}
idat = b""
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
if depth != 8 or color not in (2, 6) or interlace != 0:
    sys.exit(f"check-report-in-chromium: unexpected PNG layout (depth {depth}, color type {color}, interlace {interlace})")
channels = 3 if color == 2 else 4
stride = width * channels
raw = zlib.decompress(idat)
previous = bytearray(stride)
counts = {}
for y in range(height):
    kind = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - channels] if i >= channels else 0
        b = previous[i]
        c = previous[i - channels] if i >= channels else 0
        if kind == 1: line[i] = (line[i] + a) & 255
        elif kind == 2: line[i] = (line[i] + b) & 255
        elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, channels):
        key = bytes(line[x:x + 3])
        counts[key] = counts.get(key, 0) + 1
    previous = line
total = width * height
background = max(counts.values())
share = 1 - background / total
print(f"check-report-in-chromium: screenshot {width}x{height}, {len(counts)} distinct colors, {share * 100:.1f}% of pixels not background")
if len(counts) < 16 or share < 0.005:
    sys.exit("check-report-in-chromium: the screenshot is blank or uniform")
EOF

if [ "$fail" -ne 0 ]; then exit 1; fi
echo "check-report-in-chromium: ok ($svgs svg elements, no console messages, nothing loaded from outside the page)"
