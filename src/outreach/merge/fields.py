"""How a message's templates use the per-recipient fields, read from their syntax tree.

A skeleton (:mod:`outreach.merge.skeleton`) renders each locale once with a marker in
place of every field and puts each supporter's values where the markers came out. That is
exact only where the template writes a field as it is:

* ``{{ name }}`` (escaped in HTML, as Jinja would), or a field as a variable of a
  translation (``{% trans %}Dear {{ name }}{% endtrans %}``, ``_("...", name=name)``);
* ``{% if name %}`` / ``{% if not name %}``: the output depends only on whether the field
  is empty, so there is one skeleton per locale and per set of non-empty fields.

Anything else -- a filter (``name|upper``), a comparison, a field that picks a plural form,
a macro argument, a computed include -- makes the output depend on the value itself: every
email is then rendered in full, and the summary says which field and where.

>>> from jinja2 import Environment
>>> env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
>>> env.install_null_translations(newstyle=True)
>>> use = analyse_source(env, "m.j2", "{% if name %}Hi {{ name }}{% endif %} {{ city|upper }}",
...                      {"name", "city", "email"})
>>> sorted(use.plain), sorted(use.conditions), use.complex
(['name'], ['name'], {'city': 'm.j2:1: a filter, test or expression'})

The columns the ``subject`` block writes reach a header (:class:`outreach.merge.audience.
Audience` holds them to a header's rules). Only those it writes itself can be told apart: a
subject that includes a template, calls a block (``self.other()``, ``super()``) or a macro,
imports, nests a block, or shows a variable set elsewhere in the templates could show any
column, so then every column the templates write counts as the subject's:

>>> use = analyse_source(env, "m.j2", '{% block subject %}News for {% include "_subj.j2" %}'
...                      '{% endblock %}{% block body %}{{ name }} {{ city }}{% endblock %}',
...                      {"name", "city", "email"})
>>> sorted(use.subject), use.subject_via
(['city', 'name'], 'm.j2:1: the subject includes a template')
>>> use = analyse_source(env, "m.j2", '{% block subject %}{{ _("Hi %(n)s", n=name) }}'
...                      '{% endblock %}{% block body %}{{ city }}{% endblock %}',
...                      {"name", "city", "email"})
>>> sorted(use.subject), use.subject_via
(['name'], '')

A column is text, unless it overrides one of campaign.toml's ``[variables]`` that is not:
then each row's cell is read as that variable's type (:func:`column_types`,
:func:`typed_value`), so that ``{{ signatures|number }}`` and ``{% trans count=signatures %}``
get a number, as they do from campaign.toml, and a cell that is not one is that row's
problem, not the run's.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from outreach.errors import TemplateError

if TYPE_CHECKING:
    from jinja2 import Environment, nodes

__all__ = ["FieldUse", "analyse", "analyse_source", "column_types", "shown", "typed_value"]

_GETTEXT = frozenset({"gettext", "ngettext", "pgettext", "npgettext", "_"})
_SELECTORS = frozenset({"count", "num"})  # they choose a plural form


@dataclass
class FieldUse:
    """Per field: used as written (``plain``), tested for emptiness (``conditions``),
    used otherwise (``complex``: field -> where and how), and the fields the ``subject``
    block may show (they reach a header): those it writes, or, when it reaches other
    template code (``subject_via`` says where and how), every field written anywhere."""

    plain: set[str] = field(default_factory=set)
    conditions: set[str] = field(default_factory=set)
    complex: dict[str, str] = field(default_factory=dict)
    subject: set[str] = field(default_factory=set)
    subject_via: str = ""
    #: the variables the subject shows that are no field, and those the templates set
    #: outside it (``{% set %}``, a loop's, a macro's or an import's name): a subject that
    #: shows one of these could show a field through it
    subject_names: set[str] = field(default_factory=set)
    assigned: set[str] = field(default_factory=set)

    def merge(self, other: FieldUse) -> None:
        self.plain |= other.plain
        self.conditions |= other.conditions
        for name, why in other.complex.items():
            self.complex.setdefault(name, why)
        self.subject |= other.subject
        self.subject_via = self.subject_via or other.subject_via
        self.subject_names |= other.subject_names
        self.assigned |= other.assigned
        self._settle()

    def _settle(self) -> None:
        """Every field written anywhere is the subject's, if the subject reaches other
        template code (header rules are the strict ones: better too many fields than one
        that reaches the Subject unchecked)."""
        if not self.subject_via and self.subject_names & self.assigned:
            name = min(self.subject_names & self.assigned)
            self.subject_via = f"the subject shows {name!r}, which the templates set"
        if self.subject_via:
            self.subject |= self.plain | set(self.complex)


def _walk(
    node: nodes.Node, parents: list[nodes.Node]
) -> Iterator[tuple[nodes.Node, list[nodes.Node]]]:
    yield node, parents
    parents.append(node)
    for child in node.iter_child_nodes():
        yield from _walk(child, parents)
    parents.pop()


def _is_gettext(call: nodes.Node) -> bool:
    from jinja2 import nodes

    return (
        isinstance(call, nodes.Call)
        and isinstance(call.node, nodes.Name)
        and call.node.name in _GETTEXT
    )


def _kind(node: nodes.Name, parents: list[nodes.Node]) -> str:
    from jinja2 import nodes

    parent = parents[-1] if parents else None
    grand = parents[-2] if len(parents) > 1 else None
    if node.ctx != "load":
        return "complex"
    if isinstance(parent, nodes.Output):
        return "plain"
    if (
        isinstance(parent, nodes.Keyword)
        and grand is not None
        and _is_gettext(grand)
        and parent.key not in _SELECTORS
    ):
        return "plain"
    if isinstance(parent, nodes.If) and parent.test is node:
        return "condition"
    if isinstance(parent, nodes.Not) and isinstance(grand, nodes.If) and grand.test is parent:
        return "condition"
    return "complex"


def _reaches_out(node: nodes.Node) -> str | None:
    """How ``node``, inside the subject, could show what the subject does not write
    itself, or ``None``: an include, an import, a nested block (a child template may fill
    it), a ``{% call %}``, or a call of anything but gettext (a macro, ``self.other()``,
    ``super()``, ``caller()``, a method)."""
    from jinja2 import nodes

    if isinstance(node, nodes.Include):
        return "includes a template"
    if isinstance(node, nodes.Import | nodes.FromImport):
        return "imports a template"
    if isinstance(node, nodes.Block):
        return f"has a block, {node.name!r}"
    if isinstance(node, nodes.CallBlock):
        return "calls a macro"
    if isinstance(node, nodes.Call) and not _is_gettext(node):
        return "calls a macro, a block or a function"
    return None


def _assigned(node: nodes.Node) -> list[str]:
    """The names ``node`` sets, if it sets any: ``{% set %}``, a loop's target, a
    macro, an import."""
    from jinja2 import nodes

    if isinstance(node, nodes.Name) and node.ctx in ("store", "param"):
        return [node.name]
    if isinstance(node, nodes.Macro):
        return [node.name]
    if isinstance(node, nodes.Import):
        return [node.target]
    if isinstance(node, nodes.FromImport):
        return [item if isinstance(item, str) else item[1] for item in node.names]
    return []


def analyse_source(env: Environment, name: str, source: str, fields: Collection[str]) -> FieldUse:
    """The :class:`FieldUse` of one template's source."""
    return _analysed(_parsed(env, name, source), name, fields)


def _parsed(env: Environment, name: str, source: str) -> nodes.Template:
    """The syntax tree of a template's source (:class:`~outreach.errors.TemplateError` at
    its line for one that does not parse)."""
    from jinja2 import TemplateSyntaxError

    try:
        return env.parse(source, name)
    except TemplateSyntaxError as exc:
        raise TemplateError(exc.message or "syntax error", path=name, line=exc.lineno) from None


def _analysed(tree: nodes.Template, name: str, fields: Collection[str]) -> FieldUse:
    """The :class:`FieldUse` of a template's syntax ``tree`` (``name`` for the notes)."""
    from jinja2 import nodes
    from jinja2.meta import find_referenced_templates

    use = FieldUse()
    for node, parents in _walk(tree, []):
        in_subject = any(isinstance(p, nodes.Block) and p.name == "subject" for p in parents)
        if in_subject:
            how = _reaches_out(node)
            if how is not None and not use.subject_via:
                use.subject_via = f"{name}:{node.lineno}: the subject {how}"
        else:
            use.assigned.update(_assigned(node))
        if not isinstance(node, nodes.Name):
            continue
        if node.name not in fields:
            if in_subject and node.ctx == "load":
                use.subject_names.add(node.name)
            continue
        kind = _kind(node, parents)
        if kind == "plain":
            use.plain.add(node.name)
        elif kind == "condition":
            use.conditions.add(node.name)
        else:
            use.complex.setdefault(node.name, f"{name}:{node.lineno}: a filter, test or expression")
        if in_subject:
            use.subject.add(node.name)
    if None in set(find_referenced_templates(tree)):
        for field_name in fields:
            use.complex.setdefault(field_name, f"{name}: includes a template chosen at run time")
    use._settle()
    return use


def analyse(env: Environment, names: Collection[str], fields: Collection[str]) -> FieldUse:
    """The :class:`FieldUse` of the templates ``names`` and every template they include,
    import or extend, as ``env`` loads them (a subject that reaches one of them may show
    any field written in any of them)."""
    from jinja2.meta import find_referenced_templates

    assert env.loader is not None
    use = FieldUse()
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        source, filename, _ = env.loader.get_source(env, name)
        tree = _parsed(env, filename or name, source)  # once: parsing is most of the work
        use.merge(_analysed(tree, filename or name, fields))
        todo.extend(t for t in find_referenced_templates(tree) if t is not None)
    return use


# -- columns that override a typed campaign variable ---------------------------------------
_INTEGER = re.compile(r"[+-]?[0-9]{1,30}")
_REAL = re.compile(r"[+-]?(?:[0-9]{1,30}(?:\.[0-9]{0,30})?|\.[0-9]{1,30})(?:[eE][+-]?[0-9]{1,3})?")
_TRUE, _FALSE = frozenset({"true", "yes", "1"}), frozenset({"false", "no", "0"})


def _type_name(value: object) -> str | None:
    """What a campaign variable's value is, in a reader's words; ``None`` for text (and
    lists), which a column's text replaces as it is."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, dt.datetime):
        return "a date and time (2014-02-06T18:00)"
    if isinstance(value, dt.date):
        return "a date (2014-02-06)"
    return None


def column_types(columns: Iterable[str], variables: Mapping[str, object]) -> dict[str, object]:
    """The columns that override a campaign variable that is not text, each with that
    variable's value (whose type each row's cell is read as, by :func:`typed_value`).

    >>> column_types(["email", "signatures", "city", "deadline"],
    ...              {"signatures": 300000, "city": "Paris", "deadline": dt.date(2014, 2, 6)})
    {'signatures': 300000, 'deadline': datetime.date(2014, 2, 6)}
    """
    return {c: variables[c] for c in columns if c in variables and _type_name(variables[c])}


def shown(value: object, width: int = 40) -> str:
    """``value`` for a one-line report: as campaign.toml writes it (text quoted), cut to
    ``width`` characters.

    >>> shown("many"), shown(dt.date(2014, 2, 6)), shown("x" * 200_000)
    ("'many'", '2014-02-06', "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…")
    """
    text = _toml(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value)


def typed_value(name: str, cell: str, like: object) -> object:
    """``cell`` (a supporter's value for the column ``name``) read as the type of ``like``,
    campaign.toml's value of the variable the column overrides; a blank cell keeps ``like``.
    :class:`ValueError` says, in one line, why the cell is not one.

    >>> typed_value("signatures", "1234", 300000), typed_value("signatures", "", 300000)
    (1234, 300000)
    >>> typed_value("deadline", "2014-03-01", dt.date(2014, 2, 6))
    datetime.date(2014, 3, 1)
    >>> typed_value("signatures", "many", 300000)
    Traceback (most recent call last):
    ...
    ValueError: signatures 'many' is not a whole number (campaign.toml: signatures = 300000)
    """
    if not cell:
        return like
    try:
        if isinstance(like, bool):
            if cell.lower() in _TRUE | _FALSE:
                return cell.lower() in _TRUE
        elif isinstance(like, int):
            if _INTEGER.fullmatch(cell):
                return int(cell)
        elif isinstance(like, float):
            if _REAL.fullmatch(cell) and math.isfinite(number := float(cell)):
                return number
        elif isinstance(like, dt.datetime):
            if len(cell) <= 40:
                return dt.datetime.fromisoformat(cell)
        elif isinstance(like, dt.date):
            if len(cell) <= 40:
                return dt.date.fromisoformat(cell)
        else:
            return cell
    except ValueError:
        pass
    raise ValueError(
        f"{name} {shown(cell)} is not {_type_name(like)} (campaign.toml: {name} = {_toml(like)})"
    )
