"""Runs all Python components of one container worker in one process, for ``expose_shared``.

Crossbar runs a container worker's components in one Python process and hands each the same
dict as ``config.shared`` (with the reactor under ``"reactor"``). Where a container worker has
``expose_shared`` and more than one Python component, the node starts this script instead of
one component_runner.py process per component (see
packages/server/src/components/python-shared-container.ts), so the dict is really shared.

The spec (first line of stdin) is component_runner.py's, with ``components``: a list of
``{"id", "classname", "realm", "extra", "transport"}``. Each component is connected when the node
says so, and ended when it says so, one JSON line each on stdin:

- ``{"start": id}``: connect the component (again);
- ``{"stop": id}``: it leaves its realm (GOODBYE wamp.close.normal).

Messages to the node (fd 3) carry ``"component": id``: ``joined``, ``left``, ``error``, and
``ended`` with the ``code`` a component_runner.py process would have exited with. The process
itself reports ``ready`` once its reactor runs, and ends on SIGTERM (every session leaves
first) or when the node is gone. Components run on Twisted, as in Crossbar's container: a class
of Autobahn's asyncio flavour is refused at load.
"""

import os
import sys
import traceback

from component_runner import (
    EXIT_FAILED,
    EXIT_LOAD_FAILED,
    LEAVE_GRACE,
    Outcome,
    flavour_of,
    joined_session,
    load_class,
    start_twisted_logging,
    twisted_connect,
)
from interchange_channel import NodeChannel, NodeController, parse_line, read_spec, watch_stdin


class Tagged:
    """The channel to the node, adding the component's id to what it reports."""

    def __init__(self, channel, component):
        self._channel = channel
        self._component = component

    def report(self, event, **fields):
        fields["component"] = self._component
        self._channel.report(event, **fields)


class Member:
    """One component of the container and its current run."""

    def __init__(self, spec, klass):
        self.spec = spec
        self.klass = klass
        self.current = {}
        self.run = None


def main():
    spec = read_spec()
    channel = NodeChannel(3)
    controller = NodeController(channel)

    import txaio

    txaio.use_twisted()
    from twisted.internet import defer, reactor

    controller.schedule = reactor.callFromThread

    def on_line(line):
        if not controller.on_line(line):
            reactor.callFromThread(received, line)

    watch_stdin(on_line, lambda: os._exit(EXIT_FAILED))

    members = {}
    for component in spec["components"]:
        merged = dict(spec, **component)
        try:
            klass = load_class(component["classname"], spec.get("pythonpath", []))
        except Exception:
            message = "could not import %s:\n%s" % (component["classname"], traceback.format_exc())
            channel.report("error", message=message)
            traceback.print_exc()
            return EXIT_LOAD_FAILED
        if flavour_of(klass) != "twisted":
            message = (
                "%s is not a subclass of autobahn.twisted.wamp.ApplicationSession: the components of a "
                "container with expose_shared share one Twisted reactor, as in Crossbar" % component["classname"]
            )
            channel.report("error", message=message)
            return EXIT_LOAD_FAILED
        members[component["id"]] = Member(merged, klass)

    start_twisted_logging(spec.get("loglevel", "info"))
    # One dict for every component of the container, as Crossbar's `components_shared`.
    shared = {"reactor": reactor}
    exposed = controller if spec.get("controller") else None
    stopping = {"now": False}

    def start(member_id):
        member = members.get(member_id)
        if member is None or member.run is not None or stopping["now"]:
            return
        status = Tagged(channel, member_id)
        outcome = Outcome(status)
        left = defer.Deferred()
        run = {"outcome": outcome, "left": left, "cancelled": False}
        member.run = run
        member.current = current = {}

        def on_join(session, details):
            # Stopped while it was still connecting: it leaves as soon as it is in.
            if run["cancelled"]:
                session.leave()

        def on_gone():
            if member.run is None or member.run["left"] is not left:
                return
            member.run = None
            left.callback(None)
            status.report("ended", code=outcome.exit_code())

        current["on_join"] = on_join
        twisted_connect(reactor, member.klass, member.spec, outcome, on_gone, current, exposed, shared)

    def leave(member_id):
        member = members.get(member_id)
        if member is None or member.run is None:
            return None
        left = member.run["left"]
        session = joined_session(member.current)
        if session is None:
            # Not joined yet: its connection is dropped, or it leaves once it has joined.
            member.run["cancelled"] = True
            session = member.current.get("session")
            if session is not None and session._transport is not None:
                session._transport.close()
            return left
        session.leave()
        timer = reactor.callLater(LEAVE_GRACE, lambda: left.called or left.callback(None))
        left.addBoth(lambda _: timer.active() and timer.cancel())
        return left

    def received(line):
        message = parse_line(line)
        if message is None:
            return
        if "start" in message:
            start(message["start"])
        elif "stop" in message:
            leave(message["stop"])

    def leave_all():
        stopping["now"] = True
        waits = [d for d in (leave(member_id) for member_id in members) if d is not None]
        return defer.DeferredList(waits) if waits else None

    reactor.addSystemEventTrigger("before", "shutdown", leave_all)

    reactor.callWhenRunning(channel.report, "ready")
    reactor.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
