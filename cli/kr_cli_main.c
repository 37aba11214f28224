/* kring: the command-line program. Dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "kr_cli_bench.h"
#include "kr_cli_generate.h"
#include "kr_cli_metadata.h"
#include "kr_cli_opts.h"
#include "kr_cli_produce.h"

/* KR_VERSION comes from the build: project(kring VERSION ...) in the top CMakeLists.txt. */

static const struct {
    const char *name;
    kr_cli_cmd_t cmd;
} commands[] = {
    {"produce", KR_CLI_CMD_PRODUCE},
    {"metadata", KR_CLI_CMD_METADATA},
    {"generate", KR_CLI_CMD_GENERATE},
};

static int run(kr_cli_cmd_t cmd, int argc, char **argv)
{
    static kr_cli_opts_t o;
    char err[512];
    int rc = kr_cli_opts_parse(&o, cmd, argc, argv, err, sizeof(err));
    if (rc == KR_CLI_PARSE_HELP) {
        kr_cli_usage(stdout, (int)cmd);
        return KR_CLI_EXIT_OK;
    }
    if (rc != 0) {
        fprintf(stderr, "kring %s: %s (see kring %s --help)\n", kr_cli_cmd_name(cmd), err,
                kr_cli_cmd_name(cmd));
        return KR_CLI_EXIT_USAGE;
    }
    switch (cmd) {
    case KR_CLI_CMD_PRODUCE:
        return kr_cli_produce(&o);
    case KR_CLI_CMD_METADATA:
        return kr_cli_metadata(&o);
    case KR_CLI_CMD_GENERATE:
        return kr_cli_generate(&o);
    }
    return KR_CLI_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "kring: a command is needed: produce, metadata, generate or bench "
                        "(see kring --help)\n");
        return KR_CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(name, commands[i].name) == 0)
            return run(commands[i].cmd, argc - 1, argv + 1);
    }
    if (strcmp(name, "bench") == 0)
        return kr_cli_bench(argc - 1, argv + 1);
    if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        if (argc >= 3) {
            for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
                if (strcmp(argv[2], commands[i].name) == 0) {
                    kr_cli_usage(stdout, (int)commands[i].cmd);
                    return KR_CLI_EXIT_OK;
                }
            }
        }
        kr_cli_usage(stdout, -1);
        return KR_CLI_EXIT_OK;
    }
    if (strcmp(name, "version") == 0 || strcmp(name, "--version") == 0) {
        printf("kring %s\n", KR_VERSION);
        return KR_CLI_EXIT_OK;
    }
    fprintf(stderr, "kring: unknown command '%s' (see kring --help)\n", name);
    return KR_CLI_EXIT_USAGE;
}
