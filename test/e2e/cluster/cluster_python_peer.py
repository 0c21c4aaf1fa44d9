"""Autobahn|Python sessions on two different nodes of an Interchange cluster.

Usage: /usr/bin/python3 cluster_python_peer.py BACKEND_URL FRONTEND_URL SERIALIZER

The realm's role discloses callers and publishers (Autobahn|Python 22.7 has no `disclose_me`).
The backend registers and subscribes on one node, the frontend calls and publishes on another.
Registrations reach the other nodes through the cluster's registration table and subscriptions
through NATS, a moment after REGISTERED and SUBSCRIBED: the frontend waits until the last
procedure answers and until a warm-up event arrives, as any client of a cluster must. It also
calls `com.cluster.js.mul`, which an Autobahn|JS session registered on a third node. Prints one
JSON object with what it observed; the test asserts on it.
"""
import asyncio
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))

from autobahn.wamp import types  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402
from interop_peer import open_websocket_session  # noqa: E402


async def call_when_registered(session, procedure, *args, **kwargs):
    """Calls `procedure`, retrying while no node knows it yet (at most 10 s)."""
    for _ in range(200):
        try:
            return await session.call(procedure, *args, **kwargs)
        except ApplicationError as err:
            if err.error != "wamp.error.no_such_procedure":
                raise
        await asyncio.sleep(0.05)
    raise RuntimeError("%s was never registered" % procedure)


async def main(backend_url, frontend_url, serializer):
    loop = asyncio.get_running_loop()
    backend, _ = await open_websocket_session(loop, backend_url, "realm1", serializer)
    frontend, _ = await open_websocket_session(loop, frontend_url, "realm1", serializer)
    observed = {"backend_session": backend._session_id, "frontend_session": frontend._session_id}

    def echo_kwargs(*args, **kwargs):
        return types.CallResult(*args, **kwargs)

    def fail():
        raise ApplicationError("com.cluster.failed", "as requested", code=42)

    def whoami(details=None):
        return [details.caller, details.caller_authrole]

    async def countdown(n, details=None):
        for i in range(n, 0, -1):
            if details.progress:
                details.progress(i)
        return 0

    await backend.register(echo_kwargs, "com.cluster.py.echo")
    await backend.register(fail, "com.cluster.py.fail")
    await backend.register(
        whoami, "com.cluster.py.whoami", options=types.RegisterOptions(details_arg="details")
    )
    await backend.register(countdown, "com.cluster.py.countdown", options=types.RegisterOptions(details_arg="details"))
    # Registered last: once the other node knows it, it knows the others (the table is ordered).
    await backend.register(lambda a, b: a + b, "com.cluster.py.add2")

    observed["add2"] = await call_when_registered(frontend, "com.cluster.py.add2", 2, 3)
    echoed = await frontend.call("com.cluster.py.echo", 1, "two", b"\x00\xff", color="orange")
    observed["echo"] = {"args": [list(a) if isinstance(a, bytes) else a for a in echoed.results], "kwargs": echoed.kwresults}
    try:
        await frontend.call("com.cluster.py.fail")
        observed["fail"] = None
    except ApplicationError as err:
        observed["fail"] = {"error": err.error, "args": list(err.args), "kwargs": err.kwargs}
    observed["whoami"] = await frontend.call("com.cluster.py.whoami")
    progress = []
    final = await frontend.call(
        "com.cluster.py.countdown", 3, options=types.CallOptions(on_progress=lambda i: progress.append(i))
    )
    observed["countdown"] = {"progress": progress, "final": final}
    observed["js_mul"] = await call_when_registered(frontend, "com.cluster.js.mul", 6, 7)

    received = []
    warm = loop.create_future()
    done = loop.create_future()

    def on_event(*args, **kwargs):
        details = kwargs.pop("details")
        if args and args[0] == "warm-up":
            if not warm.done():
                warm.set_result(True)
            return
        received.append({"args": list(args), "kwargs": kwargs, "publisher": details.publisher})
        if args and args[0] == "last" and not done.done():
            done.set_result(True)

    await backend.subscribe(on_event, "com.cluster.py.", options=types.SubscribeOptions(match="prefix", details_arg="details"))
    for _ in range(200):
        await frontend.publish("com.cluster.py.warm", "warm-up", options=types.PublishOptions(acknowledge=True))
        try:
            await asyncio.wait_for(asyncio.shield(warm), 0.05)
            break
        except asyncio.TimeoutError:
            pass
    await frontend.publish(
        "com.cluster.py.topic", "hello", 7, note="first", options=types.PublishOptions(acknowledge=True)
    )
    await frontend.publish(
        "com.cluster.py.topic", "not you", options=types.PublishOptions(acknowledge=True, exclude=[backend._session_id])
    )
    await frontend.publish("com.cluster.py.topic", "last", options=types.PublishOptions(acknowledge=True))
    await asyncio.wait_for(done, 10)
    observed["events"] = received
    await frontend.leave()
    await backend.leave()
    await asyncio.sleep(0.05)
    print(json.dumps(observed))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
