/* sslsocket_internal.h - what the SSLSocket files share:
 *   sslsocket.c            the type: layout, GC, session control, life
 *                          cycle (connect, accept, close), attributes
 *   sslsocket_create.c     wrap_socket(): making an SSLSocket from a socket
 *   sslsocket_io.c         recv/send and the other socket I/O methods
 *   sslsocket_functions.c  get_server_certificate(), module wrap_socket()
 * Not for use outside SSLSocket. */
#ifndef SSLX_SSLSOCKET_INTERNAL_H
#define SSLX_SSLSOCKET_INTERNAL_H

#include "sslsocket.h"
#include "conn.h"

typedef struct {
    unsigned char connected;        /* the stdlib's SSLSocket._connected */
    unsigned char do_handshake_on_connect;
    unsigned char hostname_pending; /* shown_server_hostname is for connect() */
    /* What the program assigned to server_side / server_hostname, shown
     * instead of the connection's own; NULL when nothing was assigned
     * (sslsocket_identity.c). */
    PyObject *shown_server_side, *shown_server_hostname;
    sslx_conn conn;                 /* must stay last (conn.h) */
} sock_ext;

/* conn.h finds the engine at the end of the SSLSocket part; so does
 * sslx_sslsocket_ext(). */
_Static_assert(sizeof(sock_ext) == offsetof(sock_ext, conn) + sizeof(sslx_conn),
               "sslx_conn must end sock_ext");


/* sslsocket_identity.c: server_side and server_hostname */
PyObject *sslx_sslsocket_get_server_side(PyObject *self, void *closure);
int sslx_sslsocket_set_server_side(PyObject *self, PyObject *value, void *closure);
PyObject *sslx_sslsocket_get_server_hostname(PyObject *self, void *closure);
int sslx_sslsocket_set_server_hostname(PyObject *self, PyObject *value, void *closure);
/* Before the TLS starts: the server_hostname assigned since wrap, checked
 * against the context and converted into the connection.  0 or -1. */
int sslx_sslsocket_apply_hostname(sock_ext *x);
int sslx_sslsocket_identity_traverse(sock_ext *x, visitproc visit, void *arg);
void sslx_sslsocket_identity_clear(sock_ext *x);

/* sslsocket.c */
sock_ext *sslx_sslsocket_ext(PyObject *self);      /* TypeError for others */
sslx_state *sslx_sslsocket_state(PyObject *self);
/* socket.socket.<name>(self, *args, **kwargs) (args, kwargs may be NULL) */
PyObject *sslx_sslsocket_call_base(PyObject *self, const char *name, PyObject *args,
                                   PyObject *kwargs);
static inline PyObject *
sslx_sslsocket_call_base_noargs(PyObject *self, const char *name)
{
    return sslx_sslsocket_call_base(self, name, NULL, NULL);
}
/* Drop the TLS layer, keeping the engine's parameters (unwrap, close);
 * refused inside a callback of the connection (`what` names the call). */
int sslx_sslsocket_release(sock_ext *x, const char *what);
/* The socket's descriptor (_socket.socket's fileno(): a subclass's
 * override is not asked), -1 when closed, -2 with an exception set. */
int sslx_sslsocket_fd(PyObject *self);
/* Create the SSL* over the socket's descriptor.  0 or -1. */
int sslx_sslsocket_start_tls(PyObject *self, sock_ext *x);
/* Run the handshake; with `block`, a non-blocking socket waits too. */
int sslx_sslsocket_run_handshake(sock_ext *x, int block);
/* Close `self` after a failure, keeping the pending exception. */
void sslx_sslsocket_close_after_error(PyObject *self);
/* A type's name without its module ("SSLSocket"), as in its messages. */
const char *sslx_sslsocket_type_name(PyTypeObject *type);

/* sslsocket_create.c: SSLSocket's tp_new and tp_init (they refuse). */
PyObject *sslx_sslsocket_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds);
int sslx_sslsocket_tp_init(PyObject *self, PyObject *args, PyObject *kwds);

/* sslsocket_io.c: the methods (see there). */
PyObject *sslx_sslsocket_recv(PyObject *self, PyObject *args, PyObject *kwds);
PyObject *sslx_sslsocket_recv_into(PyObject *self, PyObject *args, PyObject *kwds);
PyObject *sslx_sslsocket_send(PyObject *self, PyObject *args, PyObject *kwds);
PyObject *sslx_sslsocket_sendall(PyObject *self, PyObject *args, PyObject *kwds);
PyObject *sslx_sslsocket_sendfile(PyObject *self, PyObject *args, PyObject *kwds);
PyObject *sslx_sslsocket_recvfrom(PyObject *self, PyObject *args, PyObject *kwds);
PyObject *sslx_sslsocket_recvfrom_into(PyObject *self, PyObject *args, PyObject *kwds);
PyObject *sslx_sslsocket_sendto(PyObject *self, PyObject *args, PyObject *kwds);
PyObject *sslx_sslsocket_recvmsg(PyObject *self, PyObject *args, PyObject *kwds);
PyObject *sslx_sslsocket_recvmsg_into(PyObject *self, PyObject *args, PyObject *kwds);
PyObject *sslx_sslsocket_sendmsg(PyObject *self, PyObject *args, PyObject *kwds);
PyObject *sslx_sslsocket_dup(PyObject *self, PyObject *unused);
/* Their docstrings, beside each. */
extern const char sslx_sslsocket_recv_doc[], sslx_sslsocket_recv_into_doc[],
    sslx_sslsocket_send_doc[], sslx_sslsocket_sendall_doc[], sslx_sslsocket_sendfile_doc[],
    sslx_sslsocket_recvfrom_doc[], sslx_sslsocket_recvfrom_into_doc[],
    sslx_sslsocket_sendto_doc[], sslx_sslsocket_recvmsg_doc[],
    sslx_sslsocket_recvmsg_into_doc[], sslx_sslsocket_sendmsg_doc[], sslx_sslsocket_dup_doc[];

/* sslsocket_functions.c */
int sslx_sslsocket_functions_setup(PyObject *module, sslx_state *st);

#endif
