/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal QMP client (QEMU Machine Protocol over a unix socket), with
 * json-c doing all the JSON: connect, negotiate capabilities, run one
 * command at a time. Asynchronous events are read and dropped.
 */
#ifndef MHP_QMP_H
#define MHP_QMP_H

#include <stdint.h>
#include <json-c/json.h>

struct qmp {
	int fd;
	struct json_tokener *tok;
	char err[200];		/* the last error, for messages */
};

/* Connect to a QMP unix socket, retrying up to timeout_ms: 0 or -errno. */
int qmp_open(struct qmp *q, const char *path, int timeout_ms);
void qmp_close(struct qmp *q);
/*
 * Run cmd with args (consumed; may be NULL). On success *ret (if not NULL)
 * holds the "return" value (caller puts it). 0, -EIO on a QMP "error"
 * reply (q->err says which), or -errno.
 */
int qmp_cmd(struct qmp *q, const char *cmd, json_object *args,
	    json_object **ret, int timeout_ms);
int qmp_qom_set_u64(struct qmp *q, const char *path, const char *prop,
		    uint64_t val);
int qmp_qom_get_u64(struct qmp *q, const char *path, const char *prop,
		    uint64_t *val);

#endif
