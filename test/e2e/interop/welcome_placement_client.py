"""Interop peer: Autobahn|Python joins and reports where WELCOME says it landed.

Usage: /usr/bin/python3 welcome_placement_client.py WS_URL REALM

Prints one JSON object: the session's `authextra` as Autobahn|Python's SessionDetails shows it
in onJoin, and the custom (`x_`) attributes its Welcome message parsed from WELCOME.Details.
"""
import asyncio
import json
import sys

from autobahn.asyncio.wamp import ApplicationSession
from autobahn.asyncio.websocket import WampWebSocketClientFactory
from autobahn.wamp import types


async def main(url, realm):
    loop = asyncio.get_running_loop()
    joined = loop.create_future()

    class Session(ApplicationSession):
        def onConnect(self):
            self.join(realm)

        def onWelcome(self, msg):
            self.custom = dict(msg.custom)
            return None

        def onJoin(self, details):
            joined.set_result({"authextra": details.authextra, "custom": self.custom, "session": details.session})
            self.leave()

    factory = WampWebSocketClientFactory(lambda: Session(types.ComponentConfig(realm=realm)), url=url)
    host, port = url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    transport, _ = await loop.create_connection(factory, host, int(port))
    observed = await asyncio.wait_for(joined, 10)
    await asyncio.sleep(0.05)
    transport.close()
    print(json.dumps(observed))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:3]))
