"""A Crossbar-era Autobahn|Python program, run as written for Crossbar: an ApplicationRunner
component that watches the whole realm (a subscription to the empty prefix), subscribes,
publishes with acknowledge to its own topic, calls, then leaves, and
exits 1 unless its session closed with `wamp.close.normal` (the exit check of Crossbar's
examples).

Usage: /usr/bin/python3 autobahn_python_runner.py URL REALM [SERIALIZER]

Without SERIALIZER, ApplicationRunner offers its default list (cbor, msgpack, ubjson, json, each
batched first). Prints one JSON object with what it observed, including the order in which
PUBLISHED and EVENT arrived on the wire.
"""
import asyncio
import json
import sys

from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession
from autobahn.wamp import message, types
from interop_peer import SERIALIZERS


class Component(ApplicationSession):
    def onMessage(self, msg):
        # The wire order of the acknowledgement and the session's own event.
        extra = self.config.extra
        if isinstance(msg, message.Published) or (
            isinstance(msg, message.Event) and msg.subscription == extra.get("topic_subscription")
        ):
            extra["order"].append(type(msg).__name__.upper())
        super().onMessage(msg)

    async def onJoin(self, details):
        extra = self.config.extra
        extra["serializer"] = self._transport._serializer.SERIALIZER_ID
        got_event = asyncio.get_running_loop().create_future()

        def on_event(*args):
            if not got_event.done():
                got_event.set_result(list(args))

        # How Crossbar's examples watch a realm: the empty prefix matches every topic.
        watched = extra["watched"] = []
        await self.subscribe(
            lambda *args, details: watched.append(details.topic),
            "",
            options=types.SubscribeOptions(match="prefix", details_arg="details"),
        )
        subscription = await self.subscribe(on_event, "com.example.runner.topic")
        extra["topic_subscription"] = subscription.id
        await self.register(lambda a, b: a + b, "com.example.runner.add")
        await self.publish(
            "com.example.runner.topic",
            "hi",
            options=types.PublishOptions(acknowledge=True, exclude_me=False),
        )
        extra["event"] = await asyncio.wait_for(got_event, 10)
        extra["sum"] = await self.call("com.example.runner.add", 2, 3)
        self.leave()

    def onLeave(self, details):
        self.config.extra["exit_details"] = details
        self.disconnect()

    def onDisconnect(self):
        asyncio.get_event_loop().stop()


if __name__ == "__main__":
    url, realm = sys.argv[1], sys.argv[2]
    serializers = [SERIALIZERS[sys.argv[3]]()] if len(sys.argv) > 3 else None
    extra = {"order": []}
    runner = ApplicationRunner(url, realm, extra=extra, serializers=serializers)
    runner.run(Component)
    details = extra.get("exit_details")
    print(
        json.dumps(
            {
                "serializer": extra.get("serializer"),
                "order": extra["order"],
                "event": extra.get("event"),
                "sum": extra.get("sum"),
                "watched": extra.get("watched"),
                "reason": details.reason if details else None,
            }
        )
    )
    if details is None or details.reason != "wamp.close.normal":
        sys.exit(1)
