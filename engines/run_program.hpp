// Runs a program to its end and hands back what it wrote: the Slurm helper's calls of scontrol.
// No shell, no timeout of its own: the daemon's TimeoutSec= covers the whole batch, and its kill
// of the helper's process group reaches these children too, since they stay in that group.
#pragma once

#include <string>
#include <vector>

namespace maint::engines {

struct ProgramResult {
    bool started = false;
    int exit_status = -1;  // when it exited
    int signal = 0;        // when a signal ended it
    std::string out;       // standard output
    std::string err;       // standard error
    std::string error;     // why it did not start

    bool ok() const { return started && signal == 0 && exit_status == 0; }
    // What went wrong, for a result line: the program's first line of standard error (or of
    // standard output), else "exit status N", "killed by signal N (Name)" or why it did not
    // start.
    std::string problem() const;
};

// argv[0] is a path or a name looked up in PATH. Standard input is /dev/null. Output of any
// size is read while the program runs (scontrol's answer for 10,000 nodes is megabytes).
ProgramResult run_program(const std::vector<std::string>& argv);

}  // namespace maint::engines
