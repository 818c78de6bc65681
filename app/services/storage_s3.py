"""S3-compatible object storage (AWS, MinIO, Garage, Ceph) for attachments shared by several hosts.

The app checks who may fetch a file, then redirects to a presigned URL valid
for S3_URL_SECONDS: the bytes never pass through Charla, and a link copied
out of the page stops working soon after.
"""
from collections.abc import Iterator
from urllib.parse import urlsplit

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError
from flask import redirect

from app.services.storage import Storage, StorageFull, StoredFile

# What an S3 server says when it has no room (MinIO, Ceph: 507 / XMinioStorageFull; quotas).
FULL_CODES = {"XMinioStorageFull", "InsufficientStorage", "QuotaExceeded", "StorageFull"}


class S3Storage(Storage):
    def __init__(self, client, bucket: str, url_seconds: int):
        self.client = client
        self.bucket = bucket
        self.url_seconds = url_seconds

    @classmethod
    def from_config(cls, config) -> "S3Storage":
        client = boto3.client(
            "s3", endpoint_url=config["S3_ENDPOINT_URL"], region_name=config["S3_REGION"],
            aws_access_key_id=config["S3_ACCESS_KEY_ID"], aws_secret_access_key=config["S3_SECRET_ACCESS_KEY"],
            # Path-style URLs work with every S3-compatible server and need no wildcard DNS.
            config=BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"},
                              retries={"max_attempts": 3, "mode": "standard"}))
        return cls(client, config["S3_BUCKET"], config["S3_URL_SECONDS"])

    def origin(self) -> str:
        """Where browsers fetch files from (for the page's Content-Security-Policy)."""
        parts = urlsplit(self.client.meta.endpoint_url)  # path-style links all go to the endpoint's host
        return f"{parts.scheme}://{parts.netloc}"

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in FULL_CODES:
                raise StorageFull() from error
            raise

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):  # the API's batch limit
            batch = keys[start:start + 1000]
            self.client.delete_objects(Bucket=self.bucket,
                                       Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True})

    def list(self) -> Iterator[StoredFile]:
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for item in page.get("Contents", []):
                yield StoredFile(item["Key"], item["LastModified"])

    def serve(self, key: str, content_type: str, disposition: str, cache_seconds: int):
        url = self.client.generate_presigned_url(
            "get_object", ExpiresIn=self.url_seconds,
            Params={"Bucket": self.bucket, "Key": key, "ResponseContentType": content_type,
                    "ResponseContentDisposition": disposition,
                    "ResponseCacheControl": f"private, max-age={cache_seconds}"})
        response = redirect(url, code=302)
        # The redirect itself must not outlive the link it points to.
        response.headers["Cache-Control"] = f"private, max-age={min(cache_seconds, self.url_seconds // 2)}"
        return response
