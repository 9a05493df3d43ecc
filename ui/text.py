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

# Every ASCII punctuation character that Markdown, GFM autolinks, LaTeX or Streamlit
# directives give a meaning to; CommonMark lets any ASCII punctuation be escaped with "\".
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&@=^%\"'/;?])")
_SPACES = re.compile(r"\s+")
# Streamlit's GFM autolinks are found in the text *after* Markdown escapes are resolved
# (« http://… », « www.… », « a@b.fr » would still become links): an invisible word joiner
# (U+2060) after « : » and « @ » and inside « www » breaks them without changing the text read.
_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(\\[:@])|(?i:(?<=w)(?=ww))")


def md(value: object) -> str:
    """`value` as literal text inside Markdown (line breaks become spaces)."""
    text = _SPACES.sub(" ", str(value)).strip()
    return _AUTOLINK.sub(lambda m: (m.group(1) or "") + _JOINER, _MD_SPECIAL.sub(r"\\\1", text))


def url_query(params: Mapping[str, object]) -> str:
    """Query string with every value percent-encoded (`a=1&b=x%20y`)."""
    return urlencode({k: str(v) for k, v in params.items()}, safe="")
