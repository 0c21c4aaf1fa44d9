"""Interop peer: Autobahn|Python (a WAMP client nobody on this team wrote) over RawSocket.

Usage: /usr/bin/python3 autobahn_python_rawsocket.py TARGET REALM SERIALIZER

TARGET is HOST:PORT for TCP or a path for a Unix domain socket. Opens two sessions (a backend
and a frontend) and runs register/call/subscribe/publish between them, then prints one JSON
object with what it observed. The test asserts on that object; this script decides nothing about
success itself, except exiting non-zero if something blew up.
"""
import asyncio
import json
import sys

from autobahn.asyncio.rawsocket import WampRawSocketClientFactory, WampRawSocketClientProtocol
from autobahn.asyncio.wamp import ApplicationSession
from autobahn.wamp import types
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.serializer import JsonSerializer, MsgPackSerializer

SERIALIZERS = {"json": JsonSerializer, "msgpack": MsgPackSerializer}

# Autobahn|Python 22.7.1's asyncio RawSocket client keeps its transport details in
# `_transport_details`, but its session reads `transport_details` when WELCOME arrives and fails
# (the WebSocket client has the property). Give the RawSocket client the same property; this
# changes nothing on the wire.
if not hasattr(WampRawSocketClientProtocol, "transport_details"):
    WampRawSocketClientProtocol.transport_details = property(lambda self: self._transport_details)


async def open_session(loop, target, realm, serializer_name):
    """Connects one ApplicationSession over RawSocket and returns it once joined."""
    joined = loop.create_future()

    class Session(ApplicationSession):
        def onJoin(self, details):
            if not joined.done():
                joined.set_result((self, details))

        def onLeave(self, details):
            if not joined.done():
                joined.set_exception(RuntimeError("left before join: %s" % details.reason))
            super().onLeave(details)

    def make_session():
        return Session(types.ComponentConfig(realm=realm))

    factory = WampRawSocketClientFactory(make_session, serializer=SERIALIZERS[serializer_name]())
    if target.startswith("/"):
        await loop.create_unix_connection(factory, target)
    else:
        host, port = target.rsplit(":", 1)
        await loop.create_connection(factory, host, int(port))
    return await asyncio.wait_for(joined, 10)


async def main(target, realm, serializer_name):
    loop = asyncio.get_running_loop()
    observed = {}

    backend, backend_details = await open_session(loop, target, realm, serializer_name)
    frontend, frontend_details = await open_session(loop, target, realm, serializer_name)
    observed["welcome"] = {
        "backend_session": backend_details.session,
        "frontend_session": frontend_details.session,
        "authrole": frontend_details.authrole,
        "realm": frontend_details.realm,
    }

    def add2(a, b):
        return a + b

    def echo_kwargs(*args, **kwargs):
        return types.CallResult(*args, **kwargs)

    def fail(*args):
        raise ApplicationError("com.interop.failed", "as requested", code=42)

    def echo_bytes(blob):
        return blob

    await backend.register(add2, "com.interop.add2")
    await backend.register(echo_kwargs, "com.interop.echo")
    await backend.register(fail, "com.interop.fail")
    await backend.register(echo_bytes, "com.interop.bytes")

    observed["add2"] = await frontend.call("com.interop.add2", 2, 3)
    echoed = await frontend.call("com.interop.echo", 1, "two", color="orange", size=3)
    observed["echo"] = {"args": list(echoed.results), "kwargs": echoed.kwresults}
    blob = await frontend.call("com.interop.bytes", b"\x00\x01\xfe\xff")
    observed["bytes"] = list(blob)
    big = await frontend.call("com.interop.echo", "x" * 50000)
    observed["big_length"] = len(big)

    try:
        await frontend.call("com.interop.fail")
        observed["fail"] = None
    except ApplicationError as err:
        observed["fail"] = {"error": err.error, "args": list(err.args), "kwargs": err.kwargs}

    try:
        await frontend.call("com.interop.nowhere")
        observed["no_such_procedure"] = None
    except ApplicationError as err:
        observed["no_such_procedure"] = err.error

    received = []
    got_two = loop.create_future()

    def on_event(*args, **kwargs):
        received.append({"args": list(args), "kwargs": kwargs})
        if len(received) == 2 and not got_two.done():
            got_two.set_result(True)

    await backend.subscribe(on_event, "com.interop.topic")
    publication = await frontend.publish(
        "com.interop.topic", "hello", 7, note="first", options=types.PublishOptions(acknowledge=True)
    )
    observed["publication_id_is_int"] = isinstance(publication.id, int)
    await backend.publish("com.interop.topic", "from myself", options=types.PublishOptions(acknowledge=True))
    await backend.publish(
        "com.interop.topic", "to myself too", options=types.PublishOptions(acknowledge=True, exclude_me=False)
    )
    await asyncio.wait_for(got_two, 10)
    observed["events"] = received

    await frontend.leave()
    await backend.leave()
    await asyncio.sleep(0.05)
    print(json.dumps(observed))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
