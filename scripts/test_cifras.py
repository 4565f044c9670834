#!/usr/bin/env python3
"""Tests of scripts/cifras.py (standard library only; run by scripts/test.sh, phase 2):

    python3 scripts/test_cifras.py

The checker reads Spanish and plain figures, finds each marked figure's value in JSON, CSV and text files, flags a
wrong figure, a missing file, key or alias — and every figure marked in docs/*.md matches its results file.
"""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cifras  # noqa: E402


class ParseFigure(unittest.TestCase):
    def test_spanish_and_plain_notation(self):
        self.assertEqual(cifras.parse_figure("1.397,9"), (1397.9, 1))
        self.assertEqual(cifras.parse_figure("0,72"), (0.72, 2))
        self.assertEqual(cifras.parse_figure("149.9"), (149.9, 1))
        self.assertEqual(cifras.parse_figure("12.485"), (12485.0, 0))
        self.assertEqual(cifras.parse_figure("12 823"), (12823.0, 0))
        self.assertEqual(cifras.parse_figure("544"), (544.0, 0))


class Check(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        root = self.dir.name
        os.makedirs(os.path.join(root, "res"))
        with open(os.path.join(root, "res", "resumen.json"), "w") as f:
            json.dump({"latencia_post_ms": {"p99": 57.234}, "corridas": [{"corrida": "r100-rep1", "lag": 310}],
                       "aceptados_por_s": 1397.94}, f)
        with open(os.path.join(root, "res", "barrido.csv"), "w") as f:
            f.write("tasa,aceptados_por_s,post_p50_ms\n100,99.6,13.6\n1000,464.8,2654.2\n")
        with open(os.path.join(root, "res", "wrk.txt"), "w") as f:
            f.write("Running 5s test\nRequests/sec:    499.00\nTransfer/sec: 1.2MB\n")

    def tearDown(self):
        self.dir.cleanup()

    def problems(self, body):
        path = os.path.join(self.dir.name, "doc.md")
        with open(path, "w") as f:
            f.write("<!-- fuente r: res/resumen.json -->\n<!-- fuente b: res/barrido.csv -->\n"
                    "<!-- fuente w: res/wrk.txt -->\n" + body)
        return cifras.check(path)

    def test_matching_figures_pass(self):
        body = ("| a | POST p99 57,2 ms<!-- dato: r latencia_post_ms/p99 --> | 1.397,9<!-- dato: r aceptados_por_s --> |\n"
                "lag 310<!-- dato: r corridas/corrida=r100-rep1/lag -->, a 1.000/s: 464,8/s<!-- dato: b tasa=1000/aceptados_por_s -->,"
                " p50 2,65 s<!-- dato: b tasa=1000/post_p50_ms /1000 -->, wrk **499,0**<!-- dato: w Requests/sec: -->\n")
        self.assertEqual(self.problems(body), [])

    def test_a_wrong_figure_is_flagged(self):
        found = self.problems("p99 58,2 ms<!-- dato: r latencia_post_ms/p99 -->\n")
        self.assertEqual(len(found), 1)
        self.assertIn("58,2", found[0])
        self.assertIn("doc.md:4", found[0])

    def test_missing_file_key_alias_and_figure_are_flagged(self):
        found = self.problems("1<!-- dato: r no/existe -->\n2<!-- dato: x aceptados_por_s -->\n"
                              "texto<!-- dato: r aceptados_por_s -->\n3<!-- dato: b tasa=7/aceptados_por_s -->\n")
        self.assertEqual(len(found), 4, found)

    def test_every_marked_figure_in_docs_matches(self):
        docs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs")
        problems = []
        for name in sorted(os.listdir(docs)):
            if name.endswith(".md"):
                problems += cifras.check(os.path.join(docs, name))
        self.assertEqual(problems, [])


if __name__ == "__main__":
    unittest.main(verbosity=1)
