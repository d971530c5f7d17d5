// See host_command.hpp.
#include "engines/host_command.hpp"

#include <cstring>

namespace maint::engines {

std::vector<std::string> expand_host_command(const std::vector<std::string>& command,
                                             std::string_view host) {
    std::vector<std::string> words;
    words.reserve(command.size());
    for (const auto& word : command) {
        std::string out;
        for (std::size_t i = 0; i < word.size(); ++i) {
            if (word[i] == '%' && i + 1 < word.size() && word[i + 1] == 'h') {
                out += host;
                ++i;
            } else if (word[i] == '%' && i + 1 < word.size() && word[i + 1] == '%') {
                out += '%';
                ++i;
            } else {
                out += word[i];
            }
        }
        words.push_back(std::move(out));
    }
    return words;
}

Verdict judge(const HostEnd& end, bool status) {
    const Result bad = status ? Result::Unknown : Result::Failed;
    if (!end.started)
        return {bad, end.error};

    const std::string line = first_line(end.output);
    const auto with_line = [&](std::string what) {
        if (!end.stopped_by.empty())
            what = "stopped (each-host got " + end.stopped_by + "): " + what;
        if (!line.empty())
            what += ": " + line;
        return what;
    };
    if (end.timed_out)
        return {bad, with_line("timed out after " + format_timespan(end.timeout))};
    if (end.signal != 0) {
        return {bad, with_line("killed by signal " + std::to_string(end.signal) + " (" +
                               ::strsignal(end.signal) + ")")};
    }
    if (status) {
        if (end.exit_status == 0)
            return {Result::Maintenance, line};
        if (end.exit_status >= 1 && end.exit_status <= 3)
            return {Result::Normal, line};
        return {Result::Unknown, with_line("exit status " + std::to_string(end.exit_status))};
    }
    if (end.exit_status == 0)
        return {Result::Ok, line};
    return {Result::Failed, with_line("exit status " + std::to_string(end.exit_status))};
}

}  // namespace maint::engines
