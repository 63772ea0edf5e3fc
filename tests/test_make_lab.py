"""`make lab`: the repository root, the project kernel, LAB_PORT and LAB_IP, and --allow-root for root only.

Make runs the real recipe with two stand-ins on PATH: `id`, reporting the user id
under test, and a `jupyter` that prints the arguments it was given.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from analysis import paths


@pytest.mark.parametrize("uid, root", [(0, True), (1000, False)])
def test_make_lab_arguments(tmp_path, uid, root):
    fake_id = tmp_path / "id"
    fake_id.write_text(f'#!/bin/sh\nif [ "$1" = "-u" ]; then echo {uid}; else exec /usr/bin/id "$@"; fi\n')
    fake_jupyter = tmp_path / "jupyter"
    fake_jupyter.write_text('#!/bin/sh\nfor argument in "$@"; do echo "$argument"; done\n')
    for script in (fake_id, fake_jupyter):
        script.chmod(0o755)
    environment = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        ["make", "-s", "-o", "data/processed/manifest.json", "-o", ".venv/.installed", "lab",
         f"JUPYTER={fake_jupyter}", "LAB_PORT=8899", "LAB_IP=0.0.0.0"],
        cwd=paths.ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    arguments = result.stdout.split()
    assert arguments[:4] == ["lab", "--notebook-dir=.", "--ip=0.0.0.0", "--port=8899"]
    assert "--MappingKernelManager.default_kernel_name=labour-mobility" in arguments
    assert ("--allow-root" in arguments) is root


def test_make_lab_defaults_to_localhost_8888():
    result = subprocess.run(["make", "-n", "-o", "data/processed/manifest.json", "-o", ".venv/.installed", "lab"],
                            cwd=paths.ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "--ip=localhost --port=8888" in result.stdout
