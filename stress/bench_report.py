#!/usr/bin/env python3
"""bench_report.py DIR SECONDS: the samples of one stress/bench run
(DIR/tap.log from the agent, DIR/vmem.samples from the host) -> DIR/bench.md
(markdown table), DIR/bench.dat and DIR/bench.gp (gnuplot: bench.png)."""
import re
import sys


def pct(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    k = min(len(sorted_vals) - 1, int(round(p / 100.0 * (len(sorted_vals) - 1))))
    return sorted_vals[k]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bench_report.py DIR SECONDS")
    d, secs = sys.argv[1], float(sys.argv[2])
    samples = {}
    stressng = None
    lines = []
    for name in ("tap.log", "vmem.samples"):
        try:
            with open(f"{d}/{name}", errors="replace") as f:
                lines += f.read().splitlines()
        except FileNotFoundError:
            pass
    for line in lines:
        m = re.match(r"riscv-mhp: bench sample (\S+) (\d+) (-?\d+)", line)
        if m:
            samples.setdefault(m[1], []).append((int(m[2]), int(m[3])))
            continue
        # stress-ng metrics-brief: "... memhotplug  BOGO  REAL  USR  SYS  OPS/S ..."
        m = re.search(r"memhotplug\s+(\d+)\s+([\d.]+)\s+[\d.]+\s+[\d.]+\s+([\d.]+)", line)
        if m:
            stressng = (int(m[1]), float(m[2]), float(m[3]))
    order = ["vmem_grow", "vmem_shrink", "add", "online", "offline", "remove",
             "bare_online", "bare_offline"]
    rows = []
    stats = {}
    for kind in order + sorted(set(samples) - set(order)):
        s = samples.get(kind)
        if not s:
            continue
        ok = sorted(us for us, rc in s if rc == 0)
        total_s = sum(us for us, _ in s) / 1e6
        st = {
            "n": len(s), "ok": len(ok),
            "p50": pct(ok, 50) / 1000.0, "p99": pct(ok, 99) / 1000.0,
            "ops_s": len(ok) / total_s if total_s > 0 else float("nan"),
            "mean_ms": (sum(ok) / len(ok) / 1000.0) if ok else float("nan"),
        }
        stats[kind] = st
        rows.append(kind)
    with open(f"{d}/bench.md", "w") as out:
        out.write("| op | samples | ok | p50 ms | p99 ms | ops/s |\n")
        out.write("|---|---:|---:|---:|---:|---:|\n")
        for k in rows:
            st = stats[k]
            out.write(f"| {k} | {st['n']} | {st['ok']} | {st['p50']:.1f} | "
                      f"{st['p99']:.1f} | {st['ops_s']:.1f} |\n")
        out.write("\n")
        out.write("vmem_grow/vmem_shrink: QMP requested-size set until QEMU reports "
                  "the guest plugged/unplugged it (one 128 MiB step); the rest: "
                  "inside the guest.\n")
        sn = None
        if stressng and stressng[1] > 0:
            sn = stressng[0] / stressng[1]
            out.write(f"stress-ng --memhotplug, same guest, {stressng[1]:.0f} s: "
                      f"{stressng[0]} bogo ops, {sn:.1f} ops/s.\n")
        else:
            out.write("stress-ng --memhotplug: no metrics line found.\n")
        on, off = stats.get("online"), stats.get("offline")
        if on and off and on["ok"] and off["ok"]:
            ours = (on["ok"] + off["ok"]) / ((on["ok"] * on["mean_ms"] +
                                             off["ok"] * off["mean_ms"]) / 1000.0)
            out.write(f"Our online+offline through the harness: {ours:.1f} ops/s "
                      f"(time spent in those ops only)"
                      + (f"; ratio ours/stress-ng: {ours / sn:.2f}" if sn else "") + ".\n")
        for h, b in (("online", "bare_online"), ("offline", "bare_offline")):
            if h in stats and b in stats and stats[b]["ok"] and stats[h]["ok"]:
                hm, bm = stats[h]["mean_ms"], stats[b]["mean_ms"]
                out.write(f"Harness overhead, {h}: mean {hm:.2f} ms vs bare sysfs "
                          f"{bm:.2f} ms ({(hm - bm) / bm * 100:+.0f}%, "
                          f"{hm - bm:+.2f} ms per op).\n")
    with open(f"{d}/bench.dat", "w") as dat:
        for i, k in enumerate(rows):
            dat.write(f"{i} {k} {stats[k]['p50']:.3f} {stats[k]['p99']:.3f}\n")
    with open(f"{d}/bench.gp", "w") as gp:
        gp.write("""set terminal pngcairo size 900,500 noenhanced
set output 'bench.png'
set title 'riscv-mhp bench: per-op latency (TCG guest)'
set ylabel 'ms (log)'
set logscale y
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -30
set key top left
plot 'bench.dat' using 3:xtic(2) title 'p50', '' using 4 title 'p99'
""")


    missing = [k for k in order if not stats.get(k, {}).get("ok")]
    if missing:
        sys.exit(f"bench_report.py: no successful samples of {', '.join(missing)} "
                 f"(see {d}/tap.log: 'riscv-mhp: bench skip' lines)")


if __name__ == "__main__":
    main()
