"""Attachments: fetching a file (members only, checked on every fetch) and a server's Files view.

Images are served inline (they were re-encoded on upload); everything else
only as a download with a generic type, and never as a document that could
run script: `Content-Security-Policy: default-src 'none'; sandbox`.
"""
from flask import abort, request
from flask_login import current_user

from app.chat.views import bp
from app.params import int_arg
from app.responses import render_page_or_fragment
from app.services import attachments as attachment_service
from app.services import servers as server_service
from app.services.storage import get_storage

# Members keep a fetched file this long in their own browser (never in a shared cache).
CACHE_SECONDS = 3600
FILE_HEADERS = {"X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; sandbox",
                "Cross-Origin-Resource-Policy": "same-origin",
                "Referrer-Policy": "no-referrer"}


def served(key: str, content_type: str, disposition: str):
    response = get_storage().serve(key, content_type, disposition, CACHE_SECONDS)
    response.headers.update(FILE_HEADERS)
    response.vary.add("Cookie")
    return response


@bp.get("/attachments/<int:attachment_id>/<path:filename>")
def attachment(attachment_id: int, filename: str):
    """The file itself (the name in the URL is for people and downloads; the id decides)."""
    found = attachment_service.access_attachment(current_user, attachment_id)
    return served(found.storage_key, found.content_type,
                  attachment_service.content_disposition(found.kind, found.filename))


@bp.get("/attachments/<int:attachment_id>/preview")
def attachment_preview(attachment_id: int):
    """An image's small preview (WebP), as shown in the channel."""
    found = attachment_service.access_attachment(current_user, attachment_id)
    if not found.thumb_key:
        abort(404)
    return served(found.thumb_key, "image/webp", "inline")


@bp.get("/servers/<int:server_id>/files")
def server_files(server_id: int):
    """Every file sent in the server, newest first, 30 at a time (?before=<id> for older)."""
    membership = server_service.access_membership(current_user, server_id)
    page = attachment_service.files_page(server_id, int_arg("before"))
    fragment = ("partials/files_page.html" if request.headers.get("HX-Target", "").endswith("files-more")
                else "partials/server_files.html")
    return render_page_or_fragment("pages/server_files.html", fragment, server=membership.server, files=page)
