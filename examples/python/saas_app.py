"""The publisher's application API from Python, with the standard library only.

What a product written in Python does with its publisher service: ask for an entitlement (sending back
the ETag of the copy it holds, so an unchanged one costs no body), report usage with an idempotency key
made once per record (and the time it was sent, so the publisher reads each record's time on its own
clock), and verify the signed events the publisher sends (Standard Webhooks) before acting on them. A
record the publisher refuses is printed with its reason, and the script exits with 1: usage that will not
be billed must never pass unseen. The shapes are those of the publisher's OpenAPI document (GET /openapi.json).

    python3 saas_app.py <publisher url> <app key> <subscription id> [event.json]

event.json, when given, is an event the publisher sent: {"secret", "headers", "body"} (the raw body).

prints what it did, one line per step; see README.md. Exits with 1 when the publisher refused a record.
"""

import base64
import hashlib
import hmac
import json
import sys
import time
import urllib.error
import urllib.request
import uuid


class Publisher:
    def __init__(self, base_url, api_key, timeout=5):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def _call(self, method, path, body=None, headers=None):
        request = urllib.request.Request(self.base_url + path, method=method)
        request.add_header("Authorization", "Bearer " + self.api_key)
        request.add_header("Accept", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, data, timeout=self.timeout) as response:
                text = response.read().decode()
                return response.status, response.headers.get("ETag"), json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            if error.code == 304:
                return 304, error.headers.get("ETag"), None
            # The publisher's error body names the field at fault: {code, message, target?}.
            raise RuntimeError(f"{error.code}: {error.read().decode()}") from None

    def entitlement(self, subscription_id, etag=None):
        """(status, etag, entitlement): 304 and no body when the copy with this ETag is still right."""
        headers = {"If-None-Match": etag} if etag else {}
        return self._call("GET", f"/api/entitlements/{subscription_id}", headers=headers)

    def record_usage(self, records):
        """Sends records (each with its own idempotencyKey, kept for a resend) and returns the batch answer."""
        return self._call("POST", "/api/usage", body=records, headers={"Sent-At": utc_now()})[2]


def utc_now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def report(label, answer):
    """One line of counts, then a line per refused record with the publisher's reason; the number refused."""
    print(f"{label}:", answer["accepted"], "accepted,", answer["duplicates"], "duplicates,", answer["refused"], "refused")
    for result in answer["results"]:
        if result["status"] == "refused":
            error = result["error"]
            print(f"  record {result['index']} refused ({error['code']}, {error['field']}): {error['message']}")
    return answer["refused"]


def verify_event(secret, headers, raw_body, tolerance=300):
    """The event, if the publisher signed it (Standard Webhooks); raises ValueError otherwise."""
    event_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        raise ValueError("the event's timestamp is too far from now")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{event_id}.{timestamp}.".encode() + raw_body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    given = [part.split(",", 1)[1] for part in headers["webhook-signature"].split() if part.startswith("v1,")]
    if not any(hmac.compare_digest(expected, signature) for signature in given):
        raise ValueError("the signature does not match")
    return json.loads(raw_body)


def main(base_url, api_key, subscription_id, event_file=None):
    publisher = Publisher(base_url, api_key)
    status, etag, entitlement = publisher.entitlement(subscription_id)
    print("entitlement:", status, entitlement["planId"], entitlement["status"], entitlement["access"])
    status, _, _ = publisher.entitlement(subscription_id, etag)
    print("again with its ETag:", status)

    now = utc_now()
    records = [
        {"subscriptionId": subscription_id, "dimension": "api_calls", "quantity": 1.5, "timestamp": now, "idempotencyKey": str(uuid.uuid4())},
        {"subscriptionId": subscription_id, "dimension": "api_calls", "quantity": 2, "timestamp": now, "idempotencyKey": str(uuid.uuid4())},
    ]
    refused = report("usage", publisher.record_usage(records))
    refused += report("sent again", publisher.record_usage(records))

    # An event the publisher sent (saved with its headers and raw body), then the same with its body changed.
    if event_file:
        with open(event_file) as file:
            saved = json.load(file)
        body = saved["body"].encode()
        event = verify_event(saved["secret"], saved["headers"], body)
        print("event:", event["type"], "for", event["data"]["subscriptionId"] == subscription_id and "this subscription")
        try:
            verify_event(saved["secret"], saved["headers"], body.replace(b'"Subscribed"', b'"Unsubscribed"'))
        except ValueError as error:
            print("changed event refused:", error)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
