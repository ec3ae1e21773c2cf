"""Safe extraction of candidates' zip archives: every unsafe archive is refused whole, never extracted."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from grader import archive
from grader.archive import ArchiveError, extract_zip


def make_zip(path: Path, members: list[tuple[str | zipfile.ZipInfo, bytes]],
             compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return path


def unix_info(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = archive.UNIX
    info.external_attr = mode << 16
    return info


def assert_refused(tmp_path: Path, zip_path: Path, words: str) -> None:
    target = tmp_path / "out"
    with pytest.raises(ArchiveError, match=words):
        extract_zip(zip_path, target)
    assert not target.exists(), "a refused archive must leave nothing behind"


def test_a_plain_archive_is_extracted(tmp_path: Path) -> None:
    source = make_zip(tmp_path / "a.zip", [("cosine_similarity.py", b"x = 1\n"), ("src/", b""),
                                           ("src/helper.py", b"y = 2\n")])
    files = extract_zip(source, tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in files) == ["cosine_similarity.py",
                                                                                  "src/helper.py"]
    assert (tmp_path / "out" / "src" / "helper.py").read_bytes() == b"y = 2\n"


def test_windows_separators_and_dot_components_are_normalised(tmp_path: Path) -> None:
    source = make_zip(tmp_path / "a.zip", [("./folder\\answer.py", b"z = 3\n")])
    extract_zip(source, tmp_path / "out")
    assert (tmp_path / "out" / "folder" / "answer.py").read_bytes() == b"z = 3\n"


@pytest.mark.parametrize("name", ["../evil.py", "ok/../../evil.py", "..\\evil.py", "a/b/../../../evil.py"])
def test_climbing_out_is_refused(tmp_path: Path, name: str) -> None:
    source = make_zip(tmp_path / "a.zip", [("fine.py", b"x = 1\n"), (name, b"import os\n")])
    assert_refused(tmp_path, source, "climbs out")
    assert not (tmp_path / "evil.py").exists()


@pytest.mark.parametrize("name", ["/etc/cron.d/evil", "\\windows\\evil.py", "C:/evil.py", "c:evil.py"])
def test_absolute_paths_are_refused(tmp_path: Path, name: str) -> None:
    source = make_zip(tmp_path / "a.zip", [(name, b"x")])
    assert_refused(tmp_path, source, "absolute path")


def test_symbolic_links_are_refused(tmp_path: Path) -> None:
    link = unix_info("cosine_similarity.py", stat.S_IFLNK | 0o777)
    source = make_zip(tmp_path / "a.zip", [("readme.txt", b"hi"), (link, b"/etc/passwd")])
    assert_refused(tmp_path, source, "symbolic link")


@pytest.mark.parametrize("mode", [stat.S_IFIFO | 0o644, stat.S_IFCHR | 0o644, stat.S_IFBLK | 0o644,
                                  stat.S_IFSOCK | 0o644])
def test_special_files_are_refused(tmp_path: Path, mode: int) -> None:
    source = make_zip(tmp_path / "a.zip", [(unix_info("dev", mode), b"")])
    assert_refused(tmp_path, source, "device, FIFO or socket")


def test_permission_bits_without_a_type_mean_a_regular_file(tmp_path: Path) -> None:
    source = make_zip(tmp_path / "a.zip", [(unix_info("a.py", 0o644), b"x = 1\n")])
    assert extract_zip(source, tmp_path / "out")


def test_a_zip_bomb_by_ratio_is_refused(tmp_path: Path) -> None:
    source = make_zip(tmp_path / "bomb.zip", [("zeros.py", b"\0" * (8 * 1024 * 1024))])
    assert source.stat().st_size < 100_000
    assert_refused(tmp_path, source, "zip bomb")


def test_a_zip_bomb_by_total_size_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 1000)
    source = make_zip(tmp_path / "a.zip", [(f"f{i}.py", bytes(range(256)) * 2) for i in range(3)],
                      compression=zipfile.ZIP_STORED)
    assert_refused(tmp_path, source, "unpacks to")


def test_too_many_members_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBERS", 5)
    source = make_zip(tmp_path / "a.zip", [(f"f{i}.py", b"x") for i in range(6)])
    assert_refused(tmp_path, source, "entries")


def test_a_member_that_lies_about_its_size_is_stopped(tmp_path: Path) -> None:
    """The header says 10 bytes; the data inflates to far more. Extraction stops at the declared size."""
    source = make_zip(tmp_path / "a.zip", [("small.py", b"a" * 200_000)])
    raw = bytearray(source.read_bytes())
    # Patch the uncompressed size in the central directory (offset 24 in its entry) to 10.
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 24:central + 28] = (10).to_bytes(4, "little")
    source.write_bytes(bytes(raw))
    assert_refused(tmp_path, source, "declares|cannot be read")


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="Duplicate name"):
        source = make_zip(tmp_path / "a.zip", [("a.py", b"1"), ("a.py", b"2")])
    assert_refused(tmp_path, source, "twice")


def test_a_file_that_is_also_a_folder_is_refused(tmp_path: Path) -> None:
    source = make_zip(tmp_path / "a.zip", [("a", b"1"), ("a/b.py", b"2")])
    assert_refused(tmp_path, source, "both a file and a folder|twice")


def test_encrypted_members_are_refused(tmp_path: Path) -> None:
    source = make_zip(tmp_path / "a.zip", [("a.py", b"x = 1\n")])
    raw = bytearray(source.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # general-purpose flag bit 0
        at = raw.find(signature)
        raw[at + offset] |= 0x1
    source.write_bytes(bytes(raw))
    assert_refused(tmp_path, source, "encrypted")


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04" + b"\xff" * 64])
def test_garbage_is_refused_with_a_message(tmp_path: Path, content: bytes) -> None:
    source = tmp_path / "a.zip"
    source.write_bytes(content)
    assert_refused(tmp_path, source, "cannot be read")


def test_control_characters_in_names_are_refused(tmp_path: Path) -> None:
    source = make_zip(tmp_path / "a.zip", [("evil\x1b[2J.py", b"x")])
    assert_refused(tmp_path, source, "not an acceptable file name")


def test_an_oversized_archive_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_ARCHIVE_BYTES", 10)
    source = make_zip(tmp_path / "a.zip", [("a.py", b"x = 1\n")])
    assert_refused(tmp_path, source, "over the")


def test_nothing_is_written_outside_even_through_a_planted_symlink(tmp_path: Path) -> None:
    """The destination must be fresh: extraction never writes through what is already there."""
    (tmp_path / "out").mkdir()
    source = make_zip(tmp_path / "a.zip", [("a.py", b"x")])
    with pytest.raises(FileExistsError):
        extract_zip(source, tmp_path / "out")


def _directory_only_zip(path: Path, members: int) -> None:
    """A zip of nothing but a central directory of ``members`` one-letter entries and its end
    record: what a hostile archive claiming millions of members looks like to a parser."""
    import struct

    entry = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0) + b"a"
    directory = entry * members
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, min(members, 0xFFFF), min(members, 0xFFFF),
                      len(directory), 0, 0)
    path.write_bytes(directory + end)


def _zip64_claim(path: Path, members: int) -> None:
    """A ZIP64 end record that claims ``members`` members (the classic record says 0xFFFF)."""
    import struct

    end64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, members, members, 46 * members, 0)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, 0, 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    path.write_bytes(end64 + locator + end)


@pytest.mark.parametrize("build", [_directory_only_zip, _zip64_claim], ids=["classic", "zip64"])
def test_millions_of_members_are_refused_from_the_end_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            build) -> None:
    bomb = tmp_path / "bomb.zip"
    build(bomb, 1_000_000)

    def never(*_args, **_kwargs):
        raise AssertionError("the central directory was parsed")

    monkeypatch.setattr(archive.zipfile, "ZipFile", never)
    with pytest.raises(ArchiveError, match="announces|directory is"):
        extract_zip(bomb, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_an_archive_within_the_limits_passes_the_end_record_check(tmp_path: Path) -> None:
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("cosine_similarity.py", "x = 1\n")
        zf.comment = b"a comment of its own"
    archive.check_end_record(plain)
    assert extract_zip(plain, tmp_path / "out")


def test_the_end_record_is_found_past_a_signature_inside_its_comment() -> None:
    import struct

    comment = b"...PK\x05\x06 inside the comment..."
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 3, 3, 138, 0, len(comment)) + comment
    assert archive._end_record_offset(b"x" * 10 + end) == 10
