#!/usr/bin/env python3
"""subpixel.py DISPARITY.pfm - how sub-pixel disparities spread over a pixel.

Prints, for the finite disparities of a PFM written by `footfall disparity`,
the share (per cent) falling in each sixteenth of a pixel. An even spread is
about 6 % per bin; a matcher that locks to whole pixels piles them up in the
first and last bins. Needs numpy (python3-numpy, pulled in by
python3-opencv).
"""
import sys

import numpy as np


def read_pfm(path):
    with open(path, "rb") as f:
        if f.readline().strip() != b"Pf":
            sys.exit(f"{path}: not a grey PFM")
        width, height = map(int, f.readline().split())
        scale = float(f.readline())
        data = np.fromfile(f, dtype="<f4" if scale < 0 else ">f4")
    if data.size != width * height:
        sys.exit(f"{path}: {data.size} values for {width}x{height}")
    return data


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: subpixel.py DISPARITY.pfm")
    d = read_pfm(sys.argv[1])
    d = d[np.isfinite(d)]
    if d.size == 0:
        sys.exit(f"{sys.argv[1]}: no finite disparity")
    counts = np.histogram(d - np.floor(d), bins=16, range=(0, 1))[0]
    print("sixteenth of a pixel: " + " ".join(f"{i:4d}" for i in range(16)))
    print("share of pixels (%):  " + " ".join(f"{100 * c / d.size:4.1f}" for c in counts))


main()
