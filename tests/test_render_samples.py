"""Merge fields without a CSV at hand, and the campaign's name per locale.

``render``, ``preview`` and ``check`` take sample values of supporters' columns from
``[merge.sample]`` in campaign.toml or ``--supporters FILE`` (the first row of each locale);
a column used without a value is one line naming the column and both ways to give it one.
``merge`` never uses a sample: a supporter's own values, or an error.
"""

from __future__ import annotations

import json
import mailbox
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from conftest import edit_po, po_path, run_cli
from merge_support import env

from outreach.scaffold import init_campaign

GREETING = "{% if first_name %}<p>{% trans %}Dear {{ first_name }},{% endtrans %}</p>{% endif %}"


@pytest.fixture
def greeting(tmp_path: Path) -> Path:
    """A starter campaign in en and es whose welcome greets the supporter by first_name."""
    root = init_campaign(tmp_path / "c", name="Pride").root
    template = root / "messages" / "welcome.j2"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("{% block body %}\n", "{% block body %}\n" + GREETING + "\n"))
    assert run_cli(root, "add-locale", "es")[0] == 0
    assert run_cli(root, "extract")[0] == 0
    assert run_cli(root, "update")[0] == 0
    edit_po(po_path(root, "es"), {"Dear %(first_name)s,": "Hola, %(first_name)s:"})
    return root


def _html(root: Path, *args: str) -> list[dict[str, object]]:
    code, out, err = run_cli(root, "render", "welcome", "-c", "email", "--format", "json", *args)
    assert (code, err) == (0, ""), err
    items: list[dict[str, object]] = json.loads(out)
    return items


def _one_line(err: str) -> str:
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    return err.strip()


def _sample(root: Path, text: str) -> None:
    config = root / "messages" / "campaign.toml"
    config.write_text(config.read_text(encoding="utf-8") + text, encoding="utf-8")


@pytest.mark.parametrize("command", [["render", "welcome"], ["preview"]])
def test_a_column_without_a_value_is_one_line_naming_it_and_both_ways(
    greeting: Path, command: list[str]
) -> None:
    code, _, err = run_cli(greeting, *command)
    assert code == 2
    line = _one_line(err)
    assert line.startswith(f"{greeting / 'messages' / 'welcome.j2'}:")
    assert "'first_name' is undefined" in line
    assert 'first_name = "..." under [merge.sample] in campaign.toml' in line
    assert "--supporters FILE.csv" in line


def test_check_warns_with_the_same_hint_and_checks_the_rest(greeting: Path) -> None:
    code, out, _ = run_cli(greeting, "check", "--no-cache", "--format", "json")
    assert code == 0
    render = [f for f in json.loads(out)["findings"] if f["check"] == "render"]
    assert len(render) == 1
    assert "[merge.sample]" in render[0]["message"] and "--supporters" in render[0]["message"]


def test_merge_sample_in_campaign_toml(greeting: Path) -> None:
    _sample(greeting, '\n[merge.sample]\nfirst_name = "Alex"\n')
    items = _html(greeting, "--all-locales")
    html = {item["locale"]: str(item["html"]) for item in items}
    assert "Dear Alex," in html["en"] and "Hola, Alex:" in html["es"]
    code, _, err = run_cli(greeting, "preview")
    assert (code, err) == (0, "")
    assert "Alex" in (greeting / "preview" / "m" / "welcome" / "es" / "email.html").read_text()
    code, out, _ = run_cli(greeting, "check", "--no-cache", "--format", "json")
    assert not [f for f in json.loads(out)["findings"] if f["check"] == "render"]


def test_supporters_give_the_first_row_of_each_locale(greeting: Path, tmp_path: Path) -> None:
    _sample(greeting, '\n[merge.sample]\nfirst_name = "Alex"\n')
    csv = tmp_path / "people.csv"
    csv.write_text(
        "email,first_name,locale\n"
        "not an address,Nobody,es\n"  # unusable rows are skipped, as merge skips them
        "ana@example.net,Ana,es-MX\n"
        "bo@example.net,Bo,en-GB\n"
        "carla@example.net,Carla,es\n",
        encoding="utf-8",
    )
    html = {
        i["locale"]: str(i["html"])
        for i in _html(greeting, "--all-locales", "--supporters", str(csv))
    }
    assert "Hola, Ana:" in html["es"] and "Dear Bo," in html["en"]
    assert "Alex" not in html["es"] + html["en"]


def test_a_locale_no_row_has_takes_the_first_row(greeting: Path, tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text("email,first_name\nana@example.net,Ana\n", encoding="utf-8")
    html = {
        i["locale"]: str(i["html"])
        for i in _html(greeting, "--all-locales", "--supporters", str(csv))
    }
    assert "Dear Ana," in html["en"] and "Hola, Ana:" in html["es"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "cannot read"),
        (b"name\nAna\n", "email"),
        (b"email,first_name\n\xff\xfe,x\n", "not utf-8"),
    ],
)
def test_an_unusable_supporters_file_is_one_line(
    greeting: Path, tmp_path: Path, content: bytes | None, fragment: str
) -> None:
    csv = tmp_path / "people.csv"
    if content is not None:
        csv.write_bytes(content)
    for command in (["render", "welcome"], ["preview"], ["check"]):
        code, _, err = run_cli(greeting, *command, "--supporters", str(csv))
        assert code == 2
        line = _one_line(err)
        assert line.startswith(str(csv)) and fragment in line.lower(), line


def test_merge_never_uses_a_sample(greeting: Path, tmp_path: Path) -> None:
    _sample(greeting, '\n[merge.sample]\nfirst_name = "Alex"\n')
    csv = tmp_path / "people.csv"
    csv.write_text("email,first_name\nana@example.net,Ana\nbo@example.net,\n", encoding="utf-8")
    box = tmp_path / "out.mbox"
    from click.testing import CliRunner

    from outreach.cli import main

    result = CliRunner(env=env()).invoke(
        main, ["-C", str(greeting), "merge", str(csv), "welcome", "--out", str(box)]
    )
    assert result.exit_code == 0, result.stderr
    parse = BytesParser(policy=policy.default).parsebytes
    messages = [parse(m.as_bytes()) for m in mailbox.mbox(box)]
    bodies = [str(m.get_body(("html",)).get_content()) for m in messages]
    assert len(bodies) == 2
    assert not any("Alex" in body for body in bodies)
    assert sum("Dear Ana," in body for body in bodies) == 1


@pytest.mark.parametrize(
    ("toml", "fragment"),
    [
        ("[merge.sample]\nfirst_name = 3\n", "must be a string"),
        ('[merge.sample]\n"First name" = "Alex"\n', "first_name"),
        ('[merge]\nsample = "Alex"\n', "must be a table"),
        (f'[merge.sample]\nfirst_name = "{"x" * 1001}"\n', "at most 1,000"),
        ('[campaign.localized_names]\nde = "Stolz"\n', "de"),
        ('[campaign.localized_names]\nes = "Orgullo\\nPride"\n', "one line"),
    ],
)
def test_bad_settings_are_one_line_at_their_line(greeting: Path, toml: str, fragment: str) -> None:
    config = greeting / "messages" / "campaign.toml"
    text = config.read_text(encoding="utf-8")
    if toml.startswith("[merge]\n") and "\n[merge]\n" in text:  # init writes [merge] suppress
        config.write_text(text.replace("\n[merge]\n", "\n" + toml, 1), encoding="utf-8")
    else:
        _sample(greeting, "\n" + toml)
    code, _, err = run_cli(greeting, "render", "welcome")
    assert code == 2
    line = _one_line(err)
    assert line.startswith(f"{greeting / 'messages' / 'campaign.toml'}:")
    assert fragment in line


def test_the_campaign_name_per_locale(greeting: Path) -> None:
    _sample(
        greeting,
        '\n[merge.sample]\nfirst_name = "Alex"\n\n[campaign.localized_names]\nes = "Orgullo"\n',
    )
    config = greeting / "messages" / "campaign.toml"
    # [campaign.localized_names] must sit in [campaign]: move it above [variables]
    text = config.read_text(encoding="utf-8")
    block = '[campaign.localized_names]\nes = "Orgullo"\n'
    config.write_text(block + "\n" + text.replace(block, ""), encoding="utf-8")
    edit_po(
        po_path(greeting, "es"),
        {("subject", "Welcome to %(campaign)s"): "Bienvenida a %(campaign)s"},
    )
    items = {i["locale"]: i for i in _html(greeting, "--all-locales")}
    assert items["es"]["subject"] == "Bienvenida a Orgullo"
    assert items["en"]["subject"] == "Welcome to Pride"
    assert "Orgullo" in str(items["es"]["text"]) and "Pride" not in str(items["es"]["text"])


PIXEL = '<img src="https://t.example/pixel.png" alt="">'


def _private_es(root: Path) -> None:
    """The welcome loads a remote pixel, and es supporters get the low-trace email."""
    template = root / "messages" / "welcome.j2"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace(GREETING, GREETING + PIXEL), encoding="utf-8")
    _sample(root, '\n[merge.sample]\nfirst_name = "Alex"\n\n[privacy]\nlocales = ["es"]\n')


def test_check_judges_the_private_email_with_the_samples(greeting: Path) -> None:
    """[privacy] beside [merge.sample]: the private email renders with the sample values, so
    check's privacy warning sees its remote pixel (not skipped as a template that failed)."""
    _private_es(greeting)
    code, out, err = run_cli(greeting, "check", "--no-cache", "--format", "json")
    assert code == 0, err
    findings = json.loads(out)["findings"]
    assert not [f for f in findings if f["check"] == "render"]
    privacy = [f for f in findings if f["check"] == "privacy"]
    assert len(privacy) == 1 and "welcome (es)" in privacy[0]["message"]
    assert "https://t.example/pixel.png" in privacy[0]["message"]


def test_preview_shows_the_private_variant_with_the_samples(greeting: Path) -> None:
    _private_es(greeting)
    code, _, err = run_cli(greeting, "preview")
    assert (code, err) == (0, ""), err
    page = (greeting / "preview" / "m" / "welcome" / "es" / "email.html").read_text("utf-8")
    assert "the private variant" in page
    # the normal email's frames and the private one's each greet the sample supporter
    assert page.count("Hola, Alex:") >= 2
