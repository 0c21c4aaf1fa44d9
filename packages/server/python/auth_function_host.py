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
None otherwise. Here it is the node's controller client (python/interchange_channel.py): its
``call`` reaches the node's controller procedures (``crossbar.get_status``, ``crossbar.shutdown``
...) over this process's pipes; the node answers on stdin with ``{"controller": id, ...}`` lines.
"""

import json
import signal
import sys
import traceback

from interchange_channel import NodeChannel, NodeController, add_pythonpath, load_object, parse_line, read_spec, watch_stdin

EXIT_LOAD_FAILED = 2


def json_safe(value):
    """Arguments of an ApplicationError as JSON can carry them (anything else as its text)."""
    return json.loads(json.dumps(value, default=str))


def main():
    channel = NodeChannel(3)
    spec = read_spec()
    add_pythonpath(spec.get("pythonpath"))

    import txaio
    txaio.use_twisted()
    from autobahn.wamp.exception import ApplicationError
    from twisted.internet import reactor

    create_fqn = spec["create"]
    node_controller = NodeController(channel)
    node_controller.schedule = reactor.callFromThread
    controller = node_controller if spec.get("expose_controller") else None
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
        try:
            create = load_object(create_fqn)
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
        request = parse_line(line)
        if request is not None and state["function"] is not None:
            call(request)

    def on_line(line):
        # The node's answers to controller calls, else requests for the function.
        if not node_controller.on_line(line):
            reactor.callFromThread(received, line)

    def stop(*_):
        reactor.callFromThread(reactor.stop)

    # Requests, until end of input: the node keeps stdin open while it runs.
    watch_stdin(on_line, stop)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    reactor.callWhenRunning(start)
    reactor.run(installSignalHandlers=False)
    sys.exit(state.get("exit", 0))


if __name__ == "__main__":
    main()
