/* ref_openssl.c - the benchmark's reference: the same work as the Python
 * cases done by a small C program calling OpenSSL directly, so sslx's cost
 * over raw OpenSSL can be measured.
 *
 *   ref_openssl handshake CERTFILE CAFILE N [cpu|wall]  -> full TLS 1.3 handshakes/s
 *   ref_openssl bulk CERTFILE CAFILE MB [cpu|wall]      -> MB/s client->server
 *   ref_openssl rss CERTFILE CAFILE PAIRS               -> KiB of RSS per idle pair
 *   ref_openssl aesgcm CERTFILE CAFILE MB [cpu|wall]    -> MB/s of AES-256-GCM through
 *                                                          EVP, 16 KiB records (TLS's
 *                                                          size), sealed and opened:
 *                                                          the bulk ceiling's crypto part
 *   ref_openssl sites CERTFILE CAFILE 1                 -> what OpenSSL holds for one
 *                                                          idle pair, by source line
 *
 * "cpu" (the default, as in the Python suite) times with the process's
 * CPU clock, "wall" with elapsed time.
 *
 * For handshake and bulk, both ends live in one thread and talk through
 * memory BIOs, exactly like two SSLObjects pumping MemoryBIOs; bytes are
 * copied between the BIOs as the Python benchmark copies them.  For rss,
 * each pair is a socketpair with a client and a server SSL, handshaken and
 * idle after one small write, as in the Python case; the SSLs release
 * their record buffers when idle (SSL_MODE_RELEASE_BUFFERS), as sslx and
 * the stdlib set it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

typedef struct {
    SSL *ssl;
    BIO *in, *out;
} end_t;

static void
die(const char *what)
{
    fprintf(stderr, "%s failed\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static clockid_t which_clock = CLOCK_PROCESS_CPUTIME_ID;

static double
now(void)
{
    struct timespec ts;
    clock_gettime(which_clock, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
end_init(end_t *e, SSL_CTX *ctx, int server)
{
    e->ssl = SSL_new(ctx);
    e->in = BIO_new(BIO_s_mem());
    e->out = BIO_new(BIO_s_mem());
    if (!e->ssl || !e->in || !e->out)
        die("SSL_new");
    BIO_set_mem_eof_return(e->in, -1);
    BIO_set_mem_eof_return(e->out, -1);
    SSL_set_bio(e->ssl, e->in, e->out);
    if (server) {
        SSL_set_accept_state(e->ssl);
    } else {
        SSL_set_connect_state(e->ssl);
        SSL_set_tlsext_host_name(e->ssl, "localhost");
        SSL_set1_host(e->ssl, "localhost");
    }
}

/* Move pending bytes from one end's output to the other's input. */
static void
transfer(end_t *from, end_t *to)
{
    char buf[65536];
    int n;
    while ((n = BIO_read(from->out, buf, sizeof buf)) > 0)
        BIO_write(to->in, buf, n);
}

static void
handshake(end_t *c, end_t *s)
{
    int c_done = 0, s_done = 0;
    for (int i = 0; i < 100 && !(c_done && s_done); i++) {
        if (!c_done) {
            int r = SSL_do_handshake(c->ssl);
            if (r == 1)
                c_done = 1;
            else if (SSL_get_error(c->ssl, r) != SSL_ERROR_WANT_READ)
                die("client handshake");
        }
        transfer(c, s);
        if (!s_done) {
            int r = SSL_do_handshake(s->ssl);
            if (r == 1)
                s_done = 1;
            else if (SSL_get_error(s->ssl, r) != SSL_ERROR_WANT_READ)
                die("server handshake");
        }
        transfer(s, c);
    }
    if (!(c_done && s_done))
        die("handshake loop");
}

static void
make_contexts(const char *certfile, const char *cafile, SSL_CTX **sctx, SSL_CTX **cctx)
{
    *sctx = SSL_CTX_new(TLS_server_method());
    *cctx = SSL_CTX_new(TLS_client_method());
    if (!*sctx || !*cctx)
        die("SSL_CTX_new");
    if (SSL_CTX_use_certificate_chain_file(*sctx, certfile) != 1
        || SSL_CTX_use_PrivateKey_file(*sctx, certfile, SSL_FILETYPE_PEM) != 1)
        die("load server certificate");
    if (SSL_CTX_load_verify_locations(*cctx, cafile, NULL) != 1)
        die("load CA");
    SSL_CTX_set_verify(*cctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_min_proto_version(*cctx, TLS1_3_VERSION);
}

static double
bench_handshakes(SSL_CTX *sctx, SSL_CTX *cctx, long n)
{
    double t0 = now();
    for (long i = 0; i < n; i++) {
        end_t c, s;
        end_init(&c, cctx, 0);
        end_init(&s, sctx, 1);
        handshake(&c, &s);
        SSL_free(c.ssl);
        SSL_free(s.ssl);
    }
    return n / (now() - t0);
}

static double
bench_bulk(SSL_CTX *sctx, SSL_CTX *cctx, long megabytes)
{
    end_t c, s;
    static char chunk[65536], sink[65536];
    end_init(&c, cctx, 0);
    end_init(&s, sctx, 1);
    handshake(&c, &s);
    memset(chunk, 'x', sizeof chunk);
    long total = megabytes * 1024 * 1024, sent = 0;
    double t0 = now();
    while (sent < total) {
        if (SSL_write(c.ssl, chunk, sizeof chunk) != (int)sizeof chunk)
            die("SSL_write");
        transfer(&c, &s);
        int got = 0;
        while (got < (int)sizeof chunk) {
            int n = SSL_read(s.ssl, sink, sizeof sink);
            if (n <= 0)
                die("SSL_read");
            got += n;
        }
        sent += sizeof chunk;
    }
    double rate = total / (now() - t0) / 1e6;
    SSL_free(c.ssl);
    SSL_free(s.ssl);
    return rate;
}

/* ---- the cipher alone ---- */

/* AES-256-GCM over 16 KiB records, each sealed and then opened (tag
 * checked) as TLS 1.3 does for a record: the rate is bytes processed per
 * second, one byte sealed or one byte opened counting once, so a TLS
 * byte, sealed by one end and opened by the other, costs 2/rate. */
static double
bench_aesgcm(long megabytes)
{
    static unsigned char plain[16384], sealed[16384], opened[16384];
    unsigned char key[32], iv[12], tag[16];
    EVP_CIPHER_CTX *enc = EVP_CIPHER_CTX_new(), *dec = EVP_CIPHER_CTX_new();
    EVP_CIPHER *aes = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    if (enc == NULL || dec == NULL || aes == NULL || RAND_bytes(key, sizeof key) != 1
        || RAND_bytes(iv, sizeof iv) != 1)
        die("AES-256-GCM setup");
    memset(plain, 'x', sizeof plain);
    if (!EVP_EncryptInit_ex2(enc, aes, key, iv, NULL) || !EVP_DecryptInit_ex2(dec, aes, key, iv, NULL))
        die("EVP init");
    long records = megabytes * 1024 * 1024 / (long)sizeof plain;
    double t0 = now();
    for (long i = 0; i < records; i++) {
        int n, m;
        iv[11] = (unsigned char)i;  /* a fresh nonce per record, as TLS */
        if (!EVP_EncryptInit_ex2(enc, NULL, NULL, iv, NULL)
            || !EVP_EncryptUpdate(enc, sealed, &n, plain, sizeof plain)
            || !EVP_EncryptFinal_ex(enc, sealed + n, &m)
            || !EVP_CIPHER_CTX_ctrl(enc, EVP_CTRL_GCM_GET_TAG, sizeof tag, tag))
            die("seal");
        if (!EVP_DecryptInit_ex2(dec, NULL, NULL, iv, NULL)
            || !EVP_DecryptUpdate(dec, opened, &n, sealed, sizeof sealed)
            || !EVP_CIPHER_CTX_ctrl(dec, EVP_CTRL_GCM_SET_TAG, sizeof tag, tag)
            || EVP_DecryptFinal_ex(dec, opened + n, &m) <= 0)
            die("open");
    }
    double rate = 2.0 * records * sizeof plain / (now() - t0) / 1e6;
    EVP_CIPHER_free(aes);
    EVP_CIPHER_CTX_free(enc);
    EVP_CIPHER_CTX_free(dec);
    return rate;
}

/* ---- memory per idle connection ---- */

static long
rss_bytes(void)
{
    long pages_total = 0, pages_resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL || fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2)
        die("read /proc/self/statm");
    fclose(f);
    return pages_resident * sysconf(_SC_PAGESIZE);
}

/* Drive both ends of a socketpair through the handshake, then one small
 * write the server reads, and leave them idle. */
static void
idle_pair(SSL_CTX *sctx, SSL_CTX *cctx, SSL **s_out, SSL **c_out)
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
        die("socketpair handshake");
    char ping[4];
    if (SSL_write(c, "ping", 4) != 4)
        die("SSL_write");
    for (int i = 0; i < 50 && SSL_read(s, ping, sizeof ping) <= 0; i++)
        ;
    *s_out = s;
    *c_out = c;
}

/* The contexts as the Python RSS case has them: record buffers released
 * while idle (sslx and the stdlib set it), TLS 1.2 or 1.3 as negotiated. */
static void
configure_idle(SSL_CTX *sctx, SSL_CTX *cctx)
{
    SSL_CTX_set_mode(sctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_mode(cctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_min_proto_version(cctx, TLS1_2_VERSION);
}

static double
bench_rss(SSL_CTX *sctx, SSL_CTX *cctx, long n)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    configure_idle(sctx, cctx);
    SSL **kept = calloc(2 * (n + 20), sizeof *kept);
    if (kept == NULL)
        die("calloc");
    for (long i = 0; i < 20; i++)   /* warm-up, as the Python case */
        idle_pair(sctx, cctx, &kept[2 * i], &kept[2 * i + 1]);
    long before = rss_bytes();
    for (long i = 20; i < n + 20; i++)
        idle_pair(sctx, cctx, &kept[2 * i], &kept[2 * i + 1]);
    long after = rss_bytes();
    return (after - before) / (double)n / 1024.0;
}

/* ---- where OpenSSL's memory for one idle pair goes ---- */

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

static int
by_bytes(const void *a, const void *b)
{
    long x = ((const site_t *)a)->bytes, y = ((const site_t *)b)->bytes;
    return (x < y) - (x > y);
}

/* One more idle pair, with every OpenSSL allocation tallied by its
 * file:line; prints what that pair still holds, largest first.  The
 * tally must be installed before OpenSSL allocates anything (main). */
static double
bench_sites(SSL_CTX *sctx, SSL_CTX *cctx)
{
    configure_idle(sctx, cctx);
    SSL *s, *c;
    for (int i = 0; i < 20; i++)    /* warm-up, as the rss mode */
        idle_pair(sctx, cctx, &s, &c);
    tallying = 1;
    idle_pair(sctx, cctx, &s, &c);
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
    return total;   /* main prints it last: the bytes held by one idle pair */
}

int
main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: %s handshake|bulk|aesgcm|rss|sites CERTFILE CAFILE AMOUNT [cpu|wall]\n",
                argv[0]);
        return 2;
    }
    if (argc == 6 && strcmp(argv[5], "wall") == 0)
        which_clock = CLOCK_MONOTONIC;
    if (strcmp(argv[1], "sites") == 0
        && !CRYPTO_set_mem_functions(tally_malloc, tally_realloc, tally_free))
        die("CRYPTO_set_mem_functions");
    long amount = strtol(argv[4], NULL, 10);
    if (strcmp(argv[1], "aesgcm") == 0) {   /* no certificates needed */
        printf("%.3f\n", bench_aesgcm(amount));
        return 0;
    }
    SSL_CTX *sctx, *cctx;
    make_contexts(argv[2], argv[3], &sctx, &cctx);
    double result;
    if (strcmp(argv[1], "handshake") == 0)
        result = bench_handshakes(sctx, cctx, amount);
    else if (strcmp(argv[1], "bulk") == 0)
        result = bench_bulk(sctx, cctx, amount);
    else if (strcmp(argv[1], "rss") == 0)
        result = bench_rss(sctx, cctx, amount);
    else if (strcmp(argv[1], "sites") == 0)
        result = bench_sites(sctx, cctx);
    else
        return 2;
    printf("%.3f\n", result);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    return 0;
}
