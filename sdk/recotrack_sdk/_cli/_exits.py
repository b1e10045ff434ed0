"""The CLI's exit statuses, and what its help says of them."""

from __future__ import annotations

OK = 0
FAILED = 1
"""The service failed (5xx), or answered what the CLI did not expect."""
USAGE = 2
"""Bad arguments, a filter the service refused, or an unusable configuration."""
AUTHENTICATION = 3
"""No token, an unknown or revoked one, or one whose role may not do this."""
NOT_FOUND = 4
CANNOT_REACH = 5
BROKEN = 6
"""`verify`, `audit verify`: the audit log's hash chain does not hold."""
INTERRUPTED = 130
BROKEN_PIPE = 141

EXIT_CODES = f"""exit status:
  {OK}    done
  {FAILED}    the service failed, or answered something unexpected
  {USAGE}    bad arguments, a filter the service refused, an agency that does not exist,
       an export's file that exists already (without --force), or a bad config file
  {AUTHENTICATION}    authentication failed (no token, or a bad one) or permission denied
  {NOT_FOUND}    not found (show CODE: no such recommendation, or not one you may see)
  {CANNOT_REACH}    cannot reach the service (or no answer in time)
  {BROKEN}    verify, audit verify: the audit log's hash chain does not hold (what and where on
       stdout)
Errors are one line on stderr; the token is never printed."""
