"""Autobahn|Python (Twisted) client of cookie-logout.test.ts: connects four times to argv[1],
keeping the cookie the router sets as a browser would. 1: ticket; 2: cookie, then leaves with
wamp.close.logout; 3: offers cookie and ticket again with the same cookie; 4: as 3. Prints one JSON
line: per connection, the authmethods offered, whether a CHALLENGE came, and the WELCOME's
authmethod and authprovider."""
import json
import sys

from autobahn.twisted.wamp import ApplicationSession
from autobahn.twisted.websocket import WampWebSocketClientFactory
from autobahn.wamp.types import ComponentConfig
from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint

URL = sys.argv[1]
PORT = int(URL.split(":")[2].split("/")[0])
runs = []
jar = {"cookie": None}


class Client(ApplicationSession):
    def onConnect(self):
        headers = self.transport.http_headers or {}
        cookie = headers.get("set-cookie")
        if cookie:
            jar["cookie"] = cookie.split(";")[0]
        self.record = {"offered": self.config.extra["methods"], "challenged": False}
        self.join("realm1", self.config.extra["methods"], "joe")

    def onChallenge(self, challenge):
        self.record["challenged"] = True
        return "secret-ticket"

    def onJoin(self, details):
        self.record["authmethod"] = details.authmethod
        self.record["authprovider"] = details.authprovider
        runs.append(self.record)
        self.leave("wamp.close.logout" if self.config.extra["logout"] else "wamp.close.normal")

    def onLeave(self, details):
        if not self.record.get("authmethod"):
            self.record["left"] = details.reason
            runs.append(self.record)
        self.disconnect()

    def onDisconnect(self):
        self.config.extra["done"].callback(None)


@defer.inlineCallbacks
def connect(methods, logout=False):
    done = defer.Deferred()
    extra = {"methods": methods, "logout": logout, "done": done}
    headers = {"Cookie": jar["cookie"]} if jar["cookie"] else None
    factory = WampWebSocketClientFactory(lambda: Client(ComponentConfig("realm1", extra)), url=URL, headers=headers)
    yield TCP4ClientEndpoint(reactor, "127.0.0.1", PORT).connect(factory)
    yield done


@defer.inlineCallbacks
def main():
    try:
        yield connect(["ticket"])
        yield connect(["cookie", "ticket"], logout=True)
        yield connect(["cookie", "ticket"])
        yield connect(["cookie", "ticket"])
    finally:
        print(json.dumps(runs))
        reactor.stop()


reactor.callWhenRunning(main)
reactor.callLater(20, reactor.stop)
reactor.run()
