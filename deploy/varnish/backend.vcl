vcl 4.1;

# The smallest VCL in front of one `legible serve`: a backend with a health probe.
# Issue 16's deploy/varnish/default.vcl adds purges, grace and the preference cookie.
#
# Varnish's connection handling is set by varnishd parameters, not VCL (issue 17;
# README, Operations, has the numbers):
#
#   varnishd -a :80 -f /etc/varnish/backend.vcl -s malloc,256m \
#       -p timeout_idle=5 -p backend_idle_timeout=4
#
# timeout_idle (default 5 s) closes a client connection that has not sent a whole
# request head that long after connecting or after its last answer: slow header
# senders and idle keep-alives alike, as LEGIBLE_HEADER_TIMEOUT does in Legible. Idle
# connections wait in Varnish's waiter (epoll) and hold no thread.
# backend_idle_timeout (default 60 s) must stay below LEGIBLE_HEADER_TIMEOUT (5 s), so
# Varnish closes an idle connection to Legible before Legible closes it under a request.
#
#   varnishd -C -f $PWD/deploy/varnish/backend.vcl 2>/dev/null && echo ok   # lint

backend legible {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .probe = {
        .url = "/healthz";
        .interval = 5s;
        .timeout = 2s;
        .window = 5;
        .threshold = 3;
    }
}
