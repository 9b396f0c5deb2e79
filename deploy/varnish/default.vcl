vcl 4.1;

# Varnish in front of two `legible serve` replicas, behind hitch for TLS
# (deploy/compose.yaml; docs/operators/production.md). Needs Varnish 7 and
# varnish-modules (xkey).
#
#   varnishd -F -a http=:80 -a tls=127.0.0.1:8443,PROXY -f /etc/varnish/default.vcl \
#       -s malloc,256m -p timeout_idle=5 -p backend_idle_timeout=4
#   varnishd -C -f $PWD/deploy/varnish/default.vcl 2>/dev/null && echo ok   # lint
#
# - Two listeners. `tls` takes only hitch's connections (deploy/hitch/hitch.conf), each
#   opened by a PROXY v2 header that carries the reader's address (client.ip) and says
#   the connection was TLS (proxy.is_ssl()). `http` is port 80: it redirects readers to
#   https://, and answers this host, the replicas (purges) and the compose network
#   (admin writes) as they are. A listener with another name (`-a :80` alone, behind a
#   CDN that terminates TLS) neither redirects nor adds HSTS.
# - Backends by address, not name: Varnish resolves a name once, when the VCL loads,
#   so a replica recreated with a new address would stay sick. compose.yaml gives each
#   replica a fixed ipv4_address; outside compose, put your replicas' addresses here.
# - Purges: Legible sends `PURGE /` with `xkey-purge: article:SLUG lists` after every
#   write (LEGIBLE_PURGE_URLS); `xkey-softpurge` marks pages stale instead. Only the
#   addresses in the `internal` ACL may purge: this host and the two replicas, not
#   the whole network (its gateway is where published-port traffic comes from).
# - The admin API is closed here: a method other than GET or HEAD on /api answers 403
#   unless the reader's address (client.ip: the PROXY header's, never X-Forwarded-For)
#   is in the `admin` ACL.
# - X-Forwarded-For: the reader's address, replacing whatever the reader sent. This
#   edge is the first hop Legible can trust: a replica that trusts Varnish's address
#   (LEGIBLE_TRUSTED_PROXIES) finds the reader as the right-most address it does not
#   trust, and a forged header never reaches it.
# - /metrics is never answered here: round robin would mix two replicas' counters.
#   Prometheus scrapes each replica directly (README, Metrics).
# - A path with a percent-encoded letter, digit or -._~ is refused (400): Legible
#   decodes it, so /%6Detrics would be /metrics to Legible but not to the checks here.
# - Stale if error: pages are kept 24 h past their s-maxage (grace, the pages'
#   stale-if-error=86400). With a healthy replica a reader gets at most 60 s of
#   staleness (stale-while-revalidate), refreshed in the background; but when the
#   fetch fails (a 5xx, or no replica answers), the reader gets the stored copy
#   however stale within those 24 h, and only a page never stored shows the error.
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
import proxy;
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

# The ACME client answering HTTP-01 challenges on port 80 (docs/operators/production.md:
# certbot certonly --standalone --http-01-port 8888). Never probed: it runs only while
# a certificate is issued or renewed.
backend acme {
    .host = "127.0.0.1";
    .port = "8888";
    .connect_timeout = 1s;
}

# Who may purge: this host and the replicas' fixed addresses (deploy/compose.yaml).
acl internal {
    "127.0.0.1";
    "::1";
    "172.28.0.11";
    "172.28.0.12";
}

# Who may write through /api: this host (exactly 127.0.0.1 and ::1, not all of
# 127.0.0.0/8) and the compose network, except its gateway, which is where Docker's
# proxy forwards published-port traffic from (the most specific entry wins).
acl admin {
    "127.0.0.1";
    "::1";
    "172.28.0.0"/16;
    ! "172.28.0.1";
}

sub vcl_init {
    new replicas = directors.round_robin();  # skips a replica its probe finds sick
    replicas.add_backend(legible1);
    replicas.add_backend(legible2);
}

sub vcl_recv {
    set req.backend_hint = replicas.backend();
    if (req.restarts == 0) {
        # Varnish has appended client.ip to what the reader sent: keep only client.ip.
        set req.http.X-Forwarded-For = client.ip;
        unset req.http.X-Encoding;
        unset req.http.X-Failed;
        unset req.http.X-Grace;
        unset req.http.X-Location;
    }
    # An encoded unreserved character means the same path unencoded (RFC 3986, 6.2.2.2):
    # refused, so that every check on req.url below sees the path Legible will serve.
    if (req.url ~ "^[^?]*%(2[dDeE]|3[0-9]|4[1-9a-fA-F]|5[0-9aAfF]|6[1-9a-fA-F]|7[0-9aAeE])") {
        return (synth(400, "Bad Request"));
    }
    if (req.method == "PURGE") {
        call legible_purge;
    }
    if (req.url ~ "^/\.well-known/acme-challenge/" && local.socket == "http") {
        set req.backend_hint = acme;
        return (pass);
    }
    if (local.socket == "http" && client.ip !~ admin) {
        call legible_https;
    }
    if (req.method != "GET" && req.method != "HEAD" && client.ip !~ admin
        && req.url ~ "(?i)^([a-z][a-z0-9+.-]*://[^/]*)?/+api(/|\?|$)") {
        return (synth(403, "Forbidden"));
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
    if (req.restarts == 0) {
        call legible_encoding;  # once: it rewrites the Accept-Encoding it reads
    }
    call legible_cookie;
    if (req.http.X-Grace == "full") {
        set req.grace = 24h;  # back from vcl_synth: the copy's own grace (req.grace stays)
    } elsif (std.healthy(req.backend_hint)) {
        # A replica can answer: only stale-while-revalidate's 60 s. If it answers with
        # an error, vcl_synth comes back here with X-Grace "full" for the stored copy.
        set req.grace = 60s;
        set req.http.X-Grace = "limited";
    }
    return (hash);
}

# Port 80: the same URL on https://, for the host the reader asked for.
sub legible_https {
    if (!req.http.Host) {
        return (synth(400, "Bad Request"));
    }
    set req.http.X-Location = "https://" + regsub(req.http.Host, ":[0-9]+$", "") + req.url;
    if (req.method == "GET" || req.method == "HEAD") {
        return (synth(301, "Moved Permanently"));
    }
    return (synth(308, "Permanent Redirect"));
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
    if (beresp.status >= 500 && (bereq.is_bgfetch || bereq.http.X-Grace == "limited")) {
        # A failing refresh, or a fetch for a reader whose copy was more than 60 s
        # stale: store nothing, so the copy stays (a delivered error, even uncacheable,
        # would replace it), and the reader gets it (vcl_synth).
        return (abandon);
    }
    set beresp.grace = 24h;  # the pages' stale-if-error=86400
    set beresp.keep = 24h;  # then revalidated with If-None-Match, a 304 if unchanged
}

sub vcl_backend_error {
    # The replica died or refused (a kill, a restart): the next one, before its probe
    # notices. PUT and DELETE are idempotent, and their body was kept. (No ACME client
    # running is not a replica's failure: its 503 stands.)
    if (bereq.method != "POST" && bereq.retries < 1 && bereq.backend != acme) {
        set bereq.http.X-Failed = bereq.http.X-Failed + " " + beresp.backend.name;
        return (retry);
    }
    if (bereq.http.X-Grace == "limited") {
        return (abandon);  # as a 5xx in vcl_backend_response: the reader gets the copy
    }
}

sub vcl_synth {
    if (resp.status == 503 && req.http.X-Grace == "limited") {
        # The fetch was abandoned: look again, taking any copy within its 24 h of grace.
        # Without one, the fetch runs again (on the next replica) and its answer, error
        # or not, goes to the reader.
        set req.http.X-Grace = "full";
        return (restart);
    }
    if (resp.status == 301 || resp.status == 308) {
        set resp.http.Location = req.http.X-Location;
        set resp.http.Cache-Control = "no-store";
    }
    call legible_hsts;
}

# HSTS on every answer that went out over TLS, as Legible sends it under LEGIBLE_HTTPS
# (hitch cannot add a header); never over plain HTTP (RFC 6797, 7.2).
sub legible_hsts {
    if (proxy.is_ssl()) {
        if (!resp.http.Strict-Transport-Security) {
            set resp.http.Strict-Transport-Security = "max-age=31536000; includeSubDomains";
        }
    } else {
        unset resp.http.Strict-Transport-Security;
    }
}

sub vcl_deliver {
    unset resp.http.xkey;  # the cache's own index
    call legible_hsts;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "hit";
    } else {
        set resp.http.X-Cache = "miss";
    }
}
