"""The follow feed on a real file that the test appends to, cuts and rotates while it is read."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from transmission.engine.feeds import BarTuple, FollowedFile, follow

HEADER = "timestamp,open,high,low,close,volume\n"


def bar_line(minute: int) -> str:
    price = 16000 + minute
    return f"2023-11-20 10:{minute:02d}:00,{price},{price + 2},{price - 1},{price + 1},10\n"


class Follower:
    """`follow` in a thread of its own, collecting what it yields and what it quarantines."""

    def __init__(self, path: Path) -> None:
        self.bars: list[BarTuple] = []
        self.quarantined: list[tuple[int, str, str]] = []
        self.followed: FollowedFile | None = None
        self.error: BaseException | None = None
        self.stop = threading.Event()

        def opened(followed: FollowedFile) -> None:
            self.followed = followed

        def run() -> None:
            try:
                for bar in follow(
                    path,
                    on_quarantine=lambda *q: self.quarantined.append(q),
                    stop=self.stop,
                    poll_s=0.02,
                    on_open=opened,
                ):
                    self.bars.append(bar)
            except BaseException as exc:
                self.error = exc

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.error is None, f"the feed failed: {self.error!r}"
            assert self.thread.is_alive(), "the feed ended"
            assert time.monotonic() < deadline, "condition not met in time"
            time.sleep(0.02)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)


def test_an_undecodable_byte_is_quarantined_as_one_line_and_the_feed_goes_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "feed.csv"
    path.write_text(HEADER + bar_line(0))
    follower = Follower(path)
    try:
        follower.wait_for(lambda: len(follower.bars) == 1)
        with path.open("ab") as handle:
            handle.write(b"2023-11-20 10:01:00,16001,16003,16000,16002,1\xff0\n")
            handle.write(bar_line(2).encode())
        follower.wait_for(lambda: len(follower.bars) == 2)
    finally:
        follower.close()
    assert follower.error is None
    assert [q[0] for q in follower.quarantined] == [3]
    assert "undecodable bytes" in follower.quarantined[0][2]


def test_a_file_with_an_undecodable_byte_is_read_past_it_from_the_start(tmp_path: Path) -> None:
    """What a restart does: the bad byte is already in the file when the feed opens it."""
    path = tmp_path / "feed.csv"
    path.write_bytes(
        (HEADER + bar_line(0)).encode() + b"\xc3\x28,1,2,3,4,5\n" + bar_line(1).encode()
    )
    follower = Follower(path)
    try:
        follower.wait_for(lambda: len(follower.bars) == 2)
    finally:
        follower.close()
    assert len(follower.quarantined) == 1


def test_a_truncated_file_is_read_again_from_its_start(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_text(HEADER + bar_line(0) + bar_line(1) + bar_line(2))
    follower = Follower(path)
    try:
        follower.wait_for(lambda: len(follower.bars) == 3)
        path.write_text(HEADER + bar_line(3))  # truncated and rewritten shorter, in place
        follower.wait_for(lambda: len(follower.bars) == 4)
        assert follower.followed is not None and follower.followed.truncations == 1
        assert "truncated" in (follower.followed.note or "")
    finally:
        follower.close()
    assert follower.quarantined == []


def test_a_rotated_file_is_followed_to_its_replacement(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_text(HEADER + bar_line(0) + bar_line(1))
    follower = Follower(path)
    try:
        follower.wait_for(lambda: len(follower.bars) == 2)
        with path.open("a") as handle:
            handle.write(bar_line(2).rstrip("\n"))  # the old file's last line, unterminated
        path.rename(tmp_path / "feed.csv.1")
        (tmp_path / "feed.csv.new").write_text(HEADER + bar_line(3) + bar_line(4))
        (tmp_path / "feed.csv.new").rename(path)
        follower.wait_for(lambda: len(follower.bars) == 5)
        assert follower.followed is not None and follower.followed.rotations == 1
    finally:
        follower.close()
    assert [bar[1] for bar in follower.bars] == [16000, 16001, 16002, 16003, 16004]
    assert follower.quarantined == []
