/* truststore.c - the process-wide cache of parsed trust stores: the
 * default paths' store and a small table of CA files' stores (see
 * truststore.h), and copying them into a context's private store. */
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "truststore.h"

/* ---- knowing when a file is the one that was parsed ----
 *
 * A file counts as unchanged when its path, device, inode, size,
 * modification time and status-change time (ctime) are all the same.
 * The mtime alone is not enough: `cp -p`, `rsync -t` and `tar` rewrite a
 * file in place and restore its old mtime.  No user call can set the
 * ctime, which every write and every utime() moves forward.
 *
 * The kernel stamps times from a coarse clock (milliseconds), so a file
 * rewritten within the same tick as the one it was read in keeps its
 * ctime.  A file whose ctime is that recent when it is parsed is
 * "unsettled": its store is used once and never served from the cache
 * (the rule git uses for its index). */
typedef struct {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
    int settled;
} file_identity;

/* Seconds a file's ctime must lie in the past for its identity to be
 * trusted (far more than the kernel's timestamp granularity). */
#define SETTLE_SECONDS 2

static void
identity_of(const struct stat *sb, file_identity *id)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    id->dev = sb->st_dev;
    id->ino = sb->st_ino;
    id->size = sb->st_size;
    id->mtime = sb->st_mtim;
    id->ctime = sb->st_ctim;
    double age = (double)(now.tv_sec - sb->st_ctim.tv_sec)
                 + (double)(now.tv_nsec - sb->st_ctim.tv_nsec) * 1e-9;
    id->settled = age > SETTLE_SECONDS;
}

static int
same_time(struct timespec a, struct timespec b)
{
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* Whether a store parsed from a file with identity `cached` may serve a
 * file that has identity `now`. */
static int
same_identity(const file_identity *cached, const file_identity *now)
{
    return cached->settled && cached->dev == now->dev && cached->ino == now->ino
           && cached->size == now->size && same_time(cached->mtime, now->mtime)
           && same_time(cached->ctime, now->ctime);
}

/* Where the default store came from; a change means a rebuild. */
typedef struct {
    char file[4096];
    char dir[4096];
    int file_exists;
    file_identity id;
} store_origin;

/* The cache: one entry, the most recent origin.  Stores handed out keep
 * their own references, so replacing the entry never frees a store in
 * use.  Guarded by cache_lock (not the GIL, which is released while a
 * store is parsed). */
static PyThread_type_lock cache_lock;
static X509_STORE *cached_store;
static store_origin cached_origin;
/* How many stores were parsed (default or file): what tests read to
 * tell a cache hit from a parse. */
static unsigned long parse_count;

/* _truststore_parses(): how many trust stores the cache has parsed so
 * far in this process (private: for tests). */
static PyObject *
truststore_parses(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    unsigned long n;
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(cache_lock, WAIT_LOCK);
    n = parse_count;
    PyThread_release_lock(cache_lock);
    Py_END_ALLOW_THREADS
    return PyLong_FromUnsignedLong(n);
}

static PyMethodDef truststore_functions[] = {
    {"_truststore_parses", truststore_parses, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

int
sslx_truststore_setup(PyObject *module, sslx_state *st)
{
    (void)st;
    if (cache_lock == NULL)
        cache_lock = PyThread_allocate_lock();
    if (cache_lock == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return PyModule_AddFunctions(module, truststore_functions);
}

/* OpenSSL's choice of a default location: the environment variable it
 * names, else the compiled-in path. */
static void
default_location(char *out, size_t size, const char *env_name, const char *fallback)
{
    const char *value = getenv(env_name);
    snprintf(out, size, "%s", value ? value : fallback);
}

static void
current_origin(store_origin *o)
{
    struct stat sb;
    memset(o, 0, sizeof(*o));
    default_location(o->file, sizeof(o->file), X509_get_default_cert_file_env(),
                     X509_get_default_cert_file());
    default_location(o->dir, sizeof(o->dir), X509_get_default_cert_dir_env(),
                     X509_get_default_cert_dir());
    if (stat(o->file, &sb) == 0) {
        o->file_exists = 1;
        identity_of(&sb, &o->id);
    }
}

/* An absent default file has nothing to go stale. */
static int
same_origin(const store_origin *cached, const store_origin *now)
{
    if (strcmp(cached->file, now->file) != 0 || strcmp(cached->dir, now->dir) != 0
        || cached->file_exists != now->file_exists)
        return 0;
    return !now->file_exists || same_identity(&cached->id, &now->id);
}

static X509_STORE *
build_default_store(void)
{
    X509_STORE *store = X509_STORE_new();
    if (store != NULL && X509_STORE_set_default_paths(store) != 1) {
        X509_STORE_free(store);
        return NULL;
    }
    return store;
}

/* The cached store for `origin`, rebuilt if needed; a new reference.
 * Runs without the GIL, holding cache_lock. */
static X509_STORE *
cached_default_store(const store_origin *origin)
{
    if (cached_store == NULL || !same_origin(origin, &cached_origin)) {
        X509_STORE *fresh = build_default_store();
        if (fresh == NULL)
            return NULL;
        parse_count++;
        X509_STORE_free(cached_store);
        cached_store = fresh;
        cached_origin = *origin;
    }
    return X509_STORE_up_ref(cached_store) ? cached_store : NULL;
}

X509_STORE *
sslx_truststore_default(void)
{
    store_origin origin;
    X509_STORE *store;
    current_origin(&origin);
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(cache_lock, WAIT_LOCK);
    store = cached_default_store(&origin);
    PyThread_release_lock(cache_lock);
    Py_END_ALLOW_THREADS
    return store;
}

/* The lookups X509_STORE_set_default_paths() installs besides the CA
 * file, whose contents are copied instead of parsed again. */
static int
add_default_lookups(X509_STORE *store)
{
    X509_LOOKUP *dir = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir());
    if (dir == NULL || X509_LOOKUP_add_dir(dir, NULL, X509_FILETYPE_DEFAULT) != 1)
        return -1;
    X509_LOOKUP *uri = X509_STORE_add_lookup(store, X509_LOOKUP_store());
    if (uri == NULL)
        return -1;
    /* An absent default store URI is not an error, as for set_default_paths. */
    (void)X509_LOOKUP_add_store(uri, NULL);
    ERR_clear_error();
    return 0;
}

/* Copy the certificates and CRLs of `from` into `to`. */
static int
copy_objects(X509_STORE *from, X509_STORE *to)
{
    int ok = 1;
    if (X509_STORE_lock(from) != 1)
        return -1;
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(from);
    for (int i = 0; ok && i < sk_X509_OBJECT_num(objs); i++) {
        X509_OBJECT *obj = sk_X509_OBJECT_value(objs, i);
        X509 *cert = X509_OBJECT_get0_X509(obj);
        X509_CRL *crl = X509_OBJECT_get0_X509_CRL(obj);
        if (cert != NULL)
            ok = X509_STORE_add_cert(to, cert);
        else if (crl != NULL)
            ok = X509_STORE_add_crl(to, crl);
    }
    X509_STORE_unlock(from);
    return ok ? 0 : -1;
}

int
sslx_truststore_merge(X509_STORE *to, X509_STORE *from, int default_lookups)
{
    if (copy_objects(from, to) < 0)
        return -1;
    return default_lookups ? add_default_lookups(to) : 0;
}

X509_STORE *
sslx_truststore_copy(X509_STORE *shared, int default_lookups)
{
    X509_STORE *store = X509_STORE_new();
    if (store == NULL || sslx_truststore_merge(store, shared, default_lookups) < 0) {
        X509_STORE_free(store);
        return NULL;
    }
    return store;
}

/* ---- CA files: a small table keyed by path and the file's identity ---- */

#define FILE_CACHE_SLOTS 16

typedef struct {
    char *path;             /* PyMem_RawMalloc'd, NULL for a free slot */
    file_identity id;
    X509_STORE *store;
    unsigned long last_use;
} file_entry;

/* Guarded by cache_lock, like the default store. */
static file_entry file_cache[FILE_CACHE_SLOTS];
static unsigned long file_clock;

static int
same_file(const file_entry *e, const char *path, const file_identity *id)
{
    return e->path != NULL && strcmp(e->path, path) == 0 && same_identity(&e->id, id);
}

/* The slot for `path`: its own (stale or not), else a free one, else the
 * least recently used. */
static file_entry *
file_slot(const char *path)
{
    file_entry *victim = &file_cache[0];
    for (int i = 0; i < FILE_CACHE_SLOTS; i++) {
        file_entry *e = &file_cache[i];
        if (e->path != NULL && strcmp(e->path, path) == 0)
            return e;
        if (victim->path != NULL && (e->path == NULL || e->last_use < victim->last_use))
            victim = e;
    }
    return victim;
}

static X509_STORE *
parse_file_store(const char *path)
{
    X509_STORE *store = X509_STORE_new();
    if (store != NULL && X509_STORE_load_file(store, path) != 1) {
        X509_STORE_free(store);
        return NULL;
    }
    return store;
}

/* Runs without the GIL, holding cache_lock: one parse per file version,
 * however many threads ask at once. */
static X509_STORE *
cached_file_store(const char *path, const struct stat *sb)
{
    file_identity id;
    identity_of(sb, &id);
    file_entry *e = file_slot(path);
    if (!same_file(e, path, &id)) {
        size_t len = strlen(path) + 1;
        char *copy = PyMem_RawMalloc(len);
        X509_STORE *fresh = copy ? parse_file_store(path) : NULL;
        if (fresh == NULL) {
            PyMem_RawFree(copy);
            return NULL;
        }
        parse_count++;
        memcpy(copy, path, len);
        X509_STORE_free(e->store);    /* contexts using it keep their references */
        PyMem_RawFree(e->path);
        *e = (file_entry){.path = copy, .id = id, .store = fresh};
    }
    e->last_use = ++file_clock;
    return X509_STORE_up_ref(e->store) ? e->store : NULL;
}

X509_STORE *
sslx_truststore_file(const char *path)
{
    struct stat sb;
    X509_STORE *store = NULL;
    Py_BEGIN_ALLOW_THREADS
    /* Only regular files: what a FIFO or device yields may change
     * without the identity changing. */
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
        PyThread_acquire_lock(cache_lock, WAIT_LOCK);
        store = cached_file_store(path, &sb);
        PyThread_release_lock(cache_lock);
    }
    Py_END_ALLOW_THREADS
    return store;
}
