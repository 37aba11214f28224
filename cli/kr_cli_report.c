/* The end-of-run summary. See kr_cli_report.h. */
#include "kr_cli_report.h"

#include <string.h>

#include "kr_cli_json.h"
#include "kr_cli_opts.h"

void kr_cli_errs_add(kr_cli_errs_t *e, const char *name, uint64_t count)
{
    if (name == NULL || name[0] == '\0')
        name = "UNKNOWN";
    for (uint32_t i = 0; i < e->n; i++) {
        if (strncmp(e->e[i].name, name, KR_CLI_ERRNAME_LEN) == 0) {
            e->e[i].count += count;
            return;
        }
    }
    if (e->n == KR_CLI_ERRNAMES_MAX) {
        e->other += count;
        return;
    }
    snprintf(e->e[e->n].name, sizeof(e->e[0].name), "%s", name);
    e->e[e->n].count = count;
    e->n++;
}

void kr_cli_errs_merge(kr_cli_errs_t *dst, const kr_cli_errs_t *src)
{
    for (uint32_t i = 0; i < src->n; i++)
        kr_cli_errs_add(dst, src->e[i].name, src->e[i].count);
    dst->other += src->other;
}

uint64_t kr_cli_errs_total(const kr_cli_errs_t *e)
{
    uint64_t n = e->other;
    for (uint32_t i = 0; i < e->n; i++)
        n += e->e[i].count;
    return n;
}

double kr_cli_report_records_per_s(const kr_cli_report_t *r)
{
    return r->wall_s > 0 ? (double)r->records_acked / r->wall_s : 0;
}

double kr_cli_report_mb_per_s(const kr_cli_report_t *r)
{
    return r->wall_s > 0 ? (double)r->bytes / r->wall_s / 1048576.0 : 0;
}

double kr_cli_report_cpu_ns_per_record(const kr_cli_report_t *r)
{
    if (r->records_sent == 0)
        return 0;
    return (r->cpu_user_s + r->cpu_sys_s) * 1e9 / (double)r->records_sent;
}

static double ms(uint64_t ns) { return (double)ns / 1e6; }

static int has_latency(const kr_cli_report_t *r)
{
    return r->latency != NULL && r->latency->count > 0;
}

void kr_cli_report_text(FILE *f, const kr_cli_report_t *r)
{
    fprintf(f, "records   %llu sent, %llu acked, %llu failed\n",
            (unsigned long long)r->records_sent, (unsigned long long)r->records_acked,
            (unsigned long long)r->records_failed);
    fprintf(f, "bytes     %llu (%.1f MB, key + value)\n", (unsigned long long)r->bytes,
            (double)r->bytes / 1048576.0);
    fprintf(f, "wall      %.3f s\n", r->wall_s);
    if (r->transport != NULL)
        fprintf(f, "transport %s\n", r->transport);
    fprintf(f, "rate      %.0f records/s, %.1f MB/s\n", kr_cli_report_records_per_s(r),
            kr_cli_report_mb_per_s(r));
    fprintf(f, "cpu       %.3f s user, %.3f s sys, %.0f ns/record\n", r->cpu_user_s, r->cpu_sys_s,
            kr_cli_report_cpu_ns_per_record(r));
    if (has_latency(r)) {
        const kr_hist_t *h = r->latency;
        fprintf(f, "latency   p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms\n",
                ms(kr_hist_quantile(h, 0.5)), ms(kr_hist_quantile(h, 0.99)),
                ms(kr_hist_quantile(h, 0.999)), ms(h->max));
    } else {
        fprintf(f, "latency   -\n");
    }
    if (r->errs.n == 0 && r->errs.other == 0) {
        fprintf(f, "errors    none\n");
        return;
    }
    fprintf(f, "errors   ");
    for (uint32_t i = 0; i < r->errs.n; i++)
        fprintf(f, "%s %s %llu", i == 0 ? "" : ",", r->errs.e[i].name,
                (unsigned long long)r->errs.e[i].count);
    if (r->errs.other != 0)
        fprintf(f, "%s OTHER %llu", r->errs.n == 0 ? "" : ",", (unsigned long long)r->errs.other);
    fputc('\n', f);
}

static void json_ms(FILE *f, const char *name, const kr_cli_report_t *r, double q)
{
    fprintf(f, "\"%s\":", name);
    if (!has_latency(r))
        fputs("null", f);
    else
        fprintf(f, "%.3f", ms(q >= 1 ? r->latency->max : kr_hist_quantile(r->latency, q)));
}

void kr_cli_report_json(FILE *f, const kr_cli_report_t *r)
{
    fprintf(f, "{\"records_sent\":%llu,\"records_acked\":%llu,\"records_failed\":%llu,",
            (unsigned long long)r->records_sent, (unsigned long long)r->records_acked,
            (unsigned long long)r->records_failed);
    fprintf(f, "\"bytes\":%llu,\"wall_s\":%.6f,\"records_per_s\":%.1f,\"mb_per_s\":%.3f,",
            (unsigned long long)r->bytes, r->wall_s, kr_cli_report_records_per_s(r),
            kr_cli_report_mb_per_s(r));
    fprintf(f, "\"cpu_user_s\":%.6f,\"cpu_sys_s\":%.6f,\"cpu_ns_per_record\":%.1f,", r->cpu_user_s,
            r->cpu_sys_s, kr_cli_report_cpu_ns_per_record(r));
    fputs("\"latency_ms\":{", f);
    json_ms(f, "p50", r, 0.5);
    fputc(',', f);
    json_ms(f, "p99", r, 0.99);
    fputc(',', f);
    json_ms(f, "p999", r, 0.999);
    fputc(',', f);
    json_ms(f, "max", r, 1);
    fputs("},\"transport\":", f);
    if (r->transport != NULL)
        kr_cli_json_str(f, r->transport);
    else
        fputs("null", f);
    fputs(",\"errors\":{", f);
    for (uint32_t i = 0; i < r->errs.n; i++) {
        if (i > 0)
            fputc(',', f);
        kr_cli_json_str(f, r->errs.e[i].name);
        fprintf(f, ":%llu", (unsigned long long)r->errs.e[i].count);
    }
    if (r->errs.other != 0)
        fprintf(f, "%s\"OTHER\":%llu", r->errs.n == 0 ? "" : ",",
                (unsigned long long)r->errs.other);
    fputs("}}\n", f);
}

int kr_cli_report_exit(const kr_cli_report_t *r)
{
    if (r->records_failed == 0 && r->records_acked == r->records_sent)
        return KR_CLI_EXIT_OK;
    return KR_CLI_EXIT_FAIL;
}
