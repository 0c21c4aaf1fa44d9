"""A session statistics monitor in Autobahn|Python, as Crossbar's users write one: it subscribes
to wamp.session.on_stats with a (session_details, stats) handler, then a second session
publishes and leaves. Prints, as JSON, what the monitor read of that session, with the Python
type of each stats field.

usage: autobahn_python_stats.py URL REALM SERIALIZER
"""
import asyncio
import json
import sys

import txaio

txaio.use_asyncio()

from autobahn.asyncio.wamp import ApplicationSession  # noqa: E402
from autobahn.asyncio.websocket import WampWebSocketClientFactory  # noqa: E402
from autobahn.wamp.serializer import CBORSerializer, JsonSerializer, MsgPackSerializer  # noqa: E402
from autobahn.wamp.types import ComponentConfig, PublishOptions  # noqa: E402

URL, REALM, SERIALIZER = sys.argv[1], sys.argv[2], sys.argv[3]
SERIALIZERS = {'json': JsonSerializer, 'msgpack': MsgPackSerializer, 'cbor': CBORSerializer}


async def open_session(cls):
    joined = asyncio.get_running_loop().create_future()
    session = cls(ComponentConfig(REALM, {'joined': joined}))
    factory = WampWebSocketClientFactory(lambda: session, url=URL, serializers=[SERIALIZERS[SERIALIZER]()])
    host, port = URL.split('//')[1].split('/')[0].split(':')
    await asyncio.get_running_loop().create_connection(factory, host, int(port))
    await joined
    return session


class Joining(ApplicationSession):
    def onJoin(self, details):
        self.config.extra['joined'].set_result(details)


async def main():
    monitor = await open_session(Joining)
    seen = []
    done = asyncio.get_running_loop().create_future()

    def on_stats(session_details, stats):
        seen.append((session_details, stats))
        if stats.get('last') and session_details.get('session') == target.get('id') and not done.done():
            done.set_result(None)

    target = {}
    await monitor.subscribe(on_stats, 'wamp.session.on_stats')
    peer = await open_session(Joining)
    target['id'] = peer._session_id
    for i in range(6):
        await peer.publish('com.example.topic', i, 'x' * 30, options=PublishOptions(acknowledge=True))
    peer.leave()
    await asyncio.wait_for(done, 10)
    mine = [(d, s) for d, s in seen if d.get('session') == target['id']]
    print(json.dumps({
        'details': mine[0][0],
        'cycles': [s['cycle'] for _, s in mine],
        'first': [s['first'] for _, s in mine],
        'last': [s['last'] for _, s in mine],
        'serializer': mine[0][1]['serializer'],
        'types': {k: type(v).__name__ for k, v in mine[-1][1].items()},
    }))
    monitor.leave()
    await asyncio.sleep(0.1)


asyncio.run(main())
