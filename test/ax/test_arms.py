r"""Tests for ``botorch_roma/ax/_arms.py``: scoped memoized arm signatures."""

from __future__ import annotations

from ax.core.arm import Arm

from botorch_roma.ax._arms import memoized_arm_signatures


def test_signatures_match_ax_and_patch_is_scoped():
    original = Arm.__dict__["signature"]
    params = [{"x": 0.5, "k": 1, "c": "a"}, {"x": 0.5, "k": 1.0, "c": "a"}]
    expected = [Arm(parameters=p).signature for p in params]
    with memoized_arm_signatures():
        with memoized_arm_signatures():  # re-entrant
            arms = [Arm(parameters=p) for p in params]
            assert [a.signature for a in arms] == expected
            assert [a.signature for a in arms] == expected  # memoized path
        assert Arm.__dict__["signature"] is not original
        # int 1 and float 1.0 differ in Ax's signature; so do the memos.
        assert arms[0].signature != arms[1].signature
        clone = arms[0].clone()
        assert clone.signature == expected[0]
        # A changed parameterization is never served a stale signature.
        arms[0]._parameters["x"] = 0.25
        assert arms[0].signature == Arm.md5hash(arms[0]._parameters)
        assert arms[0].signature != expected[0]
    assert Arm.__dict__["signature"] is original
    assert arms[1].signature == expected[1]


def test_patch_restored_on_error():
    original = Arm.__dict__["signature"]
    try:
        with memoized_arm_signatures():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert Arm.__dict__["signature"] is original
