// SPDX-License-Identifier: GPL-2.0
/* QMP client over json-c (see qmp.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "qmp.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* The next complete JSON object from the socket: 0 or -errno. */
static int qmp_read(struct qmp *q, json_object **obj, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	char c;

	*obj = NULL;
	for (;;) {
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, left) <= 0)
			continue;
		/* byte by byte: replies are small and this keeps framing exact */
		n = read(q->fd, &c, 1);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		*obj = json_tokener_parse_ex(q->tok, &c, 1);
		if (*obj)
			return 0;
		if (json_tokener_get_error(q->tok) != json_tokener_continue) {
			snprintf(q->err, sizeof(q->err), "bad JSON from QEMU: %s",
				 json_tokener_error_desc(json_tokener_get_error(q->tok)));
			json_tokener_reset(q->tok);
			return -EPROTO;
		}
	}
}

static int qmp_send(struct qmp *q, json_object *msg)
{
	const char *s = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(s), off = 0;

	while (off < len) {
		ssize_t n = write(q->fd, s + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += n;
	}
	return write(q->fd, "\n", 1) == 1 ? 0 : -EIO;
}

int qmp_cmd(struct qmp *q, const char *cmd, json_object *args,
	    json_object **ret, int timeout_ms)
{
	json_object *msg = json_object_new_object(), *r, *v;
	int rc;

	if (ret)
		*ret = NULL;
	json_object_object_add(msg, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(msg, "arguments", args);
	rc = qmp_send(q, msg);
	json_object_put(msg);
	if (rc)
		return rc;
	for (;;) {
		rc = qmp_read(q, &r, timeout_ms);
		if (rc)
			return rc;
		if (json_object_object_get_ex(r, "return", &v)) {
			if (ret)
				*ret = json_object_get(v);
			json_object_put(r);
			return 0;
		}
		if (json_object_object_get_ex(r, "error", &v)) {
			json_object *d;

			snprintf(q->err, sizeof(q->err), "%s: %s", cmd,
				 json_object_object_get_ex(v, "desc", &d) ?
				 json_object_get_string(d) : "error");
			json_object_put(r);
			return -EIO;
		}
		json_object_put(r);	/* an event */
	}
}

int qmp_open(struct qmp *q, const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t deadline = now_ms() + timeout_ms;
	json_object *greeting;
	int rc;

	memset(q, 0, sizeof(*q));
	q->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	for (;;) {
		q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (q->fd < 0)
			return -errno;
		if (!connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)))
			break;
		rc = -errno;
		close(q->fd);
		q->fd = -1;
		if (now_ms() > deadline) {
			snprintf(q->err, sizeof(q->err), "connect %s: %s", path,
				 strerror(-rc));
			return rc;
		}
		usleep(100 * 1000);
	}
	q->tok = json_tokener_new();
	if (!q->tok)
		return -ENOMEM;
	rc = qmp_read(q, &greeting, 10000);
	if (rc)
		return rc;
	json_object_put(greeting);
	return qmp_cmd(q, "qmp_capabilities", NULL, NULL, 10000);
}

void qmp_close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	if (q->tok)
		json_tokener_free(q->tok);
	q->fd = -1;
	q->tok = NULL;
}

int qmp_qom_set_u64(struct qmp *q, const char *path, const char *prop,
		    uint64_t val)
{
	json_object *a = json_object_new_object();

	json_object_object_add(a, "path", json_object_new_string(path));
	json_object_object_add(a, "property", json_object_new_string(prop));
	json_object_object_add(a, "value", json_object_new_uint64(val));
	return qmp_cmd(q, "qom-set", a, NULL, 10000);
}

int qmp_qom_get_u64(struct qmp *q, const char *path, const char *prop,
		    uint64_t *val)
{
	json_object *a = json_object_new_object(), *r;
	int rc;

	json_object_object_add(a, "path", json_object_new_string(path));
	json_object_object_add(a, "property", json_object_new_string(prop));
	rc = qmp_cmd(q, "qom-get", a, &r, 10000);
	if (rc)
		return rc;
	*val = json_object_get_uint64(r);
	json_object_put(r);
	return 0;
}
