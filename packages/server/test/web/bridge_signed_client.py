"""A signing HTTP bridge client as crossbarconnect behaves: a new process counts `seq` from 1.

Usage: /usr/bin/python3 bridge_signed_client.py URL KEY SECRET COUNT

POSTs COUNT publish requests signed the Crossbar way (HMAC-SHA256 over key, timestamp, seq,
nonce and body; urlsafe base64) with seq 1..COUNT and random nonces, and prints one JSON list of
[status, body] pairs.
"""
import base64
import datetime
import hashlib
import hmac
import json
import random
import sys
import urllib.error
import urllib.parse
import urllib.request

url, key, secret, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
results = []
for seq in range(1, count + 1):
    body = json.dumps({"topic": "com.example.topic", "args": [seq]}).encode("utf8")
    timestamp = datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    nonce = random.randint(0, 2**53)
    mac = hmac.new(secret.encode("utf8"), digestmod=hashlib.sha256)
    for part in (key, timestamp, str(seq), str(nonce)):
        mac.update(part.encode("utf8"))
    mac.update(body)
    signature = base64.urlsafe_b64encode(mac.digest()).decode("ascii")
    query = urllib.parse.urlencode(
        {"key": key, "timestamp": timestamp, "seq": seq, "nonce": nonce, "signature": signature}
    )
    request = urllib.request.Request(
        url + "?" + query, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            results.append([response.status, json.loads(response.read())])
    except urllib.error.HTTPError as error:
        results.append([error.code, json.loads(error.read())])
print(json.dumps(results))
