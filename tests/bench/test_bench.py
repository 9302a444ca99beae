"""`minerpool bench stratum` works end to end on a tiny load (this checks the bench, not speed)."""

import json

from backend.bench.cli import main


def test_small_stratum_bench_reports_shares_and_new_tip(capsys):
    code = main(["stratum", "--connections", "4", "--duration", "1", "--idle", "50", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    results = json.loads(out)

    flood = results["throughput"]
    assert flood["accepted"] > 0
    assert flood["rejects"] == {}
    assert flood["lost_connections"] == 0
    for phase in ("latency_closed_loop", "latency_open_loop"):
        assert results[phase]["rejects"] == {}
        assert results[phase]["latency"]["samples"] > 0

    idle = results["idle"]
    assert idle["miners"] == 50
    assert idle["rss_after_kib"] > 0
    tip = results["new_tip"]
    assert tip["miners"] == 50
    assert tip["notified"] == 50
    assert tip["missing"] == 0
    assert tip["broadcast_sessions"] == 50

    end = results["pool_end"]
    assert end["blocks_found"] == 0
    assert end["rejected"] == {}
    assert "1. throughput" in err
