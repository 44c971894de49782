"""Live behaviour probes: the bounded requests golive sends to see how a service *behaves* (a burst
against its rate limit, malformed input, forged tokens, a WebSocket round trip).

One module per probe; each sends a fixed, small number of requests, only to paths the profile
names, and returns a typed observation that a pure rule in ``golive.rules`` judges. The probes use
maintained libraries for the protocols they speak (httpx through ``golive.http``, ``websockets``,
PyJWT), never hand-written framing or token splicing.
"""
