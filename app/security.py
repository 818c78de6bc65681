"""Security headers on every response."""
from flask import Flask, request

# No inline script, no eval, no inline style attributes; everything from us.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


# Stylesheets and scripts are never documents: headers that govern a document
# would only weigh on every one of them (all but nosniff).
SUBRESOURCE_TYPES = {"text/css", "text/javascript", "application/javascript"}


def page_policy(app: Flask) -> str:
    """The policy for this deployment: images may also come from the S3 backend's presigned links."""
    if app.config.get("STORAGE_BACKEND") != "s3":
        return CONTENT_SECURITY_POLICY
    from app.services.storage_s3 import S3Storage
    origin = S3Storage.from_config(app.config).origin()
    return CONTENT_SECURITY_POLICY.replace("img-src 'self' data: blob:", f"img-src 'self' data: blob: {origin}")


def register(app: Flask) -> None:
    policy = page_policy(app)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        if request.endpoint == "static" and response.mimetype in SUBRESOURCE_TYPES:
            return response
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
