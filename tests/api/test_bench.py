"""`minerpool bench api` works end to end on a tiny load (this checks the bench, not speed)."""

import json

from backend.bench.cli import main


def test_small_api_bench_reports_both_phases(capsys):
    code = main(
        [
            "api",
            "--connections",
            "2",
            "--duration",
            "1",
            "--warmup",
            "0.2",
            "--workers",
            "20",
            "--json",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    results = json.loads(out)
    assert set(results["phases"]) == {"signed hashrate", "watcher workers"}
    for figures in results["phases"].values():
        assert figures["ok"] > 0
        assert figures["errors"] == {}
        assert 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    assert "signed hashrate" in err
