"""TLS scanning for the tls.* checks: one lazy, concurrent sslyze scan shared by the session.

Modules: ``model`` (typed observation, no sslyze), ``scan`` (the shared sslyze Scanner run),
``convert`` (sslyze results → observation), ``trust`` (trust and chain completeness), ``ocsp``
(the stapled response as a client checks it), ``alpn`` (the h2 probe, and the pre-flight).
Nothing here imports sslyze at import time: plugin start-up stays light.
"""

from golive.tls.model import TlsObservation

__all__ = ["TlsObservation"]
