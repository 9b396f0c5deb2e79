vcl 4.1;

# Varnish in front of two `legible serve` replicas (deploy/compose.yaml; README,
# Reference deployment). Needs Varnish 7 and varnish-modules (xkey).
#
#   varnishd -F -a :80 -f /etc/varnish/default.vcl -s malloc,256m \
#       -p timeout_idle=5 -p backend_idle_timeout=4
#   varnishd -C -f $PWD/deploy/varnish/default.vcl 2>/dev/null && echo ok   # lint
#
# - Backends by address, not name: Varnish resolves a name once, when the VCL loads,
#   so a replica recreated with a new address would stay sick. compose.yaml gives each
#   replica a fixed ipv4_address; outside compose, put your replicas' addresses here.
# - Purges: Legible sends `PURGE /` with `xkey-purge: article:SLUG lists` after every
#   write (LEGIBLE_PURGE_URLS); `xkey-softpurge` marks pages stale instead. Only the
#   addresses in the `internal` ACL may purge: this host and the two replicas, not
#   the whole network (its gateway is where published-port traffic comes from).
# - /metrics is never answered here: round robin would mix two replicas' counters.
#   Prometheus scrapes each replica directly (README, Metrics).
# - A path with a percent-encoded letter, digit or -._~ is refused (400): Legible
#   decodes it, so /%6Detrics would be /metrics to Legible but not to the checks here.
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
    .host = "172.28.0.11";
    .port = "8000";
    .connect_timeout = 1s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
    .probe = healthz;
}

backend legible2 {
    .host = "172.28.0.12";
    .port = "8000";
    .connect_timeout = 1s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
    .probe = healthz;
}

# Who may purge: this host and the replicas' fixed addresses (deploy/compose.yaml).
acl internal {
    "127.0.0.1";
    "::1";
    "172.28.0.11";
    "172.28.0.12";
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
    # An encoded unreserved character means the same path unencoded (RFC 3986, 6.2.2.2):
    # refused, so that every check on req.url below sees the path Legible will serve.
    if (req.url ~ "^[^?]*%(2[dDeE]|3[0-9]|4[1-9a-fA-F]|5[0-9aAfF]|6[1-9a-fA-F]|7[0-9aAeE])") {
        return (synth(400, "Bad Request"));
    }
    if (req.method == "PURGE") {
        call legible_purge;
    }
    if (req.url ~ "^/metrics(\?|/|$)") {
        return (synth(404, "Not Found"));  # scrape each replica directly
    }
    if (req.method == "PUT" && req.url ~ "^/api/media/") {
        # A photo: as large as LEGIBLE_MEDIA_MAX_MB (20 MB by default); raise both together.
        if (!std.cache_req_body(20MB)) {
            return (synth(413, "Payload Too Large"));
        }
        return (pass);
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
    if (req.http.Authorization || req.url ~ "^/healthz(\?|$)") {
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
        if (req.url ~ "^/(assets|static|widget|media)/" || req.url ~ "^/widget\.js"
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
