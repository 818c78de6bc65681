"""The practical limit: a bare asyncio SSE broadcaster, no framework, no database.

GET (any path) opens a text/event-stream (HTTP/1.1, chunked, like Charla's);
POST (any path) broadcasts one frame of --frame-bytes bytes carrying the POST
body to every open stream, then answers 200 "ok". Started by bench/live_load.py:

    python bench/bare_broadcaster.py --port 8765 --frame-bytes 900
"""
import argparse
import asyncio
import resource
from urllib.parse import unquote_plus

streams: set[asyncio.StreamWriter] = set()
HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n")


def chunk(frame: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(frame), frame)


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, frame_bytes: int) -> None:
    try:
        while head := await reader.readuntil(b"\r\n\r\n"):
            if head.startswith(b"GET"):
                writer.write(HEAD + chunk(b"retry: 2000\n: bare stream\n\n"))
                streams.add(writer)
                await reader.read()  # until the client leaves
                return
            length = int(next((line.split(b":")[1] for line in head.lower().split(b"\r\n")
                               if line.startswith(b"content-length:")), 0))
            content = unquote_plus((await reader.readexactly(length)).decode()).partition("=")[2]
            handle.event_id += 1
            frame = f"id: {handle.event_id}\ndata: {content}".encode()
            frame = chunk(frame + b"x" * max(0, frame_bytes - len(frame) - 2) + b"\n\n")
            for stream in streams:
                stream.write(frame)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        streams.discard(writer)
        writer.close()


handle.event_id = 0


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--frame-bytes", type=int, default=900, help="size of each broadcast SSE frame")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    server = await asyncio.start_server(lambda r, w: handle(r, w, args.frame_bytes),
                                        args.host, args.port, backlog=1024)
    print(f"bare broadcaster on http://{args.host}:{args.port}/", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
