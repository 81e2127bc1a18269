"""``python -m harness``: run systems on a benchmark, list what exists, rebuild the leaderboard.

Every user mistake ends with one clear message and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from harness.errors import EXIT_USAGE, UserError, run_main
from harness.registry import BACKENDS, judge_kinds_help

FAITHFULNESS_HELP = ("judges also check each RAG answer sentence by sentence against its retrieved passages (and "
                     "'judge check' tests that on controlled sentences): auto (default: every judge but the weak "
                     "embedded one), on, off")


def add_run_parser(sub) -> None:
    p = sub.add_parser("run", help="generate answers for systems on a benchmark, score them, write the leaderboard")
    p.add_argument("--config", help="YAML file with run options (flags override it)")
    p.add_argument("--systems", help="comma-separated system names, e.g. base,prompted,rag,sft")
    p.add_argument("--benchmark", help="benchmark name or path to a folder, .jsonl or .csv")
    p.add_argument("--split", help="benchmark split, e.g. dev or test")
    p.add_argument("--limit", type=int, help="at most N items, taken round-robin over categories")
    p.add_argument("--columns", help="map our fields to your columns, e.g. question=prompt,id=qid")
    p.add_argument("--model", help="'embedded' (SmolLM2-135M-Instruct, default), a Hugging Face id or a local path")
    p.add_argument("--backend", choices=list(BACKENDS.entries()),
                   help="in-process transformers (hf), an OpenAI-compatible server (openai), or a managed `vllm serve`")
    p.add_argument("--endpoint", help="base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1")
    p.add_argument("--api-key-env", dest="api_key_env", help="environment variable holding the API key")
    p.add_argument("--device", help="auto, cpu, cuda, cuda:1 ...")
    p.add_argument("--batch-size", dest="batch_size", type=int)
    p.add_argument("--concurrency", type=int, help="concurrent requests to a server")
    p.add_argument("--retries", type=int, help="retries of a failed, stalled or malformed request (default 3)")
    p.add_argument("--timeout-s", dest="timeout_s", type=float,
                   help="seconds one request may take before it is retried (default 120)")
    p.add_argument("--max-new-tokens", dest="max_new_tokens", type=int)
    p.add_argument("--temperature", type=float)
    p.add_argument("--seed", type=int)
    p.add_argument("--out", help="results folder (default: results)")
    p.add_argument("--run-id", dest="run_id", help="name of the run folder (default: derived from the config)")
    p.add_argument("--corpus", help="corpus folder for retrieval systems (default: systems/rag/corpus)")
    p.add_argument("--judge", help="LLM " + judge_kinds_help())
    p.add_argument("--rubric", help="rubric name or path (default: cultural_nuance)")
    p.add_argument("--no-pairwise", dest="pairwise", action="store_const", const=False,
                   help="skip pairwise A/B judging")
    p.add_argument("--pairing", choices=["anchor", "all"],
                   help="pairwise plan: every variant vs an anchor plus SFT-family vs RAG-family pairs (default), "
                        "or every pair")
    p.add_argument("--anchor", help="anchor system for --pairing anchor (default: base, else the first system)")
    p.add_argument("--judge-faithfulness", dest="judge_faithfulness", choices=["auto", "on", "off"],
                   help=FAITHFULNESS_HELP)
    p.add_argument("--control", nargs="?", const="general_control",
                   help="also run the systems on a control benchmark (default general_control) to measure "
                        "over-specialisation")
    p.add_argument("--control-limit", dest="control_limit", type=int,
                   help="at most N control items (default: --limit)")
    p.add_argument("--dry-run", dest="dry_run", action="store_const", const=True,
                   help="print the plan (generations, judge calls, tokens, time) and stop")


def cmd_run(args) -> int:
    from harness.config import load_config
    from harness.plan import make_plan, print_plan
    from harness.report.leaderboard import write_leaderboard
    from harness.runner import control_config, prepare_run, run
    from harness.report.summary import print_run_summary

    overrides = {k: v for k, v in vars(args).items() if k not in ("command", "config", "func")}
    config = load_config(args.config, overrides)
    from harness.preflight import preflight

    preflight(config)  # output folder, run id, model, device, endpoints, judges: before any work
    judges = build_judges(config.judge, config.rubric, config) if config.judge else []
    prepared = [prepare_run(config, command=sys.argv)]
    try:
        if config.control:
            prepared.append(prepare_run(control_config(config), command=sys.argv))
        for part in prepared:
            is_control = part.config is not config
            print_plan(make_plan(part, [j.spec.name for j in judges], config.pairwise and not is_control,
                                 config.pairing, config.anchor, "off" if is_control else config.judge_faithfulness))
    except BaseException:
        for part in prepared:
            part.close()
        raise
    if config.dry_run:
        for part in prepared:
            part.close()
        print("dry run: nothing was generated or judged")
        return 0
    results = [run(part.config, command=sys.argv, prepared=part) for part in prepared]
    if judges:
        judge_newest(config.out, judges, config.pairwise, pairing=config.pairing, anchor=config.anchor,
                     faithfulness=config.judge_faithfulness)
        if config.control:  # single grades only: the control measures regression, not head-to-head wins
            judge_newest(config.out, judges, False, benchmark=prepared[1].benchmark.spec.name, faithfulness="off")
    path, comparison = write_leaderboard(config.out)
    print_run_summary(results[0], comparison, path)
    failed = sum(r.failed for r in results)
    if failed:  # recorded as errors, never as answers; a rerun retries exactly these
        import shlex

        print(f"{failed} generation(s) failed after retries and are left undone; resume with:\n"
              f"  python -m harness {shlex.join(sys.argv[1:])}", file=sys.stderr)
    return 1 if failed else 0


def build_judges(specs: list[str], rubric_name: str, options) -> list:
    """Judges are checked before any generation, so a bad --judge fails fast."""
    from harness.judge.judge import Judge, parse_judge_spec
    from harness.rubric import load_rubric

    rubric = load_rubric(rubric_name)
    return [Judge(parse_judge_spec(spec), rubric, api_key_env=options.api_key_env,
                  concurrency=options.concurrency, batch_size=options.batch_size) for spec in specs]


def judge_newest(out: str, judges: list, pairwise: bool, run_id: str | None = None, *, pairing: str = "anchor",
                 anchor: str | None = None, benchmark: str | None = None, faithfulness: str = "auto") -> None:
    import time

    from harness.judge.pairing import plan_pairs
    from harness.judge.run import judge_comparison, judge_support
    from harness.judge.support import RETRIEVING_FAMILIES, wants_support
    from harness.plan import judge_throughput_key, record_throughput
    from harness.run_records import collect

    comparison = collect(out, run_id, benchmark=benchmark)
    pairs = plan_pairs(comparison.systems, comparison.families(), pairing, anchor)
    for judge in judges:
        started = time.perf_counter()
        support = {"support": 0, "unparsed": 0}
        try:
            counts = judge_comparison(out, comparison, judge, pairwise=pairwise, pairs=pairs)
            grading = time.perf_counter() - started
            if wants_support(judge.spec.name, faithfulness):
                support = judge_support(out, comparison, judge)
                if support["support"]:
                    record_throughput(out, judge_throughput_key(judge.spec.name, "support"),
                                      time.perf_counter() - started - grading, support["support"])
                    print(f"judge {judge.spec.name}: {support['support']} RAG answers checked against their "
                          f"passages, {support['unparsed']} unparsed")
            elif faithfulness == "auto" and set(comparison.families().values()) & RETRIEVING_FAMILIES:
                print(f"judge {judge.spec.name}: faithfulness left to the embedding estimate (a weak judge; "
                      f"--judge-faithfulness on makes it check anyway)")
        finally:
            judge.close()
        calls = counts["single"] + counts["pairwise"]
        if calls:  # one mean per judge: games cost about a quarter of a grade on the form-filling judge
            per = grading / (counts["single"] + 0.25 * counts["pairwise"])
            record_throughput(out, judge_throughput_key(judge.spec.name, "single"), per * counts["single"],
                              counts["single"])
            record_throughput(out, judge_throughput_key(judge.spec.name, "game"), per * 0.25 * counts["pairwise"],
                              counts["pairwise"])
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
    judge_newest(args.out, judges, not args.no_pairwise, args.run, faithfulness=args.judge_faithfulness)
    path, _ = write_leaderboard(args.out, args.run)
    print(f"wrote {path}")
    return 0


def cmd_judge_check(args) -> int:
    """``judge check``: meta-evaluate judges (and the key-point scorer) on controlled answers."""
    from harness.config import RunConfig
    from harness.judge.check import check_judges
    from harness.report.judge_check import print_table, write_markdown
    from harness.rubric import load_rubric

    if args.run:
        raise UserError("'judge check' builds its own answers from the benchmark; it takes no --run")
    if args.limit is not None and args.limit < 2:
        raise UserError("--limit must be at least 2 for a judge check")
    options = RunConfig()
    checks = check_judges(args.judge.split(","), load_rubric(args.rubric),
                          benchmark=args.benchmark or "indian_cultural_nuance", split=args.split, limit=args.limit,
                          out=args.out, seed=args.seed, pairwise=not args.no_pairwise,
                          support=args.judge_faithfulness,
                          options={"api_key_env": options.api_key_env, "concurrency": options.concurrency,
                                   "batch_size": options.batch_size})
    print_table(checks)
    print(f"wrote {write_markdown(args.out, checks)}")
    return 0


def cmd_human(args) -> int:
    if args.action in ("serve", "assign"):
        return cmd_human_web(args)
    if args.action == "export":
        if not isinstance(args.annotators, int):
            raise UserError("human export takes --annotators N (a number of sheets)")
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


def cmd_human_web(args) -> int:
    """``human assign``: split a browser rating job; ``human serve``: one annotator's rating pages."""
    if args.action == "assign":
        from harness.human.assign import build_assignment, describe, parse_annotators, write_assignment
        from harness.run_records import collect
        from harness.rubric import load_rubric

        if isinstance(args.annotators, int):
            raise UserError("human assign takes --annotators NAMES, e.g. alice,bob,carol,dave")
        assignment = build_assignment(collect(args.out, args.run), load_rubric(args.rubric),
                                      parse_annotators(args.annotators), mode=args.mode or "single",
                                      shared=args.shared, seed=args.seed)
        path = write_assignment(args.out, assignment, args.assignment)
        print(f"{describe(assignment)}\nwrote {path}; each annotator runs: python -m harness human serve "
              f"--annotator NAME --assignment {path}")
        return 0
    from harness.view.app import serve
    from harness.view.rate import make_rating_app, open_session

    if not args.annotator:
        raise UserError("human serve needs --annotator NAME")
    session = open_session(args.out, args.annotator, assignment_file=args.assignment, mode=args.mode or "single",
                           run=args.run, rubric_name=args.rubric, seed=args.seed)
    done, total = session.progress()
    print(f"{args.annotator}: {done} of {total} {session.mode} tasks rated")
    serve(make_rating_app(session, run=args.run, host=args.host), args.host, args.port, "the rating pages")
    return 0


def cmd_view(args) -> int:
    if args.bundle:
        from harness.view.bundle import write_bundle

        print(f"wrote {write_bundle(args.out, args.bundle, args.run)} (open it in a browser; no server needed)")
        return 0
    from harness.run_records import list_runs
    from harness.view.app import make_app, serve

    if not list_runs(args.out):
        raise UserError(f"no runs under {args.out}/runs", hint="start one with: python -m harness run")
    serve(make_app(args.out, args.host), args.host, args.port, f"the run records in {args.out}")
    return 0


def count_or_names(value: str):
    """--annotators: a number of sheets (export) or comma-separated names (assign)."""
    return int(value) if value.strip().isdigit() else value


def cmd_list(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from harness.benchmark import known_benchmarks
    from harness.registry import JUDGE_KINDS, SYSTEMS
    from harness.rubric import known_rubrics

    table = Table(title="what the harness knows")
    table.add_column("kind")
    table.add_column("name")
    table.add_column("from")
    for name, entry in SYSTEMS.entries().items():
        table.add_row("system", name, entry.description or entry.target)
    for name, entry in BACKENDS.entries().items():
        table.add_row("backend", name, entry.description)
    for name in known_benchmarks():
        table.add_row("benchmark", name, f"benchmarks/{name}")
    for name in known_rubrics():
        table.add_row("rubric", name, f"rubrics/{name}.yaml")
    for name, entry in JUDGE_KINDS.entries().items():
        table.add_row("judge", name, entry.description)
    Console().print(table)
    return 0


def cmd_history(args) -> int:
    """``history``: every adapter evaluated on the benchmark, in training order, with what changed."""
    from pathlib import Path

    from rich.console import Console
    from rich.markdown import Markdown

    from harness.report.history import collect_history, history_plot, history_section

    record = collect_history(Path(args.out), judge=args.judge)
    if record is None or not record.iterations:
        raise UserError(f"no adapter-based system has been evaluated under {args.out}/runs",
                        hint="run one with: python -m harness run --systems rag,sft")
    Console().print(Markdown(history_section(record)))
    plot = history_plot(record, Path(args.out) / "history.png")
    if plot:
        print(f"plot: {plot}")
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
    p = sub.add_parser("history", help="every adapter evaluated on the benchmark, in training order, with paired tests")
    p.add_argument("--out", default="results")
    p.add_argument("--judge", help="judge whose scores to use (default: the strongest available, else coverage)")
    p = sub.add_parser("judge", help="grade the answers of the newest run (or --run) with LLM judges; "
                                     "'judge check' tests a judge on controlled answers")
    p.add_argument("action", nargs="?", choices=["check"],
                   help="check: meta-evaluate the judge (and key-point coverage) on controlled answers")
    p.add_argument("--judge", required=True, help=judge_kinds_help())
    p.add_argument("--rubric", default="cultural_nuance")
    p.add_argument("--run", help="run id (default: the newest run, with older runs of the same benchmark)")
    p.add_argument("--out", default="results")
    p.add_argument("--no-pairwise", action="store_true")
    p.add_argument("--judge-faithfulness", dest="judge_faithfulness", choices=["auto", "on", "off"], default="auto",
                   help=FAITHFULNESS_HELP)
    p.add_argument("--benchmark", help="check: benchmark name or path (default: indian_cultural_nuance)")
    p.add_argument("--split", help="check: split (default: dev when the benchmark has one)")
    p.add_argument("--limit", type=int, help="check: at most N items, round-robin over categories")
    p.add_argument("--seed", type=int, default=0, help="check: seed of the controlled answers")
    p = sub.add_parser("human", help="export or import blinded rating sheets; assign and serve browser rating")
    p.add_argument("action", choices=["export", "import", "assign", "serve"])
    p.add_argument("files", nargs="*", help="filled annotator_K.csv sheets (import)")
    p.add_argument("--run", help="run id to export (default: the newest, with older runs of its benchmark)")
    p.add_argument("--annotators", type=count_or_names, default=2,
                   help="export: number of sheets; assign: names, e.g. alice,bob,carol,dave")
    p.add_argument("--annotator", help="serve: who rates (letters, digits, _ and -)")
    p.add_argument("--assignment", help="serve: the assignment file; assign: where to write it")
    p.add_argument("--mode", choices=["pairwise", "single"], help="assign/serve: A/B pairs or single answers")
    p.add_argument("--host", default="127.0.0.1", help="serve: address to bind (default: local only)")
    p.add_argument("--port", type=int, default=8766)
    p.add_argument("--shared", type=float, default=0.25, help="share of items every annotator rates")
    p.add_argument("--rubric", default="cultural_nuance")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--key", help="key.json of the export (default: next to the first sheet)")
    p.add_argument("--out", default="results")
    p = sub.add_parser("view", help="browse the run records in a web page, or write them as a static site")
    p.add_argument("--out", default="results")
    p.add_argument("--run", help="run id (default: the newest, with older runs of its benchmark)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: local only)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--bundle", help="write a self-contained static site to this folder instead of serving")
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


COMMANDS = {"history": cmd_history, "run": cmd_run, "list": cmd_list, "leaderboard": cmd_leaderboard, "serve": cmd_serve, "benchmark": cmd_benchmark, "index": cmd_index, "judge": cmd_judge, "human": cmd_human,
            "view": cmd_view}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # our own rich bars replace tqdm's
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind, so managed servers are stopped
    try:
        return run_main(lambda: COMMANDS[args.command](args))
    except KeyboardInterrupt:
        print("interrupted: records so far are saved; rerun the same command to continue", file=sys.stderr)
        return 130
