"""Text from a benchmark or a model is rendered as text: markdown cells escaped, long labels cut,
plot labels plain (no mathtext), a plot failure never blocks the leaderboard, and a corrupt record in
the middle of a JSONL file is skipped with one file:line warning."""

from __future__ import annotations

import json
import re

from harness.cli import main

HOSTILE = ["$x^$", "a|b\nc", "<script>alert(1)</script>", "![img](http://evil.example/t.png)", "L" * 20_000]


def hostile_run(tmp_path, url) -> tuple:
    items = [{"id": f"q{i}", "question": f"Q{i} | with a pipe\nand a newline <b>?", "category": category,
              "key_points": ["point"]} for i, category in enumerate(HOSTILE)]
    bench = tmp_path / "b.jsonl"
    bench.write_text("".join(json.dumps(i) + "\n" for i in items))
    out = tmp_path / "out"
    code = main(["run", "--backend", "openai", "--endpoint", url, "--model", "m", "--systems", "base,prompted",
                 "--benchmark", str(bench), "--out", str(out)])
    return code, out


def unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_hostile_categories_render_as_text(tmp_path, server):
    url, _ = server()
    code, out = hostile_run(tmp_path, url)
    assert code == 0
    board = (out / "leaderboard.md").read_text()
    assert "&lt;script&gt;" in board and "a\\|b c" in board and "$x^$" in board  # shown, as text
    assert "<script>" not in board and "L" * 200 not in board and "](http://evil" not in board
    for block in re.findall(r"(?:^\|.*\n)+", board, flags=re.M):  # every table keeps its shape
        rows = block.splitlines()
        assert all(unescaped_pipes(r) == unescaped_pipes(rows[0]) for r in rows), block
    assert (out / "heatmap.png").stat().st_size > 0 and (out / "scores.png").stat().st_size > 0


def test_a_plot_failure_never_blocks_the_markdown(tmp_path, server, monkeypatch, capsys):
    import harness.report.plots as plots

    url, _ = server()
    code, out = hostile_run(tmp_path, url)

    def broken(*_):
        raise RuntimeError("matplotlib exploded")

    monkeypatch.setattr(plots, "write_plots", broken)
    (out / "leaderboard.md").unlink()
    assert main(["leaderboard", "--out", str(out)]) == 0
    assert (out / "leaderboard.md").is_file() and "plots not drawn" in capsys.readouterr().err


def test_a_corrupt_line_in_the_middle_is_skipped_with_one_warning(tmp_path, server, capsys):
    url, _ = server()
    code, out = hostile_run(tmp_path, url)
    [run_dir] = (out / "runs").iterdir()
    for name in ("generations.jsonl", "scores.jsonl"):
        lines = (run_dir / name).read_text().splitlines(keepends=True)
        lines[2:2] = ['{"system": "base", "item_id": "q1", "tru\n', "\x00\x00 disk garbage \xff\n", "[1, 2]\n", "{}\n"]
        (run_dir / name).write_text("".join(lines))
    capsys.readouterr()
    assert main(["leaderboard", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"{run_dir / 'generations.jsonl'}:3 and 3 more line(s)" in err and err.count("generations.jsonl") == 1
    assert "Traceback" not in err
