"""ShareEvent: built from the stratum verdict, classed stale or invalid, and round-tripped through
the recovery file's JSON form."""

import json

import pytest

from backend.ledger.events import (
    MAX_SHARE_DIFFICULTY,
    STALE_REASONS,
    ShareEvent,
    reject_class,
    share_event,
)
from backend.mining.shares import RejectReason, ShareResult
from backend.stratum.ports import Identity

ALICE = Identity(account="alice", worker="rig1", anonymous=False)


def verdict(reason, difficulty=2.0, share_difficulty=5.5, is_block=False):
    return ShareResult(reason, difficulty, share_difficulty, b"\x01" * 32, is_block, None, None)


def test_accepted_share_becomes_an_accepted_event():
    event = share_event(ALICE, verdict(None), now=1_700_000_123.9, node=3)
    assert event == ShareEvent(
        account="alice",
        worker="rig1",
        difficulty=2.0,
        share_difficulty=5.5,
        accepted=True,
        reject_class=None,
        reject_reason=None,
        is_block=False,
        time=1_700_000_123,
        node=3,
    )


def test_stale_and_unknown_job_are_stale_everything_else_invalid():
    stale = share_event(ALICE, verdict(RejectReason.STALE), 10, 0)
    assert (stale.accepted, stale.reject_class, stale.reject_reason) == (False, "stale", "stale")
    unknown = share_event(ALICE, ShareResult.rejected(RejectReason.JOB_NOT_FOUND), 10, 0)
    assert (unknown.reject_class, unknown.reject_reason) == ("stale", "job_not_found")
    low = share_event(ALICE, verdict(RejectReason.LOW_DIFFICULTY), 10, 0)
    assert (low.reject_class, low.reject_reason) == ("invalid", "low_difficulty")


def test_every_reject_reason_has_a_class_and_the_stale_names_exist():
    values = {reason.value for reason in RejectReason}
    # A renamed reason would silently become "invalid"; this catches it.
    assert values >= STALE_REASONS
    for value in values:
        expected = "stale" if value in {"stale", "job_not_found"} else "invalid"
        assert reject_class(value) == expected


def test_block_flag_is_kept_even_on_a_rejected_share():
    event = share_event(ALICE, verdict(RejectReason.STALE, is_block=True), 10, 0)
    assert event.is_block and not event.accepted


def test_infinite_hash_difficulty_is_clamped():
    event = share_event(ALICE, verdict(None, share_difficulty=float("inf")), 10, 0)
    assert event.share_difficulty == MAX_SHARE_DIFFICULTY


def test_json_round_trip():
    event = share_event(ALICE, verdict(RejectReason.DUPLICATE), 42, 7)
    line = json.dumps(event.as_dict())
    assert ShareEvent.from_dict(json.loads(line)) == event


@pytest.mark.parametrize(
    "change",
    [
        {"accepted": "yes"},
        {"difficulty": -1.0},
        {"difficulty": float("nan")},
        {"time": 1.5},
        {"reject_class": "weird"},
        {"reject_reason": None},
        {"account": ""},
        {"extra": 1},
    ],
)
def test_from_dict_refuses_damaged_lines(change):
    data = share_event(ALICE, verdict(RejectReason.STALE), 42, 7).as_dict()
    data.update(change)
    with pytest.raises(ValueError):
        ShareEvent.from_dict(data)


def test_accepted_event_cannot_carry_a_reject_reason():
    with pytest.raises(ValueError):
        ShareEvent("a", "w", 1.0, 1.0, True, "stale", "stale", False, 0, 0)
