"""``python -m harness``: run systems on a benchmark, list what exists, rebuild the leaderboard.

Every user mistake ends with one clear message and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from harness.errors import UserError

EXIT_USAGE = 2


def add_run_parser(sub) -> None:
    p = sub.add_parser("run", help="generate answers for systems on a benchmark, score them, write the leaderboard")
    p.add_argument("--config", help="YAML file with run options (flags override it)")
    p.add_argument("--systems", help="comma-separated system names, e.g. base,prompted,rag,sft")
    p.add_argument("--benchmark", help="benchmark name or path to a folder, .jsonl or .csv")
    p.add_argument("--split", help="benchmark split, e.g. dev or test")
    p.add_argument("--limit", type=int, help="at most N items, taken round-robin over categories")
    p.add_argument("--columns", help="map our fields to your columns, e.g. question=prompt,id=qid")
    p.add_argument("--model", help="'embedded' (SmolLM2-135M-Instruct, default), a Hugging Face id or a local path")
    p.add_argument("--backend", choices=["hf", "openai", "vllm"],
                   help="in-process transformers (hf), an OpenAI-compatible server (openai), or a managed `vllm serve`")
    p.add_argument("--endpoint", help="base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1")
    p.add_argument("--api-key-env", dest="api_key_env", help="environment variable holding the API key")
    p.add_argument("--device", help="auto, cpu, cuda, cuda:1 ...")
    p.add_argument("--batch-size", dest="batch_size", type=int)
    p.add_argument("--concurrency", type=int, help="concurrent requests to a server")
    p.add_argument("--max-new-tokens", dest="max_new_tokens", type=int)
    p.add_argument("--temperature", type=float)
    p.add_argument("--seed", type=int)
    p.add_argument("--out", help="results folder (default: results)")
    p.add_argument("--run-id", dest="run_id", help="name of the run folder (default: derived from the config)")
    p.add_argument("--corpus", help="corpus folder for retrieval systems (default: systems/rag/corpus)")
    p.add_argument("--judge", help="LLM judge(s), comma-separated: embedded, hf:MODEL, openai:MODEL@URL")
    p.add_argument("--rubric", help="rubric name or path (default: cultural_nuance)")
    p.add_argument("--no-pairwise", dest="pairwise", action="store_const", const=False,
                   help="skip pairwise A/B judging")


def cmd_run(args) -> int:
    from harness.config import load_config
    from harness.report.leaderboard import write_leaderboard
    from harness.runner import run
    from harness.summary import print_run_summary

    overrides = {k: v for k, v in vars(args).items() if k not in ("command", "config", "func")}
    config = load_config(args.config, overrides)
    judges = build_judges(config.judge, config.rubric, config) if config.judge else []
    result = run(config, command=sys.argv)
    if judges:
        judge_newest(config.out, judges, config.pairwise)
    path, comparison = write_leaderboard(config.out)
    print_run_summary(result, comparison, path)
    return 1 if result.failed else 0


def build_judges(specs: list[str], rubric_name: str, options) -> list:
    """Judges are checked before any generation, so a bad --judge fails fast."""
    from harness.judge.judge import Judge, parse_judge_spec
    from harness.rubric import load_rubric

    rubric = load_rubric(rubric_name)
    return [Judge(parse_judge_spec(spec), rubric, api_key_env=options.api_key_env,
                  concurrency=options.concurrency, batch_size=options.batch_size) for spec in specs]


def judge_newest(out: str, judges: list, pairwise: bool, run_id: str | None = None) -> None:
    from harness.judge.run import judge_comparison
    from harness.run_records import collect

    comparison = collect(out, run_id)
    for judge in judges:
        try:
            counts = judge_comparison(out, comparison, judge, pairwise=pairwise)
        finally:
            judge.close()
        print(f"judge {judge.spec.name}: {counts['single']} grades, {counts['pairwise']} pairwise games, "
              f"{counts['unparsed']} unparsed")


def cmd_judge(args) -> int:
    from harness.config import RunConfig
    from harness.report.leaderboard import write_leaderboard

    if args.action == "check":
        return cmd_judge_check(args)
    if args.benchmark or args.split or args.limit is not None:
        raise UserError("--benchmark, --split and --limit belong to 'judge check'",
                        hint="python -m harness judge check --judge SPEC --benchmark B --limit N")

    judges = build_judges([j for j in args.judge.split(",") if j.strip()], args.rubric, RunConfig())
    judge_newest(args.out, judges, not args.no_pairwise, args.run)
    path, _ = write_leaderboard(args.out, args.run)
    print(f"wrote {path}")
    return 0


def cmd_judge_check(args) -> int:
    """``judge check``: meta-evaluate judges (and the key-point scorer) on controlled answers."""
    from harness.config import RunConfig
    from harness.judge.check import check_judges
    from harness.judge.check_report import print_table, write_markdown
    from harness.rubric import load_rubric

    if args.run:
        raise UserError("'judge check' builds its own answers from the benchmark; it takes no --run")
    if args.limit is not None and args.limit < 2:
        raise UserError("--limit must be at least 2 for a judge check")
    options = RunConfig()
    checks = check_judges(args.judge.split(","), load_rubric(args.rubric),
                          benchmark=args.benchmark or "indian_cultural_nuance", split=args.split, limit=args.limit,
                          out=args.out, seed=args.seed, pairwise=not args.no_pairwise,
                          options={"api_key_env": options.api_key_env, "concurrency": options.concurrency,
                                   "batch_size": options.batch_size})
    print_table(checks)
    print(f"wrote {write_markdown(args.out, checks)}")
    return 0


def cmd_human(args) -> int:
    if args.action == "export":
        from harness.human.export import export_sheets
        from harness.run_records import collect
        from harness.rubric import load_rubric

        if args.annotators < 1:
            raise UserError("--annotators must be at least 1")
        folder = export_sheets(collect(args.out, args.run), load_rubric(args.rubric), args.out,
                               annotators=args.annotators, shared=args.shared, seed=args.seed)
        print(f"wrote {args.annotators} sheets to {folder} (keep key.json; send annotator_K.csv and anchors.csv)")
        return 0
    from harness.human.imports import import_sheets
    from harness.report.leaderboard import write_leaderboard

    count, target = import_sheets(args.files, args.out, args.key)
    path, _ = write_leaderboard(args.out)
    print(f"imported {count} human ratings into {target}; updated {path}")
    return 0


def cmd_list(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from harness.benchmark import known_benchmarks
    from harness.judge.judge import JUDGE_KINDS
    from harness.registry import available_systems
    from harness.rubric import known_rubrics

    table = Table(title="what the harness knows")
    table.add_column("kind")
    table.add_column("name")
    table.add_column("from")
    for name, target in available_systems().items():
        table.add_row("system", name, target)
    for name in known_benchmarks():
        table.add_row("benchmark", name, f"benchmarks/{name}")
    for name in known_rubrics():
        table.add_row("rubric", name, f"rubrics/{name}.yaml")
    for name, what in JUDGE_KINDS.items():
        table.add_row("judge", name, what)
    Console().print(table)
    return 0


def cmd_leaderboard(args) -> int:
    from harness.report.leaderboard import write_leaderboard

    path, comparison = write_leaderboard(args.out, args.run)
    print(f"wrote {path} ({len(comparison.systems)} systems, {len(comparison.items)} items)")
    return 0


def cmd_benchmark(args) -> int:
    from harness.benchmark import load_benchmark
    from harness.benchmark_check import print_stats, print_validation, validate

    if args.action == "validate":
        result = validate(args.target, near_duplicate_threshold=args.near_duplicate)
        print_validation(result)
        return 0 if result.ok else EXIT_USAGE
    print_stats(load_benchmark(args.target, split=args.split).items)
    return 0


def cmd_index(args) -> int:
    from dataclasses import asdict

    from systems.rag.index import IndexSettings, build, info
    from systems.rag.system import RagConfig

    defaults = RagConfig()
    settings = IndexSettings(corpus=args.corpus or defaults.corpus, embedder=args.embedder or defaults.embedder,
                             chunk_size=args.chunk_size or defaults.chunk_size,
                             chunk_overlap=args.chunk_overlap if args.chunk_overlap is not None else defaults.chunk_overlap)
    if args.action == "build":
        folder = build(settings, force=args.force)
        details = info(settings)
        print(f"index {folder.name}: {details['documents']} documents, {details['chunks']} chunks, "
              f"built in {details['build_seconds']} s\n  folder: {folder}")
        return 0
    details = info(settings)
    if not details["built"]:
        print(f"no index built yet for {asdict(settings)}\n  build it with: python -m harness index build"
              + (f" --corpus {args.corpus}" if args.corpus else ""))
        return 0
    for key in ("folder", "corpus", "corpus_hash", "embedder", "chunk_size", "chunk_overlap", "documents", "chunks",
                "build_seconds", "created_at"):
        print(f"{key:>14}: {details[key]}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m harness", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    add_run_parser(sub)
    sub.add_parser("list", help="list systems, benchmarks and rubrics")
    p = sub.add_parser("leaderboard", help="rebuild leaderboard.md from the run records")
    p.add_argument("--out", default="results")
    p.add_argument("--run", help="a single run id (default: newest run, plus older runs of the same benchmark)")
    p = sub.add_parser("judge", help="grade the answers of the newest run (or --run) with LLM judges; "
                                     "'judge check' tests a judge on controlled answers")
    p.add_argument("action", nargs="?", choices=["check"],
                   help="check: meta-evaluate the judge (and key-point coverage) on controlled answers")
    p.add_argument("--judge", required=True, help="comma-separated: embedded, hf:MODEL, openai:MODEL@URL")
    p.add_argument("--rubric", default="cultural_nuance")
    p.add_argument("--run", help="run id (default: the newest run, with older runs of the same benchmark)")
    p.add_argument("--out", default="results")
    p.add_argument("--no-pairwise", action="store_true")
    p.add_argument("--benchmark", help="check: benchmark name or path (default: indian_cultural_nuance)")
    p.add_argument("--split", help="check: split (default: dev when the benchmark has one)")
    p.add_argument("--limit", type=int, help="check: at most N items, round-robin over categories")
    p.add_argument("--seed", type=int, default=0, help="check: seed of the controlled answers")
    p = sub.add_parser("human", help="export blinded rating sheets, or import filled ones")
    p.add_argument("action", choices=["export", "import"])
    p.add_argument("files", nargs="*", help="filled annotator_K.csv sheets (import)")
    p.add_argument("--run", help="run id to export (default: the newest, with older runs of its benchmark)")
    p.add_argument("--annotators", type=int, default=2)
    p.add_argument("--shared", type=float, default=0.25, help="share of items every annotator rates")
    p.add_argument("--rubric", default="cultural_nuance")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--key", help="key.json of the export (default: next to the first sheet)")
    p.add_argument("--out", default="results")
    p = sub.add_parser("benchmark", help="validate a benchmark or print its statistics")
    p.add_argument("action", choices=["validate", "stats"])
    p.add_argument("target", help="benchmark name or path")
    p.add_argument("--split")
    p.add_argument("--near-duplicate", dest="near_duplicate", type=float, default=0.92,
                   help="cosine similarity above which two questions count as near-duplicates")
    p = sub.add_parser("index", help="build or describe the RAG vector index")
    p.add_argument("action", choices=["build", "info"])
    p.add_argument("--corpus", help="folder of .md/.txt/.html/.pdf files (default: systems/rag/corpus)")
    p.add_argument("--embedder", help="'embedded' (all-MiniLM-L6-v2) or a sentence-transformers id/path")
    p.add_argument("--chunk-size", dest="chunk_size", type=int)
    p.add_argument("--chunk-overlap", dest="chunk_overlap", type=int)
    p.add_argument("--force", action="store_true", help="rebuild even if a cached index exists")
    p = sub.add_parser("serve", help="serve a model (and LoRA adapters) as an OpenAI-compatible endpoint")
    p.add_argument("--model", default="embedded")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--device", default="auto")
    p.add_argument("--adapter", action="append", help="NAME=PATH of a PEFT adapter, repeatable")
    p.add_argument("--api-key-env", dest="api_key_env", help="require the key held in this environment variable")
    return parser


def cmd_serve(args) -> int:
    from harness.backends.hf import TransformersBackend
    from harness.serve import make_server

    backend = TransformersBackend(model=args.model, device=args.device)
    for spec in args.adapter or []:
        name, sep, path = spec.partition("=")
        if not sep:
            raise UserError(f"bad --adapter '{spec}': expected NAME=PATH")
        backend.register_adapter(name, path)
    backend.hf_model  # load before accepting requests
    server = make_server(backend, args.host, args.port, os.environ.get(args.api_key_env) if args.api_key_env else None)
    print(f"serving {args.model} on http://{args.host}:{server.server_address[1]}/v1", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


COMMANDS = {"run": cmd_run, "list": cmd_list, "leaderboard": cmd_leaderboard, "serve": cmd_serve, "benchmark": cmd_benchmark, "index": cmd_index, "judge": cmd_judge, "human": cmd_human}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # our own rich bars replace tqdm's
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind, so managed servers are stopped
    try:
        return COMMANDS[args.command](args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted: records so far are saved; rerun the same command to continue", file=sys.stderr)
        return 130
