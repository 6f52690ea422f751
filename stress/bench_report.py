#!/usr/bin/env python3
"""bench_report.py DIR SECONDS: the samples of one stress/bench run
(DIR/tap.log from the agent, DIR/vmem.samples from the host) -> DIR/bench.md
(markdown table), DIR/bench.dat and DIR/bench.gp (gnuplot: bench.png)."""
import re
import sys


OVERHEAD_TARGET = 20   # % per op over a bare sysfs write (issue 14, item 8)


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
    parts = {}      # kind -> [(pre, act, inv, log) us] of its successful harness ops
    counts = {}
    stressng = None
    lines = []
    for name in ("tap.log", "vmem.samples"):
        try:
            with open(f"{d}/{name}", errors="replace") as f:
                lines += f.read().splitlines()
        except FileNotFoundError:
            pass
    for line in lines:
        m = re.match(r"riscv-mhp: bench sample (\S+) (\d+) (-?\d+)(?: (\d+) (\d+) (\d+) (\d+))?", line)
        if m:
            samples.setdefault(m[1], []).append((int(m[2]), int(m[3])))
            if m[4] is not None and int(m[3]) == 0:
                parts.setdefault(m[1], []).append(tuple(int(m[i]) for i in range(4, 8)))
            continue
        # stress-ng metrics-brief: "... memhotplug  BOGO  REAL  USR  SYS  OPS/S ..."
        # stress-ng metrics-brief: "... memhotplug  BOGO  REAL  USR  SYS  OPS/S ..."
        m = re.search(r"memhotplug\s+(\d+)\s+([\d.]+)\s+[\d.]+\s+[\d.]+\s+([\d.]+)", line)
        if m:
            stressng = (int(m[1]), float(m[2]), float(m[3]))
        m = re.match(r"riscv-mhp: bench stress-ng-uevents (-?\d+)", line)
        if m:
            counts["stressng_uevents"] = int(m[1])
        m = re.match(r"riscv-mhp: bench toggle (\d+) cycles, (-?\d+) uevents", line)
        if m:
            counts["toggle"] = (int(m[1]), int(m[2]))
        m = re.match(r"riscv-mhp: bench harness-memhotplug (\d+) bogo ops, ([\d.]+) s, (-?\d+) uevents", line)
        if m:
            counts["ours"] = (int(m[1]), float(m[2]), int(m[3]))
    order = ["vmem_grow", "vmem_shrink", "add", "new_online", "last_offline", "remove",
             "online", "offline", "bare_online", "bare_offline", "loop_offline", "loop_online"]
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
        out.write("| op | samples | ok | p50 ms | p99 ms | mean ms | ops/s "
                  "| pre | act | inv | log | rest |\n")
        out.write("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
        for k in rows:
            st = stats[k]
            split = "| | | | |"
            if parts.get(k):
                n = len(parts[k])
                pre, act, inv, log = (sum(p[i] for p in parts[k]) / n / 1000.0 for i in range(4))
                rest = st["mean_ms"] - pre - act - inv - log
                split = f"{pre:.2f} | {act:.2f} | {inv:.2f} | {log:.2f} | {rest:.2f} |"
            out.write(f"| {k} | {st['n']} | {st['ok']} | {st['p50']:.2f} | "
                      f"{st['p99']:.2f} | {st['mean_ms']:.2f} | {st['ops_s']:.1f} | {split}\n")
        out.write("\n")
        out.write("vmem_grow/vmem_shrink: QMP requested-size set until QEMU reports "
                  "the guest plugged/unplugged it (one 128 MiB step); the rest: "
                  "inside the guest.\n")
        out.write("new_online/last_offline: a block just added, or about to be removed; "
                  "online/offline: one added block onlined (movable) and offlined through the "
                  "harness, bare_*: the same block by bare sysfs writes, in turn with them; "
                  "loop_*: stress-ng's loop through the harness. pre/act/inv/log: where a "
                  "harness op's time goes (mean ms): precondition and target, the write, "
                  "the invariant, the op's log line.\n\n")
        out.write("## Against the targets\n\n")
        verdicts = []
        for h, b in (("online", "bare_online"), ("offline", "bare_offline")):
            if h in stats and b in stats and stats[b]["ok"] and stats[h]["ok"]:
                hm, bm = stats[h]["mean_ms"], stats[b]["mean_ms"]
                over = (hm - bm) / bm * 100
                ok = over <= OVERHEAD_TARGET
                verdicts.append(ok)
                out.write(f"- Harness overhead, {h}: mean {hm:.2f} ms against bare sysfs "
                          f"{bm:.2f} ms: {over:+.0f}% ({hm - bm:+.2f} ms per op); target "
                          f"<= +{OVERHEAD_TARGET}%: {'met' if ok else 'MISSED'}.\n")
        tog = counts.get("toggle")
        if tog:
            good = tog[1] == 4 * tog[0]
            out.write(f"- uevents as a count of state changes: {tog[0]} toggle cycles (4 "
                      f"changes each) sent {tog[1]} ({'as expected' if good else 'NOT 4 per cycle: the counts below are not trusted'}).\n")
        else:
            good = False
        on, off = stats.get("online"), stats.get("offline")
        sn_bogo = stressng[0] / stressng[1] if stressng and stressng[1] > 0 else None
        if sn_bogo and on and off and on["ok"] and off["ok"]:
            # the measure: successful harness online+offline per second in them
            per_op = (on["ok"] + off["ok"]) / ((on["ok"] * on["mean_ms"] +
                                                off["ok"] * off["mean_ms"]) / 1000.0)
            ok = per_op >= sn_bogo
            verdicts.append(ok)
            out.write(f"- ops/s: online+offline through the harness {per_op:.1f}/s (successful "
                      f"ops, time in them) against stress-ng --memhotplug's {sn_bogo:.1f} bogo "
                      f"ops/s (every block offlined and onlined in turn, one bogo op per block, "
                      f"failures included), same guest: ratio {per_op / sn_bogo:.2f}; target "
                      f">= 1: {'met' if ok else 'MISSED'}.\n")
        else:
            verdicts.append(False)
            out.write("- ops/s against stress-ng: no metrics (see tap.log).\n")
        ours = counts.get("ours")
        if sn_bogo and ours and ours[1] > 0:
            our_bogo = ours[0] / ours[1]
            out.write(f"- Loop for loop (stress-ng's loop through the harness, wall clock, every "
                      f"op's checks and log line): {ours[0]} bogo ops in {ours[1]:.1f} s, "
                      f"{our_bogo:.1f}/s against stress-ng's {stressng[0]} in {stressng[1]:.1f} s; "
                      f"ratio {our_bogo / sn_bogo:.2f}")
            sn_ev = counts.get("stressng_uevents", 0)
            if good and sn_ev > 0 and ours[2] >= 0:
                out.write(f"; state changes (uevents) {ours[2] / ours[1]:.1f}/s against "
                          f"{sn_ev / stressng[1]:.1f}/s, ratio "
                          f"{ours[2] / ours[1] / (sn_ev / stressng[1]):.2f}")
            out.write(" (not a target: what each op's precondition costs on top of the "
                      "two writes stress-ng makes per block; see pre).\n")
        out.write(f"\nTargets: {'all met' if verdicts and all(verdicts) else 'NOT all met'}.\n")
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
