// See slurm_hostlist.hpp.
#include "engines/slurm_hostlist.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

namespace maint::engines {
namespace {

// Trailing numbers longer than this stay literal: Slurm reads them into an unsigned long, and
// 18 digits always fit.
constexpr std::size_t kMaxNumberDigits = 18;

// A run of names "prefix" + N for consecutive N, each N written with at least `width` digits
// (Slurm takes a range's width from its first bound), or one literal name (prefix only, no
// number: `literal`).
struct Atom {
    std::string prefix;
    bool literal = false;
    unsigned long long low = 0;
    unsigned long long high = 0;
    std::size_t width = 0;
    std::vector<std::string> names;  // as given, in range order
};

std::string padded(unsigned long long n, std::size_t width) {
    std::string s = std::to_string(n);
    if (s.size() < width)
        s.insert(0, width - s.size(), '0');
    return s;
}

// "08-10" or "7": the atom's part inside a bracket.
std::string range_text(const Atom& a) {
    if (a.low == a.high)
        return padded(a.low, a.width);
    return padded(a.low, a.width) + "-" + padded(a.high, a.width);
}

std::vector<Atom> fold_into_atoms(const std::vector<std::string>& hosts) {
    // prefix → (number, digits as written); the set orders each prefix's numbers ascending.
    std::map<std::string, std::set<std::pair<unsigned long long, std::string>>> numbered;
    std::set<std::string> literals;
    for (const auto& name : hosts) {
        std::size_t digits_at = name.size();
        while (digits_at > 0 && name[digits_at - 1] >= '0' && name[digits_at - 1] <= '9')
            --digits_at;
        const std::size_t digits = name.size() - digits_at;
        if (digits == 0 || digits_at == 0 || digits > kMaxNumberDigits) {
            literals.insert(name);
            continue;
        }
        const std::string number = name.substr(digits_at);
        numbered[name.substr(0, digits_at)].emplace(std::stoull(number), number);
    }

    std::vector<Atom> atoms;
    for (auto& [prefix, numbers] : numbered) {
        while (!numbers.empty()) {
            auto first = numbers.begin();
            Atom atom;
            atom.prefix = prefix;
            atom.low = atom.high = first->first;
            atom.width = first->second.size();
            atom.names.push_back(prefix + first->second);
            numbers.erase(first);
            // Greedy: the next number joins when Slurm would write it the same way in this range
            // ("10" after "08" at width 2 does; "010" after "9" at width 1 does not).
            while (atom.high - atom.low + 1 < kMaxSlurmRange) {
                const unsigned long long next = atom.high + 1;
                auto it = numbers.find({next, padded(next, atom.width)});
                if (it == numbers.end())
                    break;
                atom.names.push_back(prefix + it->second);
                atom.high = next;
                numbers.erase(it);
            }
            atoms.push_back(std::move(atom));
        }
    }
    for (const auto& name : literals) {
        Atom atom;
        atom.prefix = name;
        atom.literal = true;
        atom.names.push_back(name);
        atoms.push_back(std::move(atom));
    }
    return atoms;
}

// Renders atoms [begin, end): consecutive atoms of one prefix share a bracket.
std::string render(std::vector<Atom>::const_iterator begin, std::vector<Atom>::const_iterator end) {
    std::string out;
    for (auto it = begin; it != end;) {
        auto group_end = it + 1;
        if (!it->literal) {
            while (group_end != end && !group_end->literal && group_end->prefix == it->prefix)
                ++group_end;
        }
        if (!out.empty())
            out += ',';
        out += it->prefix;
        if (!it->literal) {
            const bool bare = group_end == it + 1 && it->low == it->high;
            if (bare) {
                out += padded(it->low, it->width);
            } else {
                out += '[';
                for (auto a = it; a != group_end; ++a) {
                    if (a != it)
                        out += ',';
                    out += range_text(*a);
                }
                out += ']';
            }
        }
        it = group_end;
    }
    return out;
}

}  // namespace

std::string fold_slurm_hostlist(const std::vector<std::string>& hosts) {
    const auto atoms = fold_into_atoms(hosts);
    return render(atoms.begin(), atoms.end());
}

std::vector<HostlistChunk> split_slurm_hostlist(const std::vector<std::string>& hosts,
                                                std::size_t max_bytes) {
    const auto atoms = fold_into_atoms(hosts);
    std::vector<HostlistChunk> chunks;
    auto close = [&](std::vector<Atom>::const_iterator begin,
                     std::vector<Atom>::const_iterator end) {
        HostlistChunk chunk{render(begin, end), {}};
        for (auto a = begin; a != end; ++a)
            chunk.hosts.insert(chunk.hosts.end(), a->names.begin(), a->names.end());
        chunks.push_back(std::move(chunk));
    };
    // The length of an atom that starts a new entry: "prefix", "prefixN" or "prefix[R]".
    auto entry_size = [](const Atom& a) {
        if (a.literal)
            return a.prefix.size();
        return a.prefix.size() + range_text(a).size() + (a.low == a.high ? 0 : 2);
    };

    auto begin = atoms.cbegin();
    std::size_t size = 0;          // the length render(begin, it) has
    bool open_group_bare = false;  // the last entry is a bare "prefixN" (no bracket yet)
    for (auto it = atoms.cbegin(); it != atoms.cend(); ++it) {
        // What this atom adds to the text: a range in the bracket of the entry before (of the
        // same prefix), or a new entry after a comma.
        const bool joins =
            it != begin && !it->literal && !(it - 1)->literal && (it - 1)->prefix == it->prefix;
        const std::size_t delta = joins ? 1 + range_text(*it).size() + (open_group_bare ? 2 : 0)
                                        : (it == begin ? 0 : 1) + entry_size(*it);
        if (it != begin && size + delta > max_bytes) {
            close(begin, it);
            begin = it;
            size = entry_size(*it);
            open_group_bare = !it->literal && it->low == it->high;
            continue;
        }
        size += delta;
        open_group_bare = !joins && !it->literal && it->low == it->high;
    }
    if (begin != atoms.cend())
        close(begin, atoms.cend());
    return chunks;
}

}  // namespace maint::engines
