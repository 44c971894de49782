"""The demo's static front end: a hashed JS bundle and stylesheet, the bundle's source map, and gzip.

Real enough for the http.* probes: the home page references the hashed files (so golive discovers
them), the bundle ends with a ``sourceMappingURL`` comment (the map itself is served only under the
``source_maps_served`` flaw), and text answers are gzip-compressed when the client accepts it.
"""

from __future__ import annotations

import gzip
import json

JS_PATH = "/static/app.3f9c2b1e.js"
CSS_PATH = "/static/app.5d2a7c4e.css"
MAP_PATH = JS_PATH + ".map"
COMPRESS_MIN = 256
"""Bytes below which a body is sent as is (gzip would not pay for its header)."""
_TEXT = ("text/", "application/javascript", "application/json", "image/svg+xml")

_HANDLERS = "\n".join(
    f"""  function on{name}(event) {{
    var target = event.target;
    if (!target || !target.dataset) {{ return; }}
    state.{key} = (state.{key} || 0) + 1;
    render(root, state);
  }}
  document.addEventListener("{event}", on{name});"""
    for name, key, event in (("Click", "clicks", "click"), ("Input", "inputs", "input"),
                             ("Focus", "focus", "focusin"), ("Blur", "blurs", "focusout"),
                             ("Key", "keys", "keydown"), ("Scroll", "scrolls", "scroll"))
)

APP_JS = f"""/* golive demo chat front end (bundled) */
(function () {{
  "use strict";
  var root = document.getElementById("chat");
  var state = {{ messages: [], clicks: 0 }};
  function render(node, data) {{
    if (!node) {{ return; }}
    node.setAttribute("data-messages", String(data.messages.length));
  }}
{_HANDLERS}
  render(root, state);
}}());
//# sourceMappingURL=app.3f9c2b1e.js.map
"""

APP_CSS = "\n".join(
    f".chat-{name} {{ margin: {i}px; padding: {i * 2}px; color: #{i:02x}{i:02x}{i:02x}; "
    f"font-family: system-ui, sans-serif; }}"
    for i, name in enumerate(("root", "header", "body", "message", "author", "time", "input", "send",
                              "footer", "error", "notice", "avatar", "list", "item", "badge", "link"), start=1)
) + "\n"

SOURCE_MAP = json.dumps({
    "version": 3, "file": "app.3f9c2b1e.js", "sources": ["src/chat/app.ts", "src/chat/render.ts"],
    "sourcesContent": ["// internal: talks to /api/chat with the session token\nexport function start() {}\n",
                       "export function render() {}\n"],
    "names": ["start", "render"], "mappings": "AAAA,SAASA,KAAK;AACd,SAASC",
})


def compressed(body: bytes, content_type: str | None, accept_encoding: str | None) -> bytes | None:
    """The gzip body when the type is text, the body big enough and the client accepts gzip."""
    if not content_type or not content_type.startswith(_TEXT) or len(body) < COMPRESS_MIN:
        return None
    accepted = {part.split(";", 1)[0].strip().lower() for part in (accept_encoding or "").split(",")}
    if "gzip" not in accepted:
        return None
    return gzip.compress(body, compresslevel=5, mtime=0)
