"""Interop peer: Autobahn|Python (a WAMP client nobody on this team wrote) against our router.

Usage: /usr/bin/python3 autobahn_python_client.py TRANSPORT TARGET REALM SERIALIZER

TRANSPORT is `websocket` (TARGET a ws:// URL) or `rawsocket` (TARGET HOST:PORT, or a Unix socket
path). Opens two sessions (a backend and a frontend), runs register/call/subscribe/publish between
them, then prints one JSON object with what it observed. The test asserts on that object; this
script decides nothing about success itself, except exiting non-zero if something blew up.
"""
import asyncio
import json
import sys

from interop_peer import basic_scenario, open_rawsocket_session, open_websocket_session

OPENERS = {"websocket": open_websocket_session, "rawsocket": open_rawsocket_session}


async def main(transport, target, realm, serializer_name):
    loop = asyncio.get_running_loop()
    open_session = OPENERS[transport]
    backend, backend_details = await open_session(loop, target, realm, serializer_name)
    frontend, frontend_details = await open_session(loop, target, realm, serializer_name)
    observed = {
        "welcome": {
            "backend_session": backend_details.session,
            "frontend_session": frontend_details.session,
            "authrole": frontend_details.authrole,
            "realm": frontend_details.realm,
        }
    }
    observed.update(await basic_scenario(loop, backend, frontend))
    await frontend.leave()
    await backend.leave()
    await asyncio.sleep(0.05)
    print(json.dumps(observed))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
