/* bio_socket.c - the BIO through which an SSLSocket's SSL* reaches its
 * socket: recv() and send() on the descriptor, never blocking.
 *
 * Why not OpenSSL's socket BIO: on a blocking socket (timeout None) its
 * reads wait inside OpenSSL.  The engine makes every OpenSSL call of a
 * connection under the connection's lock (conn.c), so a read waiting
 * there would hold up a write from another thread for as long as the
 * peer stays silent.  Here every call returns at once ("retry" when the
 * socket has nothing to give or no room), and the engine waits with
 * poll(), outside the lock, honouring the socket's timeout.
 *
 * The descriptor belongs to the Python socket; this BIO never closes it.
 * Writes use MSG_NOSIGNAL: a peer that went away is an EPIPE error, not
 * a SIGPIPE that kills a program which restored the default handler. */
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include "bios.h"

/* The descriptor is kept in the BIO's data pointer. */
static int
fd_of(BIO *b)
{
    return (int)(intptr_t)BIO_get_data(b);
}

/* Errors after which trying again later may succeed. */
static int
is_transient(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

static int
socket_read(BIO *b, char *out, size_t len, size_t *done)
{
    BIO_clear_retry_flags(b);
    *done = 0;
    ssize_t n = recv(fd_of(b), out, len, MSG_DONTWAIT);
    if (n > 0) {
        *done = (size_t)n;
        return 1;
    }
    if (n == 0)
        BIO_set_flags(b, BIO_FLAGS_IN_EOF);   /* OpenSSL asks BIO_eof() why */
    else if (is_transient(errno))
        BIO_set_retry_read(b);
    return 0;   /* errno tells the engine what failed */
}

static int
socket_write(BIO *b, const char *in, size_t len, size_t *done)
{
    BIO_clear_retry_flags(b);
    *done = 0;
    ssize_t n = send(fd_of(b), in, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) {
        *done = (size_t)n;
        return 1;
    }
    if (is_transient(errno))
        BIO_set_retry_write(b);
    return 0;
}

static long
socket_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)num;
    switch (cmd) {
    case BIO_C_GET_FD:
        if (ptr != NULL)
            *(int *)ptr = fd_of(b);
        return fd_of(b);
    case BIO_CTRL_EOF:
        return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
    case BIO_CTRL_FLUSH:
    case BIO_CTRL_DUP:
        return 1;
    default:
        return 0;   /* pending counts, close flags, kTLS: nothing to report */
    }
}

/* The method, made on first use (under the GIL, which serialises that). */
static BIO_METHOD *socket_method;

BIO *
sslx_bio_socket_new(int fd)
{
    if (socket_method == NULL) {
        BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK
                                         | BIO_TYPE_DESCRIPTOR,
                                     "sslx socket");
        if (m == NULL || !BIO_meth_set_read_ex(m, socket_read)
            || !BIO_meth_set_write_ex(m, socket_write) || !BIO_meth_set_ctrl(m, socket_ctrl)) {
            BIO_meth_free(m);
            return NULL;
        }
        socket_method = m;
    }
    BIO *bio = BIO_new(socket_method);
    if (bio != NULL) {
        BIO_set_data(bio, (void *)(intptr_t)fd);
        BIO_set_init(bio, 1);
    }
    return bio;
}
