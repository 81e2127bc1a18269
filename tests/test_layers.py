"""Each layer imports only from layers below it (GUIDE.md): records -> stores -> registries -> workers ->
orchestration -> report/view -> CLI. Imports inside functions count too."""

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# the first prefix that matches a module decides its layer; lower numbers are lower layers
LAYERS = [
    (0, ["harness.errors", "harness.hashing", "harness.records", "harness.keys", "harness.generation",
         "harness.files", "harness.config", "harness.rubric", "harness.benchmark", "harness.progress",
         "harness.provenance", "harness.embedded", "harness.embedder", "harness.threads"]),
    (1, ["harness.store", "harness.locks", "harness.run_records"]),
    (2, ["harness.registry"]),
    (3, ["harness.backends", "harness.system", "harness.scoring", "harness.stats", "harness.judge.specs",
         "harness.judge.pairing", "harness.judge.judge", "harness.judge.parse", "harness.judge.prompts",
         "harness.judge.controls", "harness.judge", "harness.benchmark_check", "harness.serve", "systems"]),
    # judge.check runs judges over controlled answers and writes records: a runner, like judge.run
    (4, ["harness.runner", "harness.plan", "harness.preflight", "harness.judge.run", "harness.judge.check",
         "harness.judge.support_check", "harness.human"]),
    (5, ["harness.report", "harness.view"]),
    (6, ["harness.cli", "harness.__main__"]),
]


def layer_of(module: str) -> int | None:
    if module == "harness":  # the package itself holds nothing but its docstring
        return 0
    best = None
    for level, prefixes in LAYERS:
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (level, len(prefix))
    return best[0] if best else None


def modules():
    for root in ("harness", "systems"):
        for path in (REPO / root).rglob("*.py"):
            name = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
            yield name, path


def imports(path: Path, module: str):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                yield f"{base}.{node.module}" if node.module else base, node.lineno
            elif node.module:
                yield node.module, node.lineno


def test_every_module_has_a_layer():
    assert [name for name, _ in modules() if layer_of(name) is None] == []


def test_no_module_imports_a_higher_layer():
    violations = []
    for name, path in modules():
        own = layer_of(name)
        for target, line in imports(path, name):
            level = layer_of(target)
            if level is not None and level > own:
                violations.append(f"{path.relative_to(REPO)}:{line} ({name}, layer {own}) imports {target} "
                                  f"(layer {level})")
    assert violations == []


def test_run_records_sit_under_runner_judge_human_and_report():
    assert layer_of("harness.run_records") < min(layer_of(m) for m in (
        "harness.runner", "harness.judge.run", "harness.human.export", "harness.report.leaderboard",
        "harness.view.app"))
