"""Interop peer: Autobahn|Python as Crossbar users write it, for the Crossbar dialect tests.

Usage: /usr/bin/python3 dialect_python_client.py SPEC

SPEC is a JSON object:
  url         ws:// or wss:// URL
  realm       the realm to join, or null to leave it to the router's authentication
  method      ticket | wampcra | cryptosign
  authid      the authid to announce (optional)
  secret      the ticket, the WAMP-CRA password, or the cryptosign private key seed (hex)
  binding     cryptosign channel binding to ask for (e.g. "tls-unique"), optional
  ca          path of a CA certificate to trust for wss:// (optional)
  framework   "asyncio" (default) or "twisted": Autobahn's two transports compute the TLS channel
              ID from different Finished messages, so both are exercised
  call        a procedure to call once joined (optional); its result is reported

Authentication goes through Autobahn's own helpers: auth.compute_wcs and auth.derive_key for
WAMP-CRA, auth.AuthCryptoSign (which takes the channel ID from the transport) for cryptosign.
Prints one JSON object: {"joined": true, "details": {...}, "result": ...} or
{"joined": false, "reason": ..., "message": ...}.
"""
import json
import sys

SPEC = json.loads(sys.argv[1])
FRAMEWORK = SPEC.get("framework", "asyncio")

if FRAMEWORK == "twisted":
    from autobahn.twisted.wamp import ApplicationSession
    from autobahn.twisted.websocket import WampWebSocketClientFactory
else:
    from autobahn.asyncio.wamp import ApplicationSession
    from autobahn.asyncio.websocket import WampWebSocketClientFactory

from autobahn.wamp import auth, types
from autobahn.wamp.serializer import JsonSerializer


def make_session(report):
    method = SPEC["method"]
    secret = SPEC["secret"]
    cryptosign = None
    if method == "cryptosign":
        authextra = {"channel_binding": SPEC["binding"]} if SPEC.get("binding") else {}
        cryptosign = auth.AuthCryptoSign(privkey=secret, authextra=authextra)

    class Session(ApplicationSession):
        def onConnect(self):
            authextra = cryptosign.authextra if cryptosign is not None else None
            self.join(SPEC.get("realm"), authmethods=[method], authid=SPEC.get("authid"), authextra=authextra)

        def onChallenge(self, challenge):
            if challenge.method == "ticket":
                return secret
            if challenge.method == "wampcra":
                key = secret
                if "salt" in challenge.extra:
                    key = auth.derive_key(
                        secret, challenge.extra["salt"], challenge.extra["iterations"], challenge.extra["keylen"]
                    ).decode("ascii")
                return auth.compute_wcs(key, challenge.extra["challenge"]).decode("ascii")
            if challenge.method == "cryptosign":
                return cryptosign.on_challenge(self, challenge)
            raise RuntimeError("unexpected challenge %s" % challenge.method)

        async def onJoin(self, details):
            outcome = {
                "joined": True,
                "details": {
                    "realm": details.realm,
                    "authid": details.authid,
                    "authrole": details.authrole,
                    "authmethod": details.authmethod,
                    "authprovider": details.authprovider,
                },
            }
            if SPEC.get("call"):
                try:
                    outcome["result"] = await self.call(SPEC["call"])
                except Exception as error:  # reported, the test asserts on it
                    outcome["error"] = getattr(error, "error", str(error))
            report(outcome)
            self.leave()

        def onLeave(self, details):
            report({"joined": False, "reason": details.reason, "message": details.message})
            self.disconnect()

    return Session(types.ComponentConfig(realm=SPEC.get("realm")))


def host_port():
    host, port = SPEC["url"].split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    return host, int(port)


def run_asyncio():
    import asyncio
    import ssl

    async def main():
        loop = asyncio.get_running_loop()
        outcome = loop.create_future()

        def report(value):
            if not outcome.done():
                outcome.set_result(value)

        factory = WampWebSocketClientFactory(lambda: make_session(report), url=SPEC["url"], serializers=[JsonSerializer()])
        context = None
        if SPEC["url"].startswith("wss:"):
            context = ssl.create_default_context(cafile=SPEC.get("ca"))
        host, port = host_port()
        await loop.create_connection(
            factory, host, port, ssl=context, server_hostname="localhost" if context is not None else None
        )
        print(json.dumps(await asyncio.wait_for(outcome, 10)))

    asyncio.run(main())


def run_twisted():
    from twisted.internet import reactor, ssl as tssl
    from autobahn.twisted.websocket import connectWS

    done = []

    def report(value):
        if not done:
            done.append(value)
            print(json.dumps(value), flush=True)
            reactor.callLater(0.05, reactor.stop)

    factory = WampWebSocketClientFactory(lambda: make_session(report), url=SPEC["url"], serializers=[JsonSerializer()])
    context = None
    if SPEC["url"].startswith("wss:"):
        with open(SPEC["ca"], "rb") as f:
            ca = tssl.Certificate.loadPEM(f.read())
        context = tssl.optionsForClientTLS("localhost", trustRoot=ca)
    connectWS(factory, context)
    reactor.callLater(10, reactor.stop)
    reactor.run()


if __name__ == "__main__":
    run_twisted() if FRAMEWORK == "twisted" else run_asyncio()
