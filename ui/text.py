"""User text shown by Streamlit: the one escaping helper for Markdown, captions and links.

Streamlit renders the text of `st.markdown`, `st.caption`, `st.subheader`, alerts, labels
and tab titles as Markdown (GitHub flavour with LaTeX `$…$`, colour directives
`:red[…]`, emoji and icon shortcodes, bare-URL autolinks). Any text that comes from data
(EAJE, CTG or zoning names, CTG ids, dataset producers, upload file names and column
headers…) goes through `md` before it reaches one of them, so it is always shown as typed
and never becomes an image (which the browser would fetch), a link, a formula or a colour.
Values put in a URL go through `url_query`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlencode

# Characters that open Markdown, HTML, LaTeX or strikethrough constructs anywhere in a line
# (links and images need « [ », so « ( ) ! » are harmless once « [ ] » are escaped). CommonMark
# lets any ASCII punctuation be escaped with a backslash; the others are left as typed, so
# ordinary text (« Source : INSEE, 2023 (fichier) ») keeps its raw form.
_ALWAYS = re.compile(r"([\\`*\[\]<>$~|{}])")
# « _ » makes emphasis only at a word boundary (« bpe_2023.csv » is plain text).
_UNDERSCORE = re.compile(r"(?<![0-9A-Za-zÀ-ÖØ-öø-ÿ])_|_(?![0-9A-Za-zÀ-ÖØ-öø-ÿ])")
# At the start of a line: headings, lists, quotes, thematic breaks, ordered lists.
_LINE_START = re.compile(r"^(?:([#+\-=>])|(\d+)([.)]))")
_BREAKS = re.compile(r"[\r\n\t\v\f\x85\u2028\u2029]+")  # not the (narrow) no-break spaces
# GFM autolinks (« http://… », « www.… », « a@b.fr ») and Streamlit's emoji, icon and colour
# shortcodes (« :smile: », « :material/home: », « :red[…] ») are found in the text *after*
# Markdown escapes are resolved, so a backslash does not stop them: an invisible word joiner
# (U+2060) inside « :// », inside « www », after « @ » and after a « : » followed by a letter
# breaks them without changing the text read.
_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?<=:)(?=//|[0-9A-Za-z])|(?i:(?<=w)(?=ww\.))|(?<=@)(?=\w)")


def md(value: object) -> str:
    """`value` as literal text inside Markdown (line breaks become spaces)."""
    text = _BREAKS.sub(" ", str(value)).strip()
    text = _ALWAYS.sub(r"\\\1", text)
    text = _UNDERSCORE.sub(r"\\_", text)
    text = _LINE_START.sub(
        lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), text
    )
    return _AUTOLINK.sub(_JOINER, text)


def url_query(params: Mapping[str, object]) -> str:
    """Query string with every value percent-encoded (`a=1&b=x%20y`)."""
    return urlencode({k: str(v) for k, v in params.items()}, safe="")
