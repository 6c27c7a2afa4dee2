"""Work in a forked process: its result, its errors as they were raised, and no child left behind."""

from __future__ import annotations

import os
import threading

import pytest

from converter.forked import Forked


class _TwoArguments(Exception):
    """An error whose constructor pickle cannot call again with its message alone."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _raise_two_arguments() -> None:
    raise _TwoArguments("no figure", 7)


def test_the_result_of_the_work_in_the_child() -> None:
    parent = os.getpid()
    with Forked(lambda: (os.getpid(), {"editions": ["2020", "2024"]})) as forked:
        child, result = forked.result()
    assert child != parent
    assert result == {"editions": ["2020", "2024"]}


def test_an_error_in_the_child_is_raised_as_itself() -> None:
    with pytest.raises(KeyError) as raised, Forked(lambda: {}["2025"]) as forked:
        forked.result()
    assert raised.value.args == ("2025",)


def test_an_error_that_does_not_pickle_comes_back_as_its_traceback() -> None:
    with pytest.raises(RuntimeError, match=r"(?s)in the forked process:.*_TwoArguments: no figure"), \
            Forked(_raise_two_arguments) as forked:
        forked.result()


def test_a_result_that_does_not_pickle_is_named() -> None:
    with pytest.raises(RuntimeError, match=r"result could not be sent back: TypeError\(\"cannot pickle '_thread.lock'"), \
            Forked(threading.Lock) as forked:
        forked.result()


def test_a_child_that_stops_without_a_result() -> None:
    with pytest.raises(RuntimeError, match=r"stopped without a result \(exit code 3\)"), Forked(lambda: os._exit(3)) as forked:
        forked.result()


def test_leaving_the_block_by_an_error_kills_the_child() -> None:
    never = threading.Event()
    with pytest.raises(ValueError), Forked(never.wait) as forked:
        raise ValueError("the parent's own work failed")
    assert not forked._process.is_alive()
    assert forked._process.exitcode == -9
