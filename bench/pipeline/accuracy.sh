#!/bin/sh
# accuracy.sh BUILD_DIR [SCENES] - counts catalogue scenes through the whole
# stereo path of `footfall count` (PNG stereo recording -> calibration ->
# rectify -> SGM -> engine) and scores the line counts against truth.json:
# count accuracy = 1 - sum |counted - truth| / sum truth over lines and
# directions, as `footfall eval` defines it. SCENES is a comma-separated
# list (default sparse_3m,queue_4m,crowd_3m5,children_mix,uturns).
# Recordings go to BUILD_DIR/pipeline_accuracy (kept for reruns).
set -eu
build=${1:?usage: bench/pipeline/accuracy.sh BUILD_DIR [SCENES]}
scenes=${2:-sparse_3m,queue_4m,crowd_3m5,children_mix,uturns}
ff="$build/footfall"
out="$build/pipeline_accuracy"
mkdir -p "$out"
cmake --build "$build" --target footfall_cli -j2 >/dev/null
for s in $(echo "$scenes" | tr ',' ' '); do
	[ -f "$out/$s/truth.json" ] || "$ff" simulate --scene "$s" --stereo -o "$out/$s" >/dev/null
	"$ff" count --left "$out/$s" --calib "$out/$s/calib.yml" --config "$out/$s/rules.json" \
		>"$out/$s/report.json"
done
/usr/bin/python3 - "$out" "$scenes" <<'PY'
import json, sys
out, scenes = sys.argv[1], sys.argv[2].split(',')
err_all = tot_all = 0
for s in scenes:
    truth = json.load(open(f"{out}/{s}/truth.json"))
    rep = json.load(open(f"{out}/{s}/report.json"))
    got = {l["line"]: l for l in rep["line_total_data"]}
    err = tot = 0
    pairs = []
    for t in truth["lines"]:
        g = got[t["id"]]
        err += abs(g["in_counted"] - t["in"]) + abs(g["out_counted"] - t["out"])
        tot += t["in"] + t["out"]
        pairs.append(f'{g["in_counted"]}/{g["out_counted"]} vs {t["in"]}/{t["out"]}')
    err_all += err
    tot_all += tot
    acc = 1 - err / tot if tot else 1.0
    print(f"{s:14s} accuracy {acc:.4f}  in/out {', '.join(pairs)}")
print(f"{'total':14s} accuracy {1 - err_all / tot_all:.4f} ({err_all} errors in {tot_all})")
PY
