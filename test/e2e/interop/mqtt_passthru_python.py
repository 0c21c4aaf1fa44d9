"""
An Autobahn|Python subscriber of an MQTT passthrough topic, written as the WAMP clients of
Crossbar's mqtt/basic example are: a payload codec decodes the device's binary payload
(unsigned short, signed int, 8 bytes, big endian) into the handler's arguments. It subscribes
with get_retained, so its first event is the one an MQTT device retained before it joined,
then reads the topic's event history with wamp.subscription.get_events.

    python3 mqtt_passthru_python.py HOST:PORT TOPIC

Connects over RawSocket (as the example does, to the universal port), prints one JSON line of
what it observed, and exits.
"""
import binascii
import json
import struct
import sys

import txaio

txaio.use_twisted()

from autobahn.twisted.wamp import ApplicationRunner, ApplicationSession  # noqa: E402
from autobahn.wamp.interfaces import IPayloadCodec  # noqa: E402
from autobahn.wamp.types import EncodedPayload, SubscribeOptions  # noqa: E402
from twisted.internet import reactor  # noqa: E402
from twisted.internet.defer import Deferred, inlineCallbacks  # noqa: E402

FORMAT = '>Hl8s'
ADDRESS, TOPIC = sys.argv[1], sys.argv[2]


class DeviceCodec(object):
    """The example's codec: the MQTT payload is the struct, the WAMP arguments its fields."""

    def encode(self, is_originating, uri, args=None, kwargs=None):
        # Only the device topic carries the struct; other calls (the meta API) go out as usual.
        if uri != TOPIC:
            return None
        return EncodedPayload(struct.pack(FORMAT, *args), 'mqtt')

    def decode(self, is_originating, uri, encoded_payload):
        return uri, list(struct.unpack(FORMAT, encoded_payload.payload)), None


IPayloadCodec.register(DeviceCodec)

observed = {}


class Subscriber(ApplicationSession):

    @inlineCallbacks
    def onJoin(self, details):
        try:
            yield self.observe()
        except Exception as e:
            observed['error'] = repr(e)
        self.leave()

    @inlineCallbacks
    def observe(self):
        codec = DeviceCodec()
        self.set_payload_codec(codec)
        first = Deferred()

        def on_event(*args, details=None):
            if first.called:
                return
            if len(args) != 3:
                # The example's handler (pid, seq, ran) would raise TypeError here: say what came.
                first.callback({'undecoded_args': [repr(a) for a in args]})
                return
            pid, seq, ran = args
            first.callback({'pid': pid, 'seq': seq, 'ran': binascii.b2a_hex(ran).decode(),
                            'retained': details.retained, 'enc_algo': details.enc_algo})

        subscription = yield self.subscribe(on_event, TOPIC, options=SubscribeOptions(details=True, get_retained=True))
        # Retained events follow SUBSCRIBED at once; none within 10 s means none was sent.
        timeout = reactor.callLater(10, lambda: first.called or first.callback({'no_retained_event': True}))
        observed['retained_event'] = yield first
        if timeout.active():
            timeout.cancel()

        # The history holds the passthru events as this client reads them: payload and enc_algo.
        history = yield self.call('wamp.subscription.get_events', subscription.id)
        decoded = []
        for event in history:
            algo = event['details'].get('enc_algo')
            if algo is None or 'payload' not in event:
                decoded.append({'undecodable': sorted(event.keys()), 'details': event['details']})
                continue
            _, args, _ = codec.decode(False, TOPIC, EncodedPayload(event['payload'], algo))
            decoded.append({'pid': args[0], 'seq': args[1], 'ran': binascii.b2a_hex(args[2]).decode(), 'enc_algo': algo})
        observed['history'] = decoded

    def onDisconnect(self):
        if reactor.running:
            reactor.stop()


if __name__ == '__main__':
    runner = ApplicationRunner('rs://{}'.format(ADDRESS), 'realm1')
    runner.run(Subscriber, auto_reconnect=False)
    # The runner routed sys.stdout into Twisted's log; the result goes out on the real one.
    sys.__stdout__.write(json.dumps(observed) + '\n')
