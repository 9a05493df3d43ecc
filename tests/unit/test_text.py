"""ui.text.md: user text reaching Markdown is literal; ordinary French text keeps its raw form."""

from __future__ import annotations

import pytest

from ui.text import md, url_query

J = "\u2060"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Source : INSEE, populations légales 2023", "Source : INSEE, populations légales 2023"),
        (
            "CTG – Thizy-les-Bourgs (l'Île) ; 50 % & co",
            "CTG – Thizy-les-Bourgs (l'Île) ; 50 % & co",
        ),
        ("bpe_2023.csv", "bpe_2023.csv"),
        ("![p](http://h/b.png)", rf"!\[p\](http:{J}//h/b.png)"),
        ("[lien](https://h)", rf"\[lien\](https:{J}//h)"),
        ("$\\LaTeX$", r"\$\\LaTeX\$"),
        (":red[rouge] :smile:", f":{J}red\\[rouge\\] :{J}smile:"),
        ("<img src=x>", r"\<img src=x\>"),
        ("**gras** _it_ `code` ~~barré~~", r"\*\*gras\*\* \_it\_ \`code\` \~\~barré\~\~"),
        ("www.exemple.fr a@b.fr", f"w{J}ww.exemple.fr a@{J}b.fr"),
        ("# titre", r"\# titre"),
        ("- item", r"\- item"),
        ("12. x", r"12\. x"),
        ("deux\nlignes\n# titre", "deux lignes # titre"),
        ("35\u202f417 habitants, 12,5\u202f%", "35\u202f417 habitants, 12,5\u202f%"),
    ],
)
def test_md(text, expected):
    assert md(text) == expected


def test_url_query_encodes_every_value():
    assert url_query({"ctg": "CTG)](http://h/x.png", "diapo": 1}) == (
        "ctg=CTG%29%5D%28http%3A%2F%2Fh%2Fx.png&diapo=1"
    )
