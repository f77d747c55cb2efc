/* asyncio_bios.c - the two BIOs under an AsyncioSSLProtocol's SSL*, which
 * spare the copies a pair of MemoryBIOs would cost on every byte:
 *
 *   incoming ("window"): the protocol's receive buffer itself.  The socket
 *     transport receives into it (get_buffer()), and OpenSSL reads the
 *     records from there: no copy into a queue first.
 *   outgoing ("collector"): OpenSSL's records go straight into the bytes
 *     object that the socket transport's write() is then given, sized
 *     before each SSL_write (with the GIL); what does not fit (handshake
 *     flights, alerts, an estimate exceeded) goes to a C spill buffer.
 *
 * OpenSSL calls these with the GIL released, holding the connection's
 * lock: the callbacks touch C memory only.  Everything that moves or
 * resizes that memory (asyncio_flow.c) runs with the GIL and the lock. */
#include <string.h>
#include "asyncio_bios.h"

/* ---- incoming ---- */

static int
window_read(BIO *b, char *out, size_t len, size_t *done)
{
    sslx_aio_window *w = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    *done = 0;
    size_t avail = w->end - w->start;
    if (avail == 0) {
        BIO_set_retry_read(b);      /* wait for the next receive */
        return 0;
    }
    size_t n = len < avail ? len : avail;
    memcpy(out, w->base + w->start, n);
    w->start += n;
    *done = n;
    return 1;
}

static long
window_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)num;
    (void)ptr;
    sslx_aio_window *w = BIO_get_data(b);
    switch (cmd) {
    case BIO_CTRL_PENDING:
        return (long)(w->end - w->start);
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_EOF:
        return 0;       /* the end of the TCP stream reaches the protocol, not OpenSSL */
    default:
        return 0;
    }
}

/* ---- outgoing ---- */

static int
collector_write(BIO *b, const char *in, size_t len, size_t *done)
{
    sslx_aio_collector *c = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    *done = 0;
    if (c->spill_len == 0 && c->len + len <= c->cap) {
        memcpy(c->base + c->len, in, len);
        c->len += len;
        *done = len;
        return 1;
    }
    if (c->spill_len + len > c->spill_cap) {
        size_t cap = c->spill_cap ? c->spill_cap : 4096;
        while (cap < c->spill_len + len)
            cap *= 2;
        char *grown = OPENSSL_realloc(c->spill, cap);
        if (grown == NULL)
            return 0;
        c->spill = grown;
        c->spill_cap = cap;
    }
    memcpy(c->spill + c->spill_len, in, len);
    c->spill_len += len;
    *done = len;
    return 1;
}

static long
collector_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)num;
    (void)ptr;
    sslx_aio_collector *c = BIO_get_data(b);
    switch (cmd) {
    case BIO_CTRL_PENDING:
    case BIO_CTRL_WPENDING:
        return (long)(c->len + c->spill_len);
    case BIO_CTRL_FLUSH:
        return 1;
    default:
        return 0;
    }
}

/* ---- the methods ---- */

static int
window_destroy(BIO *b)
{
    OPENSSL_free(BIO_get_data(b));
    BIO_set_data(b, NULL);
    return 1;
}

static int
collector_destroy(BIO *b)
{
    sslx_aio_collector *c = BIO_get_data(b);
    if (c != NULL)
        OPENSSL_free(c->spill);
    OPENSSL_free(c);
    BIO_set_data(b, NULL);
    return 1;
}

/* Made on first use, under the GIL. */
static BIO_METHOD *window_method, *collector_method;

static BIO_METHOD *
make_method(const char *name, int outgoing)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, name);
    int ok = m != NULL;
    if (ok && outgoing)
        ok = BIO_meth_set_write_ex(m, collector_write) && BIO_meth_set_ctrl(m, collector_ctrl)
             && BIO_meth_set_destroy(m, collector_destroy);
    else if (ok)
        ok = BIO_meth_set_read_ex(m, window_read) && BIO_meth_set_ctrl(m, window_ctrl)
             && BIO_meth_set_destroy(m, window_destroy);
    if (!ok) {
        BIO_meth_free(m);
        return NULL;
    }
    return m;
}

static BIO *
new_bio(BIO_METHOD **method, const char *name, int outgoing, size_t state_size)
{
    if (*method == NULL && (*method = make_method(name, outgoing)) == NULL)
        return NULL;
    void *state = OPENSSL_zalloc(state_size);
    BIO *bio = state ? BIO_new(*method) : NULL;
    if (bio == NULL) {
        OPENSSL_free(state);
        return NULL;
    }
    BIO_set_data(bio, state);
    BIO_set_init(bio, 1);
    return bio;
}

BIO *
sslx_aio_window_bio(void)
{
    return new_bio(&window_method, "sslx asyncio receive buffer", 0, sizeof(sslx_aio_window));
}

BIO *
sslx_aio_collector_bio(void)
{
    return new_bio(&collector_method, "sslx asyncio outgoing records", 1,
                   sizeof(sslx_aio_collector));
}
