#!/usr/bin/env python3
"""A TCP proxy between a runner and PostgreSQL that loses one claim's reply after the server
committed it: the shape of a claim stranded by a network cut.

    cut_claim_reply.py LISTEN_PORT UPSTREAM_PORT [CUTS]

It reads the server's side of the PostgreSQL protocol message by message. When a DataRow with 13
columns (a claimed execution: the columns claim_executions() returns) arrives, it holds that reply back until
the ReadyForQuery that ends it: the server sends ReadyForQuery only after the claim's transaction
committed. It then drops the held reply and closes both sides, so the rows are `running` under the
runner that never learned of them. It does this CUTS times (default 1), then passes everything.
Prints "listening" once ready and "cut N" after each cut (the test reads both). Connect with
sslmode=disable and gssencmode=disable: the proxy only understands the plain protocol.
"""
import asyncio
import struct
import sys

CLAIM_COLUMNS = 13
state = {"cuts_left": int(sys.argv[3]) if len(sys.argv) > 3 else 1, "cuts": 0}


async def pipe_client_to_server(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def pipe_server_to_client(reader, writer, client_writer):
    """Forwards whole messages; holds a claim's reply and cuts the connection at its end."""
    buffer = b""
    held = None
    try:
        while data := await reader.read(65536):
            buffer += data
            out = b""
            while len(buffer) >= 5:
                kind = buffer[0:1]
                (length,) = struct.unpack("!I", buffer[1:5])
                if len(buffer) < 1 + length:
                    break
                message, buffer = buffer[: 1 + length], buffer[1 + length:]
                if held is None and kind == b"D" and state["cuts_left"] > 0:
                    (columns,) = struct.unpack("!H", message[5:7])
                    if columns == CLAIM_COLUMNS:
                        held = b""
                if held is not None:
                    held += message
                    if kind == b"Z":
                        state["cuts_left"] -= 1
                        state["cuts"] += 1
                        print(f"cut {state['cuts']}", flush=True)
                        client_writer.close()
                        writer.close()
                        return
                else:
                    out += message
            if out:
                client_writer.write(out)
                await client_writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        client_writer.close()
        writer.close()


async def handle(client_reader, client_writer, upstream_port):
    try:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(
        pipe_client_to_server(client_reader, server_writer),
        pipe_server_to_client(server_reader, server_writer, client_writer),
    )


async def main():
    listen_port, upstream_port = int(sys.argv[1]), int(sys.argv[2])
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, upstream_port), "127.0.0.1", listen_port)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
