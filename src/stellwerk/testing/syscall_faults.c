/* Preloaded into a node process (LD_PRELOAD) by stellwerk.testing.syscall_faults: slows fsync and fdatasync and
 * shifts the wall clock, as the control file named by STELLWERK_FAULTS_CONTROL says at each call. The file holds
 * two little-endian int64 values: the delay added to each sync and the wall clock's offset, in microseconds. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

struct control {
    volatile int64_t sync_delay_us;
    volatile int64_t clock_offset_us;
};

static struct control *control;
static pthread_once_t mapped = PTHREAD_ONCE_INIT;

static void map_control(void) {
    const char *path = getenv("STELLWERK_FAULTS_CONTROL");
    if (path == NULL) return;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    void *memory = mmap(NULL, sizeof(struct control), PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (memory != MAP_FAILED) control = memory;
}

static struct control *current(void) {
    pthread_once(&mapped, map_control);
    return control;
}

static void delay_sync(void) {
    struct control *c = current();
    int64_t delay = c == NULL ? 0 : c->sync_delay_us;
    if (delay > 0) {
        struct timespec pause = {delay / 1000000, (delay % 1000000) * 1000};
        nanosleep(&pause, NULL);
    }
}

int fsync(int fd) {
    static int (*real)(int);
    if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    delay_sync();
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    delay_sync();
    return real(fd);
}

int clock_gettime(clockid_t clock, struct timespec *time) {
    static int (*real)(clockid_t, struct timespec *);
    if (real == NULL) real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    int result = real(clock, time);
    if (result != 0 || (clock != CLOCK_REALTIME && clock != CLOCK_REALTIME_COARSE)) return result;
    struct control *c = current();
    int64_t offset = c == NULL ? 0 : c->clock_offset_us;
    if (offset != 0) {
        int64_t nanoseconds = time->tv_nsec + (offset % 1000000) * 1000;
        time->tv_sec += offset / 1000000 + nanoseconds / 1000000000;
        nanoseconds %= 1000000000;
        if (nanoseconds < 0) {
            nanoseconds += 1000000000;
            time->tv_sec -= 1;
        }
        time->tv_nsec = nanoseconds;
    }
    return result;
}
