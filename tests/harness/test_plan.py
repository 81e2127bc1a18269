"""The plan printed before any work: a newcomer's large CPU job is announced with ways to cut it."""

from harness.cli import main
from harness.plan import generation_throughput_key, load_throughput, record_throughput


def test_full_benchmark_on_cpu_warns_and_says_how_to_cut_it(tmp_path, capsys, embedded_checkpoint):
    assert main(["run", "--systems", "base,prompted", "--dry-run", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "840" in err.replace(",", "") or err.count("420") >= 2  # 2 systems x 420 items to generate
    assert "minutes of work on this machine" in err and "nothing measured here yet" in err
    assert "--split dev" in err and "--limit 20" in err and "--backend vllm" in err
    assert not (tmp_path / "runs").exists()


def test_small_job_has_no_warning_and_uses_measured_throughput(tmp_path, capsys, embedded_checkpoint):
    record_throughput(tmp_path, generation_throughput_key("hf", "embedded", "auto"), 10.0, 5)
    assert load_throughput(tmp_path)[generation_throughput_key("hf", "embedded", "auto")]["count"] == 5
    assert main(["run", "--systems", "base", "--split", "dev", "--limit", "4", "--dry-run", "--out",
                 str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "warning" not in err and "estimated time: 0.1 min" in err and "rough" not in err  # 4 x 2 s
