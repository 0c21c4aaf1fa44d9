"""Runs one Crossbar-style Autobahn|Python component for an Interchange node.

The node starts this script once per Python `class` component (see
packages/server/src/components/python-component.ts) with the component's spec as the first
line of stdin, which the node keeps open while it runs: end of input means the node is gone,
and the component exits. The script imports the class from the configured Python path, builds
`ComponentConfig(realm, extra)` as Crossbar does, and connects it over the transport the spec
names:

- ``{"kind": "fd", "fd": 4}``: a socket the node handed over (router-worker components). It
  speaks WAMP-over-RawSocket, and the node gives the session the configured role and authid
  whatever the component's HELLO says.
- ``{"kind": "websocket" | "rawsocket", ...}``: a container component's configured transport,
  TCP or Unix, optionally TLS.

With ``"controller": true`` the component gets the node's controller as ``config.controller``
(python/interchange_channel.py: its calls go to the node on fd 3, answers come back on stdin);
with ``"shared": true`` a dict of its own as ``config.shared`` (python/container_host.py runs
several components of a container in one process, sharing one).

Whether Twisted or asyncio runs the component follows from the class: a subclass of
``autobahn.twisted.wamp.ApplicationSession`` runs on Twisted, one of
``autobahn.asyncio.wamp.ApplicationSession`` on asyncio.

Status goes to the node as JSON lines on fd 3 (``joined``, ``left``, ``error``); the
component's own output goes to stdout and stderr, which the node logs. Exit codes: 0 when the
session ended cleanly, 1 when it failed (an error escaping a callback, a lost or refused
connection), 2 when the class could not be loaded.
"""

import os
import signal
import socket
import sys
import traceback

from interchange_channel import NodeChannel, NodeController, add_pythonpath, load_object, read_spec, watch_stdin

EXIT_CLEAN = 0
EXIT_FAILED = 1
EXIT_LOAD_FAILED = 2

# GOODBYE reasons that end a component normally: it left by itself, or the node shut down.
CLEAN_REASONS = (
    "wamp.close.normal",
    "wamp.close.goodbye_and_out",
    "wamp.close.system_shutdown",
    "wamp.close.close_realm",
)


def load_class(classname, pythonpath):
    add_pythonpath(pythonpath)
    return load_object(classname)


def flavour_of(klass):
    """'twisted' or 'asyncio', by the Autobahn ApplicationSession the class derives from."""
    if not isinstance(klass, type):
        return None
    for base in klass.__mro__:
        if base.__name__ == "ApplicationSession":
            if base.__module__ == "autobahn.twisted.wamp":
                return "twisted"
            if base.__module__ == "autobahn.asyncio.wamp":
                return "asyncio"
    return None


def serializer_of(name):
    from autobahn.wamp import serializer

    classes = {
        "json": "JsonSerializer",
        "msgpack": "MsgPackSerializer",
        "cbor": "CBORSerializer",
        "ubjson": "UBJSONSerializer",
    }
    klass = getattr(serializer, classes[name], None)
    if klass is None:
        raise RuntimeError("serializer %s is not available in this Python (install its package)" % name)
    return klass()


def internal_serializer():
    """The best serializer this Python has for the node's internal socket."""
    for name in ("msgpack", "cbor", "json"):
        try:
            return serializer_of(name)
        except RuntimeError:
            continue
    raise RuntimeError("no WAMP serializer available")


class Outcome:
    """How the component's session ended, decided by its events."""

    def __init__(self, status):
        self.status = status
        self.failed = False
        self.reason = None
        self.joined = False

    def fail(self, message):
        self.failed = True
        self.status.report("error", message=message)

    def exit_code(self):
        if self.failed:
            return EXIT_FAILED
        if self.reason is None or self.reason in CLEAN_REASONS:
            return EXIT_CLEAN
        return EXIT_FAILED


def session_factory(klass, spec, outcome, on_gone, current=None, controller=None, shared=None):
    from autobahn.wamp.types import ComponentConfig

    extra = spec.get("extra")
    # As Crossbar's workers do: the controller and the shared dict only when the worker exposes them.
    config = ComponentConfig(realm=spec["realm"], extra=extra, controller=controller, shared=shared)

    def create():
        try:
            session = klass(config)
        except Exception as error:
            # Autobahn only logs it and drops the connection: say why the component ends.
            outcome.fail("creating the session failed: %s: %s" % (type(error).__name__, error))
            raise
        if current is not None:
            current["session"] = session

        # As Crossbar does: an error escaping a callback of the component is fatal for it.
        def panic(fail, msg):
            outcome.fail("%s: %s" % (msg, fail.getTraceback() if hasattr(fail, "getTraceback") else fail))
            try:
                session.disconnect()
            except Exception:
                on_gone()

        session._swallow_error = panic

        def on_join(s, details):
            outcome.joined = True
            outcome.status.report(
                "joined", session=details.session, authid=details.authid, authrole=details.authrole, realm=details.realm
            )

        def on_leave(s, details):
            outcome.reason = details.reason
            outcome.status.report("left", reason=details.reason, message=details.message)

        def on_disconnect(s, was_clean=True):
            if not was_clean and outcome.reason is None:
                outcome.fail("connection lost")
            on_gone()

        session.on("join", on_join)
        # The owner's own join handler (container_host.py's), if it gave one.
        if current is not None and current.get("on_join") is not None:
            session.on("join", current["on_join"])
        session.on("leave", on_leave)
        session.on("disconnect", on_disconnect)
        return session

    return create


def websocket_client_factory(factory_class, create, transport):
    """An Autobahn WebSocket client factory (Twisted's or asyncio's) for the transport."""
    names = transport.get("serializers")
    serializers = [serializer_of(n) for n in names] if names else None
    factory = factory_class(create, url=transport["url"], serializers=serializers)
    limit_message_size(factory, transport)
    return factory


def max_message_size(transport):
    return (transport.get("options") or {}).get("max_message_size")


def limit_message_size(factory, transport):
    """Applies the transport's max_message_size, if set, to an Autobahn client factory."""
    size = max_message_size(transport)
    if size is not None:
        factory.setProtocolOptions(maxMessagePayloadSize=size)


def rawsocket_serializer(transport):
    """The serializer of a RawSocket transport: the node's own for an inherited fd, else the named one."""
    if transport["kind"] == "fd":
        return internal_serializer()
    return serializer_of(transport.get("serializer", "json"))


# When the node stops it sends SIGTERM: the component leaves its realm as if it had called
# leave() itself (GOODBYE wamp.close.normal), so neither side logs a lost transport, and exits
# once the router has answered. LEAVE_GRACE bounds the wait; the node kills it after its own grace.
LEAVE_GRACE = 3.0


def joined_session(current):
    session = current.get("session")
    return session if session is not None and session.is_attached() else None


# --- Twisted -----------------------------------------------------------------------------


def run_twisted(klass, spec, outcome, controller):
    import txaio

    txaio.use_twisted()
    from twisted.internet import reactor

    start_twisted_logging(spec.get("loglevel", "info"))

    from twisted.internet import defer

    gone = {"done": False}
    left = defer.Deferred()

    def on_gone():
        if not left.called:
            left.callback(None)
        if not gone["done"]:
            gone["done"] = True
            # The reactor may already be stopping (SIGTERM): then there is nothing to stop.
            reactor.callLater(0, lambda: reactor.running and not stopping["now"] and reactor.stop())

    stopping = {"now": False}
    current = {}

    def leave_before_shutdown():
        stopping["now"] = True
        session = joined_session(current)
        if session is None or left.called:
            return None
        session.leave()
        timer = reactor.callLater(LEAVE_GRACE, lambda: left.called or left.callback(None))
        left.addBoth(lambda _: timer.active() and timer.cancel())
        return left

    # Twisted's own SIGTERM handler stops the reactor; "before shutdown" triggers run first and
    # the reactor waits for the Deferred they return.
    reactor.addSystemEventTrigger("before", "shutdown", leave_before_shutdown)

    if controller is not None:
        controller.schedule = reactor.callFromThread
    # Crossbar's shared dict starts with its reactor.
    shared = {"reactor": reactor} if spec.get("shared") else None
    twisted_connect(reactor, klass, spec, outcome, on_gone, current, spec_controller(spec, controller), shared)
    reactor.run()
    return outcome.exit_code()


def twisted_connect(reactor, klass, spec, outcome, on_gone, current, controller, shared):
    """Connects one component over its transport once the reactor runs."""
    create = session_factory(klass, spec, outcome, on_gone, current, controller=controller, shared=shared)
    transport = spec["transport"]
    kind = transport["kind"]

    if kind == "websocket":
        from autobahn.twisted.websocket import WampWebSocketClientFactory

        factory = websocket_client_factory(WampWebSocketClientFactory, create, transport)
    else:
        from autobahn.twisted.rawsocket import WampRawSocketClientFactory

        factory = WampRawSocketClientFactory(create, serializer=rawsocket_serializer(transport))
        limit_message_size(factory, transport)
    factory.noisy = False
    factory.protocol = ends_if_never_joined(factory.protocol, outcome, on_gone)

    if kind == "fd":
        reactor.callWhenRunning(reactor.adoptStreamConnection, transport["fd"], socket.AF_UNIX, factory)
    else:
        endpoint = twisted_endpoint(reactor, transport)

        def connect_failed(failure):
            outcome.fail("could not connect: %s" % failure.getErrorMessage())
            on_gone()

        reactor.callWhenRunning(lambda: endpoint.connect(factory).addErrback(connect_failed))


def closed_before_join(outcome, on_gone, why):
    """
    A component's connection closed: when no session ever joined on it and nothing else said why,
    the component ends now, with `why()` (the handshake's or the connection's reason) as its reason.
    """
    if outcome.joined or outcome.reason is not None:
        return
    if not outcome.failed:
        outcome.fail("could not connect: the connection closed before the session joined (%s)" % why())
    on_gone()


def ends_if_never_joined(protocol_class, outcome, on_gone):
    """
    The factory's protocol, ending the component when its connection closes before a session ever
    joined: a refused WebSocket handshake (wrong path), a failed TLS handshake, or a constructor
    that raised. Autobahn then only logs and no session reports anything, so the component would
    wait for nothing until the node's start deadline; Crossbar fails the component at once.
    """

    class EndsIfNeverJoined(protocol_class):
        def connectionLost(self, reason):
            super().connectionLost(reason)
            closed_before_join(outcome, on_gone, lambda: getattr(self, "wasNotCleanReason", None) or reason.getErrorMessage())

    return EndsIfNeverJoined


def start_twisted_logging(level):
    """Log lines without a timestamp (the node's logger adds its own); warnings and errors to stderr."""
    import txaio
    from twisted.logger import LogLevel, formatEvent, globalLogBeginner

    txaio.set_global_log_level(level)
    loud = (LogLevel.warn, LogLevel.error, LogLevel.critical)

    def observer(event):
        text = formatEvent(event)
        failure = event.get("log_failure")
        if failure is not None:
            text = "%s\n%s" % (text, failure.getTraceback())
        stream = sys.__stderr__ if event.get("log_level") in loud else sys.__stdout__
        stream.write(text + "\n")
        stream.flush()

    globalLogBeginner.beginLoggingTo([observer], redirectStandardIO=True)


def twisted_endpoint(reactor, transport):
    from twisted.internet import endpoints

    endpoint = transport["endpoint"]
    timeout = endpoint.get("timeout", 10)
    tls = endpoint.get("tls")
    if endpoint["type"] == "unix":
        return endpoints.UNIXClientEndpoint(reactor, endpoint["path"], timeout=timeout)
    if tls is None:
        return endpoints.HostnameEndpoint(reactor, endpoint["host"], endpoint["port"], timeout=timeout)
    from twisted.internet import ssl

    trust = None
    cas = tls.get("ca_certificates") or []
    if cas:
        trust = ssl.trustRootFromCertificates([ssl.Certificate.loadPEM(open(f, "rb").read()) for f in cas])
    client = None
    if tls.get("certificate"):
        pem = open(tls["key"], "rb").read() + b"\n" + open(tls["certificate"], "rb").read()
        client = ssl.PrivateCertificate.loadPEM(pem)
    options = ssl.optionsForClientTLS(tls["hostname"], trustRoot=trust, clientCertificate=client)
    return endpoints.wrapClientTLS(
        options, endpoints.HostnameEndpoint(reactor, endpoint["host"], endpoint["port"], timeout=timeout)
    )


# --- asyncio -----------------------------------------------------------------------------


def run_asyncio(klass, spec, outcome, controller):
    import asyncio

    import txaio

    txaio.use_asyncio()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    txaio.config.loop = loop
    # txaio's asyncio log lines start with a timestamp (no spaces in it); the node's logger adds
    # its own, so drop it.
    txaio.start_logging(out=Untimed(sys.stdout), level=spec.get("loglevel", "info"))

    done = loop.create_future()

    def on_gone():
        if not done.done():
            done.set_result(None)

    current = {}

    def on_sigterm():
        session = joined_session(current)
        if session is None:
            on_gone()
            return
        session.leave()
        loop.call_later(LEAVE_GRACE, on_gone)

    loop.add_signal_handler(signal.SIGTERM, on_sigterm)

    if controller is not None:
        controller.schedule = loop.call_soon_threadsafe
    shared = {} if spec.get("shared") else None
    create = session_factory(
        klass, spec, outcome, on_gone, current, controller=spec_controller(spec, controller), shared=shared
    )
    transport = spec["transport"]
    kind = transport["kind"]

    if kind == "websocket":
        from autobahn.asyncio.websocket import WampWebSocketClientFactory

        factory = websocket_client_factory(WampWebSocketClientFactory, create, transport)
    else:
        from autobahn.asyncio.rawsocket import WampRawSocketClientFactory, WampRawSocketClientProtocol

        if not hasattr(WampRawSocketClientProtocol, "transport_details"):
            # Some Autobahn releases lack this property on asyncio RawSocket, which onWelcome reads.
            WampRawSocketClientProtocol.transport_details = property(lambda p: getattr(p, "_transport_details", None))
        raw_factory = WampRawSocketClientFactory(create, serializer=rawsocket_serializer(transport))
        size = max_message_size(transport)

        def factory():
            protocol = raw_factory()
            if size is not None:
                # Autobahn's asyncio RawSocket has no option for it; set what its constructor would.
                exponent = max(0, min(15, (max(size, 512) - 1).bit_length() - 9))
                protocol._length_exp = exponent
                protocol.max_length = 2 ** (exponent + 9)
            return protocol

    factory = asyncio_ends_if_never_joined(factory, outcome, on_gone)

    async def connect():
        if kind == "fd":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, fileno=transport["fd"])
            await loop.create_unix_connection(factory, sock=sock)
            return
        endpoint = transport["endpoint"]
        context = asyncio_tls(endpoint.get("tls"))
        tls_args = {} if context is None else {"ssl": context, "server_hostname": endpoint["tls"]["hostname"]}
        timeout = endpoint.get("timeout", 10)
        if endpoint["type"] == "unix":
            await asyncio.wait_for(loop.create_unix_connection(factory, endpoint["path"], **tls_args), timeout)
        else:
            await asyncio.wait_for(
                loop.create_connection(factory, endpoint["host"], endpoint["port"], **tls_args), timeout
            )

    try:
        loop.run_until_complete(connect())
    except Exception as error:
        outcome.fail("could not connect: %s" % error)
        return outcome.exit_code()
    loop.run_until_complete(done)
    return outcome.exit_code()


def asyncio_ends_if_never_joined(make_protocol, outcome, on_gone):
    """The asyncio counterpart of ends_if_never_joined: wraps a protocol factory."""

    def make():
        protocol = make_protocol()
        lost = protocol.connection_lost

        def connection_lost(exc):
            lost(exc)
            closed_before_join(
                outcome, on_gone, lambda: getattr(protocol, "wasNotCleanReason", None) or (str(exc) if exc else "closed")
            )

        protocol.connection_lost = connection_lost
        return protocol

    return make


class Untimed:
    """A text stream that drops the first word (txaio's timestamp) of what is written."""

    def __init__(self, out):
        self._out = out

    def write(self, text):
        if isinstance(text, bytes):
            text = text.decode("utf8", "replace")
        head, _, rest = text.partition(" ")
        self._out.write(rest if rest else head)
        self._out.flush()

    def flush(self):
        self._out.flush()


def asyncio_tls(tls):
    if tls is None:
        return None
    import ssl

    cas = tls.get("ca_certificates") or []
    if cas:
        # The configured CAs replace the system's trust store, as in the Twisted branch.
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(cadata="\n".join(open(f).read() for f in cas))
    else:
        context = ssl.create_default_context()
    if tls.get("certificate"):
        context.load_cert_chain(tls["certificate"], tls["key"])
    return context


def spec_controller(spec, controller):
    """The controller the component sees: the node's with ``expose_controller``, else None (as in Crossbar)."""
    return controller if spec.get("controller") else None


def main():
    # The spec is the first line of stdin; the node keeps stdin open as long as it runs, and
    # answers controller calls on it.
    spec = read_spec()
    status = NodeChannel(3)
    controller = NodeController(status)
    watch_stdin(controller.on_line, lambda: os._exit(EXIT_FAILED))
    outcome = Outcome(status)
    classname = spec["classname"]
    try:
        klass = load_class(classname, spec.get("pythonpath", []))
    except Exception:
        status.report("error", message="could not import %s:\n%s" % (classname, traceback.format_exc()))
        traceback.print_exc()
        return EXIT_LOAD_FAILED
    flavour = flavour_of(klass)
    if flavour is None:
        message = (
            "%s is not a subclass of autobahn.twisted.wamp.ApplicationSession "
            "or autobahn.asyncio.wamp.ApplicationSession" % classname
        )
        status.report("error", message=message)
        print(message, file=sys.stderr)
        return EXIT_LOAD_FAILED
    status.report("loaded", flavour=flavour)
    try:
        if flavour == "twisted":
            return run_twisted(klass, spec, outcome, controller)
        return run_asyncio(klass, spec, outcome, controller)
    except Exception:
        outcome.fail(traceback.format_exc())
        traceback.print_exc()
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
