"""What makes ``merge`` (and any render) start fast, and proof that it changes nothing.

* compiled catalogs are remembered in the check cache (:func:`outreach.translations.
  load_locale`): a warm renderer renders exactly what a cold one does, recalls refusals,
  notices an edited ``.po``, and ignores a stored value that is not one;
* a locale's text direction needs no cache: it comes from the locale's script, without
  Babel's locale data (:func:`outreach.locales.text_direction`);
* every locale's environment shares one compiled template (:mod:`outreach.render`);
* the button's width takes a short cut below U+0300 that gives what ``regex``'s graphemes
  give, and real labels have the widths written out;
* ``Seen`` finds duplicates across its batches.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import edit_po, po_path
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.cache import CheckCache
from outreach.campaign import load_campaign
from outreach.render import Renderer
from outreach.translations import COMPILED

LOCALES = ("en", "es", "fr", "pt")


def _cache(root: Path) -> CheckCache:
    return CheckCache.open(None, os.path.realpath(root))


def _emails(root: Path, cache: CheckCache | None) -> dict[str, Any]:
    renderer = Renderer(load_campaign(root), cache=cache)
    found = {}
    for locale in LOCALES:
        mail = renderer.render_email("share", locale)
        found[locale] = (mail.subject, mail.preheader, mail.text, mail.html, mail.refused)
    if cache is not None:
        cache.save()
    return found


def _no_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    import outreach.translations

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a catalog was checked again")

    monkeypatch.setattr(outreach.translations, "compile_checked", refuse)


def test_a_warm_renderer_renders_what_a_cold_one_does(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uncached = _emails(example, None)
    cold = _emails(example, _cache(example))
    stored = _cache(example).path(COMPILED)
    assert stored is not None and stored.exists()
    _no_checks(monkeypatch)
    warm = _emails(example, _cache(example))
    assert uncached == cold == warm


def test_refusals_are_recalled_and_an_edit_is_noticed(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    es = po_path(example, "es")
    edit_po(es, {"Watch the film": "Mira la película en https://evil.com/"})
    cold = _emails(example, _cache(example))
    assert any(f.check == "urls" for f in cold["es"][4])  # refused, so the source text
    with monkeypatch.context() as patch:
        _no_checks(patch)
        assert _emails(example, _cache(example)) == cold
    edit_po(es, {"Watch the film": "Mira la película"})
    edited = _emails(example, _cache(example))
    assert edited["es"][4] == ()
    assert "Mira la película" in edited["es"][3]  # the button


def test_a_stored_value_that_is_not_a_compiled_catalog_is_ignored(example: Path) -> None:
    expected = _emails(example, _cache(example))
    stored = _cache(example).path(COMPILED)
    assert stored is not None
    document = json.loads(stored.read_text(encoding="utf-8"))
    bad = [
        {"mo": "not base64!", "refused": []},
        {"mo": "", "refused": [{"line": "1"}]},
        {
            "mo": "",
            "refused": [
                {
                    **dict.fromkeys(("locale", "file", "check", "message"), "x"),
                    "msgid": None,
                    "msgctxt": None,
                    "line": 1,
                    "severity": "warning",
                }
            ],
        },
        ["a list"],
    ]
    for index, key in enumerate(sorted(document["values"])):
        document["values"][key] = bad[index % len(bad)]
    stored.write_text(json.dumps(document), encoding="utf-8")
    assert _emails(example, _cache(example)) == expected


FILM = "El amor siempre gana. Mira el corto."


def _hijacked(mo: bytes) -> bytes:
    """``mo`` with the Spanish email's first line as a phishing line of the same length
    (offsets unchanged: still a valid catalog)."""
    original = FILM.encode("utf-8")
    forged = b"Bloqueada: https://evil.com/r"
    forged = forged.ljust(len(original), b".")
    assert original in mo and len(forged) == len(original)
    return mo.replace(original, forged)


def test_a_rewritten_compiled_catalog_is_ignored_and_rebuilt(example: Path) -> None:
    """Issue 18 item 8: whoever can write the cache directory (not read its secret) edits a
    stored .mo; the MAC beside it no longer matches, so rendering gives the .po's text, and
    the value is computed again and overwritten."""
    import base64

    expected = _emails(example, _cache(example))
    assert FILM in expected["es"][2]
    stored = _cache(example).path(COMPILED)
    assert stored is not None
    document = json.loads(stored.read_text(encoding="utf-8"))
    assert document["schema"] == 5
    forged_keys = []
    for key, (mac, text) in document["values"].items():
        value = json.loads(text)
        mo = base64.b64decode(value["mo"])
        if FILM.encode("utf-8") in mo:
            value["mo"] = base64.b64encode(_hijacked(mo)).decode("ascii")
            document["values"][key] = [mac, json.dumps(value)]  # the genuine catalog's MAC
            forged_keys.append(key)
    assert forged_keys
    stored.write_text(json.dumps(document), encoding="utf-8")
    rendered = _emails(example, _cache(example))
    assert rendered == expected
    assert "evil.com" not in json.dumps(rendered, default=str)
    rewritten = json.loads(stored.read_text(encoding="utf-8"))["values"]
    for key in forged_keys:  # rebuilt from the .po, and sealed again
        mac, text = rewritten[key]
        assert FILM.encode("utf-8") in base64.b64decode(json.loads(text)["mo"])
        assert mac == _cache(example).seal(COMPILED, key, text)
    # The control: with the secret, the same forgery is what rendering would use.
    cache = _cache(example)
    for key in forged_keys:
        value = cache.get(COMPILED, key)
        value["mo"] = base64.b64encode(_hijacked(base64.b64decode(value["mo"]))).decode()
        cache.put(COMPILED, key, value)
    cache.save()
    assert "evil.com" in _emails(example, _cache(example))["es"][2]


PLANTED = [
    "secret mode 0644",
    pytest.param(
        "secret of another user",
        marks=pytest.mark.skipif(
            not hasattr(os, "geteuid") or os.geteuid() != 0, reason="os.chown: root only"
        ),
    ),
]


@pytest.mark.parametrize("how", PLANTED)
def test_a_catalog_sealed_under_a_planted_secret_is_never_used(example: Path, how: str) -> None:
    """Hostile cache directory (a), the attack as demonstrated: whoever can write the cache
    directory swaps the secret for one they know and seals a hijacked .mo under it. A
    secret that is not a 0600 file of this user's is never believed: the cache is not used,
    and rendering gives the .po's text."""
    import base64

    expected = _emails(example, _cache(example))
    base = _cache(example).base
    assert base is not None
    secret = base.parent / "secret"
    secret.unlink()
    secret.write_bytes(b"known to whoever wrote it".ljust(32, b"."))
    os.chmod(secret, 0o600)  # for now: the attacker's values are made as this user's would be
    _emails(example, _cache(example))
    forger = CheckCache(base, secret.read_bytes())
    stored = forger.path(COMPILED)
    assert stored is not None
    hijacked = 0
    for key in json.loads(stored.read_text(encoding="utf-8"))["values"]:
        value = forger.get(COMPILED, key)  # None: one sealed under the genuine secret
        mo = base64.b64decode(value["mo"]) if value is not None else b""
        if FILM.encode("utf-8") in mo:
            value["mo"] = base64.b64encode(_hijacked(mo)).decode("ascii")
            forger.put(COMPILED, key, value)
            hijacked += 1
    assert hijacked
    forger.save()
    assert "evil.com" in _emails(example, _cache(example))["es"][2]  # the attack, as was
    if how == "secret mode 0644":
        os.chmod(secret, 0o644)
    else:
        os.chown(secret, 4242, 4242)
    assert not _cache(example).enabled
    rendered = _emails(example, _cache(example))
    assert rendered == expected
    assert "evil.com" not in json.dumps(rendered, default=str)


def test_text_direction_reads_no_locale_data(monkeypatch: pytest.MonkeyPatch) -> None:
    import babel.localedata

    from outreach.locales import text_direction

    def refuse(name: str, merge_inherited: bool = True) -> None:
        raise AssertionError("Babel loaded a locale's data")

    text_direction.cache_clear()
    monkeypatch.setattr(babel.localedata, "load", refuse)
    assert [text_direction(loc) for loc in ("ar", "he", "fa", "pt_BR")] == [
        "rtl",
        "rtl",
        "rtl",
        "ltr",
    ]
    assert [text_direction(loc) for loc in ("ar", "pt_BR")] == ["rtl", "ltr"]


def test_every_locale_shares_one_compiled_template(example: Path) -> None:
    from jinja2 import Environment

    renderer = Renderer(load_campaign(example))
    compiled = []
    original = Environment.compile

    def counting(self: Environment, source: str, *args: Any, **kwargs: Any) -> Any:
        compiled.append(args[0] if args else kwargs.get("name"))
        return original(self, source, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Environment, "compile", counting)
        for locale in LOCALES:
            renderer.render_email("share", locale)
    # each template once for HTML and once for text, however many locales
    assert max(compiled.count(name) for name in compiled) <= 2


@given(st.text(st.characters(max_codepoint=0x2FF, blacklist_characters="<&"), max_size=40))
@settings(max_examples=400)
def test_the_button_width_short_cut_is_what_regex_gives(label: str) -> None:
    """Below U+0300 no character is wide: 10 px for each grapheme as ``regex`` splits them."""
    import regex  # type: ignore[import-untyped]

    from outreach.emailhtml import _label_width

    assert _label_width(label) == 10 * len(regex.findall(r"\X", label))


@pytest.mark.parametrize(
    ("label", "width"),
    [
        ("Watch the film", 14 * 10),
        ("Mirá la película", 16 * 10),  # precomposed letters: the short cut
        ("映画を見る", 5 * 16),  # wide (CJK)
        ("e\u0301", 10),  # a combining accent: one grapheme
        ("映e\u0301", 16 + 10),
        ("한국어 ok", 3 * 16 + 3 * 10),
        ("Ｆｉｒｍａ", 5 * 16),  # full-width Latin
        ("a\r\nb", 3 * 10),  # CR LF is one grapheme
        ("<b>Firma</b> &amp; ya", 10 * 10),  # the text of the markup: "Firma & ya"
        ("", 0),
    ],
)
def test_the_button_width_of_real_labels(label: str, width: int) -> None:
    """10 px a grapheme, 16 px a wide one."""
    from outreach.emailhtml import _label_width

    assert _label_width(label) == width


def test_seen_finds_duplicates_across_its_batches() -> None:
    from outreach.merge.journal import Seen

    seen = Seen()
    try:
        states = [seen.see(f"p{i}@example.net", i + 2, "en")[0] for i in range(10_000)]
        assert set(states) == {"pending"}
        assert seen.see("p17@example.net", 10_002, "en") == ("duplicate", 19)
        assert seen.see("p9999@example.net", 10_003, "en") == ("duplicate", 10_001)
        assert seen.see("p10000@example.net", 10_004, "en") == ("pending", None)
    finally:
        seen.close()


def test_the_locale_filters_are_never_folded_into_the_shared_code(example: Path) -> None:
    from babel.dates import format_date
    from babel.numbers import format_decimal

    share = example / "messages" / "share.j2"
    literal = '{{ 1234567.5|number }} {{ "2014-02-06"|date("long") }}'
    text = share.read_text(encoding="utf-8")
    text = text.replace("{% block text %}", "{% block text %}" + literal + "\n", 1)
    share.write_text(text.replace("{% block body %}", "{% block body %}" + literal, 1))
    renderer = Renderer(load_campaign(example))
    for locale in ("en", "es", "fr", "pt"):
        mail = renderer.render_email("share", locale)
        number = format_decimal(1234567.5, locale=locale)
        day = format_date(__import__("datetime").date(2014, 2, 6), "long", locale=locale)
        assert f"{number} {day}" in mail.text, locale
        assert f"{number} {day}" in mail.html, locale


def test_a_new_release_of_a_dependency_changes_the_code_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    import sys

    import outreach.cache as cache

    site = tmp_path / "site"
    (site / "fakedep").mkdir(parents=True)
    (site / "fakedep" / "__init__.py").write_text("", encoding="utf-8")
    (site / "fakedep-1.0.dist-info").mkdir()
    monkeypatch.setattr(sys, "path", [str(site), *sys.path])
    monkeypatch.setattr(cache, "_DEPENDENCIES", (*cache._DEPENDENCIES, "fakedep"))
    request.addfinalizer(cache._code_digest.cache_clear)
    cache._code_digest.cache_clear()
    before = cache._code_digest()
    (site / "fakedep-1.0.dist-info").rename(site / "fakedep-1.1.dist-info")
    cache._code_digest.cache_clear()
    assert cache._code_digest() != before


def test_the_fingerprint_is_of_campaign_toml_as_it_was_read(example: Path) -> None:
    from outreach.cache import check_fingerprint

    campaign = load_campaign(example)
    before = check_fingerprint(campaign)
    config = example / "messages" / "campaign.toml"
    config.write_text(config.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert check_fingerprint(campaign) == before  # the settings in hand are the old ones
    assert check_fingerprint(load_campaign(example)) != before
