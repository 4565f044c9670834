#!/usr/bin/env python3
"""Tests of scripts/procesos.py (standard library only; run by scripts/test.sh, phase 2):

    python3 scripts/test_procesos.py

The summary flags an interval in which the sampler did not run (VM paused or wall clock stepped), and only then.
`durante` counts the CPU a named process spent while a command ran, and passes on the command's status.
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


class During(unittest.TestCase):
    def run_during(self, directory, targets, command):
        out = os.path.join(directory, "cpu.json")
        status = subprocess.call([sys.executable, os.path.join(HERE, "procesos.py"), "durante", "--salida", out,
                                  *targets, "--", *command])
        with open(out) as f:
            return status, json.load(f)

    def test_counts_a_busy_process_and_the_machine_while_the_command_runs(self):
        busy = subprocess.Popen([sys.executable, "-c", "import time\nend = time.time() + 5\nwhile time.time() < end: pass"])
        idle = subprocess.Popen(["sleep", "5"])
        try:
            with tempfile.TemporaryDirectory() as directory:
                status, result = self.run_during(directory, [f"ocupado={busy.pid}", f"quieto={idle.pid}"],
                                                 ["sleep", "1"])
        finally:
            for process in (busy, idle):
                process.kill()
                process.wait()
        self.assertEqual(status, 0)
        self.assertGreaterEqual(result["segundos"], 1.0)
        # The spinning process had most of a core for the second; the other one slept.
        self.assertGreater(result["cpu_s"]["ocupado"], 0.5)
        self.assertLess(result["cpu_s"]["quieto"], 0.2)
        self.assertGreaterEqual(result["maquina_ocupada_s"] + 0.05, result["cpu_s"]["ocupado"])
        self.assertGreater(result["maquina_total_s"], result["maquina_ocupada_s"])

    def test_passes_on_the_command_status(self):
        with tempfile.TemporaryDirectory() as directory:
            status, result = self.run_during(directory, [], ["sh", "-c", "exit 3"])
        self.assertEqual(status, 3)
        self.assertEqual(result["cpu_s"], {})


if __name__ == "__main__":
    unittest.main()
