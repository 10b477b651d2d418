// impl.h: running an external adapter (spec/protocol.md PROTO-IO-*).
//
// The adapter is started once with /bin/sh -c COMMAND in its own process
// group, stdin and stdout on pipes, stderr inherited. Each exchange writes
// one request line and reads one response line under a deadline, with
// poll(), so that no adapter behaviour can block the checker: an adapter
// that does not read, does not answer, answers too much or dies is reported,
// never waited for beyond the timeout.
#ifndef CK_IMPL_H
#define CK_IMPL_H

#include <stddef.h>

// The line length cap of PROTO-IO-2.
#define CK_MAX_LINE ((size_t)64 << 20)

typedef enum {
	CK_IO_OK = 0,   // a response line was read
	CK_IO_TIMEOUT,  // no complete line within the timeout: the adapter was killed
	CK_IO_EOF,      // the adapter closed its output or exited: it is gone
	CK_IO_TOOLONG,  // a line longer than CK_MAX_LINE: the adapter was killed
	CK_IO_ERROR     // a system call failed: the adapter was killed
} ck_io;

typedef struct ck_impl ck_impl;

// Starts COMMAND. Returns NULL with a message in err when it cannot.
ck_impl *ck_impl_start(const char *command, char *err, size_t errlen);

// Sends req[0 .. req_len-1] followed by '\n' and waits at most timeout
// seconds for one response line. On CK_IO_OK *line points to the line
// (without '\n', NUL-terminated, valid until the next call) and *len is its
// length. Otherwise err says what happened (for CK_IO_EOF including the exit
// status or signal), and every later call fails at once with the same
// status and message.
ck_io ck_impl_exchange(ck_impl *p, const char *req, size_t req_len, double timeout,
                       const char **line, size_t *len, char *err, size_t errlen);

// Closes the adapter's stdin, waits at most timeout seconds for it to exit
// (then kills its process group) and frees p. Writes how it ended into
// err ("" when it exited with status 0) and returns 0 for a clean exit.
int ck_impl_finish(ck_impl *p, double timeout, char *err, size_t errlen);

#endif
