// See batch_io.hpp.
#include "engines/batch_io.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <istream>
#include <ostream>
#include <unordered_set>

#include "common/text.hpp"

namespace maint::engines {
namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back()))
        s.remove_suffix(1);
    return s;
}

}  // namespace

std::string_view result_word(Result r) {
    switch (r) {
        case Result::Ok:
            return "ok";
        case Result::Failed:
            return "failed";
        case Result::Maintenance:
            return "maintenance";
        case Result::Normal:
            return "normal";
        case Result::Unknown:
            return "unknown";
    }
    return "unknown";
}

Batch read_batch(std::istream& in, int out_fd, std::ostream& err) {
    Batch batch;
    std::unordered_set<std::string> seen;
    std::string line;
    while (std::getline(in, line)) {
        const std::string_view name = trim(line);
        if (name.empty())
            continue;
        if (const auto problem = host_name_problem(name)) {
            ++batch.rejected;
            bool one_word = true;
            for (const char c : name) {
                const auto u = static_cast<unsigned char>(c);
                if (u <= 0x20 || u == 0x7f)
                    one_word = false;
            }
            if (one_word)
                write_result(out_fd, name, Result::Failed, "not a host name: it " + *problem);
            else
                err << "ignored a line of standard input that is not a host name: \""
                    << clean_message(name) << "\" " << *problem << "\n";
            continue;
        }
        if (seen.insert(std::string(name)).second)
            batch.hosts.emplace_back(name);
    }
    return batch;
}

std::string clean_message(std::string_view text) {
    std::string out;
    out.reserve(std::min(text.size(), kMaxResultMessage));
    bool pending_space = false;
    for (std::size_t i = 0; i < text.size();) {
        const auto u = static_cast<unsigned char>(text[i]);
        if (u < 0x20 || u == 0x7f || u == ' ') {
            pending_space = !out.empty();
            ++i;
            continue;
        }
        // A whole UTF-8 sequence, or one byte that is not part of one (dropped: the daemon keeps
        // printable text only).
        std::size_t length = u < 0x80 ? 1 : utf8_sequence_length(text, i);
        if (length == 0) {
            ++i;
            continue;
        }
        if (out.size() + (pending_space ? 1 : 0) + length > kMaxResultMessage - 3) {
            out += "...";
            return out;
        }
        if (pending_space)
            out += ' ';
        pending_space = false;
        out.append(text.substr(i, length));
        i += length;
    }
    return out;
}

std::string result_line(std::string_view host, Result result, std::string_view message) {
    std::string line(host);
    line += ' ';
    line += result_word(result);
    const std::string cleaned = clean_message(message);
    if (!cleaned.empty()) {
        line += ' ';
        line += cleaned;
    }
    line += '\n';
    return line;
}

void write_result(int fd, std::string_view host, Result result, std::string_view message) {
    write_all(fd, result_line(host, result, message));
}

void write_all(int fd, std::string_view line) {
    std::size_t done = 0;
    while (done < line.size()) {
        const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return;  // EPIPE and the like: see the header
        }
        done += static_cast<std::size_t>(n);
    }
}

std::string first_line(std::string_view text) {
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        const std::string_view line = trim(text.substr(0, end));
        if (!line.empty())
            return std::string(line);
        if (end == std::string_view::npos)
            break;
        text.remove_prefix(end + 1);
    }
    return {};
}

}  // namespace maint::engines
