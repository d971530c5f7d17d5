// See batch_protocol.hpp. (Provisional: replaced by the tested parser of the fleetlogic branch.)
#include "fleet/batch_protocol.hpp"

#include <utility>

namespace maint {

BatchOutputParser::BatchOutputParser(BatchMode mode, LineHandler line, BadHandler bad)
    : mode_(mode), line_(std::move(line)), bad_(std::move(bad)) {}

void BatchOutputParser::feed(std::string_view chunk) {
    while (!chunk.empty()) {
        const auto nl = chunk.find('\n');
        const std::string_view part = chunk.substr(0, nl);
        if (!overlong_) {
            const std::size_t room = kMaxBatchLine - partial_.size();
            partial_.append(part.substr(0, room));
            if (part.size() > room)
                overlong_ = true;
        }
        if (nl == std::string_view::npos)
            return;
        complete_line();
        chunk.remove_prefix(nl + 1);
    }
}

void BatchOutputParser::finish() {
    if (!partial_.empty() || overlong_)
        complete_line();
}

void BatchOutputParser::complete_line() {
    std::string line = std::move(partial_);
    partial_.clear();
    const bool overlong = std::exchange(overlong_, false);
    if (!line.empty() && line.back() == '\r')
        line.pop_back();
    std::string printable;
    for (unsigned char c : line)
        printable += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
    if (overlong) {
        bad_(printable.substr(0, kMaxBatchMessage),
             "line longer than " + std::to_string(kMaxBatchLine) + " bytes");
        return;
    }
    const auto first = printable.find_first_not_of(" \t");
    if (first == std::string::npos)
        return;
    const auto host_end = printable.find_first_of(" \t", first);
    if (host_end == std::string::npos) {
        bad_(printable.substr(0, kMaxBatchMessage), "no result after the host");
        return;
    }
    const auto verb_begin = printable.find_first_not_of(" \t", host_end);
    const auto verb_end = printable.find_first_of(" \t", verb_begin);
    const std::string verb = printable.substr(verb_begin, verb_end - verb_begin);
    BatchLine out;
    out.host = printable.substr(first, host_end - first);
    bool known = true;
    if (mode_ == BatchMode::Flip) {
        if (verb == "ok")
            out.verb = BatchVerb::Ok;
        else if (verb == "failed")
            out.verb = BatchVerb::Failed;
        else
            known = false;
    } else {
        if (verb == "maintenance")
            out.verb = BatchVerb::Maintenance;
        else if (verb == "normal")
            out.verb = BatchVerb::Normal;
        else if (verb == "unknown")
            out.verb = BatchVerb::Unknown;
        else
            known = false;
    }
    if (!known) {
        bad_(printable.substr(0, kMaxBatchMessage), "unknown result '" + verb + "'");
        return;
    }
    if (verb_end != std::string::npos) {
        const auto msg = printable.find_first_not_of(" \t", verb_end);
        if (msg != std::string::npos)
            out.message = printable.substr(msg, kMaxBatchMessage);
    }
    line_(std::move(out));
}

}  // namespace maint
