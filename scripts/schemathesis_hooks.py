"""Schemathesis hooks for scripts/schemathesis.sh (loaded via SCHEMATHESIS_HOOKS).

The inbound-mail webhook takes a raw RFC 5322 message (`message/rfc822`),
which schemathesis has no serializer for: send generated bodies as text.
"""

import schemathesis

schemathesis.serializer.alias("message/rfc822", "text/plain")
