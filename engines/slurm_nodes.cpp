// See slurm_nodes.hpp.
#include "engines/slurm_nodes.hpp"

#include <algorithm>
#include <cctype>

namespace maint::engines {
namespace {

// The value of " KEY=" in a one-line node record, up to the next blank; nullopt when absent.
std::optional<std::string> field(std::string_view line, std::string_view key) {
    const std::string needle = " " + std::string(key) + "=";
    const std::size_t at = line.find(needle);
    if (at == std::string_view::npos)
        return std::nullopt;
    const std::size_t begin = at + needle.size();
    const std::size_t end = line.find(' ', begin);
    return std::string(line.substr(begin, end == std::string_view::npos ? end : end - begin));
}

// The Reason= value without scontrol's " [user@time]": the text up to the first " [...@...]"
// that ends the line or is followed by the optional Comment= or Extra= fields.
std::string reason_of(std::string_view line) {
    const std::size_t at = line.find(" Reason=");
    if (at == std::string_view::npos)
        return {};
    const std::string_view rest = line.substr(at + 8);
    for (std::size_t open = rest.find(" ["); open != std::string_view::npos;
         open = rest.find(" [", open + 1)) {
        const std::size_t close = rest.find(']', open);
        if (close == std::string_view::npos)
            break;
        const std::string_view inside = rest.substr(open + 2, close - open - 2);
        const std::string_view after = rest.substr(close + 1);
        const bool ends =
            after.empty() || after.starts_with(" Comment=") || after.starts_with(" Extra=");
        if (ends && inside.find('@') != std::string_view::npos)
            return std::string(rest.substr(0, open));
    }
    return std::string(rest);
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

}  // namespace

bool SlurmNode::has(std::string_view flag) const {
    return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

bool SlurmNode::drain() const {
    return has("DRAIN") || base == "DRAINED" || base == "DRAINING";
}

NodeAnswer parse_show_node(std::string_view out, std::string_view err) {
    NodeAnswer answer;
    for (const std::string_view text : {out, err}) {
        std::size_t pos = 0;
        while (pos < text.size()) {
            std::size_t end = text.find('\n', pos);
            if (end == std::string_view::npos)
                end = text.size();
            const std::string_view line = text.substr(pos, end - pos);
            pos = end + 1;

            if (line.starts_with("NodeName=")) {
                SlurmNode node;
                const std::size_t name_end = line.find(' ');
                node.name = std::string(line.substr(
                    9, name_end == std::string_view::npos ? std::string_view::npos : name_end - 9));
                // State= comes before Reason= and the free-text fields that may follow it.
                const std::size_t reason_at = line.find(" Reason=");
                const std::string_view head = line.substr(0, reason_at);
                node.state = field(head, "State").value_or("");
                std::string_view s = node.state;
                const std::size_t plus = s.find('+');
                node.base = std::string(s.substr(0, plus));
                // Older releases mark a node that does not respond with '*' on the base state.
                while (!node.base.empty() && node.base.back() == '*') {
                    node.base.pop_back();
                    node.flags.emplace_back("NOT_RESPONDING");
                }
                if (plus != std::string_view::npos) {
                    s.remove_prefix(plus + 1);
                    while (!s.empty()) {
                        const std::size_t next = s.find('+');
                        node.flags.emplace_back(s.substr(0, next));
                        if (next == std::string_view::npos)
                            break;
                        s.remove_prefix(next + 1);
                    }
                }
                node.reason = reason_of(line);
                answer.nodes[node.name] = std::move(node);
                continue;
            }
            // "Node x not found"
            if (line.starts_with("Node ") && line.ends_with(" not found")) {
                const std::string_view name = line.substr(5, line.size() - 5 - 10);
                if (!name.empty() && name.find(' ') == std::string_view::npos)
                    answer.unknown[std::string(name)] = std::string(line);
            }
        }
    }
    return answer;
}

NodeStatus node_status(const SlurmNode& node) {
    const auto with_reason = [&](std::string text) {
        if (!node.reason.empty())
            text += ": " + node.reason;
        return text;
    };
    if (node.drain()) {
        const bool busy = node.base == "ALLOCATED" || node.base == "MIXED" ||
                          node.base == "DRAINING" || node.has("COMPLETING");
        return {Result::Maintenance, with_reason(busy ? "draining" : "drained")};
    }
    if (node.has("MAINT"))
        return {Result::Maintenance, with_reason("in a maintenance reservation, " + node.state)};
    if (node.has("FAIL"))
        return {Result::Unknown, with_reason(node.state)};
    if (node.base == "IDLE" || node.base == "ALLOCATED" || node.base == "MIXED" ||
        node.base == "COMPLETING")
        return {Result::Normal, lower(node.state)};
    return {Result::Unknown, with_reason(node.state.empty() ? "no state" : node.state)};
}

std::string drain_reason(std::string_view window_reason, std::optional<unsigned long> window) {
    std::string reason = clean_message(window_reason);
    if (reason.size() > kMaxReasonBytes) {
        std::size_t cut = kMaxReasonBytes;
        // Not inside a UTF-8 sequence: back up to the byte that starts one.
        while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80)
            --cut;
        reason.resize(cut);
        while (!reason.empty() && reason.back() == ' ')
            reason.pop_back();
    }
    if (reason.empty())
        reason = "maintenance";
    if (window)
        return reason + " (maintenance window " + std::to_string(*window) + ")";
    return reason + " (maintenanced)";
}

bool is_maintenanced_reason(std::string_view reason) {
    if (reason.ends_with("(maintenanced)"))
        return true;
    if (!reason.ends_with(")"))
        return false;
    reason.remove_suffix(1);
    std::size_t digits = 0;
    while (digits < reason.size() && is_digit(reason[reason.size() - 1 - digits]))
        ++digits;
    if (digits == 0)
        return false;
    reason.remove_suffix(digits);
    return reason.ends_with("(maintenance window ");
}

}  // namespace maint::engines
