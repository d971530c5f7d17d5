// waitUntil for the tests: poll a condition until it holds or a timeout passes. Everything a test
// waits for (a signal, a property, a process) goes through here, so no test sleeps blindly.
#pragma once

#include <chrono>
#include <thread>

namespace maint::it {

template <class Predicate>
bool wait_until(Predicate&& done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll = std::chrono::milliseconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (done())
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(poll);
    }
}

}  // namespace maint::it
