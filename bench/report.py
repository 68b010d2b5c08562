#!/usr/bin/env python3
"""Turns target/bench/results.jsonl (written by bench/run.sh) into report.md: figures per
target (median of the rounds, with the range), ratios from the same run, machine and commands."""
import json
import statistics
import sys
from pathlib import Path

out = Path(sys.argv[1])
rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines() if line.strip()]


def rounds(part, target):
    return [r for r in rows if r.get("part") == part and r.get("target") == target]


def med(rs, key):
    return statistics.median(r[key] for r in rs) if rs else None


def fig(rs):
    if not rs:
        return "not run"
    rps = [r["rps"] for r in rs]
    errors = sum(r["errors"] + r.get("unexpected", 0) for r in rs)
    text = (f"{med(rs, 'rps'):.0f} req/s ({min(rps):.0f}-{max(rps):.0f}), p50 {med(rs, 'p50_ms'):.1f} ms, "
            f"p99 {med(rs, 'p99_ms'):.1f} ms, {med(rs, 'cpu_ms_per_req'):.1f} ms server CPU/req")
    if all("pg_cpu_ms_per_req" in r for r in rs):
        text += f", {med(rs, 'pg_cpu_ms_per_req'):.1f} ms PostgreSQL CPU/req"
    return text + (f", **{errors} errors or unexpected answers**" if errors else "")


def ratio(a, b):
    if not a or not b:
        return "n/a"
    return f"{med(a, 'rps') / med(b, 'rps'):.2f}x"


print("# Benchmark report\n")
print("```\n" + (out / "machine.txt").read_text().strip() + "\n```\n")
page = {t: rounds("page", t) for t in ("server-pg", "reference", "postgraphile", "server-sqlite", "server-pg-before")}
if any(page.values()):
    sizes = (out / "page-sizes.txt").read_text().strip() if (out / "page-sizes.txt").exists() else ""
    print("## Dashboard page (`bench/page.graphql`)\n")
    print("| target | figure (median of rounds, range) |\n| --- | --- |")
    names = {"server-pg": "this server, PostgreSQL", "reference": "hand-written axum + SQL, PostgreSQL",
             "postgraphile": "PostGraphile v5, PostgreSQL (no classification, no creative state)",
             "server-sqlite": "this server, SQLite",
             "server-pg-before": "BENCH_BASELINE build of this server, PostgreSQL"}
    for t, rs in page.items():
        if t == "server-pg-before" and not rs:
            continue
        print(f"| {names[t]} | {fig(rs)} |")
    print("\n| ratio (req/s) | value | goal |\n| --- | --- | --- |")
    print(f"| server / reference (PostgreSQL) | {ratio(page['server-pg'], page['reference'])} | >= 0.9x |")
    print(f"| server / PostGraphile (PostgreSQL) | {ratio(page['server-pg'], page['postgraphile'])} | >= 1.5x |")
    print(f"| server on SQLite / server on PostgreSQL | {ratio(page['server-sqlite'], page['server-pg'])} | >= 1.0x |")
    if page["server-pg-before"]:
        print(f"| server / BENCH_BASELINE build (PostgreSQL): after / before | {ratio(page['server-pg'], page['server-pg-before'])} | |")
    print(f"\nAnswer sizes (bytes):\n```\n{sizes}\n```\n")
writes = {t: rounds("writes", t) for t in ("auto", "draft", "auto-before", "draft-before")}
if any(writes.values()):
    print("## Gated writes (`updateCampaignBudget`, random campaigns, PostgreSQL)\n")
    print("| tactical axis | figure | goal |\n| --- | --- | --- |")
    print(f"| AUTO (sandbox dispatch) | {fig(writes['auto'])} | >= 1,000 ops/s, p99 < 50 ms |")
    print(f"| DRAFT (queued) | {fig(writes['draft'])} | >= 1,500 ops/s, p99 < 50 ms |")
    if writes["auto-before"] or writes["draft-before"]:
        print(f"| AUTO, BENCH_BASELINE build | {fig(writes['auto-before'])} | |")
        print(f"| DRAFT, BENCH_BASELINE build | {fig(writes['draft-before'])} | |")
        print(f"\nAfter / before (req/s): AUTO {ratio(writes['auto'], writes['auto-before'])}, "
              f"DRAFT {ratio(writes['draft'], writes['draft-before'])}")
    print(f"\nAUTO / DRAFT: {ratio(writes['auto'], writes['draft'])}\n")
    print("Each round (a round's end hangs up on its callers mid-request, as a client may):\n")
    shown = [t for t in ("auto", "auto-before", "draft", "draft-before") if writes[t]]
    print("| round | " + " | ".join(t.upper().replace("-BEFORE", " (baseline)") for t in shown) + " |")
    print("| --- |" + " --- |" * len(shown))
    for n in sorted({r["round"] for rs in writes.values() for r in rs}):
        cell = lambda t: fig([r for r in writes[t] if r["round"] == n])
        print(f"| {n} | " + " | ".join(cell(t) for t in shown) + " |")
    print()
fan = [r for r in rows if r.get("part", "").startswith(("fanout-", "memory"))]
if fan:
    print("## Fan-out and memory (`pendingActionEvents` with `campaign { name }`, PostgreSQL)\n")
    print("| run | connections | delivery p50 / p99 / max | missing deliveries | VmRSS (all instances) |\n| --- | --- | --- | --- | --- |")
    for r in fan:
        for s in r["stages"]:
            print(f"| {r['part']} | {s['connections']} ({s['failed_connections']} failed) | {s['p50_ms']:.0f} / {s['p99_ms']:.0f} / {s['max_ms']:.0f} ms "
                  f"| {s['missing']} of {s['connections'] * s['events']} | {s['rss_kb'] / 1024:.0f} MB |")
    print()
    for r in fan:
        later = f", 10 s after {r['rss_closed_10s_kb'] / 1024:.0f} MB" if "rss_closed_10s_kb" in r else ""
        load = f" (load average {r['load_start']} at the start, {r['load_end']} at the end)" if "load_start" in r else ""
        print(f"- {r['part']}: VmRSS idle {r['rss_idle_kb'] / 1024:.0f} MB, 3 s after the WebSockets closed "
              f"{r['rss_closed_kb'] / 1024:.0f} MB{later}{load}.")
    runs = {r["part"]: r for r in fan}
    pairs = [(p, p + "-before") for p in ("fanout-one", "fanout-two", "memory") if p in runs and p + "-before" in runs]
    if pairs:
        print("\n| after / before (BENCH_BASELINE), same run | connections | p99 | VmRSS at the stage |\n| --- | --- | --- | --- |")
        for after, before in pairs:
            for a, b in zip(runs[after]["stages"], runs[before]["stages"]):
                p99 = a["p99_ms"] / b["p99_ms"] if b["p99_ms"] else float("nan")
                print(f"| {after} | {a['connections']} | {a['p99_ms']:.0f} / {b['p99_ms']:.0f} ms = **{p99:.2f}x** "
                      f"| {a['rss_kb'] / 1024:.0f} / {b['rss_kb'] / 1024:.0f} MB = {a['rss_kb'] / b['rss_kb']:.2f}x |")
        if "memory" in runs and "memory-before" in runs:
            a, b = runs["memory"], runs["memory-before"]
            for key, label in (("rss_closed_kb", "3 s"), ("rss_closed_10s_kb", "10 s")):
                if key in a and key in b:
                    print(f"| memory, {label} after all closed | | | {a[key] / 1024:.0f} / {b[key] / 1024:.0f} MB = **{a[key] / b[key]:.2f}x** |")
    print()
print("## Commands\n\n```\n" + (out / "commands.txt").read_text().strip() + "\n```")
