"""Property: any catalog survives write -> read, writes the same bytes twice, and merging it
with a template of its own ids loses no translation."""

from __future__ import annotations

from typing import Any

from babel.messages.catalog import Catalog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach.catalogs import merge_catalog
from outreach.pofile import iter_messages, message_forms, read_catalog, write_catalog

# Any character but NUL, EOT (gettext's separators, refused in a .po) and surrogates, with
# the ones PO files must escape made likely.
_SPECIAL = ['"', "\\", "\n", "\t", "\r", " ", "%", "#", "\u2028", "\x85", "\x0c", "é", "😀", "ß"]
_CHARS = st.one_of(
    st.sampled_from(_SPECIAL),
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\x04"),
)
_WORD = st.text(_CHARS, min_size=1, max_size=12)
_LONG = st.lists(_WORD, min_size=8, max_size=30).map(" ".join)  # long enough to wrap
TEXT = st.one_of(st.text(_CHARS, max_size=40), _LONG)
NON_EMPTY = TEXT.filter(bool)

# A translator comment is one line: PO comments are wrapped like prose, so they are made
# of words with single spaces.
_COMMENT_WORD = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=10
)
COMMENT = st.lists(_COMMENT_WORD, min_size=1, max_size=6).map(" ".join)
FLAGS = st.sets(
    st.one_of(
        st.sampled_from(["python-format", "no-python-format", "fuzzy", "ignore-urls"]),
        st.integers(1, 500).map(lambda n: f"max-length:{n}"),
    ),
    max_size=3,
)
LOCALES = {"es": 2, "ru": 3, "ar": 6, "ja": 1, "fr": 2}


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    locale = draw(st.sampled_from(sorted(LOCALES)))
    catalog = Catalog(locale=locale, project="Prop", version="1.0", fuzzy=False)
    nplurals = LOCALES[locale]
    seen: set[tuple[str, str | None]] = set()
    for _ in range(draw(st.integers(0, 12))):
        msgid = draw(NON_EMPTY)
        context = draw(st.one_of(st.none(), NON_EMPTY))
        if (msgid, context) in seen:
            continue
        seen.add((msgid, context))
        if draw(st.booleans()) and draw(st.booleans()):  # about a quarter are plurals
            ids: Any = (msgid, draw(NON_EMPTY))
            string: Any = tuple(draw(TEXT) for _ in range(nplurals))
        else:
            ids = msgid
            string = draw(TEXT)
        flags = draw(FLAGS)
        previous = None
        if "fuzzy" in flags and draw(st.booleans()):
            previous = [draw(NON_EMPTY)] + ([draw(NON_EMPTY)] if isinstance(ids, tuple) else [])
        catalog.add(
            ids,
            string,
            locations=[("messages/share.j2", draw(st.integers(1, 999)))],
            flags=flags,
            user_comments=draw(st.lists(COMMENT, max_size=2)),
            context=context,
            previous_id=previous,
        )
    for index in range(draw(st.integers(0, 2))):
        msgid = f"obsolete {index}: " + draw(NON_EMPTY)
        obsolete = catalog.add(msgid, draw(TEXT))
        catalog.delete(msgid)
        catalog.obsolete[msgid] = obsolete
    return catalog


def _view(catalog: Catalog) -> list[tuple[Any, ...]]:
    return [
        (
            m.context,
            m.id,
            tuple(message_forms(m)),
            frozenset(m.flags),
            tuple(m.user_comments),
            tuple(m.previous_id or ()),
            tuple(m.locations),
        )
        for m in iter_messages(catalog)
    ]


def _obsolete_view(catalog: Catalog) -> list[tuple[Any, ...]]:
    return [(m.context, m.id, tuple(message_forms(m))) for m in catalog.obsolete.values()]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs())
def test_write_read_round_trip(catalog: Catalog) -> None:
    data = write_catalog(catalog)
    again = read_catalog(data, path="prop.po")
    assert _view(again) == _view(catalog)
    assert _obsolete_view(again) == _obsolete_view(catalog)
    assert again.num_plurals == catalog.num_plurals
    # a second write of what was read is byte-identical
    assert write_catalog(again) == data
    assert write_catalog(read_catalog(write_catalog(again), path="prop.po")) == data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs())
def test_merge_with_its_own_template_loses_nothing(catalog: Catalog) -> None:
    current = read_catalog(write_catalog(catalog), path="prop.po")
    template = Catalog(fuzzy=True)
    for message in iter_messages(current):
        template.add(
            message.id,
            None,
            locations=message.locations,
            context=message.context,
            flags=message.flags - {"fuzzy"},
        )
    merged, counts = merge_catalog(current, template)
    assert counts["obsolete"] == 0
    for message in iter_messages(current):
        now = merged.get(
            message.id if isinstance(message.id, str) else message.id[0], context=message.context
        )
        assert now is not None, message.id
        assert message_forms(now) == message_forms(message)
        assert now.fuzzy == message.fuzzy
        assert now.user_comments == message.user_comments
        assert now.flags >= message.flags
    for key, message in current.obsolete.items():
        if any(message_forms(message)):
            assert merged.obsolete[key].string == message.string
    # and writing the merge, reading it back and merging again changes nothing
    data = write_catalog(merged)
    again, _ = merge_catalog(read_catalog(data, path="prop.po"), template)
    assert write_catalog(again) == data
