// maint_bench_batch_standin MS: the batch command of maint_bench_fleet's group. It reads its
// batch (host names, one a line) from standard input to the end, sleeps MS milliseconds, then
// answers "HOST ok" for every non-empty line in one write, as a batch helper that flips a batch
// in one engine call would. Only libc and nothing at start-up beyond the dynamic loader, so that
// what it costs to start is the process alone: the bench measures it (MS 0, empty input) in the
// same run and adds one start to the ideal.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

namespace {

bool write_all(const char* data, size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(STDOUT_FILENO, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2)
        return 2;
    const long ms = ::strtol(argv[1], nullptr, 10);

    size_t size = 0, capacity = 1 << 16;
    char* input = static_cast<char*>(::malloc(capacity));
    if (!input)
        return 3;
    for (;;) {
        if (size == capacity) {
            capacity *= 2;
            char* grown = static_cast<char*>(::realloc(input, capacity));
            if (!grown)
                return 3;
            input = grown;
        }
        const ssize_t n = ::read(STDIN_FILENO, input + size, capacity - size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size += static_cast<size_t>(n);
    }

    timespec left{static_cast<time_t>(ms / 1000), (ms % 1000) * 1'000'000L};
    while (ms > 0 && ::nanosleep(&left, &left) != 0 && errno == EINTR) {
    }

    // Every line "HOST" becomes "HOST ok": at most 3 more bytes a line.
    char* out = static_cast<char*>(::malloc(size * 4 + 1));
    if (!out)
        return 3;
    size_t used = 0;
    for (size_t from = 0; from < size;) {
        const char* nl = static_cast<const char*>(::memchr(input + from, '\n', size - from));
        const size_t end = nl ? static_cast<size_t>(nl - input) : size;
        if (end > from) {
            ::memcpy(out + used, input + from, end - from);
            used += end - from;
            ::memcpy(out + used, " ok\n", 4);
            used += 4;
        }
        from = end + 1;
    }
    return write_all(out, used) ? 0 : 1;
}
