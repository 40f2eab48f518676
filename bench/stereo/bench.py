#!/usr/bin/python3
"""Stereo benchmark: our semi-global matcher against OpenCV's StereoSGBM.

Runs bench/stereo/sgm_bench (our matcher, default settings = what
`footfall disparity` uses) and OpenCV's StereoSGBM (the peer, used here only,
never in the product) on every Middlebury scene in --data and on a synthetic
640x400 pair with 64 disparities, and prints one table:

  scene, our bad-2.0 (all / nonocc) and time (best SIMD level and AVX2), our
  bad-2.0 without hole filling (the raw matcher), OpenCV's bad-2.0 and time.

bad-2.0 is the share of pixels with ground truth whose disparity is off by
more than 2 px; pixels without an output disparity count as bad. "all" uses
every pixel with ground truth, "nonocc" the scene's nonocc.png mask.

OpenCV runs single-threaded (cv2.setNumThreads(1)) with the settings of the
brief: same disparity range, blockSize 5, P1 = 8*3*5^2, P2 = 32*3*5^2,
uniqueness 10, speckle window 100 / range 2, disp12MaxDiff 1, on the colour
images (which these penalties are scaled for), in MODE_SGBM_3WAY, and for
reference MODE_SGBM and MODE_HH4. Both matchers are timed in this same run on
the same machine: the fastest of --repeat runs of the matching call alone
(the machine may be shared; the fastest run is the least disturbed one). On
the 640x400 pair both matchers are timed in alternating rounds, so that a
busy spell of the machine hits both.

Needs Debian's python3-opencv: run with /usr/bin/python3.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np

SCENES = ["tsukuba", "venus", "teddy", "cones", "art", "moebius"]
CV_MODES = [("3way", cv2.STEREO_SGBM_MODE_SGBM_3WAY), ("sgbm", cv2.STEREO_SGBM_MODE_SGBM),
            ("hh4", cv2.STEREO_SGBM_MODE_HH4)]


def read_pfm(path):
    with open(path, "rb") as f:
        if f.readline().strip() != b"Pf":
            raise ValueError(path + ": not a greyscale PFM")
        w, h = (int(v) for v in f.readline().split())
        scale = float(f.readline())
        data = np.frombuffer(f.read(w * h * 4), dtype="<f4" if scale < 0 else ">f4")
    return data.reshape(h, w)[::-1].astype(np.float32)


def bad(disp, gt, mask, thresh=2.0):
    """Percentage of mask pixels whose disparity is invalid or off by > thresh."""
    ok = np.isfinite(disp) & (disp >= 0) & (np.abs(disp - gt) <= thresh)
    return 100.0 * np.count_nonzero(mask & ~ok) / max(1, np.count_nonzero(mask))


def load_scene(data, name):
    d = os.path.join(data, name)
    with open(os.path.join(d, "scene.json")) as f:
        meta = json.load(f)
    gt_raw = cv2.imread(os.path.join(d, "disp_gt.png"), cv2.IMREAD_UNCHANGED)
    if gt_raw.ndim == 3:
        gt_raw = gt_raw[:, :, 0]
    gt = gt_raw.astype(np.float32) / meta["scale"]
    nonocc = cv2.imread(os.path.join(d, "nonocc.png"), cv2.IMREAD_UNCHANGED)
    if nonocc.ndim == 3:
        nonocc = nonocc[:, :, 0]
    return {
        "name": name,
        "left": os.path.join(d, "left.png"),
        "right": os.path.join(d, "right.png"),
        "ndisp": meta["num_disparities"],
        "gt": gt,
        "all": gt_raw > 0,
        "nonocc": (nonocc > 127) & (gt_raw > 0),
    }


def synthetic_pair(out_dir, width=640, height=400, seed=7):
    """A textured overhead-like scene with known disparity: a slanted floor,
    boxes and dome-shaped 'people', each with its own multi-scale texture;
    the right view is ray-cast from the same surfaces (occlusions correct),
    with a gain/offset difference, blur and noise between the cameras."""
    rng = np.random.default_rng(seed)
    margin = 96
    wide = width + 2 * margin
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)

    def texture():
        t = np.zeros((height, wide), np.float32)
        for sigma, amp in ((0.7, 1.0), (2.0, 0.8), (6.0, 0.6), (18.0, 0.5)):
            n = rng.standard_normal((height, wide)).astype(np.float32)
            n = cv2.GaussianBlur(n, (0, 0), sigma)
            t += amp * n / (n.std() + 1e-6)
        t = (t - t.mean()) / (t.std() + 1e-6)
        return np.clip(128 + 45 * t, 0, 255).astype(np.float32)

    # Surfaces: (disparity function of left coordinates, support test, texture)
    surfaces = [(lambda x, y: 14.0 + 8.0 * y / height + 3.0 * x / width,
                 lambda x, y: np.ones_like(x, bool), texture())]
    for _ in range(3):
        x0, y0 = rng.uniform(60, width - 120), rng.uniform(40, height - 100)
        bw, bh, bd = rng.uniform(50, 110), rng.uniform(40, 90), rng.uniform(26, 34)
        surfaces.append((lambda x, y, bd=bd, x0=x0: bd + 0.02 * (x - x0),
                         lambda x, y, x0=x0, y0=y0, bw=bw, bh=bh:
                         (x >= x0) & (x < x0 + bw) & (y >= y0) & (y < y0 + bh), texture()))
    for _ in range(7):
        cx, cy = rng.uniform(50, width - 50), rng.uniform(50, height - 50)
        rx, ry = rng.uniform(22, 40), rng.uniform(20, 34)
        base, top = rng.uniform(34, 42), rng.uniform(12, 20)

        def dome(x, y, cx=cx, cy=cy, rx=rx, ry=ry, base=base, top=top):
            r2 = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2
            return base + top * np.sqrt(np.clip(1.0 - r2, 0.0, 1.0))

        surfaces.append((dome, lambda x, y, cx=cx, cy=cy, rx=rx, ry=ry:
                         ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 < 1.0, texture()))

    def render(shift):
        """View whose pixel u sees left coordinate x with x - shift*d(x) = u."""
        best_d = np.full((height, width), -1.0, np.float32)
        img = np.zeros((height, width), np.float32)
        owner = np.zeros((height, width), np.int32)
        for k, (dfun, inside, tex) in enumerate(surfaces):
            x = xs.copy()
            for _ in range(8):
                x = xs + shift * dfun(x, ys)
            d = dfun(x, ys)
            cover = inside(x, ys) & (d > best_d) & (x > -margin + 1) & (x < width + margin - 2)
            val = cv2.remap(tex, (x + margin).astype(np.float32), ys, cv2.INTER_LINEAR)
            best_d = np.where(cover, d, best_d)
            img = np.where(cover, val, img)
            owner = np.where(cover, k, owner)
        return img, best_d, owner

    left, gt, lowner = render(0.0)
    right, _, rowner = render(1.0)
    right = 0.9 * right + 10.0
    left = cv2.GaussianBlur(left, (0, 0), 0.6) + rng.normal(0, 1.5, left.shape)
    right = cv2.GaussianBlur(right, (0, 0), 0.6) + rng.normal(0, 1.5, right.shape)
    xr = np.round(xs - gt).astype(np.int64)
    inside = xr >= 0
    seen = np.zeros_like(inside)
    seen[inside] = rowner[ys.astype(np.int64)[inside], xr[inside]] == lowner[inside]
    lp = os.path.join(out_dir, "synthetic_left.png")
    rp = os.path.join(out_dir, "synthetic_right.png")
    cv2.imwrite(lp, np.clip(left + 0.5, 0, 255).astype(np.uint8))
    cv2.imwrite(rp, np.clip(right + 0.5, 0, 255).astype(np.uint8))
    return {"name": "synthetic640x400", "left": lp, "right": rp, "ndisp": 64, "gt": gt,
            "all": np.ones(gt.shape, bool), "nonocc": seen}


def run_ours(bench, scene, out_dir, repeat, extra):
    pfm = os.path.join(out_dir, scene["name"] + ".pfm")
    cmd = [bench, scene["left"], scene["right"], "--max-disparity", str(scene["ndisp"]),
           "--repeat", str(repeat), "-o", pfm] + extra
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    info = json.loads(res.stdout)
    return read_pfm(pfm), info["min_ms"], info


def run_opencv(scene, mode, repeat, colour=True):
    flag = cv2.IMREAD_COLOR if colour else cv2.IMREAD_GRAYSCALE
    left = cv2.imread(scene["left"], flag)
    right = cv2.imread(scene["right"], flag)
    cn = 3 if colour else 1
    m = cv2.StereoSGBM_create(minDisparity=0, numDisparities=scene["ndisp"], blockSize=5,
                              P1=8 * cn * 25, P2=32 * cn * 25, disp12MaxDiff=1,
                              uniquenessRatio=10, speckleWindowSize=100, speckleRange=2,
                              mode=mode)
    disp = m.compute(left, right)
    times = []
    for _ in range(repeat):
        t0 = cv2.getTickCount()
        disp = m.compute(left, right)
        times.append((cv2.getTickCount() - t0) * 1000.0 / cv2.getTickFrequency())
    d = disp.astype(np.float32) / 16.0
    d[disp < 0] = np.inf
    return d, float(np.min(times))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bench", required=True, help="the sgm_bench program")
    ap.add_argument("--data", required=True, help="the Middlebury directory")
    ap.add_argument("--repeat", type=int, default=10, help="timed runs per matcher and scene")
    ap.add_argument("--out", help="keep disparities and the synthetic pair here")
    ap.add_argument("--ours", default="", help="extra sgm_bench options for every run (tuning)")
    ap.add_argument("--scenes", default=",".join(SCENES + ["synthetic"]))
    ap.add_argument("--no-opencv", action="store_true",
                    help="only our matcher (quick comparisons of --ours options)")
    args = ap.parse_args()
    cv2.setNumThreads(1)

    out_dir = args.out or tempfile.mkdtemp(prefix="footfall-stereo-")
    os.makedirs(out_dir, exist_ok=True)
    wanted = args.scenes.split(",")
    scenes = [load_scene(args.data, s) for s in SCENES if s in wanted]
    if "synthetic" in wanted:
        scenes.append(synthetic_pair(out_dir))
    extra = args.ours.split()
    # Our matcher: the defaults (best SIMD level), the same on AVX2 only
    # (identical output, timed), and the raw matcher without hole filling.
    avx2 = ["--simd", "avx2"] if subprocess.run(
        [args.bench, scenes[0]["left"], scenes[0]["right"], "--max-disparity",
         str(scenes[0]["ndisp"]), "--simd", "avx2"], capture_output=True).returncode == 0 else None

    print("| scene | N | ours all | ours nonocc | ours ms | ours ms AVX2 | no-fill all "
          "| no-fill nonocc | 3way all | 3way nonocc | 3way ms | sgbm all | sgbm nonocc "
          "| sgbm ms | hh4 all | hh4 nonocc | hh4 ms |")
    print("|" + "---|" * 17)
    cols = {}
    speed = None
    for sc in scenes:
        def score(d):
            return bad(d, sc["gt"], sc["all"]), bad(d, sc["gt"], sc["nonocc"])

        d, ms, info = run_ours(args.bench, sc, out_dir, args.repeat, extra)
        ours = score(d)
        ms2 = run_ours(args.bench, sc, out_dir, args.repeat, extra + avx2)[1] if avx2 else None
        raw = score(run_ours(args.bench, sc, out_dir, 1, extra + ["--fill", "0"])[0])
        row = [sc["name"], str(sc["ndisp"]), "%.2f" % ours[0], "%.2f" % ours[1], "%.2f" % ms,
               "%.2f" % ms2 if ms2 else "-", "%.2f" % raw[0], "%.2f" % raw[1]]
        cols.setdefault("ours", []).append(ours)
        cols.setdefault("raw", []).append(raw)
        for name, mode in CV_MODES:
            if args.no_opencv:
                cols.setdefault(name, []).append((np.nan, np.nan))
                row += ["-", "-", "-"]
                continue
            cd, cms = run_opencv(sc, mode, args.repeat if name == "3way" else
                                 max(1, args.repeat // 3))
            cv = score(cd)
            row += ["%.2f" % cv[0], "%.2f" % cv[1], "%.2f" % cms]
            cols.setdefault(name, []).append(cv)
            if name == "3way":
                cols.setdefault("wins", []).append(ours[0] <= cv[0] and ours[1] <= cv[1])
                cols.setdefault("raw_wins", []).append(raw[0] <= cv[0] and raw[1] <= cv[1])
                if sc["name"].startswith("synthetic"):
                    speed = (ms, ms2, cms, info)
        print("| " + " | ".join(row) + " |", flush=True)

    def mean(name):
        return ["%.2f" % np.mean([t[0] for t in cols[name]]),
                "%.2f" % np.mean([t[1] for t in cols[name]])]
    print("| mean | | " + " | ".join(mean("ours") + ["", ""] + mean("raw") + mean("3way") + [""]
                                   + mean("sgbm") + [""] + mean("hh4") + [""]) + " |")
    if not args.no_opencv:
        print("\nscenes where ours (defaults) is no worse than SGBM_3WAY on both masks: %d of %d; "
              "without hole filling: %d of %d"
              % (sum(cols["wins"]), len(cols["wins"]), sum(cols["raw_wins"]),
                 len(cols["raw_wins"])))
    if speed:
        ours, ours2, cv, info = speed
        sc = [x for x in scenes if x["name"].startswith("synthetic")][0]
        for _ in range(4):
            ours = min(ours, run_ours(args.bench, sc, out_dir, args.repeat, extra)[1])
            if ours2:
                ours2 = min(ours2, run_ours(args.bench, sc, out_dir, args.repeat,
                                            extra + avx2)[1])
            cv = min(cv, run_opencv(sc, cv2.STEREO_SGBM_MODE_SGBM_3WAY, args.repeat)[1])
        print("640x400, 64 disparities, one thread, fastest of 5 alternating rounds of %d runs: "
              "ours %.2f ms = %.1f fps (%s)%s; "
              "OpenCV SGBM_3WAY %.2f ms = %.1f fps; ratio %.2fx%s; 60 fps needs %.2f ms"
              % (args.repeat, ours, 1000.0 / ours, info["simd"],
                 ", %.2f ms = %.1f fps (avx2)" % (ours2, 1000.0 / ours2) if ours2 else "",
                 cv, 1000.0 / cv, cv / ours,
                 " (avx2: %.2fx)" % (cv / ours2) if ours2 else "", 1000.0 / 60))
    syn = [sc for sc in scenes if sc["name"].startswith("synthetic")]
    if syn:
        print("\nSpeed of our matcher on the 640x400 pair, 64 disparities (fastest of %d runs):"
              % args.repeat)
        print("| variant | ms | fps |\n|---|---|---|")
        for label, opts in [("scalar (portable C)", ["--simd", "scalar"]),
                            ("SSE2", ["--simd", "sse2"]), ("SSE4.1", ["--simd", "sse4.1"]),
                            ("AVX2", ["--simd", "avx2"]), ("AVX-512", ["--simd", "avx512"]),
                            ("best level, 8 paths", ["--paths", "8"]),
                            ("best level, 2 threads", ["--threads", "2"]),
                            ("AVX2, 2 threads", ["--simd", "avx2", "--threads", "2"])]:
            try:
                reps = max(1, args.repeat // 10) if "scalar" in opts else args.repeat
                ms = run_ours(args.bench, syn[0], out_dir, reps, extra + opts)[1]
                print("| %s | %.2f | %.1f |" % (label, ms, 1000.0 / ms))
            except subprocess.CalledProcessError:
                print("| %s | not supported here | |" % label)
    print("\noutputs in", out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
