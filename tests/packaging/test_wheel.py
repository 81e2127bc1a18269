"""The built wheel holds every package and data file: installed into a fresh venv, it lists and runs."""

import json
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_installs_lists_and_runs_from_another_directory(tmp_path, tiny_model):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist),
                    str(REPO)], check=True, capture_output=True, text=True)
    wheel = next(dist.glob("*.whl"))
    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # dependencies come from this environment (a .pth adds its site-packages without its editable finder),
    # so the harness itself can only come from the wheel
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], check=True,
                   capture_output=True, text=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {"PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "HOME": str(Path.home()), "HF_HUB_OFFLINE": "1"}

    def harness(*args):
        return subprocess.run([str(python), "-m", "harness", *args], cwd=work, env=env, capture_output=True,
                              text=True, timeout=300)

    where = subprocess.run([str(python), "-c", "import harness, harness.judge, harness.report, harness.human; "
                            "print(harness.__file__)"], cwd=work, env=env, capture_output=True, text=True)
    assert where.returncode == 0, where.stderr
    assert str(site) in where.stdout, f"harness imported from {where.stdout}, not the wheel"
    listed = harness("list")
    assert listed.returncode == 0, listed.stderr
    assert "indian_cultural_nuance" in listed.stdout and "general_control" in listed.stdout
    assert "cultural_nuance" in listed.stdout
    ran = harness("run", "--systems", "base", "--benchmark", "indian_cultural_nuance", "--split", "dev",
                  "--limit", "2", "--model", str(tiny_model), "--max-new-tokens", "4", "--out", str(work / "results"))
    assert ran.returncode == 0, ran.stderr
    answers = [json.loads(line) for line in
               next((work / "results" / "runs").glob("*/generations.jsonl")).read_text().splitlines()]
    assert len(answers) == 2 and (work / "results" / "leaderboard.md").is_file()
