"""HTTP routes that reach into the customer's computer, with consent: files and the
request to see the screen (the frames themselves travel over the WebSocket)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.requests import ClientDisconnect

from helpline.domain.consent import ConsentKind
from helpline.domain.errors import Conflict, InvalidInput, TooLarge
from helpline.domain.files import FileAudience, SharedFile
from helpline.server import answers, wire
from helpline.server.accounts import customer_only
from helpline.server.dependencies import (
    AnyActor,
    ConsentService,
    FileService,
    Rep,
    check_origin,
)
from helpline.server.fields import JsonBool
from helpline.server.inputs import CheckedRoute, PathId
from helpline.server.openapi import answers as answer
from helpline.server.openapi import errors

router = APIRouter(prefix="/api", dependencies=[Depends(check_origin)], route_class=CheckedRoute)


class ConsentAnswer(BaseModel):
    allow: JsonBool
    # Only "no_display" (checked by domain/consent.py, which says what is wrong).
    reason: str | None = Field(default=None, max_length=64)


# The upload's body is the file's bytes, streamed: no model reads it. Not required:
# over HTTP an empty file and no body at all are the same request (Content-Length: 0).
FILE_BODY = {
    "requestBody": {
        "required": False,
        "description": "The file's bytes; none for an empty file.",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def file_body(file: SharedFile) -> wire.JsonDict:
    return {
        "id": file.id,
        "name": file.name,
        "size": file.size,
        "sha256": file.sha256,
        "content_type": file.content_type,
        "audience": file.audience.value,
        "from": file.sender.name,
        "from_kind": file.sender.kind.value,
        "state": file.state.value,
        "at": wire.iso(file.created_at),
    }


@router.post(
    "/sessions/{public_id}/files",
    status_code=201,
    openapi_extra=FILE_BODY,
    responses={**answer(answers.FileAnswer, 201, file_id="/file/id"), **errors(TooLarge)},
)
async def upload(
    public_id: str,
    request: Request,
    actor: AnyActor,
    files: FileService,
    name: str = Query(min_length=1, max_length=1024),
    to: FileAudience | None = Query(
        default=None, description="A representative's choice; customers' files go to them."
    ),
) -> Any:
    declared = request.headers.get("content-length")
    try:
        declared_size = int(declared) if declared is not None else None
    except ValueError:
        raise InvalidInput("The Content-Length header is not a number.") from None
    try:
        saved = await files.upload(
            actor,
            public_id,
            name,
            to.value if to else None,
            request.headers.get("content-type"),
            declared_size,
            request.stream(),
        )
    except ClientDisconnect:
        # The sender went away mid-upload: nothing was offered, nothing is kept.
        raise InvalidInput("The upload was cut off; nothing was sent.") from None
    return {"file": file_body(saved)}


@router.get("/sessions/{public_id}/files", responses=answer(answers.FilesAnswer))
async def session_files(public_id: str, actor: AnyActor, files: FileService) -> Any:
    return {"files": [file_body(f) for f in await files.of_session(actor, public_id)]}


@router.post(
    "/files/{file_id:int}/accept", responses={**answer(answers.FileAnswer), **errors(Conflict)}
)
async def accept_file(file_id: PathId, actor: AnyActor, files: FileService) -> Any:
    return {"file": file_body(await files.answer(actor, file_id, True))}


@router.post(
    "/files/{file_id:int}/decline", responses={**answer(answers.FileAnswer), **errors(Conflict)}
)
async def decline_file(file_id: PathId, actor: AnyActor, files: FileService) -> Any:
    return {"file": file_body(await files.answer(actor, file_id, False))}


@router.post("/files/{file_id:int}/completed", status_code=204, responses=errors(Conflict))
async def file_completed(file_id: PathId, actor: AnyActor, files: FileService) -> None:
    await files.completed(actor, file_id)


@router.get(
    "/files/{file_id:int}",
    response_class=FileResponse,
    responses={
        **answer(media_type="application/octet-stream"),
        **errors(Conflict),
    },
)
async def download(file_id: PathId, actor: AnyActor, files: FileService) -> FileResponse:
    file, path = await files.download(actor, file_id)
    return FileResponse(
        path,
        media_type="application/octet-stream",
        filename=file.name,
        headers={"X-Content-SHA256": file.sha256, "Cache-Control": "no-store"},
    )


@router.post(
    "/sessions/{public_id}/screen/request",
    status_code=201,
    responses=answer(answers.ConsentRequest, 201, request_id="/request"),
)
async def ask_for_screen(public_id: str, actor: Rep, consents: ConsentService) -> Any:
    request = await consents.ask(actor, public_id, ConsentKind.SCREEN)
    return {"request": request.id}


@router.post(
    "/consents/{request_id}",
    responses={**answer(answers.ConsentAnswered), **errors(Conflict)},
)
async def answer_consent(
    request_id: str, body: ConsentAnswer, actor: AnyActor, consents: ConsentService
) -> Any:
    customer = customer_only(actor, "answer a request for consent")
    answered = await consents.answer(customer, request_id, body.allow, body.reason)
    return {"request": answered.id, "state": answered.state.value}
