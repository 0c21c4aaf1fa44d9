"""Interop peer: Autobahn|Python (22.7.1, Debian's python3-autobahn) against our router, for the
advanced profile: pattern-based subscriptions, subscriber black- and whitelisting, shared
registrations, progressive call results, call canceling, call timeouts and the meta API.

Usage: /usr/bin/python3 autobahn_python_advanced.py URL REALM SERIALIZER

Opens Autobahn|Python sessions, exercises each feature between them, and prints one JSON object
with what it observed. The test asserts on that object; this script decides nothing about
success itself, except exiting non-zero if something blew up.
"""
import asyncio
import json
import sys

from autobahn.wamp import types
from autobahn.wamp.exception import ApplicationError

from interop_peer import open_websocket_session as open_session


async def wait_until(check, timeout=10):
    """Polls `check` on the event loop until it is true (a safety net, not a timing assertion)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError("condition not met in time")
        await asyncio.sleep(0.005)


async def error_uri(awaitable):
    try:
        await awaitable
        return None
    except ApplicationError as err:
        return err.error


async def pattern_subscriptions(a, b, observed):
    seen = []

    def on_prefix(*args, details=None):
        seen.append(["prefix", details.topic])

    def on_wildcard(*args, details=None):
        seen.append(["wildcard", details.topic])

    # What had arrived when the marker came: events from one publisher reach a subscriber in the
    # order published (spec "Publish & Subscribe Ordering"), so nothing of the run comes later.
    before_marker = []

    def on_marker(*args):
        before_marker.append(sorted(seen))

    await b.subscribe(on_prefix, "com.interop.adv.pat.", options=types.SubscribeOptions(match="prefix", details_arg="details"))
    await b.subscribe(on_wildcard, "com.interop.adv..temp", options=types.SubscribeOptions(match="wildcard", details_arg="details"))
    await b.subscribe(on_marker, "com.interop.adv.marker")
    for topic in ["com.interop.adv.pat.kitchen", "com.interop.adv.hall.temp", "com.interop.adv.pat.temp", "com.interop.adv.other"]:
        await a.publish(topic, options=types.PublishOptions(acknowledge=True))
    # pat.temp matches both patterns; `other` neither; the marker matches neither pattern.
    await a.publish("com.interop.adv.marker", options=types.PublishOptions(acknowledge=True))
    await wait_until(lambda: before_marker)
    observed["pattern_events"] = before_marker[0]


async def black_white_listing(a, b, c, b_id, c_id, c_authid, observed):
    got = {"b": [], "c": []}
    await b.subscribe(lambda n: got["b"].append(n), "com.interop.adv.list")
    await c.subscribe(lambda n: got["c"].append(n), "com.interop.adv.list")
    cases = [
        ("none", {}),
        ("exclude_b", {"exclude": [b_id]}),
        ("eligible_c", {"eligible": [c_id]}),
        ("exclude_authid_c", {"exclude_authid": [c_authid]}),
        ("eligible_authrole_anonymous", {"eligible_authrole": ["anonymous"]}),
        ("exclude_authrole_anonymous", {"exclude_authrole": ["anonymous"]}),
    ]
    for name, options in cases:
        await a.publish("com.interop.adv.list", name, options=types.PublishOptions(acknowledge=True, **options))
    # A last event for both marks the end of the run.
    await a.publish("com.interop.adv.list", "end", options=types.PublishOptions(acknowledge=True))
    await wait_until(lambda: "end" in got["b"] and "end" in got["c"])
    observed["lists"] = {who: [n for n in names if n != "end"] for who, names in got.items()}


async def shared_registrations(a, b, c, observed):
    await b.register(lambda: "b", "com.interop.adv.shared", options=types.RegisterOptions(invoke="roundrobin"))
    await c.register(lambda: "c", "com.interop.adv.shared", options=types.RegisterOptions(invoke="roundrobin"))
    observed["roundrobin"] = [await a.call("com.interop.adv.shared") for _ in range(4)]
    observed["policy_mismatch"] = await error_uri(
        a.register(lambda: "a", "com.interop.adv.shared", options=types.RegisterOptions(invoke="random"))
    )


async def progressive_results(a, b, observed):
    async def count(n, details=None):
        for i in range(1, n):
            details.progress(i)
            await asyncio.sleep(0)
        return n

    await b.register(count, "com.interop.adv.count", options=types.RegisterOptions(details_arg="details"))
    progress = []
    final = await a.call("com.interop.adv.count", 4, options=types.CallOptions(on_progress=lambda i: progress.append(i)))
    observed["progressive"] = {"progress": progress, "final": final}


async def cancel_and_timeout(a, b, observed):
    started = []
    interrupted = []

    async def slow(tag):
        started.append(tag)
        try:
            await asyncio.sleep(30)
            return "finished"
        except asyncio.CancelledError:
            interrupted.append(tag)
            raise

    await b.register(slow, "com.interop.adv.slow")

    # Cancel: Autobahn|Python cancels by cancelling the call's future (it sends CANCEL without a mode).
    call = a.call("com.interop.adv.slow", "cancel")
    await wait_until(lambda: "cancel" in started)
    call.cancel()
    try:
        await call
        caller_saw = "result"
    except asyncio.CancelledError:
        caller_saw = "cancelled"
    except ApplicationError as err:
        caller_saw = err.error
    await wait_until(lambda: "cancel" in interrupted)
    observed["cancel"] = {"caller": caller_saw, "callee_interrupted": "cancel" in interrupted}

    # Timeout: CALL.Options.timeout, enforced by our router. Autobahn|Python documents it in
    # seconds and announces no call_timeout feature, so the router reads seconds, as Crossbar does.
    started_at = asyncio.get_running_loop().time()
    timeout_error = await error_uri(a.call("com.interop.adv.slow", "timeout", options=types.CallOptions(timeout=1)))
    elapsed = asyncio.get_running_loop().time() - started_at
    await wait_until(lambda: "timeout" in interrupted)
    observed["timeout"] = {
        "caller": timeout_error,
        "callee_interrupted": "timeout" in interrupted,
        "after_one_second": 0.9 <= elapsed < 5,
    }


async def meta_api(loop, url, realm, serializer_name, a, b_id, observed):
    meta = {}
    meta["count"] = await a.call("wamp.session.count")
    meta["list_has_b"] = b_id in await a.call("wamp.session.list")
    b_info = await a.call("wamp.session.get", b_id)
    meta["get_b"] = {"session": b_info["session"], "authrole": b_info["authrole"]}
    meta["get_unknown"] = await error_uri(a.call("wamp.session.get", 1))
    registration = await a.call("wamp.registration.lookup", "com.interop.adv.shared")
    meta["registration_callees"] = await a.call("wamp.registration.count_callees", registration)
    meta["registration_match"] = (await a.call("wamp.registration.match", "com.interop.adv.shared")) == registration
    meta["registration_get"] = (await a.call("wamp.registration.get", registration))["invoke"]
    subscription = await a.call("wamp.subscription.lookup", "com.interop.adv.list")
    meta["subscribers"] = await a.call("wamp.subscription.count_subscribers", subscription)
    meta["subscription_unknown"] = await error_uri(a.call("wamp.subscription.get", 1))

    joins, leaves = [], []
    await a.subscribe(lambda details: joins.append(details["session"]), "wamp.session.on_join")

    # The handler shape of Crossbar's examples: exactly one argument (three would raise TypeError).
    def on_session_leave(session_id):
        leaves.append(session_id)

    await a.subscribe(on_session_leave, "wamp.session.on_leave")
    d, d_details = await open_session(loop, url, realm, serializer_name)
    await d.leave()
    await wait_until(lambda: d_details.session in leaves)
    meta["on_join_saw_d"] = d_details.session in joins
    meta["on_leave_saw_d"] = d_details.session in leaves

    # Kill with reason and message given positionally, as Crossbar's wamp.session.kill takes them.
    e, e_details = await open_session(loop, url, realm, serializer_name)
    e_left = loop.create_future()
    e.on("leave", lambda session, details: e_left.done() or e_left.set_result([details.reason, details.message]))
    await a.call("wamp.session.kill", e_details.session, "com.interop.maintenance", "back soon")
    meta["killed_e"] = await asyncio.wait_for(e_left, 10)
    observed["meta"] = meta


async def main(url, realm, serializer_name):
    loop = asyncio.get_running_loop()
    observed = {}
    a, _ = await open_session(loop, url, realm, serializer_name)
    b, b_details = await open_session(loop, url, realm, serializer_name)
    c, c_details = await open_session(loop, url, realm, serializer_name)

    await pattern_subscriptions(a, b, observed)
    await black_white_listing(a, b, c, b_details.session, c_details.session, c_details.authid, observed)
    await shared_registrations(a, b, c, observed)
    await progressive_results(a, b, observed)
    await cancel_and_timeout(a, b, observed)
    await meta_api(loop, url, realm, serializer_name, a, b_details.session, observed)

    for session in (a, b, c):
        await session.leave()
    await asyncio.sleep(0.05)
    print(json.dumps(observed))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
