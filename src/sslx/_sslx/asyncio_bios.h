/* asyncio_bios.h - the BIOs under an AsyncioSSLProtocol's SSL*
 * (asyncio_bios.c).  Each BIO owns its state below, so the state lives as
 * long as the BIO, which the SSL* and the protocol both reference: an
 * SSLObject the app kept (get_extra_info('ssl_object')) may outlive the
 * protocol; the protocol then detaches the state from its memory first
 * (sslx_aio_bios_detach) and the BIOs read nothing and keep what is
 * written in C memory. */
#ifndef SSLX_ASYNCIO_BIOS_H
#define SSLX_ASYNCIO_BIOS_H

#include "module.h"

/* Incoming: bytes base[start:end) are received, not yet read by OpenSSL.
 * `base` is the storage of the protocol's receive bytearray, or NULL. */
typedef struct {
    char *base;
    size_t start, end;
} sslx_aio_window;

/* Outgoing: records go to base[len:cap) (the storage of a bytes object
 * the protocol sized, or NULL), then, when they do not fit or once
 * anything was spilled (order is kept), to spill[spill_len:]. */
typedef struct {
    char *base;
    size_t len, cap;
    char *spill;
    size_t spill_len, spill_cap;
} sslx_aio_collector;

/* New BIOs with their zeroed state (BIO_get_data gives it); NULL when out
 * of memory (OpenSSL's queue says so). */
BIO *sslx_aio_window_bio(void);
BIO *sslx_aio_collector_bio(void);

#endif
