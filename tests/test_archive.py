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
