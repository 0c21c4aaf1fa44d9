"""Interop peer: Autobahn|Python (a WAMP client nobody on this team wrote) against our router.

Usage: /usr/bin/python3 autobahn_python_client.py URL REALM SERIALIZER

Opens two sessions (a backend and a frontend) and runs register/call/subscribe/publish between
them, then prints one JSON object with what it observed. The test asserts on that object; this
script decides nothing about success itself, except exiting non-zero if something blew up.
"""
import asyncio
import json
import sys

from autobahn.asyncio.wamp import ApplicationSession
from autobahn.asyncio.websocket import WampWebSocketClientFactory
from autobahn.wamp import types
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.serializer import CBORSerializer, JsonSerializer, MsgPackSerializer

SERIALIZERS = {"json": JsonSerializer, "msgpack": MsgPackSerializer, "cbor": CBORSerializer}


async def open_session(loop, url, realm, serializer_name):
    """Connects one ApplicationSession and returns it once joined."""
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

    factory = WampWebSocketClientFactory(make_session, url=url, serializers=[SERIALIZERS[serializer_name]()])
    host_port = url.split("//", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    await loop.create_connection(factory, host, int(port))
    return await asyncio.wait_for(joined, 10)


async def main(url, realm, serializer_name):
    loop = asyncio.get_running_loop()
    observed = {}

    backend, backend_details = await open_session(loop, url, realm, serializer_name)
    frontend, frontend_details = await open_session(loop, url, realm, serializer_name)
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

    try:
        await backend.register(add2, "com.interop.add2")
        observed["already_exists"] = None
    except ApplicationError as err:
        observed["already_exists"] = err.error

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
    # Publisher exclusion is on by default: the backend's own publish must not reach it...
    await backend.publish("com.interop.topic", "from myself", options=types.PublishOptions(acknowledge=True))
    # ...unless it asks for it with exclude_me=False.
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
