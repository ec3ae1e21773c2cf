"""Safe extraction of a candidate's ``.zip`` (the ZIP format, PKWARE APPNOTE, as :mod:`zipfile` reads it).

A candidate's archive is hostile input. Every member is checked before a single byte is written,
and an archive with any unsafe member is rejected whole, never partly extracted:

* paths: absolute paths, drive letters, ``..`` components, control characters, over-long names;
* member types: only regular files and folders; symbolic links, devices and FIFOs are refused;
* zip bombs: too many members, too many bytes declared in total, an implausible compression
  ratio; and while copying, a member that inflates past the size it declares (the check cannot be
  fooled by a lying header);
* encrypted members, duplicate names, a file that is also a folder, and archives that are not ZIP.

Extraction never uses ``ZipFile.extract``: each file is created by us with ``O_EXCL | O_NOFOLLOW``
under a fresh folder, so nothing outside it can be written.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import stat
import struct
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from grader.errors import ArchiveError

MAX_ARCHIVE_BYTES = 50 * 1024 * 1024  # the .zip itself
MAX_MEMBERS = 2000
MAX_TOTAL_BYTES = 64 * 1024 * 1024  # all members, uncompressed
MAX_RATIO = 100  # uncompressed / compressed, checked on members large enough to matter
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_NAME_CHARS = 1024
MAX_DEPTH = 32
CHUNK = 64 * 1024
UNIX = 3  # ZipInfo.create_system for archives made on Unix: only then are mode bits meaningful
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclasses.dataclass(frozen=True)
class Member:
    """One checked member: where it goes (relative, normalised) and what it is."""

    info: zipfile.ZipInfo
    parts: tuple[str, ...]
    is_dir: bool


def extract_zip(archive: Path, destination: Path) -> list[Path]:
    """Check every member of ``archive``, then extract it into ``destination`` (which must not exist).

    Returns the extracted files. Raises :class:`ArchiveError` and leaves nothing behind when the
    archive is unsafe or broken.
    """
    size = archive.stat().st_size
    if size > MAX_ARCHIVE_BYTES:
        raise ArchiveError(f"the archive is {size} bytes, over the {MAX_ARCHIVE_BYTES}-byte limit")
    check_end_record(archive)
    try:
        with zipfile.ZipFile(archive) as zf:
            members = check_members(zf.infolist())
            destination.mkdir(parents=True)
            try:
                return _extract(zf, members, destination)
            except BaseException:
                shutil.rmtree(destination, ignore_errors=True)
                raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        # RuntimeError, NotImplementedError: encryption or a compression method we do not read;
        # ValueError: offsets that point nowhere.
        raise ArchiveError(f"the archive cannot be read: {exc}") from None


_END = struct.Struct("<4s4H2LH")  # end of central directory record
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")
MAX_DIRECTORY_BYTES = MAX_MEMBERS * (46 + MAX_NAME_CHARS + 1024)  # entries, names, some extra fields


def check_end_record(archive: Path) -> None:
    """Refuse an archive whose end record announces too many members or too large a directory.

    Read before :mod:`zipfile` parses the central directory, whose every entry costs memory and
    time: a directory that claims millions of members is refused from a few bytes at the end.
    An archive without an end record is left for :mod:`zipfile` to call broken.
    """
    with archive.open("rb") as fp:
        size = fp.seek(0, os.SEEK_END)
        tail_start = max(0, size - _END.size - 0xFFFF)  # the record, then a comment of up to 64 KiB
        fp.seek(tail_start)
        tail = fp.read()
        at = _end_record_offset(tail)
        if at is None:
            return
        fields = _END.unpack_from(tail, at)
        members, directory_bytes = fields[4], fields[5]
        locator_at = tail_start + at - _END64_LOCATOR.size
        if locator_at >= 0:  # ZIP64: the real counts are in the ZIP64 end record
            fp.seek(locator_at)
            locator = _END64_LOCATOR.unpack(fp.read(_END64_LOCATOR.size))
            if locator[0] == b"PK\x06\x07" and locator[2] + _END64.size <= size:
                fp.seek(locator[2])
                record = fp.read(_END64.size)
                if record[:4] == b"PK\x06\x06":
                    end64 = _END64.unpack(record)
                    members, directory_bytes = max(members, end64[7]), max(directory_bytes, end64[8])
    if members > MAX_MEMBERS:
        raise ArchiveError(f"the archive announces {members} entries, over the limit of {MAX_MEMBERS}")
    if directory_bytes > MAX_DIRECTORY_BYTES:
        raise ArchiveError(
            f"the archive's directory is {directory_bytes} bytes, over the {MAX_DIRECTORY_BYTES}-byte limit"
        )


def _end_record_offset(tail: bytes) -> int | None:
    """Where the end record starts: the last signature whose comment length reaches exactly to the
    end of the file (the same signature may appear inside the comment itself)."""
    at = len(tail)
    while (at := tail.rfind(b"PK\x05\x06", 0, at)) >= 0:
        if len(tail) - at >= _END.size and at + _END.size + _END.unpack_from(tail, at)[-1] == len(tail):
            return at
    return None


def check_members(infos: list[zipfile.ZipInfo]) -> list[Member]:
    """Every member, checked; the first unsafe one raises :class:`ArchiveError`."""
    if len(infos) > MAX_MEMBERS:
        raise ArchiveError(f"the archive holds {len(infos)} entries, over the limit of {MAX_MEMBERS}")
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_BYTES:
        raise ArchiveError(f"the archive unpacks to {total} bytes, over the {MAX_TOTAL_BYTES}-byte limit "
                           "(a zip bomb?)")
    members = [_check_member(info) for info in infos]
    _check_layout(members)
    return members


def _check_member(info: zipfile.ZipInfo) -> Member:
    name = info.filename
    parts = safe_parts(name)
    if info.flag_bits & 0x1:
        raise ArchiveError(f"{name!r} is encrypted")
    kind = _kind(info)
    if kind == "symlink":
        raise ArchiveError(f"{name!r} is a symbolic link; links are not extracted")
    if kind == "special":
        raise ArchiveError(f"{name!r} is a device, FIFO or socket, not a file")
    if info.file_size >= RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise ArchiveError(f"{name!r} compresses {info.file_size} bytes into {info.compress_size} "
                           "(a zip bomb?)")
    return Member(info, parts, kind == "dir")


def _kind(info: zipfile.ZipInfo) -> str:
    """``file``, ``dir``, ``symlink`` or ``special``, from the Unix mode bits where there are some."""
    mode = info.external_attr >> 16
    if info.create_system == UNIX and stat.S_IFMT(mode):  # many tools set permissions but no type
        if stat.S_ISLNK(mode):
            return "symlink"
        if stat.S_ISDIR(mode):
            return "dir"
        if not stat.S_ISREG(mode):
            return "special"
    return "dir" if info.filename.endswith(("/", "\\")) else "file"


def safe_parts(name: str) -> tuple[str, ...]:
    """The path components of a member name, refusing anything that could leave the destination."""
    if len(name) > MAX_NAME_CHARS or _CONTROL.search(name):
        raise ArchiveError(f"{name[:80]!r} is not an acceptable file name")
    unified = name.replace("\\", "/")  # archives made on Windows may use either separator
    if unified.startswith("/") or _DRIVE.match(unified):
        raise ArchiveError(f"{name!r} is an absolute path")
    parts = tuple(p for p in PurePosixPath(unified).parts if p not in ("", "."))
    if ".." in parts:
        raise ArchiveError(f"{name!r} climbs out of the archive with '..'")
    if not parts or len(parts) > MAX_DEPTH or any(len(p.encode()) > 255 for p in parts):
        raise ArchiveError(f"{name[:80]!r} is not an acceptable file name")
    return parts


def _check_layout(members: list[Member]) -> None:
    """No name twice, and no file that another member treats as a folder."""
    files: set[tuple[str, ...]] = set()
    folders: set[tuple[str, ...]] = set()
    for member in members:
        target = folders if member.is_dir else files
        if member.parts in files or (not member.is_dir and member.parts in folders):
            raise ArchiveError(f"{'/'.join(member.parts)!r} appears twice in the archive")
        target.add(member.parts)
        folders.update(member.parts[:i] for i in range(1, len(member.parts)))
    clash = files & folders
    if clash:
        raise ArchiveError(f"{'/'.join(sorted(clash)[0])!r} is both a file and a folder in the archive")


def _extract(zf: zipfile.ZipFile, members: list[Member], destination: Path) -> list[Path]:
    budget = MAX_TOTAL_BYTES
    written = []
    for member in members:
        target = destination.joinpath(*member.parts)
        if member.is_dir:
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        budget -= _copy(zf, member.info, target, budget)
        written.append(target)
    return written


def _copy(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Copy one member, stopping as soon as it inflates past what it declared or the budget."""
    limit = min(info.file_size, budget)
    # O_EXCL and O_NOFOLLOW: never write through anything that is already there.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    copied = 0
    with os.fdopen(fd, "wb") as out, zf.open(info) as source:
        while chunk := source.read(CHUNK):
            copied += len(chunk)
            if copied > limit:
                raise ArchiveError(f"{info.filename!r} unpacks to more than the {limit} bytes it declares "
                                   "(a zip bomb?)")
            out.write(chunk)
    return copied
