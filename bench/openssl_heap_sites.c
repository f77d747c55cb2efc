/* openssl_heap_sites.c - where OpenSSL's memory for one idle connection
 * pair goes, by the OpenSSL source line that allocated it.
 *
 *   cc -O2 -o heap_sites bench/openssl_heap_sites.c -lssl -lcrypto
 *   ./heap_sites CERTFILE CAFILE
 *
 * Builds 20 client+server pairs over socketpairs (handshake, one small
 * write, idle, record buffers released as sslx and the stdlib do), then
 * one more with every OpenSSL allocation tallied by file:line, and prints
 * the bytes that pair still holds, largest first.  Memory only OpenSSL
 * itself can free: this is the floor under any binding's per-connection
 * cost (see bench/README.md). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAX_SITES 4096

typedef struct {
    const char *file;
    int line;
    long bytes, blocks;
} site_t;

static site_t sites[MAX_SITES];
static int n_sites, tallying;

/* Each block carries its size and site in front of it. */
typedef struct {
    size_t size;
    int site;
    int pad;
} header_t;

static int
site_index(const char *file, int line)
{
    for (int i = 0; i < n_sites; i++)
        if (sites[i].line == line && sites[i].file == file)
            return i;
    if (n_sites == MAX_SITES)
        return -1;
    sites[n_sites].file = file;
    sites[n_sites].line = line;
    return n_sites++;
}

static void *
tally_malloc(size_t size, const char *file, int line)
{
    header_t *h = malloc(sizeof(header_t) + size);
    if (h == NULL)
        return NULL;
    h->size = size;
    h->site = tallying ? site_index(file, line) : -1;
    if (h->site >= 0) {
        sites[h->site].bytes += (long)size;
        sites[h->site].blocks++;
    }
    return h + 1;
}

static void
tally_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    if (p == NULL)
        return;
    header_t *h = (header_t *)p - 1;
    if (h->site >= 0) {
        sites[h->site].bytes -= (long)h->size;
        sites[h->site].blocks--;
    }
    free(h);
}

static void *
tally_realloc(void *p, size_t size, const char *file, int line)
{
    if (p == NULL)
        return tally_malloc(size, file, line);
    header_t *old = (header_t *)p - 1;
    void *fresh = tally_malloc(size, file, line);
    if (fresh != NULL) {
        memcpy(fresh, p, old->size < size ? old->size : size);
        tally_free(p, file, line);
    }
    return fresh;
}

static void
die(const char *what)
{
    fprintf(stderr, "%s failed\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static void
idle_pair(SSL_CTX *sctx, SSL_CTX *cctx)
{
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
        die("socketpair");
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
    SSL *s = SSL_new(sctx), *c = SSL_new(cctx);
    if (s == NULL || c == NULL || !SSL_set_fd(s, fds[0]) || !SSL_set_fd(c, fds[1]))
        die("SSL_new");
    SSL_set_accept_state(s);
    SSL_set_connect_state(c);
    SSL_set_tlsext_host_name(c, "localhost");
    SSL_set1_host(c, "localhost");
    int c_done = 0, s_done = 0;
    for (int i = 0; i < 200 && !(c_done && s_done); i++) {
        c_done = c_done || SSL_do_handshake(c) == 1;
        s_done = s_done || SSL_do_handshake(s) == 1;
    }
    if (!(c_done && s_done))
        die("handshake");
    char ping[4];
    if (SSL_write(c, "ping", 4) != 4)
        die("SSL_write");
    for (int i = 0; i < 50 && SSL_read(s, ping, sizeof ping) <= 0; i++)
        ;
    /* Kept, never freed: the pair stays idle until exit. */
}

static int
by_bytes(const void *a, const void *b)
{
    long x = ((const site_t *)a)->bytes, y = ((const site_t *)b)->bytes;
    return (x < y) - (x > y);
}

int
main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s CERTFILE CAFILE\n", argv[0]);
        return 2;
    }
    if (!CRYPTO_set_mem_functions(tally_malloc, tally_realloc, tally_free))
        die("CRYPTO_set_mem_functions");
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = SSL_CTX_new(TLS_client_method());
    if (sctx == NULL || cctx == NULL
        || SSL_CTX_use_certificate_chain_file(sctx, argv[1]) != 1
        || SSL_CTX_use_PrivateKey_file(sctx, argv[1], SSL_FILETYPE_PEM) != 1
        || SSL_CTX_load_verify_locations(cctx, argv[2], NULL) != 1)
        die("contexts");
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_mode(sctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_mode(cctx, SSL_MODE_RELEASE_BUFFERS);
    for (int i = 0; i < 20; i++)
        idle_pair(sctx, cctx);
    tallying = 1;
    idle_pair(sctx, cctx);
    tallying = 0;
    qsort(sites, n_sites, sizeof sites[0], by_bytes);
    long total = 0;
    printf("%8s %6s  %s\n", "bytes", "blocks", "allocated at");
    for (int i = 0; i < n_sites; i++) {
        if (sites[i].bytes <= 0)
            continue;
        total += sites[i].bytes;
        printf("%8ld %6ld  %s:%d\n", sites[i].bytes, sites[i].blocks, sites[i].file,
               sites[i].line);
    }
    printf("%8ld         total held by one idle pair\n", total);
    return 0;
}
