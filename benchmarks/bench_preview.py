"""Preview benchmark: how long ``outreach preview`` takes, and that it grows linearly.

Times, in one run, the build of

* the example campaign (#LoveAlwaysWins: 3 messages x 4 locales x 9 channels), and
* generated campaigns of 10 and 20 locales x 5 and 10 messages, every message with an email
  and a post (so 9 channels), catalogs fully translated,

and prints, for each, the seconds (best of ``--repeat``), the pages, the milliseconds a
page, and the ratio of each build's time a page to the smallest generated campaign's:
ratios near 1.0 mean the time grows linearly in messages x locales x channels. It also
times a ``--serve`` rebuild after one catalog of the 20 x 10 campaign changes.

Each campaign is built once before it is timed (the ``outreach check`` cache then holds the
language detections, as it does for every build after the first), inside a temporary
directory that is removed afterwards.

    .venv/bin/python benchmarks/bench_preview.py [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import copy_example

# 20 target locales (the source, en, comes on top).
LOCALES = ("es", "fr", "pt", "de", "it", "nl", "pl", "sv", "da", "fi")
LOCALES += ("nb", "cs", "ro", "hu", "tr", "el", "ru", "uk", "id", "vi")
SIZES = ((5, 10), (10, 10), (5, 20), (10, 20))  # (messages, locales)

TEMPLATE = """\
{{% block subject %}}{{{{ pgettext("subject", "Message {n}: sign before the vote") }}}}\
{{% endblock %}}
{{% block preheader %}}{{{{ pgettext("preheader", "Two minutes for message {n}.") }}}}\
{{% endblock %}}
{{% block body %}}
<h1>{{% trans %}}Message {n} needs your voice{{% endtrans %}}</h1>
<p>{{% trans %}}Tell the committee, in message {n}, that love always wins.{{% endtrans %}}</p>
<p><a class="button" href="{{{{ url }}}}">{{% trans %}}Sign message {n}{{% endtrans %}}</a></p>
{{% endblock %}}
{{% block text %}}
{{% trans %}}Message {n} needs your voice{{% endtrans %}}

{{% trans %}}Sign message {n}: {{{{ url }}}}{{% endtrans %}}
{{% endblock %}}
{{% block post %}}{{% trans %}}Message {n}: tell the committee that love always wins {{{{ url }}}} \
{{{{ hashtag }}}}{{% endtrans %}}{{% endblock %}}
"""


def generated_campaign(root: Path, messages: int, locales: int) -> Path:
    """A campaign of ``messages`` templates and ``locales`` target locales, translated."""
    from outreach.campaign import load_campaign
    from outreach.catalogs import extract, update
    from outreach.pofile import iter_messages, read_catalog, write_catalog

    (root / "messages").mkdir(parents=True)
    listed = ", ".join(f'"{loc}"' for loc in ("en", *LOCALES[:locales]))
    (root / "messages" / "campaign.toml").write_text(
        "[campaign]\n"
        'name = "Bench"\nsource_locale = "en"\n'
        f"locales = [{listed}]\n"
        'hashtags = ["#LoveAlwaysWins"]\nurl = "https://example.org/love"\n',
        encoding="utf-8",
    )
    for n in range(1, messages + 1):
        (root / "messages" / f"m{n:02d}.j2").write_text(TEMPLATE.format(n=n), encoding="utf-8")
    campaign = load_campaign(root)
    extract(campaign)
    update(campaign)
    for locale in LOCALES[:locales]:
        path = campaign.po_path(locale)
        catalog = read_catalog(path.read_bytes(), path=str(path))
        for message in iter_messages(catalog):
            if message.pluralizable:
                message.string = tuple(f"{locale}: {s}" for s in message.id)
            else:
                message.string = f"{locale}: {message.id}"
        path.write_bytes(write_catalog(catalog))
    return root


def best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def time_build(campaign_dir: Path, repeat: int) -> dict[str, object]:
    from outreach.campaign import load_campaign
    from outreach.preview import build_preview

    campaign = load_campaign(campaign_dir)
    out = campaign_dir / "preview"
    start = time.perf_counter()
    result = build_preview(campaign, out)  # the first build: fills the check cache
    first = time.perf_counter() - start
    seconds = best(lambda: build_preview(load_campaign(campaign_dir), out), repeat)
    return {"pages": result.pages, "first": first, "seconds": seconds}


def time_rebuild(campaign_dir: Path, repeat: int) -> float:
    """One catalog edited: what ``--serve`` does (Site.update, then only changed files)."""
    from outreach.campaign import load_campaign
    from outreach.preview import Site, classify_changes

    site = Site(load_campaign(campaign_dir))
    site.build()
    path = site.campaign.po_path(LOCALES[0])
    original = path.read_text("utf-8")
    times = []
    for index in range(repeat):
        path.write_text(original.replace("es: Message 1:", f"es ({index}): Message 1:"), "utf-8")
        start = time.perf_counter()
        site.update(classify_changes(site.campaign, [path]))
        times.append(time.perf_counter() - start)
    path.write_text(original, "utf-8")
    return min(times)


def linear_fit(points: list[tuple[int, float]]) -> tuple[float, float, float]:
    """``seconds = fixed + per_page * pages`` by least squares: (fixed, per_page, r²)."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    total = sum((y - mean_y) ** 2 for _, y in points)
    residual = sum((y - intercept - slope * x) ** 2 for x, y in points)
    return intercept, slope, 1 - residual / total if total else 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--sizes",
        nargs="+",
        default=[f"{m}x{n}" for m, n in SIZES],
        help="generated campaigns, MESSAGESxLOCALES (at least two)",
    )
    args = parser.parse_args()
    sizes = [tuple(int(n) for n in size.split("x")) for size in args.sizes]

    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as tmp:
        base = Path(tmp)
        example = time_build(copy_example(base / "example"), args.repeat)
        rows.append({"campaign": "example (3 x 4)", "messages": 3, "locales": 4, **example})
        rebuild = 0.0
        for messages, locales in sizes:
            directory = generated_campaign(base / f"g{messages}x{locales}", messages, locales)
            timing = time_build(directory, args.repeat)
            rows.append(
                {
                    "campaign": f"generated {messages} x {locales + 1}",
                    "messages": messages,
                    "locales": locales + 1,  # with the source locale
                    **timing,
                }
            )
            if (messages, locales) == sizes[-1]:
                rebuild = time_rebuild(directory, args.repeat)
    reference = rows[1]
    per_page_ref = float(reference["seconds"]) / int(reference["pages"])  # type: ignore[arg-type]
    for row in rows:
        per_page = float(row["seconds"]) / int(row["pages"])  # type: ignore[arg-type]
        row["ms_per_page"] = 1000 * per_page
        row["ratio"] = per_page / per_page_ref
    fixed, per_page, r2 = linear_fit(
        [(int(r["pages"]), float(r["seconds"])) for r in rows[1:]]  # type: ignore[arg-type]
    )
    fit = {"fixed_seconds": fixed, "ms_per_page": 1000 * per_page, "r2": r2}
    if args.json:
        print(json.dumps({"builds": rows, "fit": fit, "rebuild_one_catalog": rebuild}, indent=2))
        return 0
    print(f"{'campaign':<22} {'pages':>6} {'first s':>8} {'best s':>7} {'ms/page':>8} {'ratio':>6}")
    for row in rows:
        print(
            f"{row['campaign']:<22} {row['pages']:>6} {row['first']:>8.2f} {row['seconds']:>7.2f} "
            f"{row['ms_per_page']:>8.2f} {row['ratio']:>6.2f}"
        )
    print(
        f"\n--serve rebuild after one catalog of the 10 x 21 campaign changed: {rebuild:.2f} s"
        f" (a full build: {float(rows[-1]['seconds']):.2f} s)"  # type: ignore[arg-type]
    )
    print("ratio: time a page / the 5 x 11 campaign's; near 1.0 = linear in pages")
    print(
        f"least squares over the generated builds: {fixed:.2f} s + {1000 * per_page:.2f} ms "
        f"a page (r² = {r2:.3f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
