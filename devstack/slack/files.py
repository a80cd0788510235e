"""The files v2 upload flow (what ``WebClient.files_upload_v2`` does):

1. ``files.getUploadURLExternal(filename, length)`` → ``upload_url`` (on this emulator) + ``file_id``;
2. POST the bytes (raw or multipart) to ``upload_url`` → ``200 OK - <length>``;
3. ``files.completeUploadExternal(files=[{id, title}], channel_id, thread_ts, initial_comment)`` shares them,
   as one message (or thread reply) carrying the files. ``channel_id`` must be an ID and the bot must be in the
   channel, even a public one with ``chat:write.public`` (``not_in_channel``), see ``membership``.

Image dimensions are read from the PNG/GIF/JPEG header so the transcript can say ``graph.png 1024x400 PNG``.
"""

from __future__ import annotations

import json
import mimetypes
import struct
from typing import Any

from devstack.slack.models import File, Message, Refusal
from devstack.slack.store import SlackError, Store

Body = dict[str, Any]


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None


def sniff(name: str, data: bytes) -> tuple[str, str, int | None, int | None]:
    """(filetype, mimetype, width, height) from the content, falling back to the file name."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "png", "image/png", width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "gif", "image/gif", width, height
    if data.startswith(b"\xff\xd8"):
        size = _jpeg_size(data)
        return "jpg", "image/jpeg", size[0] if size else None, size[1] if size else None
    if data.startswith(b"%PDF"):
        return "pdf", "application/pdf", None, None
    mimetype = mimetypes.guess_type(name)[0]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if (mimetype and mimetype.startswith("text/")) or ext in ("txt", "log", "md"):
        return ext if ext and ext != "txt" else "text", mimetype or "text/plain", None, None
    return ext or "binary", mimetype or "application/octet-stream", None, None


def files_get_upload_url(store: Store, args: Body) -> Body:
    filename = args.get("filename")
    if not isinstance(filename, str) or not filename:
        raise SlackError("invalid_arguments", ["[ERROR] missing required field: filename"])
    try:
        length = int(args.get("length") or -1)
    except (TypeError, ValueError):
        length = -1
    if length < 0:
        raise SlackError("invalid_arguments", ["[ERROR] missing required field: length"])
    if length == 0:
        raise SlackError("missing_argument")  # Slack: "typically only occurs when the length provided is 0"
    alt = args.get("alt_txt") if isinstance(args.get("alt_txt"), str) else None
    if alt is not None and len(alt) > 1000:
        raise SlackError("alt_txt_too_large")
    file = File(id=store.next_id("F"), name=filename, title=filename, alt_txt=alt)
    with store.lock:
        store.files[file.id] = file
    return {"upload_url": f"{store.base_url}upload/v1/{file.id}", "file_id": file.id}


def receive_upload(store: Store, file_id: str, data: bytes) -> tuple[int, str]:
    """The upload URL's answer: ``(200, "OK - <length>")`` like Slack's file service, 404 when unknown."""
    with store.lock:
        file = store.files.get(file_id)
        if file is None:
            store.refuse(Refusal("upload", "file_not_found", None, f"HTTP 404 {file_id}"))
            return 404, "file_not_found"
        file.bytes = data
        file.uploaded = True
        file.filetype, file.mimetype, file.width, file.height = sniff(file.name, data)
    return 200, f"OK - {len(data)}"


def _file_list(raw: Any) -> list[dict[str, Any]]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise SlackError("invalid_arguments", ["[ERROR] files must be a JSON array"]) from None
    if not isinstance(raw, list) or not raw or not all(isinstance(f, dict) and f.get("id") for f in raw):
        raise SlackError("invalid_arguments", ["[ERROR] files must be an array of {id, title}"])
    return raw


def files_complete_upload(store: Store, args: Body) -> Body:
    entries = _file_list(args.get("files"))
    channel = args.get("channel_id") or None  # checked (ID, bot a member) and resolved by membership.check
    comment = args.get("initial_comment") if isinstance(args.get("initial_comment"), str) else ""
    with store.lock:
        files: list[File] = []
        for entry in entries:
            file = store.files.get(str(entry["id"]))
            if file is None or not file.uploaded:
                raise SlackError("file_not_found")
            if isinstance(entry.get("title"), str) and entry["title"]:
                file.title = entry["title"]
            files.append(file)
        if channel is not None:
            thread_ts = args.get("thread_ts") or None
            message = Message(channel=channel, ts="", text=comment or "", thread_ts=thread_ts, files=files)
            posted = store.post(message)
            for file in files:
                file.channel, file.thread_ts = channel, posted.thread_ts
        return {"files": [f.to_api(store.base_url) for f in files]}


def files_info(store: Store, args: Body) -> Body:
    with store.lock:
        file = store.files.get(str(args.get("file") or ""))
        if file is None or not file.uploaded:
            raise SlackError("file_not_found")
        return {"file": file.to_api(store.base_url), "comments": [], "response_metadata": {"next_cursor": ""}}


FILE_METHODS = {
    "files.getUploadURLExternal": files_get_upload_url,
    "files.completeUploadExternal": files_complete_upload,
    "files.info": files_info,
}
