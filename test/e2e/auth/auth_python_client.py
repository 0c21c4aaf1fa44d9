"""Interop peer: Autobahn|Python authenticating against our router.

Usage: /usr/bin/python3 auth_python_client.py URL REALM METHOD AUTHID SECRET [SERIALIZER]

METHOD is ticket (SECRET is the ticket), wampcra (SECRET is the secret; a salted challenge is
answered with Autobahn's derive_key), cryptosign (SECRET is the private key seed in hex) or scram
(SECRET is the password; Autobahn's AuthScram, which needs Debian's python3-argon2 and
python3-passlib, and checks the router's proof in WELCOME).
Prints one JSON object: {"joined": true, "details": {...}} with what WELCOME said, or
{"joined": false, "reason": ..., "message": ...} with the ABORT. The test asserts on it.
"""
import asyncio
import binascii
import json
import sys

from autobahn.asyncio.wamp import ApplicationSession
from autobahn.asyncio.websocket import WampWebSocketClientFactory
from autobahn.wamp import auth, types
from autobahn.wamp.cryptosign import CryptosignKey
from autobahn.wamp.serializer import CBORSerializer, JsonSerializer, MsgPackSerializer

SERIALIZERS = {"json": JsonSerializer, "msgpack": MsgPackSerializer, "cbor": CBORSerializer}


async def main(url, realm, method, authid, secret, serializer_name):
    loop = asyncio.get_running_loop()
    outcome = loop.create_future()
    key = CryptosignKey.from_bytes(binascii.a2b_hex(secret)) if method == "cryptosign" else None
    scram = auth.create_authenticator("scram", authid=authid, password=secret) if method == "scram" else None

    class Session(ApplicationSession):
        def onConnect(self):
            authextra = {"pubkey": key.public_key()} if key is not None else None
            if scram is not None:
                authextra = scram.authextra
            self.join(realm, authmethods=[method], authid=authid, authextra=authextra)

        def onChallenge(self, challenge):
            if challenge.method == "ticket":
                return secret
            if challenge.method == "wampcra":
                signing_key = secret
                if "salt" in challenge.extra:
                    signing_key = auth.derive_key(
                        secret, challenge.extra["salt"], challenge.extra["iterations"], challenge.extra["keylen"]
                    ).decode("ascii")
                return auth.compute_wcs(signing_key, challenge.extra["challenge"]).decode("ascii")
            if challenge.method == "cryptosign":
                return key.sign_challenge(challenge)
            if challenge.method == "scram":
                return scram.on_challenge(self, challenge)
            raise RuntimeError("unexpected challenge %s" % challenge.method)

        def onWelcome(self, msg):
            # AuthScram verifies the router's signature; a wrong one is an error string.
            if scram is not None:
                return scram.on_welcome(self, msg.authextra)
            return None

        def onJoin(self, details):
            if not outcome.done():
                outcome.set_result({
                    "joined": True,
                    "details": {
                        "realm": details.realm,
                        "authid": details.authid,
                        "authrole": details.authrole,
                        "authmethod": details.authmethod,
                        "authprovider": details.authprovider,
                        "authextra": details.authextra,
                    },
                })
            self.leave()

        def onLeave(self, details):
            if not outcome.done():
                outcome.set_result({"joined": False, "reason": details.reason, "message": details.message})
            self.disconnect()

    factory = WampWebSocketClientFactory(
        lambda: Session(types.ComponentConfig(realm=realm)), url=url, serializers=[SERIALIZERS[serializer_name]()]
    )
    host, port = url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    await loop.create_connection(factory, host, int(port))
    print(json.dumps(await asyncio.wait_for(outcome, 10)))


if __name__ == "__main__":
    url, realm, method, authid, secret = sys.argv[1:6]
    serializer = sys.argv[6] if len(sys.argv) > 6 else "json"
    asyncio.run(main(url, realm, method, authid, secret, serializer))
