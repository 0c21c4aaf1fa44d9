"""Runs one Crossbar `function` authenticator or authorizer written in Python for an Interchange node.

The node starts this script once per `function` block whose `create` names a Python callable
(see packages/server/src/components/python-auth-function.ts). The first line of stdin is the
spec; the script imports ``create`` from the worker's Python path and calls
``create(config, controller)`` once, as Crossbar does (it may be a coroutine function or
return a Deferred). The function it returns is then called for each request line on stdin,
``{"id": 1, "args": [realm, authid, details]}`` for an authenticator, and answered on fd 3:

- ``{"id": 1, "result": ...}``: what the function returned (a role name or a principal dict);
- ``{"id": 1, "error": {"uri": ..., "args": [...], "kwargs": {...}}}``: it raised
  ``autobahn.wamp.exception.ApplicationError``;
- ``{"id": 1, "error": {"uri": null, "message": "..."}}``: it raised anything else (the
  traceback goes to stderr, which the node logs).

The node keeps stdin open: end of input means the node is gone, and the script exits.

``controller``: Crossbar passes its worker controller when ``expose_controller`` is true, and
None otherwise. Interchange has no such controller (the node is not built of Crossbar's Python
worker processes). With ``expose_controller`` true, the function gets a ``Controller`` object
that says so on use: every attribute it is asked for raises ``ControllerUnavailable`` (an
AttributeError, so ``getattr(controller, "x", None)`` and ``hasattr`` work), naming the
attribute. Code that only logs or passes on the controller runs unchanged; code that uses it
fails loudly at that point instead of getting something that behaves differently.
"""

import importlib
import json
import os
import signal
import sys
import threading
import traceback

EXIT_LOAD_FAILED = 2


class ControllerUnavailable(AttributeError):
    pass


class Controller:
    """Stands for Crossbar's worker controller, which Interchange does not have."""

    def __getattr__(self, name):
        raise ControllerUnavailable(
            "controller.{}: Interchange has no Crossbar worker controller; the node offers no "
            "controller methods to function authenticators (use the WAMP meta API from a component "
            "instead)".format(name)
        )

    def __repr__(self):
        return "<Interchange Controller: none of Crossbar's worker controller methods are available>"


class Channel:
    """The answers to the node (fd 3), one JSON object a line; written from the reactor thread only."""

    def __init__(self, fd):
        self._out = os.fdopen(fd, "w", buffering=1)

    def send(self, message):
        try:
            line = json.dumps(message)
        except (TypeError, ValueError) as e:
            line = json.dumps({
                "id": message.get("id"),
                "error": {"uri": None, "message": "the answer cannot be sent as JSON: {}".format(e)},
            })
        try:
            self._out.write(line + "\n")
        except (OSError, ValueError):
            pass


def json_safe(value):
    """Arguments of an ApplicationError as JSON can carry them (anything else as its text)."""
    return json.loads(json.dumps(value, default=str))


def main():
    channel = Channel(3)
    spec = json.loads(sys.stdin.readline())
    sys.path[:0] = spec.get("pythonpath", [])

    import txaio
    txaio.use_twisted()
    from autobahn.wamp.exception import ApplicationError
    from twisted.internet import reactor

    create_fqn = spec["create"]
    controller = Controller() if spec.get("expose_controller") else None
    state = {"function": None}

    def load_failed(message):
        channel.send({"event": "error", "message": message})
        if reactor.running:
            reactor.stop()
        state["exit"] = EXIT_LOAD_FAILED

    def created(function):
        if not callable(function):
            load_failed("{} returned {!r}, not the function to call".format(create_fqn, function))
            return
        state["function"] = function
        channel.send({"event": "ready"})

    def create_failed(failure):
        sys.stderr.write(failure.getTraceback())
        load_failed("{} failed: {}: {}".format(create_fqn, failure.type.__name__, failure.value))

    def start():
        module_name, _, name = create_fqn.rpartition(".")
        try:
            module = importlib.import_module(module_name)
            create = getattr(module, name)
        except Exception as e:
            traceback.print_exc()
            load_failed("cannot import {}: {}: {}".format(create_fqn, type(e).__name__, e))
            return
        d = txaio.as_future(create, spec.get("config", {}), controller)
        txaio.add_callbacks(d, created, create_failed)

    def call(request):
        request_id = request.get("id")

        def answered(result):
            channel.send({"id": request_id, "result": result})

        def failed(failure):
            error = failure.value
            if isinstance(error, ApplicationError):
                channel.send({"id": request_id, "error": {
                    "uri": error.error,
                    "args": json_safe(list(error.args)),
                    "kwargs": json_safe(error.kwargs or {}),
                }})
            else:
                sys.stderr.write(failure.getTraceback())
                channel.send({"id": request_id, "error": {
                    "uri": None, "message": "{}: {}".format(type(error).__name__, error)}})

        d = txaio.as_future(state["function"], *request.get("args", []))
        txaio.add_callbacks(d, answered, failed)

    def received(line):
        try:
            request = json.loads(line)
        except ValueError:
            return
        if state["function"] is not None:
            call(request)

    def read_stdin():
        # Requests, until end of input: the node keeps stdin open while it runs.
        for line in sys.stdin:
            reactor.callFromThread(received, line)
        reactor.callFromThread(reactor.stop)

    def stop(*_):
        reactor.callFromThread(reactor.stop)

    threading.Thread(target=read_stdin, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    reactor.callWhenRunning(start)
    reactor.run(installSignalHandlers=False)
    sys.exit(state.get("exit", 0))


if __name__ == "__main__":
    main()
