#!/usr/bin/env python3
"""Tests of share_cpu_per_thread in scripts/lib.sh (standard library only; run by scripts/test.sh, phase 2):

    python3 scripts/test_autogrupo.py

Before the daemons start, the scripts turn the kernel's autogroup scheduling off (docs/operacion.md §1), unless
PEDIDOS_AUTOGROUP=keep; they leave an already-off knob, or a kernel without one, alone and silent. The knob is a
temporary file here (PEDIDOS_AUTOGROUP_KNOB), never the machine's.
"""
import os
import subprocess
import tempfile
import unittest

LIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib.sh")


def run(knob, **env):
    """Runs share_cpu_per_thread with the knob at `knob`; returns its log (stderr)."""
    environment = {k: v for k, v in os.environ.items() if k != "PEDIDOS_AUTOGROUP"}
    environment.update(env, PEDIDOS_AUTOGROUP_KNOB=knob)
    done = subprocess.run(["bash", "-c", f'source "{LIB}"; share_cpu_per_thread'], env=environment,
                          capture_output=True, text=True, check=True)
    return done.stderr


class ShareCpuPerThread(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.knob = os.path.join(self.dir.name, "sched_autogroup_enabled")

    def tearDown(self):
        self.dir.cleanup()

    def write(self, value):
        with open(self.knob, "w") as out:
            out.write(value + "\n")

    def read(self):
        with open(self.knob) as knob:
            return knob.read().strip()

    def test_turns_autogroup_off_and_says_so(self):
        self.write("1")
        log = run(self.knob)
        self.assertEqual(self.read(), "0")
        self.assertIn("kernel.sched_autogroup_enabled 1 -> 0", log)
        self.assertIn("PEDIDOS_AUTOGROUP=keep", log)

    def test_keep_leaves_it_on(self):
        self.write("1")
        log = run(self.knob, PEDIDOS_AUTOGROUP="keep")
        self.assertEqual(self.read(), "1")
        self.assertEqual(log, "")

    def test_already_off_is_left_alone_and_silent(self):
        self.write("0")
        self.assertEqual(run(self.knob), "")
        self.assertEqual(self.read(), "0")

    def test_a_kernel_without_autogroup_is_left_alone(self):
        self.assertEqual(run(self.knob), "")
        self.assertFalse(os.path.exists(self.knob))


if __name__ == "__main__":
    unittest.main()
