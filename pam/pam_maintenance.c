// pam_maintenance.so: maintenanced's PAM module for the account phase. While the daemon's runtime
// state file says a maintenance window is in progress, it refuses every user who is not an admin
// (uid 0, or a member of one of the file's ADMIN_GROUPS as NSS says at that moment) and shows them
// the window's login message; without a state file it has no opinion. It is C with no dependency
// beyond libpam and libc because it is loaded into every login process (sshd, login, gdm, cron,
// su...), and it never keeps anyone out because of its own failure: a state file it cannot trust or
// parse is logged and ignored. The file format is described in pam_maintenance.8.scd.
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#define MAINT_EXPORT __attribute__((visibility("default")))

#define DEFAULT_STATE_FILE "/run/maintenanced/active"
// The daemon writes a few hundred bytes; anything past this is not a file it wrote.
#define STATE_FILE_MAX_BYTES (64 * 1024)
#define DEFAULT_LOGIN_MESSAGE "System is under maintenance; only administrators may log in."
// Upper bounds for the NSS buffers and the group list: past them the lookup counts as failed.
#define NSS_BUFFER_MAX (1024 * 1024)
#define GROUP_LIST_MAX 65536

struct options {
    const char* state_file;
    bool debug;
};

// A parsed state file. The strings point into `text` (the file's contents, split and unescaped in
// place), so freeing `text` frees everything.
struct window {
    char* text;
    const char* id;             // WINDOW_ID: decimal digits
    const char* end_usec;       // END_USEC: decimal digits, or NULL; informational only
    const char* admin_groups;   // ADMIN_GROUPS: group names separated by blanks; "" when absent
    bool show_login_message;    // SHOW_LOGIN_MESSAGE; yes when absent
    const char* login_message;  // LOGIN_MESSAGE unescaped; "" when absent
};

enum state_result {
    STATE_ABSENT,    // no state file: no window in progress
    STATE_ACTIVE,    // a well-formed state file: a window is in progress
    STATE_UNUSABLE,  // a state file that cannot be trusted or parsed (already logged)
};

enum lookup_result { LOOKUP_FOUND, LOOKUP_NOT_FOUND, LOOKUP_ERROR };

static void parse_options(pam_handle_t* pamh, int argc, const char** argv, struct options* opts) {
    opts->state_file = DEFAULT_STATE_FILE;
    opts->debug = false;
    for (int i = 0; i < argc; ++i) {
        const char* arg = argv[i];
        if (strcmp(arg, "debug") == 0) {
            opts->debug = true;
        } else if (strncmp(arg, "state=", 6) == 0) {
            if (arg[6] == '/') {
                opts->state_file = arg + 6;
            } else {
                pam_syslog(pamh, LOG_ERR,
                           "option %s: the state file must be an absolute path; using %s", arg,
                           opts->state_file);
            }
        } else {
            pam_syslog(pamh, LOG_ERR, "unknown option %s; ignored", arg);
        }
    }
}

static bool all_digits(const char* s) {
    if (*s == '\0' || strlen(s) > 20)
        return false;
    for (; *s; ++s) {
        if (*s < '0' || *s > '9')
            return false;
    }
    return true;
}

static bool valid_key(const char* s) {
    if (*s == '\0')
        return false;
    for (; *s; ++s) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    }
    return true;
}

// Undoes LOGIN_MESSAGE's escapes (\n and \\) in place. Returns false on any other escape or a
// trailing backslash, with the offending character in *bad ('\0' for a trailing backslash).
static bool unescape(char* s, char* bad) {
    char* out = s;
    for (const char* in = s; *in; ++in) {
        if (*in != '\\') {
            *out++ = *in;
            continue;
        }
        ++in;
        if (*in == 'n') {
            *out++ = '\n';
        } else if (*in == '\\') {
            *out++ = '\\';
        } else {
            *bad = *in;
            return false;
        }
    }
    *out = '\0';
    return true;
}

// Parses the NUL-terminated contents in w->text into *w. On failure returns false with a
// description of what is wrong in `why`.
static bool parse_state(struct window* w, char* why, size_t why_size) {
    bool have_show = false;
    unsigned line_no = 0;
    char* line = w->text;
    while (line) {
        ++line_no;
        char* next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (line[0] == '\0' || line[0] == '#') {
            line = next;
            continue;
        }
        char* eq = strchr(line, '=');
        if (!eq) {
            snprintf(why, why_size, "line %u is not KEY=VALUE", line_no);
            return false;
        }
        *eq = '\0';
        const char* key = line;
        char* value = eq + 1;
        if (!valid_key(key)) {
            snprintf(why, why_size, "line %u: \"%.40s\" is not a key (A-Z, 0-9 and _)", line_no,
                     key);
            return false;
        }
        const char** slot = NULL;
        if (strcmp(key, "WINDOW_ID") == 0) {
            if (!all_digits(value)) {
                snprintf(why, why_size, "line %u: WINDOW_ID is not a number", line_no);
                return false;
            }
            slot = &w->id;
        } else if (strcmp(key, "END_USEC") == 0) {
            if (!all_digits(value)) {
                snprintf(why, why_size, "line %u: END_USEC is not a number", line_no);
                return false;
            }
            slot = &w->end_usec;
        } else if (strcmp(key, "ADMIN_GROUPS") == 0) {
            slot = &w->admin_groups;
        } else if (strcmp(key, "SHOW_LOGIN_MESSAGE") == 0) {
            if (have_show) {
                snprintf(why, why_size, "line %u: SHOW_LOGIN_MESSAGE is given twice", line_no);
                return false;
            }
            if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0) {
                snprintf(why, why_size, "line %u: SHOW_LOGIN_MESSAGE is neither yes nor no",
                         line_no);
                return false;
            }
            have_show = true;
            w->show_login_message = strcmp(value, "yes") == 0;
        } else if (strcmp(key, "LOGIN_MESSAGE") == 0) {
            char bad = '\0';
            if (!unescape(value, &bad)) {
                if (bad == '\0') {
                    snprintf(why, why_size, "line %u: LOGIN_MESSAGE ends in a lone backslash",
                             line_no);
                } else {
                    snprintf(why, why_size, "line %u: LOGIN_MESSAGE has an unknown escape \\%c",
                             line_no, bad);
                }
                return false;
            }
            slot = &w->login_message;
        }
        // Any other key belongs to a newer daemon: ignored, so that the two can be upgraded apart.
        if (slot) {
            if (*slot) {
                snprintf(why, why_size, "line %u: %s is given twice", line_no, key);
                return false;
            }
            *slot = value;
        }
        line = next;
    }
    if (!w->id) {
        snprintf(why, why_size, "it has no WINDOW_ID");
        return false;
    }
    if (!w->admin_groups)
        w->admin_groups = "";
    if (!w->login_message)
        w->login_message = "";
    if (!have_show)
        w->show_login_message = true;
    return true;
}

// Opens the state file's directory and checks it: only root may be able to put a file there.
// Returns the directory's descriptor, -1 when it does not exist (no window), or -2 (logged).
static int open_state_dir(pam_handle_t* pamh, const char* path) {
    const char* slash = strrchr(path, '/');  // the path is absolute: there is one
    char dir[PATH_MAX];
    const size_t dir_len = slash == path ? 1 : (size_t)(slash - path);
    if (dir_len >= sizeof dir) {
        pam_syslog(pamh, LOG_ERR, "the state file path %s is too long; ignoring it", path);
        return -2;
    }
    memcpy(dir, path, dir_len);
    dir[dir_len] = '\0';
    const int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        if (errno == ENOENT)
            return -1;
        pam_syslog(pamh, LOG_ERR, "cannot open the state file %s: %m; ignoring it", path);
        return -2;
    }
    struct stat st;
    const char* distrust = NULL;
    if (fstat(dfd, &st) < 0)
        distrust = "it cannot be examined";
    else if (st.st_uid != 0)
        distrust = "it is not owned by root";
    else if (st.st_mode & (S_IWGRP | S_IWOTH))
        distrust = "it is writable by a group or by everyone";
    if (distrust) {
        pam_syslog(pamh, LOG_ERR,
                   "the directory %s of the state file %s (owner uid %u, mode %04o) is not "
                   "trusted: %s; ignoring the state file",
                   dir, path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), distrust);
        close(dfd);
        return -2;
    }
    return dfd;
}

// Reads and checks the state file. On STATE_ACTIVE the caller frees w->text.
static enum state_result read_state(pam_handle_t* pamh, const char* path, struct window* w) {
    memset(w, 0, sizeof *w);
    const int dfd = open_state_dir(pamh, path);
    if (dfd == -1)
        return STATE_ABSENT;
    if (dfd < 0)
        return STATE_UNUSABLE;
    // Opened in the directory just checked, never through a symbolic link. O_NONBLOCK: a FIFO put
    // there must not hang every login.
    int fd = openat(dfd, strrchr(path, '/') + 1,
                    O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
    const int open_errno = errno;
    close(dfd);
    if (fd < 0) {
        if (open_errno == ENOENT)
            return STATE_ABSENT;
        errno = open_errno;
        if (open_errno == ELOOP) {
            pam_syslog(pamh, LOG_ERR,
                       "the state file %s is not trusted: it is a symbolic link; ignoring it",
                       path);
        } else {
            pam_syslog(pamh, LOG_ERR, "cannot open the state file %s: %m; ignoring it", path);
        }
        return STATE_UNUSABLE;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        pam_syslog(pamh, LOG_ERR, "cannot stat the state file %s: %m; ignoring it", path);
        close(fd);
        return STATE_UNUSABLE;
    }
    // Only what root wrote, and nobody else could have changed, may keep users out.
    const char* distrust = NULL;
    if (!S_ISREG(st.st_mode)) {
        distrust = "it is not a regular file";
    } else if (st.st_uid != 0) {
        distrust = "it is not owned by root";
    } else if (st.st_mode & S_IWOTH) {
        distrust = "it is writable by everyone";
    } else if (st.st_mode & S_IWGRP) {
        distrust = "it is writable by a group";
    } else if (st.st_size > STATE_FILE_MAX_BYTES) {
        distrust = "it is larger than 64 KiB";
    }
    if (distrust) {
        pam_syslog(pamh, LOG_ERR,
                   "the state file %s (owner uid %u, gid %u, mode %04o, %lld bytes) is not "
                   "trusted: %s; ignoring it",
                   path, (unsigned)st.st_uid, (unsigned)st.st_gid, (unsigned)(st.st_mode & 07777),
                   (long long)st.st_size, distrust);
        close(fd);
        return STATE_UNUSABLE;
    }

    // One byte more than the limit, to notice a file that grew after fstat().
    char* text = malloc(STATE_FILE_MAX_BYTES + 2);
    if (!text) {
        pam_syslog(pamh, LOG_ERR, "out of memory reading the state file %s; ignoring it", path);
        close(fd);
        return STATE_UNUSABLE;
    }
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, text + len, STATE_FILE_MAX_BYTES + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            pam_syslog(pamh, LOG_ERR, "cannot read the state file %s: %m; ignoring it", path);
            free(text);
            close(fd);
            return STATE_UNUSABLE;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > STATE_FILE_MAX_BYTES) {
            pam_syslog(pamh, LOG_ERR, "the state file %s is larger than 64 KiB; ignoring it", path);
            free(text);
            close(fd);
            return STATE_UNUSABLE;
        }
    }
    close(fd);
    text[len] = '\0';

    char why[160];
    bool ok;
    if (memchr(text, '\0', len)) {
        snprintf(why, sizeof why, "it contains a NUL byte");
        ok = false;
    } else {
        w->text = text;
        ok = parse_state(w, why, sizeof why);
    }
    if (!ok) {
        pam_syslog(pamh, LOG_ERR, "the state file %s is malformed: %s; ignoring it", path, why);
        free(text);
        memset(w, 0, sizeof *w);
        return STATE_UNUSABLE;
    }
    return STATE_ACTIVE;
}

// The first size to try for a getpwnam_r()/getgrnam_r() buffer; grown on ERANGE.
static long initial_buffer_size(int sysconf_name) {
    long n = sysconf(sysconf_name);
    return (n > 0 && n <= NSS_BUFFER_MAX) ? n : 16384;
}

// Looks a user up through NSS; on LOOKUP_FOUND *pw's strings live in *buf, which the caller frees
// (also on the other results).
static enum lookup_result lookup_user(const char* name, struct passwd* pw, char** buf) {
    size_t size = (size_t)initial_buffer_size(_SC_GETPW_R_SIZE_MAX);
    *buf = NULL;
    for (;;) {
        char* grown = realloc(*buf, size);
        if (!grown) {
            errno = ENOMEM;
            return LOOKUP_ERROR;
        }
        *buf = grown;
        struct passwd* result = NULL;
        int err = getpwnam_r(name, pw, *buf, size, &result);
        if (err == ERANGE && size < NSS_BUFFER_MAX) {
            size *= 2;
            continue;
        }
        if (result)
            return LOOKUP_FOUND;
        // getpwnam_r(3): 0, ENOENT, ESRCH, EBADF or EPERM with no result mean "no such user".
        if (err == 0 || err == ENOENT || err == ESRCH || err == EBADF || err == EPERM)
            return LOOKUP_NOT_FOUND;
        errno = err;
        return LOOKUP_ERROR;
    }
}

// Looks a group's gid up through NSS.
static enum lookup_result lookup_group(const char* name, gid_t* gid) {
    size_t size = (size_t)initial_buffer_size(_SC_GETGR_R_SIZE_MAX);
    char* buf = NULL;
    for (;;) {
        char* grown = realloc(buf, size);
        if (!grown) {
            free(buf);
            errno = ENOMEM;
            return LOOKUP_ERROR;
        }
        buf = grown;
        struct group gr;
        struct group* result = NULL;
        int err = getgrnam_r(name, &gr, buf, size, &result);
        if (err == ERANGE && size < NSS_BUFFER_MAX) {
            size *= 2;
            continue;
        }
        if (result)
            *gid = result->gr_gid;
        free(buf);
        if (result)
            return LOOKUP_FOUND;
        if (err == 0 || err == ENOENT || err == ESRCH || err == EBADF || err == EPERM)
            return LOOKUP_NOT_FOUND;
        errno = err;
        return LOOKUP_ERROR;
    }
}

// The user's groups (primary and supplementary) as NSS knows them now, or NULL (errno set).
static gid_t* user_groups(const struct passwd* pw, int* count) {
    int n = 64;
    gid_t* groups = NULL;
    for (;;) {
        gid_t* grown = realloc(groups, (size_t)n * sizeof *groups);
        if (!grown) {
            free(groups);
            errno = ENOMEM;
            return NULL;
        }
        groups = grown;
        int want = n;
        if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &want) >= 0) {
            *count = want;
            return groups;
        }
        // Too small: `want` now says how many there are.
        if (want <= n || want > GROUP_LIST_MAX) {
            free(groups);
            errno = ERANGE;
            return NULL;
        }
        n = want;
    }
}

// Whether the user is an admin: uid 0, or in one of the window's admin groups. A group named
// there that does not exist (or cannot be looked up) simply makes nobody an admin through it.
static bool is_admin(pam_handle_t* pamh, const struct options* opts, const struct passwd* pw,
                     const struct window* w) {
    if (pw->pw_uid == 0) {
        if (opts->debug)
            pam_syslog(pamh, LOG_DEBUG, "user %s has uid 0: an admin", pw->pw_name);
        return true;
    }
    int count = 0;
    gid_t* groups = user_groups(pw, &count);
    if (!groups) {
        pam_syslog(pamh, LOG_ERR, "cannot list the groups of user %s: %m", pw->pw_name);
        return false;
    }
    bool admin = false;
    char name[NAME_MAX + 1];
    const char* p = w->admin_groups;
    while (!admin && *p) {
        size_t skip = strspn(p, " \t");
        p += skip;
        size_t len = strcspn(p, " \t");
        if (len == 0)
            break;
        if (len >= sizeof name) {
            pam_syslog(pamh, LOG_WARNING, "admin group name %.*s... is too long; skipped", 32, p);
            p += len;
            continue;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        p += len;
        gid_t gid;
        enum lookup_result r = lookup_group(name, &gid);
        if (r == LOOKUP_ERROR) {
            pam_syslog(pamh, LOG_WARNING, "cannot look the admin group %s up: %m; skipped", name);
            continue;
        }
        if (r == LOOKUP_NOT_FOUND) {
            if (opts->debug)
                pam_syslog(pamh, LOG_DEBUG, "admin group %s does not exist", name);
            continue;
        }
        for (int i = 0; i < count; ++i) {
            if (groups[i] == gid) {
                admin = true;
                if (opts->debug)
                    pam_syslog(pamh, LOG_DEBUG, "user %s is an admin: member of group %s",
                               pw->pw_name, name);
                break;
            }
        }
    }
    free(groups);
    return admin;
}

// `s` with nothing a terminal would interpret, into a new string (NULL when out of memory): C0
// controls but LF and TAB, DEL, the C1 controls U+0080..U+009F (U+009B is CSI) and the bidi
// overrides and isolates U+202A..U+202E, U+2066..U+2069 (which reorder what follows) removed;
// bytes that are not UTF-8 become '?'. The same rule as the daemon's printable_text
// (daemon/system/wall.cpp), which this C module cannot link: it depends on libpam and libc only.
static char* printable_copy(const char* s) {
    const size_t len = strlen(s);
    char* out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        const unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f))
                out[o++] = (char)c;
            ++i;
            continue;
        }
        size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
        if (c > 0xF4)
            n = 0;
        unsigned long cp = n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
        for (size_t k = 1; k < n; ++k) {
            const unsigned char b = i + k < len ? (unsigned char)s[i + k] : 0;
            if ((b & 0xC0) != 0x80) {
                n = 0;
                break;
            }
            cp = (cp << 6) | (b & 0x3Fu);
        }
        static const unsigned long min_of[] = {0, 0, 0x80, 0x800, 0x10000};
        if (n == 0 || cp < min_of[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            out[o++] = '?';
            ++i;
            continue;
        }
        const bool c1 = cp >= 0x80 && cp <= 0x9F;
        const bool bidi = (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
        if (!c1 && !bidi) {
            memcpy(out + o, s + i, n);
            o += n;
        }
        i += n;
    }
    out[o] = '\0';
    return out;
}

// Tells a refused user why, unless the window says not to or the application asked for silence.
// A failing conversation (a daemon may have none) changes nothing about the answer.
static void tell_refused(pam_handle_t* pamh, int flags, const struct options* opts,
                         const struct window* w) {
    if (!w->show_login_message || (flags & PAM_SILENT))
        return;
    // The message reaches the user's terminal: nothing in it may be a control sequence.
    char* text = printable_copy(w->login_message[0] ? w->login_message : DEFAULT_LOGIN_MESSAGE);
    int r = text ? pam_error(pamh, "%s", text) : PAM_BUF_ERR;
    free(text);
    if (r != PAM_SUCCESS && opts->debug)
        pam_syslog(pamh, LOG_DEBUG, "could not show the login message: %s", pam_strerror(pamh, r));
}

// The decision, once a window is known to be in progress.
//
// Admins get PAM_IGNORE, not PAM_SUCCESS: this module only ever takes access away. PAM_IGNORE
// leaves the verdict to the rest of the account stack (pam_unix's expiry checks, pam_sss's access
// rules...), so an admin whose account is expired is still refused, and a stack where every other
// module ignores the user still fails closed (libpam turns "nobody said yes" into a refusal).
// PAM_SUCCESS would, under `sufficient` or `[success=done]`, skip those other checks.
//
// A user NSS does not know gets PAM_USER_UNKNOWN: nobody can show that user to be an admin, so the
// login is not let through, and the code says exactly why (a stack may map `user_unknown=` as it
// wishes; under `required` it is a refusal). No login message: there is no such user to tell.
// A user NSS cannot look up (an error, not "no such user") is refused with PAM_PERM_DENIED: while
// a window is in progress, only someone shown to be an admin gets in.
static int decide(pam_handle_t* pamh, int flags, const struct options* opts,
                  const struct window* w) {
    const void* item = NULL;
    if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS || !item || *(const char*)item == '\0') {
        pam_syslog(pamh, LOG_ERR, "no user name to check (maintenance window %s in progress)",
                   w->id);
        return PAM_USER_UNKNOWN;
    }
    const char* user = item;

    struct passwd pw;
    char* buf = NULL;
    enum lookup_result r = lookup_user(user, &pw, &buf);
    if (r == LOOKUP_NOT_FOUND) {
        free(buf);
        pam_syslog(pamh, LOG_NOTICE,
                   "refused unknown user %s: maintenance window %s is in progress", user, w->id);
        return PAM_USER_UNKNOWN;
    }
    if (r == LOOKUP_ERROR) {
        pam_syslog(pamh, LOG_ERR,
                   "refused user %s: maintenance window %s is in progress and the user cannot "
                   "be looked up: %m",
                   user, w->id);
        free(buf);
        tell_refused(pamh, flags, opts, w);
        return PAM_PERM_DENIED;
    }

    int result;
    if (is_admin(pamh, opts, &pw, w)) {
        if (opts->debug)
            pam_syslog(pamh, LOG_DEBUG, "user %s may log in: maintenance window %s, an admin", user,
                       w->id);
        result = PAM_IGNORE;
    } else {
        pam_syslog(pamh, LOG_NOTICE,
                   "refused user %s (uid %u): maintenance window %s is in progress and the user "
                   "is in none of its admin groups (%s)",
                   user, (unsigned)pw.pw_uid, w->id, w->admin_groups);
        tell_refused(pamh, flags, opts, w);
        result = PAM_PERM_DENIED;
    }
    free(buf);
    return result;
}

MAINT_EXPORT int pam_sm_acct_mgmt(pam_handle_t* pamh, int flags, int argc, const char** argv) {
    struct options opts;
    parse_options(pamh, argc, argv, &opts);

    struct window w;
    switch (read_state(pamh, opts.state_file, &w)) {
        case STATE_ABSENT:
            if (opts.debug)
                pam_syslog(pamh, LOG_DEBUG, "no maintenance window in progress (%s is absent)",
                           opts.state_file);
            return PAM_IGNORE;
        case STATE_UNUSABLE:
            return PAM_IGNORE;
        case STATE_ACTIVE:
            break;
    }
    int result = decide(pamh, flags, &opts, &w);
    free(w.text);
    return result;
}
