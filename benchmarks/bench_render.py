"""Render benchmark: text messages per second, outreach vs plain Jinja2, in one run.

Renders the plain-text email of every message of the example campaign in its four locales
(en, es, fr, pt) and compares with the baseline the render issue names: plain Jinja2 with
``install_gettext_translations`` (new-style gettext) on the same templates and the same
compiled catalogs, rendering the same ``text`` block into the same layout. The baseline has
no fallback chain, no placeholder guard and no Babel filters of its own; it gets the same
Babel filters so that both render identical text (the script checks that they do).

Target: outreach >= 0.8x the baseline's renders per second.

    .venv/bin/python benchmarks/bench_render.py [--seconds 3] [--json]
"""

from __future__ import annotations

import argparse
import gettext
import json
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ("en", "es", "fr", "pt")


def tidy(text: str) -> str:
    lines = [line if line == "-- " else line.strip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def baseline(campaign_dir: Path, messages: list[str]) -> Callable[[str, str], str]:
    """Plain Jinja2 + install_gettext_translations, one environment per locale."""
    from jinja2 import Environment, FileSystemLoader

    from outreach.campaign import load_campaign
    from outreach.formatting import babel_filters

    campaign = load_campaign(campaign_dir)
    envs = {}
    for locale in LOCALES:
        env = Environment(
            loader=FileSystemLoader(campaign_dir / "messages"),
            extensions=["jinja2.ext.i18n"],
            autoescape=False,
        )
        env.policies["ext.i18n.trimmed"] = True
        mo = campaign_dir / "locales" / locale / "LC_MESSAGES" / "messages.mo"
        with mo.open("rb") as stream:
            env.install_gettext_translations(gettext.GNUTranslations(stream), newstyle=True)  # type: ignore[attr-defined]
        env.filters.update(babel_filters(locale, campaign.timezone_for(locale)))
        envs[locale] = env
    context = {
        **campaign.variables,
        "campaign_name": campaign.name,
        "url": campaign.url,
        "hashtag": campaign.hashtags[0],
        "unsubscribe_url": campaign.email.unsubscribe_url,
    }

    def render(message: str, locale: str) -> str:
        env = envs[locale]
        template = env.get_template(f"{message}.j2")
        body = tidy("".join(template.blocks["text"](template.new_context(context))))
        return tidy(env.get_template("_email.txt.j2").render(context, body=body.rstrip("\n")))

    return render


def measure(render: Callable[[str, str], str], messages: list[str], seconds: float) -> float:
    for message in messages:  # warm up: environments, compiled templates
        for locale in LOCALES:
            render(message, locale)
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for message in messages:
            for locale in LOCALES:
                render(message, locale)
                count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per contender")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()

    from outreach.campaign import load_campaign
    from outreach.catalogs import compile_catalogs
    from outreach.render import Renderer

    with tempfile.TemporaryDirectory() as tmp:
        campaign_dir = Path(tmp) / "love"
        shutil.copytree(ROOT / "messages", campaign_dir / "messages")
        shutil.copytree(ROOT / "locales", campaign_dir / "locales")
        campaign = load_campaign(campaign_dir)
        compile_catalogs(campaign)
        renderer = Renderer(campaign)
        messages = renderer.messages
        plain = baseline(campaign_dir, messages)
        for message in messages:
            for locale in LOCALES:
                ours, theirs = renderer.render_text(message, locale), plain(message, locale)
                assert ours == theirs, (
                    f"{message}/{locale} renders differently:\n{ours}\n---\n{theirs}"
                )
        results = {
            "jinja2 + install_gettext_translations": measure(plain, messages, args.seconds),
            "outreach Renderer.render_text": measure(renderer.render_text, messages, args.seconds),
        }
    base = results["jinja2 + install_gettext_translations"]
    if args.json:
        print(
            json.dumps(
                {
                    name: {"renders_per_second": rate, "ratio": rate / base}
                    for name, rate in results.items()
                },
                indent=2,
            )
        )
        return
    shape = f"{len(messages)} messages x {len(LOCALES)} locales"
    print(f"text emails of {shape}, {args.seconds:.0f} s each")
    print(f"{'contender':40} {'renders/s':>10} {'ratio':>6}")
    for name, rate in results.items():
        print(f"{name:40} {rate:10.0f} {rate / base:6.2f}")


if __name__ == "__main__":
    main()
