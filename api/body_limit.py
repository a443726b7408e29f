"""A ceiling on any request body. JSON runs are parsed on the event loop before a handler sees
them, so an unbounded body would hold every other request up (and fill memory). An upload may
carry up to `MAX_FILES` files of the per-file limit (`Service.save_uploads` checks each)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_FILES = 4  # the most files one run takes (programme groups)


class BodyLimit:
    """Refuse with 413 a request whose declared or streamed body is over the limit: a JSON body
    over `max_bytes`, an upload over `MAX_FILES` times that."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        upload = headers.get(b"content-type", b"").startswith(b"multipart/")
        limit = self.max_bytes * (MAX_FILES if upload else 1)
        detail = f"the request is over the {limit >> 20} MB limit"
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await JSONResponse({"detail": detail}, 413)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:  # a body streamed without its length: stopped where it passes
                raise HTTPException(413, detail)
            return message

        await self.app(scope, counted, send)
