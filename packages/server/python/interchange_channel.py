"""The channel between an Interchange node and the Python processes it starts, written once for
component_runner.py, web_host.py and auth_function_host.py (the node's side is
packages/server/src/components/python-process.ts):

- stdin: the spec as the first JSON line, then the node's messages, one JSON line each. The node
  keeps stdin open while it runs: end of input means it is gone, and the process exits.
- fd 3: the process's messages to the node, one JSON line each (``{"event": "ready"}``, ...).

It also holds the node controller client that ``expose_controller`` hands to user code
(``config.controller`` of a component, the second argument of a ``function`` block's
``create``): its ``call`` goes to the node over this channel and the node answers from its
controller API (packages/server/src/components/node-controller-api.ts).

Its name is the node's own, so that a module of the user's Python path does not shadow it.
"""

import importlib
import json
import os
import sys
import threading


class NodeChannel:
    """The messages to the node (fd 3), one JSON object a line."""

    def __init__(self, fd=3):
        try:
            self._out = os.fdopen(fd, "w", buffering=1)
        except OSError:
            self._out = None
        self._lock = threading.Lock()

    def send(self, message):
        """Sends a JSON object; one that JSON cannot carry is answered as an error if it has an id."""
        if self._out is None:
            return
        try:
            line = json.dumps(message)
        except (TypeError, ValueError) as e:
            line = json.dumps({
                "id": message.get("id"),
                "error": {"uri": None, "message": "the answer cannot be sent as JSON: {}".format(e)},
            })
        try:
            with self._lock:
                self._out.write(line + "\n")
                self._out.flush()
        except (OSError, ValueError):
            pass

    def report(self, event, **fields):
        fields["event"] = event
        self.send(fields)


def read_line(fd=0):
    """One line from a descriptor, read unbuffered (nothing after it is consumed)."""
    data = bytearray()
    while not data.endswith(b"\n"):
        chunk = os.read(fd, 1)
        if not chunk:
            break
        data += chunk
    return bytes(data)


def read_spec():
    """The spec: the first line of stdin."""
    return json.loads(read_line(0))


def watch_stdin(on_line, on_end):
    """Calls ``on_line`` (in a thread of its own) for each later line of stdin, ``on_end`` at its end.

    Reads the descriptor with os.read, not sys.stdin: a thread blocked inside sys.stdin's buffered
    reader would hold its lock and hang the interpreter's shutdown.
    """

    def wait():
        pending = b""
        try:
            while True:
                chunk = os.read(0, 65536)
                if not chunk:
                    break
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    if line.strip():
                        on_line(line)
        except OSError:
            pass
        on_end()

    threading.Thread(target=wait, name="watch-node", daemon=True).start()


def parse_line(line):
    """A JSON object from a line, or None."""
    try:
        message = json.loads(line)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def add_pythonpath(paths):
    """Puts the worker's Python path first, as Crossbar does."""
    sys.path[:0] = list(paths or [])


class LoadError(Exception):
    """The user's module or object cannot be loaded (the script exits with code 2)."""


def load_object(dotted):
    """``package.module.name`` imported: the module's attribute."""
    module_name, _, name = dotted.rpartition(".")
    module = importlib.import_module(module_name)
    return getattr(module, name)


class NodeController:
    """The node controller as user code gets it with ``expose_controller``: a WAMP-style ``call``.

    ``call(procedure, *args, **kwargs)`` returns a Deferred (Twisted) or a Future (asyncio), as
    ``ApplicationSession.call`` does, resolving to the node's answer or failing with
    ``autobahn.wamp.exception.ApplicationError`` (``wamp.error.no_such_procedure`` for one the
    node does not have). Calls cross the process boundary as JSON: arguments JSON cannot carry
    fail at once with ``wamp.error.invalid_argument``.

    Crossbar's controller is a whole WAMP session; only ``call`` exists here: asking for anything
    else raises AttributeError saying so (``getattr(controller, "x", None)`` works).
    """

    def __init__(self, channel):
        self._channel = channel
        self._pending = {}
        self._next_id = 1
        # Set by the script once its event loop runs: runs a function in that loop's thread.
        self.schedule = None

    def call(self, procedure, *args, **kwargs):
        import txaio
        from autobahn.wamp.exception import ApplicationError

        # Crossbar's ApplicationSession.call takes call options as `options=`; the node has none to apply.
        kwargs.pop("options", None)
        future = txaio.create_future()
        call_id = self._next_id
        self._next_id += 1
        try:
            message = json.dumps({
                "event": "controller",
                "id": call_id,
                "procedure": procedure,
                "args": list(args),
                "kwargs": kwargs,
            })
        except (TypeError, ValueError) as e:
            txaio.reject(future, ApplicationError(
                "wamp.error.invalid_argument",
                "controller call {}: the arguments cannot be sent to the node as JSON: {}".format(procedure, e),
            ))
            return future
        self._pending[call_id] = future
        self._channel.send(json.loads(message))
        return future

    def answer(self, message):
        """Settles the call the node answered (in the event loop's thread)."""
        import txaio
        from autobahn.wamp.exception import ApplicationError

        future = self._pending.pop(message.get("controller"), None)
        if future is None:
            return
        if "result" in message:
            txaio.resolve(future, message["result"])
            return
        error = message.get("error") or {}
        txaio.reject(future, ApplicationError(
            error.get("uri") or "wamp.error.runtime_error", *(error.get("args") or []), **(error.get("kwargs") or {})
        ))

    def on_line(self, line):
        """For :func:`watch_stdin`: hands the node's answers to the event loop."""
        message = parse_line(line)
        if message is not None and "controller" in message and self.schedule is not None:
            self.schedule(self.answer, message)
            return True
        return False

    def __getattr__(self, name):
        raise AttributeError(
            "controller.{}: Interchange's node controller offers call() only "
            "(e.g. controller.call('crossbar.get_status')); see docs/crossbar-migration.md".format(name)
        )

    def __repr__(self):
        return "<Interchange NodeController: call() reaches the node's controller procedures>"
