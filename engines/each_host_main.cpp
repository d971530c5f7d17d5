// each-host: the generic batch helper of maintenanced (see maintenanced-each-host(8)). It runs a
// per-host command (ssh, kubectl cordon, consul maint, nomad node eligibility...) for every host
// of the batch, with bounded parallelism inside this one process, and writes each host's result
// line as soon as its command ends.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/timespan.hpp"
#include "engines/batch_io.hpp"
#include "engines/host_runner.hpp"

#ifndef MAINT_VERSION
#define MAINT_VERSION "unknown"
#endif

namespace {

using namespace maint::engines;

constexpr int kExitSomeFailed = 1;
constexpr int kExitUsage = 2;

void usage(std::FILE* out) {
    std::fprintf(
        out,
        "Usage: each-host [--parallel N] [--timeout SPAN] [--status] -- COMMAND [ARG...]\n"
        "\n"
        "maintenanced's generic batch helper: reads host names, one a line, on standard\n"
        "input, runs COMMAND once per host with %%h in its words replaced by the host\n"
        "(%%%% by %%), and writes one result line per host as each command ends:\n"
        "\"HOST ok\" on exit status 0, \"HOST failed\" otherwise, with the command's first\n"
        "line of output.\n"
        "\n"
        "  --parallel N    run at most N commands at a time (1 to %u; default 64)\n"
        "  --timeout SPAN  end a host's command after SPAN (\"30s\", \"5min\"; 0: never;\n"
        "                  default 30s): SIGTERM to its process group, SIGKILL 5s later\n"
        "  --status        a status command: exit status 0 is maintenance, 1 to 3\n"
        "                  normal, anything else unknown\n"
        "  --version       print the version and exit\n"
        "  -h, --help      print this help and exit\n",
        kMaxParallel);
}

// "--name VALUE" or "--name=VALUE" at argv[i]; advances i past what it used.
std::optional<std::string> option_value(int argc, char** argv, int& i, const std::string& name) {
    const std::string arg = argv[i];
    if (arg == name) {
        if (i + 1 >= argc)
            throw std::invalid_argument(name + " needs a value");
        return std::string(argv[++i]);
    }
    if (arg.starts_with(name + "="))
        return arg.substr(name.size() + 1);
    return std::nullopt;
}

unsigned parse_parallel(const std::string& text) {
    if (text.empty() || text.size() > 6 ||
        text.find_first_not_of("0123456789") != std::string::npos)
        throw std::invalid_argument("--parallel expects a number from 1 to " +
                                    std::to_string(kMaxParallel) + ", got \"" +
                                    clean_message(text) + "\"");
    const unsigned long n = std::stoul(text);
    if (n < 1 || n > kMaxParallel)
        throw std::invalid_argument("--parallel expects a number from 1 to " +
                                    std::to_string(kMaxParallel) + ", got " + text);
    return static_cast<unsigned>(n);
}

}  // namespace

int main(int argc, char** argv) {
    RunnerOptions options;
    try {
        int i = 1;
        for (; i < argc; ++i) {
            const std::string arg = argv[i];
            if (arg == "--") {
                ++i;
                break;
            }
            if (arg == "-h" || arg == "--help") {
                usage(stdout);
                return 0;
            }
            if (arg == "--version") {
                std::printf("maintenanced each-host helper %s\n", MAINT_VERSION);
                return 0;
            }
            if (arg == "--status") {
                options.status = true;
            } else if (auto v = option_value(argc, argv, i, "--parallel")) {
                options.parallel = parse_parallel(*v);
            } else if (auto t = option_value(argc, argv, i, "--timeout")) {
                try {
                    options.timeout = *t == "infinity" ? 0 : maint::parse_timespan(*t);
                } catch (const maint::ParseError& e) {
                    throw std::invalid_argument("--timeout: " + std::string(e.what()));
                }
            } else if (arg.size() > 1 && arg[0] == '-') {
                throw std::invalid_argument("unknown option " + arg);
            } else {
                break;  // the command
            }
        }
        for (; i < argc; ++i)
            options.command.emplace_back(argv[i]);
        if (options.command.empty() || options.command[0].empty())
            throw std::invalid_argument("no command given: each-host ... -- COMMAND [ARG...]");
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "each-host: %s (see each-host --help)\n", e.what());
        return kExitUsage;
    }

    // The daemon may stop reading (it timed out): a write must fail, not kill us.
    ::signal(SIGPIPE, SIG_IGN);
    std::ios::sync_with_stdio(false);  // std::cin reads in blocks, not in step with stdio
    const Batch batch = read_batch(std::cin, STDOUT_FILENO, std::cerr);
    std::size_t reported = 0;
    try {
        const RunSummary summary = run_each_host(
            batch.hosts, options, [&reported](const std::string& host, const Verdict& v) {
                write_result(STDOUT_FILENO, host, v.result, v.message);
                ++reported;
            });
        if (!summary.stopped_by.empty()) {
            std::fprintf(stderr, "each-host: stopped by %s\n", summary.stopped_by.c_str());
            return kExitSomeFailed;
        }
        return summary.failed > 0 || batch.rejected > 0 ? kExitSomeFailed : 0;
    } catch (const std::runtime_error& e) {
        // Nothing could run (no descriptors, no signalfd): every host says why, rather than the
        // daemon's "no result from the batch command".
        if (reported == 0) {
            for (const auto& host : batch.hosts) {
                write_result(STDOUT_FILENO, host, options.status ? Result::Unknown : Result::Failed,
                             "each-host: " + std::string(e.what()));
            }
        }
        std::fprintf(stderr, "each-host: %s\n", e.what());
        return kExitSomeFailed;
    }
}
