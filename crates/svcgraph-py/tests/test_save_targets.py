"""save() onto what is not a plain file: a symbolic link is followed to its file, a FIFO or a
device is written in place, and none of them is replaced by a plain file."""

from __future__ import annotations

import errno
import os
import stat
import sys
import threading
from pathlib import Path

import pytest

import svcgraph

from conftest import SHOP

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="links, FIFOs and devices of Unix")


def drawing() -> bytes:
    return svcgraph.load(SHOP).to_svg().encode()


def test_a_link_is_followed_to_its_file(tmp_path: Path) -> None:
    (tmp_path / "real.svg").write_text("old")
    (tmp_path / "link.svg").symlink_to("real.svg")
    svcgraph.load(SHOP).save(tmp_path / "link.svg")
    assert (tmp_path / "real.svg").read_bytes() == drawing()
    assert (tmp_path / "link.svg").is_symlink()


def test_a_dangling_link_makes_the_file_it_names(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "dangling.svg").symlink_to("sub/new.svg")
    svcgraph.load(SHOP).save(tmp_path / "dangling.svg")
    assert (tmp_path / "sub" / "new.svg").read_bytes() == drawing()
    assert (tmp_path / "dangling.svg").is_symlink()


def test_a_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.svg"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    svcgraph.load(SHOP).save(fifo)
    reader.join(timeout=30)
    assert got == [drawing()]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe.svg"]


def test_devices_are_written_never_replaced() -> None:
    svcgraph.load(SHOP).save("/dev/null", format="svg")
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
    if not Path("/dev/full").exists():
        return
    with pytest.raises(OSError) as err:
        svcgraph.load(SHOP).save("/dev/full", format="svg")
    assert err.value.errno == errno.ENOSPC
    assert err.value.filename == "/dev/full"
    assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)
