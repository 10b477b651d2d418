// impl.c: the external adapter process (spec/protocol.md PROTO-IO-1..4).
#define _POSIX_C_SOURCE 200809L
#include "impl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct ck_impl {
	pid_t pid;
	int to_fd, from_fd;     // the adapter's stdin (we write) and stdout (we read)
	char *buf;              // bytes read and not yet consumed: buf[start .. end)
	size_t start, end, cap;
	int reaped, status;     // waitpid result once the adapter is gone
	ck_io dead;             // CK_IO_OK while the adapter is usable
	char deadmsg[600];
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void set_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl != -1)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
}

ck_impl *ck_impl_start(const char *command, char *err, size_t errlen)
{
	int in[2], out[2];
	ck_impl *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (pipe(in) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		free(p);
		return NULL;
	}
	if (pipe(out) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		close(in[0]);
		close(in[1]);
		free(p);
		return NULL;
	}
	fflush(NULL);
	p->pid = fork();
	if (p->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		free(p);
		return NULL;
	}
	if (p->pid == 0) {
		// The child: its own process group, so that a timeout kills every
		// process the command started; SIGPIPE back to its default.
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	setpgid(p->pid, p->pid); // Also here, against the race with the child.
	close(in[0]);
	close(out[1]);
	p->to_fd = in[1];
	p->from_fd = out[0];
	set_flags(p->to_fd);
	set_flags(p->from_fd);
	return p;
}

static void describe(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "ended with wait status %d", status);
}

// Waits until `deadline` for the adapter to exit; then kills its group.
// Returns 1 when it exited by itself.
static int reap(ck_impl *p, double deadline)
{
	if (p->reaped)
		return 1;
	for (;;) {
		pid_t r = waitpid(p->pid, &p->status, WNOHANG);
		if (r == p->pid) {
			p->reaped = 1;
			return 1;
		}
		if (r < 0 && errno != EINTR) {
			p->reaped = 1;
			p->status = 0;
			return 1;
		}
		if (now() >= deadline)
			break;
		struct timespec ts = { 0, 5000000 };
		nanosleep(&ts, NULL);
	}
	kill(-p->pid, SIGKILL);
	kill(p->pid, SIGKILL);
	while (waitpid(p->pid, &p->status, 0) < 0 && errno == EINTR)
		;
	p->reaped = 1;
	return 0;
}

static void close_fds(ck_impl *p)
{
	if (p->to_fd >= 0)
		close(p->to_fd);
	if (p->from_fd >= 0)
		close(p->from_fd);
	p->to_fd = p->from_fd = -1;
}

// Marks the adapter gone with status s and a message; kills it if needed.
static ck_io die(ck_impl *p, ck_io s, const char *msg, char *err, size_t errlen)
{
	char how[200] = "";
	close_fds(p);
	if (s == CK_IO_EOF) {
		// It closed its output: give it a moment to exit and say how it ended.
		if (reap(p, now() + 2.0)) {
			describe(p->status, how, sizeof how);
		} else {
			snprintf(how, sizeof how, "was still running and has been killed");
		}
	} else {
		kill(-p->pid, SIGKILL);
		kill(p->pid, SIGKILL);
		reap(p, now());
		snprintf(how, sizeof how, "has been killed");
	}
	snprintf(p->deadmsg, sizeof p->deadmsg, "%s; the adapter %s", msg, how);
	p->dead = s;
	snprintf(err, errlen, "%s", p->deadmsg);
	return s;
}

ck_io ck_impl_exchange(ck_impl *p, const char *req, size_t req_len, double timeout,
                       const char **line, size_t *len, char *err, size_t errlen)
{
	double deadline = now() + timeout;
	size_t off = 0, scan;
	int writing = 1;
	char msg[300];
	if (p->dead != CK_IO_OK) {
		snprintf(err, errlen, "adapter unusable since an earlier case: %s", p->deadmsg);
		return p->dead;
	}
	// Drop the previous line; keep what the adapter sent after it.
	if (p->start > 0) {
		memmove(p->buf, p->buf + p->start, p->end - p->start);
		p->end -= p->start;
		p->start = 0;
	}
	scan = 0;
	for (;;) {
		char *nl = p->end > scan ? memchr(p->buf + scan, '\n', p->end - scan) : NULL;
		struct pollfd fds[2];
		nfds_t nf = 0;
		int ms, pr;
		double left;
		if (nl && !writing) {
			*nl = '\0';
			*line = p->buf;
			*len = (size_t)(nl - p->buf);
			p->start = *len + 1;
			return CK_IO_OK;
		}
		if (!nl && p->end > CK_MAX_LINE) {
			snprintf(msg, sizeof msg, "response line longer than %zu bytes (PROTO-IO-2)", CK_MAX_LINE);
			return die(p, CK_IO_TOOLONG, msg, err, errlen);
		}
		if (!nl)
			scan = p->end;
		left = deadline - now();
		if (left <= 0) {
			snprintf(msg, sizeof msg, "no response within the timeout of %g s", timeout);
			return die(p, CK_IO_TIMEOUT, msg, err, errlen);
		}
		ms = left > 1e6 ? 1000000000 : (int)(left * 1000.0) + 1;
		fds[nf].fd = p->from_fd;
		fds[nf].events = POLLIN;
		fds[nf++].revents = 0;
		if (writing) {
			fds[nf].fd = p->to_fd;
			fds[nf].events = POLLOUT;
			fds[nf++].revents = 0;
		}
		pr = poll(fds, nf, ms);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			snprintf(msg, sizeof msg, "poll: %s", strerror(errno));
			return die(p, CK_IO_ERROR, msg, err, errlen);
		}
		if (writing && nf == 2 && fds[1].revents) {
			ssize_t w;
			if (off < req_len)
				w = write(p->to_fd, req + off, req_len - off);
			else
				w = write(p->to_fd, "\n", 1);
			if (w > 0) {
				off += (size_t)w;
				if (off == req_len + 1)
					writing = 0;
			} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
				// EPIPE: it closed its input. Read on: it may still answer or exit.
				writing = 0;
			}
		}
		if (fds[0].revents) {
			ssize_t got;
			if (p->cap - p->end < 65536) {
				size_t ncap = p->cap ? 2 * p->cap : 1 << 16;
				char *nb;
				nb = realloc(p->buf, ncap + 1);
				if (!nb)
					return die(p, CK_IO_ERROR, "out of memory reading the response", err, errlen);
				p->buf = nb;
				p->cap = ncap;
			}
			got = read(p->from_fd, p->buf + p->end, p->cap - p->end);
			if (got > 0) {
				p->end += (size_t)got;
			} else if (got == 0) {
				if (p->end > 0) {
					char ex[120];
					size_t k = 0;
					for (size_t i = 0; i < p->end && i < 60 && k + 5 < sizeof ex; i++) {
						unsigned char ch = (unsigned char)p->buf[i];
						k += (size_t)snprintf(ex + k, sizeof ex - k, ch >= 32 && ch < 127 ? "%c" : "\\x%02x", ch);
					}
					snprintf(msg, sizeof msg, "the adapter closed its output after an unterminated line \"%s\"", ex);
				} else {
					snprintf(msg, sizeof msg, "the adapter closed its output without answering");
				}
				return die(p, CK_IO_EOF, msg, err, errlen);
			} else if (errno != EAGAIN && errno != EINTR) {
				snprintf(msg, sizeof msg, "read: %s", strerror(errno));
				return die(p, CK_IO_ERROR, msg, err, errlen);
			}
		}
	}
}

int ck_impl_finish(ck_impl *p, double timeout, char *err, size_t errlen)
{
	int clean;
	if (errlen > 0)
		err[0] = '\0';
	close_fds(p);
	if (!p->reaped) {
		if (!reap(p, now() + timeout)) {
			snprintf(err, errlen, "the adapter did not exit within %g s after its input was closed "
			         "and has been killed", timeout);
			free(p->buf);
			free(p);
			return -1;
		}
	}
	clean = WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0;
	if (!clean && p->dead == CK_IO_OK) {
		char how[200];
		describe(p->status, how, sizeof how);
		snprintf(err, errlen, "the adapter %s", how);
	}
	free(p->buf);
	free(p);
	return clean ? 0 : -1;
}
