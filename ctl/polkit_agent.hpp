// A text-mode polkit authentication agent for the duration of one command, as systemctl and
// timedatectl run one: without an agent, the allow-interactive-authorization flag has nobody to
// ask for the password on a console or over ssh, where no desktop agent is running.
#pragma once

#include <sys/types.h>

namespace maint::ctl {

class TtyAuthAgent {
  public:
    // Starts pkttyagent --fallback (it steps aside when the session already has an agent) and
    // waits until it is registered. Does nothing when pkttyagent is not installed or fails.
    TtyAuthAgent();
    // Stops the agent.
    ~TtyAuthAgent();
    TtyAuthAgent(const TtyAuthAgent&) = delete;
    TtyAuthAgent& operator=(const TtyAuthAgent&) = delete;

  private:
    pid_t pid_ = -1;
};

}  // namespace maint::ctl
