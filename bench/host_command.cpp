// maint_bench_host_command COUNTER_FILE MS [HOST]: the EnterCommand of maint_bench_hosts' hosts.
// It counts itself in COUNTER_FILE (a small file the bench maps too: running, most running at
// once, started, finished), sleeps MS milliseconds and exits 0. The count is taken by the
// commands themselves, so the "most at once" the bench reports does not depend on sampling.
// Only libc, and nothing at start-up beyond the dynamic loader: its own cost stays small next
// to the sleep (compare with /bin/sleep in the bench's output).
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

namespace {

// The layout maint_bench_hosts maps (hosts.cpp, HostCounter).
struct Counter {
    int running;
    int most_running;
    int started;
    int finished;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3)
        return 2;
    const int fd = ::open(argv[1], O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return 3;
    void* map = ::mmap(nullptr, sizeof(Counter), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED)
        return 4;
    auto* counter = static_cast<Counter*>(map);
    __atomic_add_fetch(&counter->started, 1, __ATOMIC_SEQ_CST);
    const int now = __atomic_add_fetch(&counter->running, 1, __ATOMIC_SEQ_CST);
    int most = __atomic_load_n(&counter->most_running, __ATOMIC_SEQ_CST);
    while (now > most && !__atomic_compare_exchange_n(&counter->most_running, &most, now, false,
                                                      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
    }
    const long ms = ::strtol(argv[2], nullptr, 10);
    timespec left{static_cast<time_t>(ms / 1000), (ms % 1000) * 1'000'000L};
    while (::nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
    __atomic_sub_fetch(&counter->running, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&counter->finished, 1, __ATOMIC_SEQ_CST);
    return 0;
}
