#!/usr/bin/python3
"""Regenerates the calibration fixtures of tests/test_calib.c and
tests/test_rectify.c with OpenCV's own FileStorage writer and stereoRectify,
so that the files are byte-for-byte what OpenCV tools produce.

Run from anywhere with the system Python (python3-opencv): it prints the C
reference values that tests/test_rectify.c embeds.
"""
import json
import os

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE = (1280, 800)

K1 = np.array([[802.3, 0, 641.2], [0, 801.7, 398.6], [0, 0, 1]])
D1 = np.array([[-0.052, 0.031, 0.0004, -0.0003, -0.006]])
K2 = np.array([[799.8, 0, 636.5], [0, 799.1, 402.3], [0, 0, 1]])
D2 = np.array([[-0.049, 0.027, -0.0002, 0.0005, -0.004]])
R, _ = cv2.Rodrigues(np.array([0.004, -0.012, 0.002]))
T_MM = np.array([[-75.3], [0.21], [-0.35]])


def storage(path, items):
    fs = cv2.FileStorage(path, cv2.FILE_STORAGE_WRITE)
    for key, val in items:
        if key == "imageSize":
            fs.startWriteStruct(key, cv2.FileNode_SEQ | cv2.FileNode_FLOW)
            for v in val:
                fs.write("", int(v))
            fs.endWriteStruct()
        else:
            fs.write(key, val)
    fs.release()


def opencv_files():
    items = [("imageSize", SIZE), ("M1", K1), ("D1", D1), ("M2", K2), ("D2", D2),
             ("R", R), ("T", T_MM)]
    storage(os.path.join(HERE, "opencv_stereo.yml"), items)
    storage(os.path.join(HERE, "opencv_stereo.xml"), items)
    # The pair OpenCV's samples/cpp/stereo_calib.cpp writes (no image size).
    r1, r2, p1, p2, q, _, _ = cv2.stereoRectify(K1, D1, K2, D2, SIZE, R, T_MM, alpha=0)
    storage(os.path.join(HERE, "stereo_calib", "intrinsics.yml"),
            [("M1", K1), ("D1", D1), ("M2", K2), ("D2", D2)])
    storage(os.path.join(HERE, "stereo_calib", "extrinsics.yml"),
            [("R", R), ("T", T_MM), ("R1", r1), ("R2", r2), ("P1", p1), ("P2", p2), ("Q", q)])


def cam(width, height, k, d, ext):
    coeffs = list(d.ravel()) + [0.0] * (14 - d.size)
    return {"cameraType": 0, "distortionCoeff": coeffs, "extrinsics": ext, "height": height,
            "intrinsicMatrix": k.tolist(), "lensPosition": 0, "specHfovDeg": 71.86,
            "width": width}


def link(r, t_cm, to, spec=None):
    def point(v):
        return {"x": float(v[0]), "y": float(v[1]), "z": float(v[2])}
    t = point(t_cm)
    s = point(spec) if spec is not None else t
    return {"rotationMatrix": np.asarray(r).tolist(), "specTranslation": s,
            "toCameraSocket": to, "translation": t}


NO_LINK = link(np.zeros((3, 3)), [0, 0, 0], -1)


def depthai_files():
    t_cm = T_MM.ravel() / 10.0
    rgb_k = np.array([[1490.0, 0, 955.0], [0, 1490.0, 540.0], [0, 0, 1]])
    # right -> rgb: the colour camera sits 3.75 cm left of the right camera.
    r_rgb, _ = cv2.Rodrigues(np.array([0.001, 0.003, -0.002]))
    t_rgb = np.array([3.75, 0.05, -0.1])
    r1, r2, _, _, _, _, _ = cv2.stereoRectify(K1, D1, K2, D2, SIZE, R, T_MM, alpha=0)
    base = {
        "batchName": "", "batchTime": 1700000000, "boardConf": "IR-C00M00-00",
        "boardCustom": "", "boardName": "DM9098", "boardOptions": 0, "boardRev": "R3M2E3",
        "hardwareConf": "F1-FV00-BC001", "imuExtrinsics": link(np.eye(3), [0, 0, 0], -1),
        "miscellaneousData": [], "productName": "OAK-D-S2-FF", "version": 7,
        "stereoEnableDistortionCorrection": True, "stereoUseSpecTranslation": False,
        "stereoRectificationData": {"leftCameraSocket": 1, "rightCameraSocket": 2,
                                    "rectifiedRotationLeft": r1.tolist(),
                                    "rectifiedRotationRight": r2.tolist()},
    }
    rgb = cam(1920, 1080, rgb_k, np.zeros((1, 14)), NO_LINK)

    def write(name, left_ext, right_ext):
        doc = dict(base)
        doc["cameraData"] = [[0, rgb], [1, cam(SIZE[0], SIZE[1], K1, D1, left_ext)],
                             [2, cam(SIZE[0], SIZE[1], K2, D2, right_ext)]]
        with open(os.path.join(HERE, name), "w") as f:
            json.dump(doc, f, indent=4)
            f.write("\n")

    # As devices store it: left -> right -> rgb.
    write("depthai_oakd.json", link(R, t_cm, 2, [-7.5, 0, 0]), link(r_rgb, t_rgb, 0))
    # The stereo link stored on the right camera: x_left = R' x_right - R' T.
    write("depthai_inverted.json", NO_LINK, link(R.T, -R.T @ t_cm, 1))
    # Both cameras linked to the colour camera only.
    r_l = r_rgb @ R
    t_l = r_rgb @ t_cm + t_rgb
    write("depthai_via_rgb.json", link(r_l, t_l, 0), link(r_rgb, t_rgb, 0))


def c_array(name, values):
    return "static const double %s[] = {%s};" % (name, ", ".join("%.17g" % v for v in values))


def reference():
    """14-coefficient calibration and OpenCV's own rectification of it."""
    k1 = np.array([[795.0, 0, 652.0], [0, 798.0, 391.0], [0, 0, 1]])
    k2 = np.array([[805.0, 0, 630.0], [0, 803.0, 405.0], [0, 0, 1]])
    d1 = np.array([[-0.21, 0.05, 0.001, -0.0008, 0.01, 0.002, -0.001, 0.0005,
                    0.0012, -0.0004, 0.0009, 0.0002, 0.01, -0.008]])
    d2 = np.array([[-0.19, 0.04, -0.0006, 0.0011, 0.008, 0.001, 0.0007, -0.0003,
                    -0.0008, 0.0003, -0.0011, 0.0001, -0.006, 0.009]])
    r, _ = cv2.Rodrigues(np.array([0.01, -0.03, 0.015]))
    t = np.array([[-0.09], [0.004], [-0.003]])
    storage(os.path.join(HERE, "opencv_reference.yml"),
            [("imageSize", SIZE), ("M1", k1), ("D1", d1), ("M2", k2), ("D2", d2), ("R", r),
             ("T", t)])
    r1, r2, p1, p2, _, _, _ = cv2.stereoRectify(k1, d1, k2, d2, SIZE, r, t, alpha=0)
    pts = np.array([[-0.6, -0.4], [0.0, 0.0], [0.5, -0.3], [-0.3, 0.45], [0.65, 0.42],
                    [0.1, -0.2]])
    print(c_array("cv_r1", r1.ravel()))
    print(c_array("cv_r2", r2.ravel()))
    print(c_array("cv_rect_pts", pts.ravel()))
    for side, (rr, kk, dd, pp) in enumerate([(r1, k1, d1, p1), (r2, k2, d2, p2)]):
        rays = np.hstack([pts, np.ones((len(pts), 1))]) @ rr  # rows: R' * ray
        raw, _ = cv2.projectPoints(rays, np.zeros(3), np.zeros(3), kk, dd)
        raw = raw.reshape(-1, 2)
        # OpenCV's remap tables hold the same projection (checked at one pixel).
        mx, my = cv2.initUndistortRectifyMap(kk, dd, rr, pp, SIZE, cv2.CV_32FC1)
        ui, vi = 400, 300
        ray = np.array([[(ui - pp[0, 2]) / pp[0, 0], (vi - pp[1, 2]) / pp[1, 1], 1.0]]) @ rr
        chk, _ = cv2.projectPoints(ray, np.zeros(3), np.zeros(3), kk, dd)
        assert abs(chk[0, 0, 0] - mx[vi, ui]) < 1e-2 and abs(chk[0, 0, 1] - my[vi, ui]) < 1e-2
        print(c_array("cv_raw_%s" % ("left", "right")[side], raw.ravel()))
    print("/* OpenCV alpha=0 P1: f %.3f cx %.3f cy %.3f */" % (p1[0, 0], p1[0, 2], p1[1, 2]))


if __name__ == "__main__":
    opencv_files()
    depthai_files()
    reference()
