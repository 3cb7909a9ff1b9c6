"""Receive an untrusted upload: a multipart body parsed as it streams in, with the size limit enforced
while streaming (never after), written under a server-made name in the server's private folder.

The client's file name is kept only as text for display, after a check; it is never part of a path.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

#: Form field carrying the video.
FILE_FIELD = "file"
#: Other form fields: at most this many, each at most this many bytes.
MAX_FIELDS = 16
MAX_FIELD_BYTES = 1024
#: Multipart overhead (boundaries, part headers) allowed above the file size limit, bytes.
ENVELOPE_BYTES = 64 * 1024
#: Longest client file name accepted, characters.
MAX_NAME = 255


class ApiError(Exception):
    """An error answered as JSON ``{"error": code, "detail": text}`` with an HTTP 4xx/5xx status."""

    def __init__(self, status: int, error: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.headers = headers or {}


@dataclass
class Upload:
    """An upload on disk. ``path`` is server-made; ``name`` is the client's file name (display only)."""

    path: Path
    name: str
    size: int
    fields: dict[str, str] = field(default_factory=dict)


def check_client_name(name: str) -> str:
    """The client's file name if it is a plain name; a path, a traversal or control characters -> 400."""
    if (
        not name
        or len(name) > MAX_NAME
        or name in (".", "..")
        or any(c in name for c in "/\\")
        or any(ord(c) < 32 for c in name)
    ):
        raise ApiError(
            400, "bad_filename", "the file name must be a plain name (no folders, '..' or control characters)"
        )
    return name


def new_upload_path(folder: Path) -> Path:
    """A fresh server-made file name in ``folder`` (created exclusively, owner-only)."""
    path = folder / f"{secrets.token_hex(12)}.upload"
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    return path


def check_request(content_type: str | None, content_length: str | None, max_bytes: int) -> bytes:
    """The multipart boundary; a wrong content type (415) or a declared length over the limit (413)."""
    ctype, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise ApiError(
            415, "unsupported_media_type", "send the video as multipart/form-data with a 'file' field"
        )
    if content_length is not None:
        try:
            declared = int(content_length)
        except ValueError:
            raise ApiError(400, "bad_request", "Content-Length is not a number") from None
        if declared > max_bytes + ENVELOPE_BYTES:
            raise ApiError(413, "too_large", too_large_detail(max_bytes))
    return boundary


def too_large_detail(max_bytes: int) -> str:
    return f"the upload is larger than the limit of {max_bytes / 1e6:g} MB (--max-upload-mb)"


class _Receiver:
    """Multipart callbacks: the file part goes to ``path`` (counted), small fields to memory."""

    def __init__(self, path: Path, max_bytes: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.size = 0
        self.name: str | None = None
        self.fields: dict[str, str] = {}
        self._handle = None
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._part: str | None = None
        self._buf = bytearray()
        self.error: ApiError | None = None

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: self._add("_header_field", d[s:e]),
            "on_header_value": lambda d, s, e: self._add("_header_value", d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def _add(self, attr: str, data: bytes) -> None:
        setattr(self, attr, getattr(self, attr) + data)

    def _begin(self) -> None:
        self._headers, self._part, self._buf = {}, None, bytearray()

    def _header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def _headers_done(self) -> None:
        _, opts = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = opts.get(b"name", b"").decode("utf-8", "replace")
        if name == FILE_FIELD:
            if self._handle is not None or self.name is not None:
                raise _Stop(ApiError(400, "bad_request", "send one file per request"))
            self.name = check_client_name(opts.get(b"filename", b"").decode("utf-8", "replace"))
            self._handle = self.path.open("wb")
        elif len(self.fields) >= MAX_FIELDS:
            raise _Stop(ApiError(400, "bad_request", f"at most {MAX_FIELDS} form fields"))
        self._part = name

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._part == FILE_FIELD and self._handle is not None:
            self.size += end - start
            if self.size > self.max_bytes:
                raise _Stop(ApiError(413, "too_large", too_large_detail(self.max_bytes)))
            self._handle.write(data[start:end])
        else:
            self._buf += data[start:end]
            if len(self._buf) > MAX_FIELD_BYTES:
                raise _Stop(
                    ApiError(
                        400,
                        "bad_request",
                        f"form field {self._part!r} is longer than {MAX_FIELD_BYTES} bytes",
                    )
                )

    def _end(self) -> None:
        if self._part == FILE_FIELD and self._handle is not None:
            self._handle.close()
        elif self._part:
            self.fields[self._part] = self._buf.decode("utf-8", "replace")

    def close(self) -> None:
        if self._handle is not None and not self._handle.closed:
            self._handle.close()


class _Stop(Exception):
    """Raised inside a parser callback to stop reading the body."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.detail)
        self.error = error


async def receive_upload(
    chunks: AsyncIterator[bytes], boundary: bytes, folder: Path, max_bytes: int
) -> Upload:
    """Stream a multipart body into ``folder`` under a server-made name, stopping at ``max_bytes``.

    Raises:
        ApiError: 413 over the limit (raised as soon as the limit is passed), 400 malformed body, bad file
            name or no file, 400 empty file. The partial file is deleted on any error.
    """
    path = new_upload_path(folder)
    receiver = _Receiver(path, max_bytes)
    parser = MultipartParser(boundary, receiver.callbacks())
    try:
        try:
            async for chunk in chunks:
                parser.write(chunk)
            parser.finalize()
        except _Stop as stop:
            raise stop.error from None
        except MultipartParseError:
            raise ApiError(400, "bad_request", "the multipart body is malformed") from None
        finally:
            receiver.close()
        if receiver.name is None:
            raise ApiError(400, "no_file", f"the form has no {FILE_FIELD!r} field with a video")
        if receiver.size == 0:
            raise ApiError(400, "empty_file", f"{receiver.name}: the file is empty (0 bytes)")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Upload(path=path, name=receiver.name, size=receiver.size, fields=receiver.fields)
