vcl 4.1;

# Varnish in front of two `legible serve` replicas (deploy/compose.yaml; README,
# Reference deployment). Needs Varnish 7 and varnish-modules (xkey).
#
#   varnishd -F -a :80 -f /etc/varnish/default.vcl -s malloc,256m \
#       -p timeout_idle=5 -p backend_idle_timeout=4
#   varnishd -C -f $PWD/deploy/varnish/default.vcl 2>/dev/null && echo ok   # lint
#
# (-C resolves the backends' host names: outside compose, point them at 127.0.0.1.)
#
# - Purges: Legible sends `PURGE /` with `xkey-purge: article:SLUG lists` after every
#   write (LEGIBLE_PURGE_URLS); `xkey-softpurge` marks pages stale instead. Only
#   addresses in the `internal` ACL may purge or read /metrics.
# - Stale if error: pages are kept 24 h past their s-maxage (grace) and served stale
#   while no replica is healthy; with a healthy one, 60 s of staleness at most (the
#   pages' stale-while-revalidate), refreshed in the background.
# - Accept-Encoding is reduced to br, gzip or identity, honouring q=0, so each page is
#   stored at most three times. Legible compresses; Varnish never does.
# - The preference cookie: a URL with a variant (?theme=…&size=…) is cached whatever
#   cookies come with it; a bare URL with the cookie goes to Legible, which redirects
#   the reader to their variant (a private answer). Other cookies are dropped.
# - Connections: timeout_idle (default 5 s) closes a client connection that has not
#   sent a whole request head that long after connecting or after its last answer,
#   as LEGIBLE_HEADER_TIMEOUT does in Legible; idle connections wait in the waiter
#   (epoll) and hold no thread. backend_idle_timeout (default 60 s) must stay below
#   LEGIBLE_HEADER_TIMEOUT (5 s), so Varnish closes an idle connection to Legible before
#   Legible closes it under a request (issue 17; README, Operations).

import cookie;
import directors;
import std;
import xkey;

probe healthz {
    .url = "/healthz";
    .interval = 1s;
    .timeout = 1s;
    .window = 5;
    .threshold = 2;  # sick after 4 failures in a row: one slow answer under load is not
    .initial = 2;
}

backend legible1 {
    .host = "legible1";
    .port = "8000";
    .connect_timeout = 1s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
    .probe = healthz;
}

backend legible2 {
    .host = "legible2";
    .port = "8000";
    .connect_timeout = 1s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
    .probe = healthz;
}

# Who may purge and scrape: this host and the compose network (deploy/compose.yaml).
acl internal {
    "127.0.0.1";
    "::1";
    "172.28.0.0"/16;
}

sub vcl_init {
    new replicas = directors.round_robin();  # skips a replica its probe finds sick
    replicas.add_backend(legible1);
    replicas.add_backend(legible2);
}

sub vcl_recv {
    set req.backend_hint = replicas.backend();
    unset req.http.X-Encoding;
    unset req.http.X-Failed;
    if (req.method == "PURGE") {
        call legible_purge;
    }
    if (req.url ~ "^/metrics(\?|$)" && client.ip !~ internal) {
        return (synth(404, "Not Found"));
    }
    if (req.method == "PUT" || req.method == "DELETE") {
        # Kept so a retry on the other replica can send it again: as large as
        # LEGIBLE_MAX_BODY_MB (2 MB by default) allows; raise both together.
        if (!std.cache_req_body(2MB)) {
            return (synth(413, "Payload Too Large"));
        }
        return (pass);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);  # the preference form's POST
    }
    if (req.http.Authorization || req.url ~ "^/(healthz|metrics)(\?|$)") {
        return (pass);
    }
    call legible_encoding;
    call legible_cookie;
    if (std.healthy(req.backend_hint)) {
        set req.grace = 60s;  # a replica can answer: only stale-while-revalidate's 60 s
    }
    return (hash);
}

sub legible_purge {
    if (client.ip !~ internal) {
        return (synth(405, "Not allowed"));
    }
    if (req.http.xkey-purge) {
        set req.http.X-Purged = xkey.purge(req.http.xkey-purge);
    } elsif (req.http.xkey-softpurge) {
        set req.http.X-Purged = xkey.softpurge(req.http.xkey-softpurge);
    } else {
        return (synth(400, "Send the tags to purge in xkey-purge or xkey-softpurge"));
    }
    return (synth(200, "Purged " + req.http.X-Purged + " objects"));
}

# br, gzip or identity: the first the client accepts, in that order. A coding listed
# with q=0 is refused; Legible treats `*` as gzip would be, so it is left to Legible
# only when neither br nor gzip is named.
sub legible_encoding {
    if (req.http.Accept-Encoding ~ "(?i)(^|,)\s*br\s*(;\s*q\s*=\s*(1(\.0*)?|0?\.0*[1-9][0-9]*)\s*)?(,|$)") {
        set req.http.X-Encoding = "br";
    } elsif (req.http.Accept-Encoding ~ "(?i)(^|,)\s*gzip\s*(;\s*q\s*=\s*(1(\.0*)?|0?\.0*[1-9][0-9]*)\s*)?(,|$)") {
        set req.http.X-Encoding = "gzip";
    } else {
        set req.http.X-Encoding = "identity";
    }
    # Varnish's own gzip handling rewrites Accept-Encoding after vcl_recv: "gzip" stays,
    # anything else is dropped. The chosen coding is in the hash and set again on the
    # backend request (vcl_backend_fetch).
    if (req.http.X-Encoding == "gzip") {
        set req.http.Accept-Encoding = "gzip";
    } else {
        unset req.http.Accept-Encoding;
    }
}

sub legible_cookie {
    if (req.http.Cookie) {
        cookie.parse(req.http.Cookie);
        cookie.keep("legible_pref");
        set req.http.Cookie = cookie.get_string();
        if (req.http.Cookie == "") {
            unset req.http.Cookie;
        }
    }
    if (req.http.Cookie) {
        if (req.url ~ "^/(assets|static|widget)/" || req.url ~ "^/widget\.js"
            || req.url ~ "[?&](theme|size|spacing|measure|font)=") {
            unset req.http.Cookie;  # the URL says which variant: the cookie changes nothing
        } else {
            return (pass);  # the reader's saved choice: Legible redirects to their variant
        }
    }
}

sub vcl_hash {
    hash_data(req.url);
    if (req.http.Host) {
        hash_data(req.http.Host);
    } else {
        hash_data(server.ip);
    }
    hash_data(req.http.X-Encoding);
    return (lookup);
}

sub vcl_backend_fetch {
    if (bereq.retries > 0) {
        # A retry goes to a replica this request has not failed on (one line each).
        if (bereq.http.X-Failed !~ "\blegible1\b") {
            set bereq.backend = legible1;
        } elsif (bereq.http.X-Failed !~ "\blegible2\b") {
            set bereq.backend = legible2;
        }
    }
    if (bereq.http.X-Encoding == "br" || bereq.http.X-Encoding == "gzip") {
        set bereq.http.Accept-Encoding = bereq.http.X-Encoding;
    } elsif (bereq.http.X-Encoding == "identity") {
        unset bereq.http.Accept-Encoding;
    }
}

sub vcl_backend_response {
    if (beresp.status >= 500 && bereq.is_bgfetch) {
        return (abandon);  # a failing refresh: keep serving the stale copy
    }
    set beresp.grace = 24h;  # the pages' stale-if-error=86400
    set beresp.keep = 24h;  # then revalidated with If-None-Match, a 304 if unchanged
}

sub vcl_backend_error {
    # The replica died or refused (a kill, a restart): the next one, before its probe
    # notices. PUT and DELETE are idempotent, and their body was kept.
    if (bereq.method != "POST" && bereq.retries < 1) {
        set bereq.http.X-Failed = bereq.http.X-Failed + " " + beresp.backend.name;
        return (retry);
    }
}

sub vcl_deliver {
    unset resp.http.xkey;  # the cache's own index
    if (obj.hits > 0) {
        set resp.http.X-Cache = "hit";
    } else {
        set resp.http.X-Cache = "miss";
    }
}
