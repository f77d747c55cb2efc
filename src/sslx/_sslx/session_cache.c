/* session_cache.c - automatic session resumption for clients
 * (SSLContext.client_session_cache).
 *
 * The context keeps the newest session of each server, keyed by
 * (server_hostname, peer address, port); a later client connection to
 * the same server resumes it without the program handling SSLSession
 * objects.  Over MemoryBIOs sslx cannot see the peer: the key is the
 * server_hostname alone, and connections without one are not cached.
 * TLS 1.3 tickets are used at most once (RFC 8446, appendix C.4): a
 * lookup takes the ticket out of the cache, and the server's next ticket
 * replaces it.  TLS 1.2 sessions stay until replaced or expired.
 *
 * Everything here is plain C under the cache's own mutex: OpenSSL calls
 * the callbacks below inside a handshake or a read, holding the
 * connection's lock, often without the GIL; they never need the GIL,
 * and the mutex is never held while waiting for anything else.
 *
 *   new connection (configure, GIL held)  a record on the SSL*: the cache
 *                                         (a reference) and the hostname
 *   handshake start (info callback)       the key gets the peer's address
 *                                         from the socket; without an
 *                                         explicit session= the cached
 *                                         session, if any, is set
 *   new session (new-session callback)    a copy goes into the cache
 *
 * The session is set when the handshake starts rather than when the SSL*
 * is made, because a socket wrapped before connect() has no peer yet;
 * OpenSSL reports the start before it builds the ClientHello, which then
 * offers the session. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include "constants.h"
#include "context_features.h"
#include "errors.h"

/* Distinct servers remembered per context; the least recently used goes. */
#define CACHE_MAX_ENTRIES 1024

typedef struct cache_entry {
    struct cache_entry *prev, *next;    /* most recently used first */
    uint64_t hash;
    SSL_SESSION *session;               /* our own copy */
    size_t key_len;
    unsigned char key[];
} cache_entry;

typedef struct {
    pthread_mutex_t lock;               /* entries, count */
    int refs;                           /* atomic: the SSL_CTX + each record */
    int enabled;                        /* atomic */
    cache_entry *head, *tail;
    size_t count;
} session_cache;

/* What a client SSL* carries (ex_data): set up with the GIL, then used by
 * the callbacks of that one connection, under its lock. */
typedef struct {
    session_cache *cache;               /* a reference */
    char *hostname;                     /* A-label or address, or NULL */
    unsigned char *key;                 /* NULL until the handshake starts */
    size_t key_len;
    int started;
} conn_record;

/* ---- the cache ---- */

static uint64_t
key_hash(const unsigned char *key, size_t len)
{
    uint64_t h = 1469598103934665603ULL;     /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ key[i]) * 1099511628211ULL;
    return h;
}

static session_cache *
cache_new(void)
{
    session_cache *cache = OPENSSL_zalloc(sizeof(*cache));
    if (cache == NULL)
        return NULL;
    if (pthread_mutex_init(&cache->lock, NULL) != 0) {
        OPENSSL_free(cache);
        return NULL;
    }
    cache->refs = 1;
    return cache;
}

static void
unlink_entry(session_cache *cache, cache_entry *e)
{
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        cache->head = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    else
        cache->tail = e->prev;
    e->prev = e->next = NULL;
    cache->count--;
}

static void
push_front(session_cache *cache, cache_entry *e)
{
    e->prev = NULL;
    e->next = cache->head;
    if (cache->head != NULL)
        cache->head->prev = e;
    cache->head = e;
    if (cache->tail == NULL)
        cache->tail = e;
    cache->count++;
}

static void
entry_free(cache_entry *e)
{
    SSL_SESSION_free(e->session);
    OPENSSL_free(e);
}

/* Drop every entry; lock held. */
static void
flush_locked(session_cache *cache)
{
    while (cache->head != NULL) {
        cache_entry *e = cache->head;
        unlink_entry(cache, e);
        entry_free(e);
    }
}

static void
cache_release(session_cache *cache)
{
    if (cache == NULL || __atomic_sub_fetch(&cache->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    flush_locked(cache);
    pthread_mutex_destroy(&cache->lock);
    OPENSSL_free(cache);
}

static int
cache_enabled(session_cache *cache)
{
    return __atomic_load_n(&cache->enabled, __ATOMIC_ACQUIRE);
}

static cache_entry *
find_locked(session_cache *cache, const unsigned char *key, size_t len, uint64_t hash)
{
    for (cache_entry *e = cache->head; e != NULL; e = e->next)
        if (e->hash == hash && e->key_len == len && memcmp(e->key, key, len) == 0)
            return e;
    return NULL;
}

/* Whether a cached session can still be offered. */
static int
usable(SSL_SESSION *session)
{
    time_t now = time(NULL);
    long start = (long)SSL_SESSION_get_time(session);
    return SSL_SESSION_is_resumable(session)
           && (long)now < start + (long)SSL_SESSION_get_timeout(session);
}

/* Store `session` (ours, taken over) as the newest one for `key`. */
static void
cache_put(session_cache *cache, const unsigned char *key, size_t len, SSL_SESSION *session)
{
    uint64_t hash = key_hash(key, len);
    cache_entry *evicted = NULL;
    pthread_mutex_lock(&cache->lock);
    cache_entry *e = find_locked(cache, key, len, hash);
    if (e != NULL) {
        unlink_entry(cache, e);
        SSL_SESSION_free(e->session);
    } else if ((e = OPENSSL_malloc(sizeof(*e) + len)) != NULL) {
        e->hash = hash;
        e->key_len = len;
        memcpy(e->key, key, len);
    }
    if (e != NULL) {
        e->session = session;
        push_front(cache, e);
        if (cache->count > CACHE_MAX_ENTRIES) {
            evicted = cache->tail;
            unlink_entry(cache, evicted);
        }
    }
    pthread_mutex_unlock(&cache->lock);
    if (e == NULL)
        SSL_SESSION_free(session);
    if (evicted != NULL)
        entry_free(evicted);
}

/* The session to offer for `key`, a reference for the caller, or NULL.
 * A TLS 1.3 ticket leaves the cache (single use); a TLS 1.2 session
 * stays, and the caller gets a copy: OpenSSL marks the session of a
 * connection that ends without close_notify not resumable, which must
 * not spoil the cached one. */
static SSL_SESSION *
cache_take(session_cache *cache, const unsigned char *key, size_t len)
{
    SSL_SESSION *result = NULL;
    cache_entry *dropped = NULL;
    uint64_t hash = key_hash(key, len);
    pthread_mutex_lock(&cache->lock);
    cache_entry *e = find_locked(cache, key, len, hash);
    if (e != NULL && !usable(e->session)) {
        unlink_entry(cache, e);
        dropped = e;
    } else if (e != NULL && SSL_SESSION_get_protocol_version(e->session) >= TLS1_3_VERSION) {
        unlink_entry(cache, e);
        result = e->session;
        e->session = NULL;
        dropped = e;
    } else if (e != NULL) {
        result = SSL_SESSION_dup(e->session);
        unlink_entry(cache, e);
        push_front(cache, e);
    }
    pthread_mutex_unlock(&cache->lock);
    if (dropped != NULL)
        entry_free(dropped);
    return result;
}

/* ---- ex_data: the cache of an SSL_CTX, the record of an SSL ----
 *
 * The indexes are process-wide (as OpenSSL's are) and taken once: the
 * callbacks read them with no module at hand. */

static int ctx_index = -1, ssl_index = -1;
static pthread_once_t indexes_once = PTHREAD_ONCE_INIT;

static void
record_free(conn_record *r)
{
    if (r == NULL)
        return;
    cache_release(r->cache);
    OPENSSL_free(r->hostname);
    OPENSSL_free(r->key);
    OPENSSL_free(r);
}

static void
free_ctx_cache(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
    cache_release(ptr);
}

static void
free_ssl_record(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
    record_free(ptr);
}

static void
make_indexes(void)
{
    ctx_index = SSL_CTX_get_ex_new_index(0, "sslx client session cache", NULL, NULL,
                                         free_ctx_cache);
    ssl_index = SSL_get_ex_new_index(0, "sslx session cache record", NULL, NULL,
                                     free_ssl_record);
}

static int
indexes_ready(void)
{
    pthread_once(&indexes_once, make_indexes);
    return ctx_index >= 0 && ssl_index >= 0;
}

static session_cache *
cache_of(sslx_context *self)
{
    return indexes_ready() ? SSL_CTX_get_ex_data(self->ctx, ctx_index) : NULL;
}

/* ---- the key ---- */

/* The peer of socket `fd` as text ("203.0.113.5 443", "[2001:db8::1%2]
 * 443", a UNIX socket's path); 0 when there is none (not a socket, not
 * connected, another family). */
static size_t
peer_text(int fd, char *buf, size_t size)
{
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof(ss);
    char addr[INET6_ADDRSTRLEN];
    int n = -1;
    if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sslen) != 0)
        return 0;
    if (ss.ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        if (inet_ntop(AF_INET, &in->sin_addr, addr, sizeof(addr)) != NULL)
            n = snprintf(buf, size, "%s %u", addr, ntohs(in->sin_port));
    } else if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        if (inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof(addr)) != NULL)
            n = snprintf(buf, size, "[%s%%%u] %u", addr, (unsigned)in6->sin6_scope_id,
                         ntohs(in6->sin6_port));
    } else if (ss.ss_family == AF_UNIX && sslen > offsetof(struct sockaddr_un, sun_path)) {
        struct sockaddr_un *un = (struct sockaddr_un *)&ss;
        n = snprintf(buf, size, "unix %.*s", (int)(sslen - offsetof(struct sockaddr_un, sun_path)),
                     un->sun_path);
    }
    return (n > 0 && (size_t)n < size) ? (size_t)n : 0;
}

/* The record's key: hostname, NUL, where the server is ("bio" when the
 * bytes go through memory).  0, or -1 when the connection cannot be
 * told apart from others (no hostname, no peer). */
static int
build_key(conn_record *r, int fd)
{
    char peer[sizeof(struct sockaddr_un) + 64];
    size_t peer_len = fd >= 0 ? peer_text(fd, peer, sizeof(peer)) : 0;
    if (fd < 0) {
        if (r->hostname == NULL)
            return -1;
        memcpy(peer, "bio", 3);
        peer_len = 3;
    } else if (peer_len == 0) {
        return -1;
    }
    const char *host = r->hostname ? r->hostname : "";
    size_t host_len = strlen(host);
    r->key = OPENSSL_malloc(host_len + 1 + peer_len);
    if (r->key == NULL)
        return -1;
    memcpy(r->key, host, host_len);
    r->key[host_len] = '\0';
    memcpy(r->key + host_len + 1, peer, peer_len);
    r->key_len = host_len + 1 + peer_len;
    return 0;
}

/* ---- the OpenSSL callbacks (no GIL needed) ---- */

/* The handshake of a client connection starts: complete its key and
 * offer the cached session, unless the program set one (session=). */
static void
info_cb(const SSL *ssl, int where, int ret)
{
    (void)ret;
    if (!(where & SSL_CB_HANDSHAKE_START) || SSL_is_server(ssl) || ssl_index < 0)
        return;
    conn_record *r = SSL_get_ex_data(ssl, ssl_index);
    if (r == NULL || r->started)
        return;
    r->started = 1;
    if (!cache_enabled(r->cache) || build_key(r, SSL_get_fd(ssl)) < 0)
        return;
    if (SSL_get0_session(ssl) != NULL)
        return;
    SSL_SESSION *session = cache_take(r->cache, r->key, r->key_len);
    if (session != NULL) {
        /* OpenSSL passes the SSL as const to info callbacks; the session
         * belongs to the connection being started. */
        if (SSL_set_session((SSL *)ssl, session) != 1)
            ERR_clear_error();  /* no resumption: a full handshake */
        SSL_SESSION_free(session);
    }
}

/* A session (TLS 1.2) or ticket (TLS 1.3) arrived: cache a copy (the
 * connection keeps the original, which OpenSSL may mark not resumable
 * when the connection ends badly).  Returns 0: OpenSSL keeps no
 * reference for us. */
static int
new_session_cb(SSL *ssl, SSL_SESSION *session)
{
    conn_record *r = ssl_index >= 0 ? SSL_get_ex_data(ssl, ssl_index) : NULL;
    if (r == NULL || r->key == NULL || !cache_enabled(r->cache)
        || !SSL_SESSION_is_resumable(session))
        return 0;
    SSL_SESSION *copy = SSL_SESSION_dup(session);
    if (copy != NULL)
        cache_put(r->cache, r->key, r->key_len, copy);
    else
        ERR_clear_error();
    return 0;
}

/* ---- SSLContext ---- */

/* Give the context its cache, and OpenSSL the callbacks that fill and
 * read it (installed once, never removed).  Client connections must
 * report new sessions (SSL_SESS_CACHE_CLIENT); a client-only context
 * keeps none in OpenSSL's internal cache, which only servers read. */
static session_cache *
create_cache(sslx_context *self)
{
    session_cache *cache = cache_new();
    ERR_clear_error();
    if (cache == NULL || SSL_CTX_set_ex_data(self->ctx, ctx_index, cache) != 1) {
        OPENSSL_free(cache);
        sslx_raise_from_queue(SSLX_CONTEXT_STATE(self), NULL,
                              "cannot create the client session cache", SSLX_HERE);
        return NULL;
    }
    long mode = SSL_CTX_get_session_cache_mode(self->ctx) | SSL_SESS_CACHE_CLIENT;
    if (self->protocol == SSLX_PROTOCOL_TLS_CLIENT)
        mode |= SSL_SESS_CACHE_NO_INTERNAL_STORE;
    SSL_CTX_set_session_cache_mode(self->ctx, mode);
    SSL_CTX_sess_set_new_cb(self->ctx, new_session_cb);
    SSL_CTX_set_info_callback(self->ctx, info_cb);
    return cache;
}

PyObject *
sslx_context_get_client_session_cache(sslx_context *self, void *closure)
{
    (void)closure;
    session_cache *cache = cache_of(self);
    return PyBool_FromLong(cache != NULL && cache_enabled(cache));
}

int
sslx_context_set_client_session_cache(sslx_context *self, PyObject *value, void *closure)
{
    (void)closure;
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError,
                        "attribute 'client_session_cache' of 'SSLContext' objects cannot be "
                        "deleted");
        return -1;
    }
    int on = PyObject_IsTrue(value);
    if (on < 0)
        return -1;
    if (!indexes_ready()) {
        PyErr_SetString(PyExc_RuntimeError, "cannot allocate OpenSSL ex_data indexes");
        return -1;
    }
    session_cache *cache = cache_of(self);
    if (on && cache == NULL && (cache = create_cache(self)) == NULL)
        return -1;
    if (cache == NULL)
        return 0;
    __atomic_store_n(&cache->enabled, on, __ATOMIC_RELEASE);
    if (!on) {
        pthread_mutex_lock(&cache->lock);
        flush_locked(cache);
        pthread_mutex_unlock(&cache->lock);
    }
    return 0;
}

int
sslx_session_cache_configure_client(sslx_context *self, SSL *ssl, PyObject *server_hostname)
{
    session_cache *cache = cache_of(self);
    if (cache == NULL || !cache_enabled(cache))
        return 0;
    const char *host = server_hostname ? PyUnicode_AsUTF8(server_hostname) : NULL;
    if (server_hostname != NULL && host == NULL)
        return -1;
    conn_record *r = OPENSSL_zalloc(sizeof(*r));
    if (r == NULL || (host != NULL && (r->hostname = OPENSSL_strdup(host)) == NULL)) {
        OPENSSL_free(r);
        PyErr_NoMemory();
        return -1;
    }
    __atomic_add_fetch(&cache->refs, 1, __ATOMIC_ACQ_REL);
    r->cache = cache;
    ERR_clear_error();
    if (SSL_set_ex_data(ssl, ssl_index, r) != 1) {
        record_free(r);
        sslx_raise_from_queue(SSLX_CONTEXT_STATE(self), NULL,
                              "cannot attach the client session cache", SSLX_HERE);
        return -1;
    }
    return 0;
}
