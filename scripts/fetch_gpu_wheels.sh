#!/usr/bin/env bash
# Wheels that scripts/gpu_check.py needs on the GPU machine, which has torch, transformers, peft,
# accelerate, pyarrow, pandas and rich but no trl, bitsandbytes, datasets or pydantic, and reaches no
# package index. Downloads them into .whl/ (git-ignored) for CPython 3.12 on manylinux x86_64, at the
# versions installed in this checkout's .venv, and checks that they stay under the 64 MiB that may
# travel with the working tree.   Usage: bash scripts/fetch_gpu_wheels.sh [DEST] [PYTHON_VERSION]
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=${1:-.whl}
PYVER=${2:-3.12}
PIP=${PIP:-.venv/bin/pip}
# gpu_check installs a wheel only where its distribution is missing, so extras here cost space, not breakage
PACKAGES="trl bitsandbytes datasets dill multiprocess pydantic pydantic-core annotated-types typing-inspection"
mkdir -p "$DEST"
rm -f "$DEST"/*.whl
for name in $PACKAGES; do
    version=$($PIP show "$name" 2>/dev/null | sed -n 's/^Version: //p')
    spec=$name${version:+==$version}
    $PIP download -q --no-deps --only-binary=:all: --python-version "$PYVER" --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_24_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 -d "$DEST" "$spec" 2>&1 | grep -v "^WARNING: Location" || true
    ls "$DEST" | grep -qi "^${name//-/_}-" || { echo "error: no wheel for $spec" >&2; exit 1; }
done
total=$(du -cb "$DEST"/*.whl | tail -1 | cut -f1)
ls -l "$DEST"/*.whl | awk '{printf "%8.1f MiB  %s\n", $5 / 1048576, $9}'
printf 'total %.1f MiB of 64 MiB\n' "$(echo "$total / 1048576" | bc -l)"
if [ "$total" -gt $((60 * 1024 * 1024)) ]; then
    echo "error: the wheels leave less than 4 MiB of the 64 MiB for the working tree" >&2
    exit 1
fi
