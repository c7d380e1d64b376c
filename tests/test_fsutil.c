/* fsutil's registry of live temporaries: what fr_temp_remove_all, the call
 * framer's signal handler makes, removes and what it leaves. Real runs
 * ended by signals are test_kill.c's. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "test_util.h"

static char dir[256];

static int setup(void **state)
{
	(void)state;
	return test_tmpdir(dir, sizeof(dir), "/tmp/fr_fsutil_");
}

static int teardown(void **state)
{
	(void)state;
	return test_rmtree(dir);
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* A full registry refuses a temporary (which a signal then leaves behind,
 * as before) and takes one again once a slot is unregistered. */
static void test_fsutil__full_registry_refuses(void **state)
{
	(void)state;
	char paths[256][300];
	size_t taken = 0;
	for (; taken < 256; taken++) {
		snprintf(paths[taken], sizeof(paths[taken]), "%s/.f%zu.tmp-XXXXXX", dir, taken);
		if (fr_temp_register(paths[taken], 0) != 0)
			break;
	}
	assert_true(taken >= 8 && taken < 256);
	assert_int_equal(fr_temp_register(paths[taken], 0), -1);
	fr_temp_unregister(paths[taken / 2]);
	assert_int_equal(fr_temp_register(paths[taken], 0), 0);
	fr_temp_unregister(paths[taken]);
	for (size_t i = 0; i < taken; i++)
		fr_temp_unregister(paths[i]);
}

/* What a signal finds: an uncommitted output's temporary and a bundle's
 * temporary folder (more files than one directory read returns) are
 * removed, then the empty folders made for them; a committed output, an
 * aborted one, an unregistered folder and a name a rename took away
 * before its unregister are not touched. */
static void test_fsutil__remove_all_takes_only_live_temporaries(void **state)
{
	(void)state;
	char done[512], done_tmp[512], live[512], live_tmp[512], aborted[512], aborted_tmp[512];
	snprintf(done, sizeof(done), "%s/done.txt", dir);
	snprintf(live, sizeof(live), "%s/live.txt", dir);
	snprintf(aborted, sizeof(aborted), "%s/aborted.txt", dir);
	FILE *fp = fr_atomic_open(done, done_tmp, sizeof(done_tmp));
	assert_non_null(fp);
	assert_true(fputs("done\n", fp) >= 0);
	assert_int_equal(fr_atomic_commit(fp, done_tmp, done), 0);
	FILE *live_fp = fr_atomic_open(live, live_tmp, sizeof(live_tmp));
	assert_non_null(live_fp);
	fp = fr_atomic_open(aborted, aborted_tmp, sizeof(aborted_tmp));
	assert_non_null(fp);
	fr_atomic_abort(fp, aborted_tmp);

	char bundle[512], kept[512], path[600];
	snprintf(bundle, sizeof(bundle), "%s/.m.tmp-XXXXXX", dir);
	snprintf(kept, sizeof(kept), "%s/.k.tmp-XXXXXX", dir);
	assert_non_null(mkdtemp(bundle));
	assert_non_null(mkdtemp(kept));
	for (int i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "%s/task%03d.liblinear", bundle, i);
		assert_int_equal(test_write_text(path, "weights\n"), 0);
	}
	snprintf(path, sizeof(path), "%s/model.json", kept);
	assert_int_equal(test_write_text(path, "{}\n"), 0);
	assert_int_equal(fr_temp_register(bundle, 1), 0);
	assert_int_equal(fr_temp_register(kept, 1), 0);
	fr_temp_unregister(kept);

	/* fr_atomic_commit's window: renamed, not yet unregistered. */
	char moved[512], moved_tmp[512];
	snprintf(moved, sizeof(moved), "%s/moved.txt", dir);
	snprintf(moved_tmp, sizeof(moved_tmp), "%s/.moved.txt.tmp-XXXXXX", dir);
	assert_int_equal(fr_temp_register(moved_tmp, 0), 0);
	assert_int_equal(test_write_text(moved_tmp, "moved\n"), 0);
	assert_int_equal(rename(moved_tmp, moved), 0);

	/* Folders made for outputs: new/out/x goes whole once its temporary
	 * has; used/x loses x but keeps used, where a file arrived; of
	 * dd/../m, m is reached through "..", so it may be older and stays. */
	char made[512], made_tmp[600], used[512], note[600], dotdot[512], m[512], dd[512];
	snprintf(made, sizeof(made), "%s/new/out/x", dir);
	snprintf(used, sizeof(used), "%s/used/x", dir);
	snprintf(dotdot, sizeof(dotdot), "%s/dd/../m", dir);
	snprintf(dd, sizeof(dd), "%s/dd", dir);
	snprintf(m, sizeof(m), "%s/m", dir);
	assert_int_equal(fr_mkdirs(made), 0);
	assert_int_equal(fr_mkdirs(used), 0);
	assert_int_equal(fr_mkdirs(dotdot), 0);
	snprintf(made_tmp, sizeof(made_tmp), "%s/.labels.jsonl.tmp-1", made);
	snprintf(note, sizeof(note), "%s/used/note.txt", dir);
	assert_int_equal(test_write_text(made_tmp, "{}\n"), 0);
	assert_int_equal(test_write_text(note, "mine\n"), 0);
	assert_int_equal(fr_temp_register_made(made, strlen(dir)), 0);
	assert_int_equal(fr_temp_register(made_tmp, 0), 0);
	assert_int_equal(fr_temp_register_made(used, strlen(dir)), 0);
	assert_int_equal(fr_temp_register_made(dotdot, strlen(dir)), 0);

	fr_temp_remove_all();
	snprintf(path, sizeof(path), "%s/new", dir);
	assert_false(exists(path));
	assert_false(exists(used));
	assert_true(exists(note));
	assert_false(exists(dd));
	assert_true(exists(m));
	snprintf(path, sizeof(path), "%s/model.json", kept);
	assert_false(exists(live_tmp));
	assert_false(exists(live));
	assert_false(exists(bundle));
	assert_true(exists(done));
	assert_false(exists(done_tmp));
	assert_false(exists(aborted));
	assert_true(exists(path));
	assert_true(exists(moved));
	/* Each once: a second call, and the owners' own clean-up after it, do nothing more. */
	fr_temp_remove_all();
	fr_atomic_abort(live_fp, live_tmp);
	fr_temp_unregister(moved_tmp);
	assert_true(exists(done) && exists(path) && exists(moved));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fsutil__full_registry_refuses),
		/* Last: the slots fr_temp_remove_all takes are never reused. */
		cmocka_unit_test(test_fsutil__remove_all_takes_only_live_temporaries),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
