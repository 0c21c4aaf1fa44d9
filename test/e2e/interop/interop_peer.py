"""Shared pieces of the Autobahn|Python interop scripts: open an Autobahn|Python session over
WebSocket or RawSocket, and the basic scenario every transport runs.

Autobahn|Python (22.7.1, Debian's python3-autobahn) is a WAMP client nobody on this team wrote:
it is how we know our router speaks WAMP and not a dialect of its own.
"""
import asyncio

from autobahn.asyncio.rawsocket import WampRawSocketClientFactory, WampRawSocketClientProtocol
from autobahn.asyncio.wamp import ApplicationSession
from autobahn.asyncio.websocket import WampWebSocketClientFactory
from autobahn.wamp import types
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.serializer import CBORSerializer, JsonSerializer, MsgPackSerializer

# Debian's python3-autobahn depends on python3-ubjson; without it only the ubjson tests fail.
try:
    from autobahn.wamp.serializer import UBJSONSerializer
except ImportError:
    UBJSONSerializer = None

SERIALIZERS = {
    "json": JsonSerializer,
    "msgpack": MsgPackSerializer,
    "cbor": CBORSerializer,
    # The batched forms, as Autobahn|Python writes them (JSON: each message ends with 0x18).
    "json.batched": lambda: JsonSerializer(batched=True),
    "msgpack.batched": lambda: MsgPackSerializer(batched=True),
    "cbor.batched": lambda: CBORSerializer(batched=True),
    # UBJSON: Debian's Autobahn|Python 22.7.1 writes it with py-ubjson (bytes as [$U#).
    "ubjson": lambda: UBJSONSerializer(),
    "ubjson.batched": lambda: UBJSONSerializer(batched=True),
}

# Autobahn|Python 22.7.1's asyncio RawSocket client keeps its transport details in
# `_transport_details`, but its session reads `transport_details` when WELCOME arrives and fails
# (the WebSocket client has the property). Give the RawSocket client the same property; this
# changes nothing on the wire.
if not hasattr(WampRawSocketClientProtocol, "transport_details"):
    WampRawSocketClientProtocol.transport_details = property(lambda self: self._transport_details)


def _session_factory(realm, joined):
    """An ApplicationSession factory whose session resolves `joined` with (session, details)."""

    class Session(ApplicationSession):
        def onJoin(self, details):
            if not joined.done():
                joined.set_result((self, details))

        def onLeave(self, details):
            if not joined.done():
                joined.set_exception(RuntimeError("left before join: %s" % details.reason))
            super().onLeave(details)

    return lambda: Session(types.ComponentConfig(realm=realm))


async def open_websocket_session(loop, url, realm, serializer_name):
    """Connects one session over WebSocket (ws://host:port/path); returns (session, details) once joined."""
    joined = loop.create_future()
    factory = WampWebSocketClientFactory(
        _session_factory(realm, joined), url=url, serializers=[SERIALIZERS[serializer_name]()]
    )
    host, port = url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    await loop.create_connection(factory, host, int(port))
    return await asyncio.wait_for(joined, 10)


async def open_rawsocket_session(loop, target, realm, serializer_name):
    """Connects one session over RawSocket (HOST:PORT, or a Unix socket path); returns (session, details)."""
    joined = loop.create_future()
    factory = WampRawSocketClientFactory(_session_factory(realm, joined), serializer=SERIALIZERS[serializer_name]())
    if target.startswith("/"):
        await loop.create_unix_connection(factory, target)
    else:
        host, port = target.rsplit(":", 1)
        await loop.create_connection(factory, host, int(port))
    return await asyncio.wait_for(joined, 10)


async def basic_scenario(loop, backend, frontend):
    """Register, call, errors, subscribe and publish between two joined sessions; returns what was observed."""
    observed = {}

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
    return observed
