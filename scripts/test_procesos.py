#!/usr/bin/env python3
"""Tests of scripts/procesos.py (standard library only; run by scripts/test.sh, phase 2):

    python3 scripts/test_procesos.py

The summary flags an interval in which the sampler did not run (VM paused or wall clock stepped), and only then.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import procesos  # noqa: E402

STORED_RUN = os.path.join(HERE, "..", "docs", "resultados", "rendimiento-20261204-productores", "transiciones", "n1s-r500")


def write_samples(path, times, names=("solicitudes", "tansu")):
    with open(path, "w") as out:
        out.write("t,proceso,cpu_pct,rss_mb\n")
        for t in times:
            for name in names:
                out.write(f"{t:.3f},{name},20.0,40.0\n")


class SamplingStalls(unittest.TestCase):
    def test_steady_sampling_has_no_stall(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "procesos.csv")
            write_samples(path, [1000 + i * 1.05 for i in range(60)])
            self.assertEqual(procesos.sampling_stalls(path), [])

    def test_a_gap_is_reported_with_its_second_and_length(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "procesos.csv")
            times = [1000 + i for i in range(10)] + [1019 + i for i in range(30)]
            write_samples(path, times)
            self.assertEqual(procesos.sampling_stalls(path), [{"segundo": 9.0, "duracion_s": 10.0}])

    def test_summary_carries_the_stall_beside_the_processes(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "procesos.csv")
            write_samples(path, [1000 + i for i in range(10)] + [1019 + i for i in range(30)])
            summary = json.loads(subprocess.run([sys.executable, os.path.join(HERE, "procesos.py"), "resumir", path],
                                                check=True, capture_output=True, text=True).stdout)
            self.assertEqual(summary["muestreo_detenido"], [{"segundo": 9.0, "duracion_s": 10.0}])
            self.assertEqual(summary["tansu"]["muestras"], 40)

    def test_the_stored_vm_snapshot_run_is_flagged(self):
        # The run of 2026-12-04 21:10 during which the sandbox's VM was snapshotted (dmesg: "virtual machine fork").
        self.assertEqual(procesos.sampling_stalls(os.path.join(STORED_RUN, "procesos.csv")),
                         [{"segundo": 5.1, "duracion_s": 9.9}])


if __name__ == "__main__":
    unittest.main()
