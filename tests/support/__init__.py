"""What tests/, e2e/ and bench/ share: `from tests.support import live`, or
`from tests.support.live import serve`.

- `live`: a real `legible serve` on a free loopback port, and /proc measurements;
- `aio`: run a coroutine on its own event loop from a synchronous test;
- `crowd`: thousands of idle and slow connections held against a server;
- `pg`: a throwaway PostgreSQL cluster;
- `varnish`: varnishd with the shipped VCL in front of `legible serve` replicas;
- `edge`: hitch and nginx from the shipped files, with a test certificate;
- `rawasgi`: drive an ASGI app with raw messages;
- `portal_article`: the portal-format article in tests/fixtures/;
- `old_store`: a store as an earlier release wrote it;
- `rsgi_double`: a stand-in for granian's RSGI protocol objects.

None of them imports pytest: the bench scripts use them too.
"""
