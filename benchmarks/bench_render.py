"""Render benchmark: text emails per second, outreach against plain Jinja2 + gettext.

Renders the plain-text email of every message of the example campaign in its four locales
(en, es, fr, pt) with ``Renderer.render_text``, against the baseline the render issues
name: plain Jinja2 with ``install_gettext_translations`` (new-style gettext) on the same
templates and the same compiled catalogs, rendering the same ``text`` block into the same
layout with the same Babel filters. Both sides produce the same text, in two set-ups:

* ``campaign``: the campaign as it is, so both sides fill the layout's footer (postal
  address, "view in browser" link) and tag the campaign's links with its UTM parameters
  (the baseline with :func:`outreach.tracking.tag_text`, as a hand-written sender would
  call a tagging function);
* ``plain``: the same campaign without ``[tracking]`` and without the footer settings, so
  neither side tags nor fills them.

Each contender runs in its own process (``--contender``, launched by GNU ``time`` for its
peak RSS), several interleaved rounds; each process first renders every message once and
prints a digest of what it rendered, and the harness refuses to go on unless every
contender of a set-up rendered the same (with ``--before``, the older outreach too).

Target (issue 23): outreach >= 0.9x the baseline's renders per second.

    .venv/bin/python benchmarks/bench_render.py [--seconds 2] [--rounds 5] [--before OLD/src]
"""

from __future__ import annotations

import argparse
import functools
import gettext
import hashlib
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    SRC,
    Run,
    add_before_option,
    copy_example,
    environment,
    interleaved,
    load,
    measured,
    ratio,
    table,
)

LOCALES = ("en", "es", "fr", "pt")
SETUPS = ("campaign", "plain")


def tidy(text: str) -> str:
    lines = [line if line == "-- " else line.strip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def baseline(campaign_dir: Path) -> Callable[[str, str], str]:
    """Plain Jinja2 + install_gettext_translations, one environment per locale; the
    campaign's footer and link tagging when its settings ask for them."""
    from jinja2 import Environment, FileSystemLoader

    from outreach.campaign import load_campaign
    from outreach.formatting import babel_filters
    from outreach.tracking import tag_text

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
    email = campaign.email
    context = {
        **campaign.variables,
        "campaign_name": campaign.name,
        "hashtag": campaign.hashtags[0],
        "unsubscribe_url": email.unsubscribe_url,
        "postal_address": list(email.postal_address),
    }
    tracking = campaign.tracking
    hosts = campaign.own_hosts
    leave = [u.split("{", 1)[0] for u in (email.unsubscribe_url, email.view_in_browser_url) if u]

    def skip(url: str) -> bool:
        return any(url.startswith(prefix) for prefix in leave)

    def render(message: str, locale: str) -> str:
        env = envs[locale]
        values = {
            **context,
            "url": campaign.url_for(message),
            "view_in_browser_url": email.view_in_browser(message, locale),
        }
        template = env.get_template(f"{message}.j2")
        body = tidy("".join(template.blocks["text"](template.new_context(values))))
        text = tidy(env.get_template("_email.txt.j2").render(values, body=body.rstrip("\n")))
        if tracking is None:
            return text
        pairs = tracking.parameters(channel="email", message=message, locale=locale)
        return tag_text(text, pairs, hosts, skip=skip)

    return render


def prepare(work: Path) -> dict[str, Path]:
    """The two set-ups' campaigns, their catalogs compiled (by this checkout's outreach)."""
    from outreach.campaign import load_campaign
    from outreach.catalogs import compile_catalogs

    made = {}
    for setup in SETUPS:
        campaign_dir = work / setup
        copy_example(campaign_dir)
        if setup == "plain":
            config = campaign_dir / "messages" / "campaign.toml"
            text = config.read_text(encoding="utf-8")
            text = re.sub(r"(?ms)^\[tracking\]\n.*?(?=^\[)", "", text)
            text = re.sub(r"(?m)^(postal_address|view_in_browser_url) = .*\n", "", text)
            config.write_text(text, encoding="utf-8")
        compile_catalogs(load_campaign(campaign_dir))
        made[setup] = campaign_dir
    return made


def contender(name: str, campaign_dir: Path, seconds: float) -> dict[str, Any]:
    """Run in the contender's own process: render every message once (the digest of what
    it rendered), then as many as ``seconds`` allow."""
    from outreach.campaign import load_campaign
    from outreach.render import Renderer

    if name == "jinja2":
        renderer = Renderer(load_campaign(campaign_dir))
        messages = renderer.messages
        render = baseline(campaign_dir)
    else:
        renderer = Renderer(load_campaign(campaign_dir))
        messages = renderer.messages
        render = renderer.render_text
    digest = hashlib.sha256()
    for message in messages:
        for locale in LOCALES:
            digest.update(render(message, locale).encode("utf-8") + b"\0")
    count = 0
    start, cpu = time.perf_counter(), time.process_time()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for message in messages:
            for locale in LOCALES:
                render(message, locale)
                count += 1
    return {
        "rate": count / (time.perf_counter() - start),
        # renders per second of this process's own CPU: what another process running at
        # the same time does not change
        "cpu_rate": count / (time.process_time() - cpu),
        "digest": digest.hexdigest(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per contender a round")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--contender", choices=("jinja2", "outreach"), help=argparse.SUPPRESS)
    parser.add_argument("--campaign", type=Path, help=argparse.SUPPRESS)
    add_before_option(parser)
    args = parser.parse_args()
    if args.contender:
        print(json.dumps(contender(args.contender, args.campaign, args.seconds)))
        return 0
    script = str(Path(__file__).resolve())
    report: dict[str, Any] = {"rounds": args.rounds, "seconds": args.seconds, "load": [load()]}
    lines = []
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        campaigns = prepare(Path(tmp))
        for setup, campaign_dir in campaigns.items():
            trees = {"jinja2 + gettext": ("jinja2", SRC), "outreach render_text": ("outreach", SRC)}
            if args.before:
                trees["outreach render_text (before)"] = ("outreach", args.before)

            def run(which: str, src: Path, where: Path = campaign_dir) -> Run:
                command = [sys.executable, script, "--contender", which, "--campaign", str(where)]
                command += ["--seconds", str(args.seconds)]
                return measured(command, where, environment(src))

            contenders = {
                name: functools.partial(run, which, src) for name, (which, src) in trees.items()
            }
            runs = interleaved(contenders, args.rounds)
            digests = {
                name: {json.loads(r.stdout)["digest"] for r in found}
                for name, found in runs.items()
            }
            if len({d for found in digests.values() for d in found}) != 1:
                raise SystemExit(f"{setup}: the contenders render differently: {digests}")

            def rate(found: Run, key: str = "rate") -> float:
                return float(json.loads(found.stdout)[key])

            lines.append(f"set-up {setup!r} (the same text on every side):")
            lines.extend(table(runs, "jinja2 + gettext", rate=rate, by_cpu=False))
            anchor = [rate(r, "cpu_rate") for r in runs["jinja2 + gettext"]]
            for name, found in runs.items():
                by_cpu = ratio([rate(r, "cpu_rate") for r in found], anchor)
                lines.append(f"  renders per CPU second, {name}: ratio min/med {by_cpu}")
            report[setup] = {
                name: {
                    "rates": [rate(r) for r in found],
                    "cpu_rates": [rate(r, "cpu_rate") for r in found],
                    "peak_rss_mb": max(r.rss_mb for r in found),
                }
                for name, found in runs.items()
            }
    report["load"].append(load())
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"{args.rounds} interleaved rounds of {args.seconds} s; load before/after {report['load']}"
    )
    print("\n".join(lines))
    print("target: outreach >= 0.9x the baseline's renders per second (ratio min/med)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
