"""`--html`: one self-contained page (inline CSS and SVG; no script, no network) with the
summary, the latency histogram and a timeline of throughput and p99."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from hub.loadtest.report import summary

W, H, PAD = 760, 240, 56
CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:820px;color:#222}
h1{font-size:1.3rem}h2{font-size:1.05rem;margin-top:2rem}
pre{background:#f6f6f6;padding:1rem;white-space:pre-wrap;font-size:12px}
.ok{color:#176f2c}.bad{color:#b3261e}svg{background:#fcfcfc;border:1px solid #ddd}
svg text{font:11px system-ui,sans-serif;fill:#555}
"""


def _num(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.3g}M"
    if value >= 1000:
        return f"{value / 1000:.3g}k"
    return f"{value:.3g}"


def _axis(max_y: float, label: str, right: bool = False) -> str:
    x = W - PAD if right else PAD
    anchor = "start" if right else "end"
    dx = 6 if right else -6
    parts = []
    for i in range(5):
        value = max_y * i / 4
        y = H - PAD + (PAD * 2 - H) * i / 4
        parts.append(f'<text x="{x + dx}" y="{y + 4:.1f}" text-anchor="{anchor}">'
                     f"{_num(value)}</text>")
        if not right:
            parts.append(f'<line x1="{PAD}" x2="{W - PAD}" y1="{y:.1f}" y2="{y:.1f}" '
                         f'stroke="#eee"/>')
    ly = PAD - 14
    parts.append(f'<text x="{x}" y="{ly}" text-anchor="{"end" if right else "start"}">'
                 f"{escape(label)}</text>")
    return "".join(parts)


def histogram_svg(bins: list[dict[str, Any]]) -> str:
    if not bins:
        return "<p>No deliveries.</p>"
    top = max(b["count"] for b in bins) or 1
    width = (W - 2 * PAD) / len(bins)
    bars, labels = [], []
    for i, b in enumerate(bins):
        h = (H - 2 * PAD) * b["count"] / top
        x = PAD + i * width
        bars.append(f'<rect x="{x + 1:.1f}" y="{H - PAD - h:.1f}" width="{max(width - 2, 1):.1f}"'
                    f' height="{h:.1f}" fill="#3d7bd9"><title>{b["low_ms"]:g}–{b["high_ms"]:g}'
                    f' ms: {b["count"]}</title></rect>')
        if i % max(1, len(bins) // 8) == 0:
            labels.append(f'<text x="{x:.1f}" y="{H - PAD + 16}">{b["low_ms"]:.3g}</text>')
    return (f'<svg viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
            f'aria-label="latency histogram">{_axis(top, "deliveries")}{"".join(bars)}'
            f'{"".join(labels)}<text x="{W / 2}" y="{H - 8}" text-anchor="middle">'
            f"latency, ms (log buckets)</text></svg>")


def _path(points: list[tuple[float, float]], max_x: float, max_y: float) -> str:
    coords = [(PAD + (W - 2 * PAD) * x / (max_x or 1), H - PAD - (H - 2 * PAD) * y / (max_y or 1))
              for x, y in points]
    return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(coords))


def timeline_svg(timeline: list[dict[str, Any]]) -> str:
    if not timeline:
        return "<p>No timeline.</p>"
    max_t = max(s["t"] for s in timeline) or 1
    rate = [(s["t"], s["deliveries"]) for s in timeline]
    p99 = [(s["t"], s["p99_ms"]) for s in timeline if s["deliveries"]]
    top_rate = max(v for _, v in rate) or 1
    top_p99 = max((v for _, v in p99), default=0) or 1
    ticks = "".join(f'<text x="{PAD + (W - 2 * PAD) * t / max_t:.1f}" y="{H - PAD + 16}" '
                    f'text-anchor="middle">{t}s</text>'
                    for t in range(0, max_t + 1, max(1, max_t // 10)))
    return (f'<svg viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
            f'aria-label="throughput and p99 over time">'
            f'{_axis(top_rate, "deliveries/s")}{_axis(top_p99, "p99 ms", right=True)}'
            f'<path d="{_path(rate, max_t, top_rate)}" fill="none" stroke="#3d7bd9" '
            f'stroke-width="2"/><path d="{_path(p99, max_t, top_p99)}" fill="none" '
            f'stroke="#d9653d" stroke-width="2" stroke-dasharray="4 3"/>{ticks}</svg>'
            f'<p><span style="color:#3d7bd9">━ deliveries/s</span> &nbsp; '
            f'<span style="color:#d9653d">╍ p99 latency (ms)</span></p>')


def server_svg(timeline: list[dict[str, Any]]) -> str:
    cpu = [(s["t"], s["cpu_percent"]) for s in timeline if s["cpu_percent"] is not None]
    rss = [(s["t"], s["rss_mb"]) for s in timeline if s["rss_mb"] is not None]
    if not cpu:
        return ""
    max_t = max(s["t"] for s in timeline) or 1
    top_cpu = max(v for _, v in cpu) or 1
    top_rss = max((v for _, v in rss), default=0) or 1
    return (f'<h2>Hub process</h2><svg viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
            f'role="img" aria-label="hub CPU and RSS">{_axis(top_cpu, "CPU %")}'
            f'{_axis(top_rss, "RSS MB", right=True)}<path d="{_path(cpu, max_t, top_cpu)}" '
            f'fill="none" stroke="#7a3dd9" stroke-width="2"/><path d="'
            f'{_path(rss, max_t, top_rss)}" fill="none" stroke="#3da55d" stroke-width="2"/>'
            f'</svg><p><span style="color:#7a3dd9">━ CPU %</span> &nbsp; '
            f'<span style="color:#3da55d">━ RSS MB</span></p>')


def render(report: dict[str, Any]) -> str:
    verdict = ('<p class="ok">Result: OK — nothing lost, duplicated or out of order.</p>'
               if report["ok"] else
               f'<p class="bad">Result: FAILED — {escape("; ".join(report["problems"]))}</p>')
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>Kongjian load test {escape(report['started'])}</title>"
            f"<style>{CSS}</style></head><body>"
            f"<h1>Kongjian load test — {escape(report['url'])}</h1>"
            f"<p>{escape(report['started'])}</p>{verdict}"
            f"<pre>{escape(summary(report))}</pre>"
            f"<h2>Latency, op send → receipt</h2>{histogram_svg(report['histogram'])}"
            f"<h2>Timeline</h2>{timeline_svg(report['timeline'])}"
            f"{server_svg(report['timeline'])}</body></html>")


def write(report: dict[str, Any], path: Path) -> None:
    path.write_text(render(report), encoding="utf-8")
