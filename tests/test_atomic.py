"""Atomic writes: a file appears whole or not at all, and a failing writer leaves nothing behind."""

from __future__ import annotations

import pytest

from grader.atomic import open_atomically, write_text_atomically


def test_a_written_file_appears_whole(tmp_path):
    target = tmp_path / "report.json"
    write_text_atomically(target, lambda fp: fp.write('{"score": 1}'))
    assert target.read_text() == '{"score": 1}'
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_failing_writer_keeps_the_old_file_and_leaves_no_partial(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")

    def broken(fp):
        fp.write("half")
        raise RuntimeError("writer failed")

    with pytest.raises(RuntimeError):
        write_text_atomically(target, broken)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_failing_binary_writer_leaves_nothing(tmp_path):
    target = tmp_path / "autograder.zip"
    with pytest.raises(OSError), open_atomically(target) as fp:
        fp.write(b"PK")
        raise OSError("disk full")
    assert list(tmp_path.iterdir()) == []
