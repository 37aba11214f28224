/*
 * liblz4 alone on a file's records: the floor of `kring produce --source file:` with LZ4.
 *
 *   kr_lz4_file -f FILE [-n RECORDS] [--batch-size BYTES]
 *
 * Reads FILE's lines (cycling until RECORDS, like the harnesses) as kring produce frames
 * them: one record a line, no key, into batches of --batch-size bytes (default 256 KiB,
 * kring's default batch.size) with the record batch builder of proto/. Each batch's records
 * section is then compressed the way the engine does it: LZ4_compress_fast_extState,
 * acceleration 1, independent 64 KB blocks, a reused state. Only the compression calls are
 * timed, on the thread's CPU clock, so what it prints is liblz4's own cost on exactly the
 * bytes kring compresses, read from the same file, in the same batch sizes. One JSON line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kr_batch.h"

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(void)
{
    fprintf(stderr, "usage: kr_lz4_file -f FILE [-n RECORDS] [--batch-size BYTES]\n");
    return 2;
}

/* Compresses the records section of b in 64 KB blocks; the compressed bytes, or -1. */
static long compress_section(const kr_batch_builder_t *b, void *ws, char *dst)
{
    const char *src = (const char *)b->base + KR_RB_HEADER_SIZE;
    size_t len = kr_batch_records_len(b);
    char *d = dst;
    for (size_t off = 0; off < len; off += KR_LZ4_BLOCK_SIZE) {
        int m = (int)(len - off < KR_LZ4_BLOCK_SIZE ? len - off : KR_LZ4_BLOCK_SIZE);
        int c = LZ4_compress_fast_extState(ws, src + off, d, m, LZ4_compressBound(m), 1);
        if (c <= 0)
            return -1;
        d += c;
    }
    return (long)(d - dst);
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    unsigned long long count = 0;
    size_t batch = 256 * 1024;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            count = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--batch-size") == 0 && i + 1 < argc)
            batch = strtoull(argv[++i], NULL, 10);
        else
            return usage();
    }
    if (path == NULL || batch < 1024 || batch > (64u << 20))
        return usage();
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) {
        fprintf(stderr, "kr_lz4_file: %s: %s\n", path, fd < 0 ? strerror(errno) : "empty");
        return 1;
    }
    size_t size = (size_t)st.st_size;
    const char *base = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (base == MAP_FAILED) {
        fprintf(stderr, "kr_lz4_file: mmap: %s\n", strerror(errno));
        return 1;
    }
    madvise((void *)base, size, MADV_SEQUENTIAL);
    size_t slot = KR_RB_HEADER_SIZE + batch;
    void *mem = malloc(slot);
    char *dst = malloc(kr_batch_bound(batch, KR_CODEC_LZ4));
    void *ws_mem = aligned_alloc(64, (kr_lz4_ws_size() + 63) & ~(size_t)63);
    void *ws = ws_mem != NULL ? kr_lz4_ws_init(ws_mem, kr_lz4_ws_size()) : NULL;
    if (mem == NULL || dst == NULL || ws == NULL) {
        fprintf(stderr, "kr_lz4_file: out of memory\n");
        return 1;
    }
    const char *p = base, *end = base + size;
    unsigned long long records = 0, batches = 0;
    unsigned long long in_bytes = 0, out_bytes = 0;
    double lz4_s = 0;
    int64_t ts = 1735689600000LL;
    kr_batch_builder_t b;
    kr_batch_open(&b, mem, slot, ts);
    for (;;) {
        int more = count == 0 ? p < end : records < count;
        if (more && p == end)
            p = base;
        if (more) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t len = (size_t)((nl != NULL ? nl : end) - p);
            if (kr_batch_append(&b, ts, NULL, 0, p, len, NULL, 0) == 0) {
                p = nl != NULL ? nl + 1 : end;
                records++;
                continue;
            }
            if (kr_batch_count(&b) == 0) {
                fprintf(stderr, "kr_lz4_file: a line is larger than the batch\n");
                return 1;
            }
        }
        if (kr_batch_count(&b) > 0) {
            double t0 = thread_cpu_s();
            long c = compress_section(&b, ws, dst);
            lz4_s += thread_cpu_s() - t0;
            if (c < 0) {
                fprintf(stderr, "kr_lz4_file: LZ4_compress_fast_extState failed\n");
                return 1;
            }
            in_bytes += kr_batch_records_len(&b);
            out_bytes += (unsigned long long)c;
            batches++;
            kr_batch_open(&b, mem, slot, ts);
        }
        if (!more)
            break;
    }
    printf("{\"client\":\"lz4-alone\",\"records\":%llu,\"batches\":%llu,\"in_bytes\":%llu,"
           "\"out_bytes\":%llu,\"lz4_cpu_s\":%.6f,\"ns_per_record\":%.1f}\n",
           records, batches, in_bytes, out_bytes, lz4_s,
           records > 0 ? lz4_s * 1e9 / (double)records : 0.0);
    munmap((void *)base, size);
    free(mem);
    free(dst);
    free(ws_mem);
    return 0;
}
