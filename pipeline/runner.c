#include "runner.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Paragraphs per batch: large enough that handing batches between threads
 * costs nothing next to labeling them, small enough to keep memory flat. */
#define BATCH_PARAGRAPHS 256

typedef struct {
	char *arena;                 /* ids, docs and texts of the batch */
	size_t arena_len, arena_cap;
	size_t n;
	size_t id_off[BATCH_PARAGRAPHS], doc_off[BATCH_PARAGRAPHS], text_off[BATCH_PARAGRAPHS];
	int doc_known[BATCH_PARAGRAPHS];
	const char *file[BATCH_PARAGRAPHS]; /* the corpus's own, not copied */
	size_t text_len[BATCH_PARAGRAPHS], para[BATCH_PARAGRAPHS], line[BATCH_PARAGRAPHS];
	fr_task_result *results;     /* [paragraph * n_tasks + task] */
	fr_labels_chunk *records;    /* the labeled paragraphs' output records */
	fr_text_stats stats[BATCH_PARAGRAPHS];
	int failed[BATCH_PARAGRAPHS];
	fr_error errors[BATCH_PARAGRAPHS];
	/* Problems met while reading, each reported just before the paragraph
	 * it preceded, so reports come in input order whatever the threads. */
	struct { size_t before; fr_error error; } *problems;
	size_t n_problems, cap_problems;
	int fatal;                   /* labeling or its records ran out of memory: the run stops */
	int state;                   /* FREE, QUEUED, DONE */
} batch_t;

enum { FREE = 0, QUEUED, DONE };

typedef struct {
	const fr_model *m;
	size_t n_tasks;
	batch_t *slots;
	size_t n_slots;
	size_t next_to_label;        /* number of the next batch a worker takes */
	size_t queued;               /* batches queued so far */
	int stop;
	pthread_mutex_t lock;
	pthread_cond_t work_ready, batch_done;
	fr_model_work **works;
} runner_t;

static int arena_add(batch_t *b, const char *s, size_t len, size_t *off_out)
{
	if (b->arena_len + len + 1 > b->arena_cap) {
		size_t cap = b->arena_cap ? b->arena_cap : 1 << 16;
		while (cap < b->arena_len + len + 1)
			cap *= 2;
		char *p = realloc(b->arena, cap);
		if (p == NULL)
			return FR_ENOMEM;
		b->arena = p;
		b->arena_cap = cap;
	}
	memcpy(b->arena + b->arena_len, s, len);
	b->arena[b->arena_len + len] = '\0';
	*off_out = b->arena_len;
	b->arena_len += len + 1;
	return 0;
}

static fr_paragraph batch_paragraph(const batch_t *b, size_t i)
{
	fr_paragraph p = {
		b->arena + b->id_off[i], b->arena + b->doc_off[i], b->para[i],
		b->arena + b->text_off[i], b->text_len[i], b->line[i], b->doc_known[i], b->file[i]
	};
	return p;
}

/* Labels a batch and builds its output records: on a worker, so that both
 * run on every core. */
static void label_batch(const runner_t *r, fr_model_work *w, batch_t *b)
{
	b->fatal = 0;
	fr_labels_chunk_clear(b->records);
	for (size_t i = 0; i < b->n; i++) {
		fr_error_clear(&b->errors[i]);
		const fr_paragraph p = batch_paragraph(b, i);
		fr_task_result *res = b->results + i * r->n_tasks;
		int rc = fr_model_label(r->m, w, p.text, p.text_len, res, &b->stats[i], &b->errors[i]);
		b->failed[i] = rc < 0;
		if (rc == 0)
			rc = fr_labels_chunk_add(b->records, &p, res);
		/* A paragraph too large to label is its own problem; running out of
		 * memory is everyone's, and stops the run. */
		if (rc == FR_ENOMEM && !b->fatal)
			b->fatal = rc;
	}
}

static void *worker(void *arg)
{
	runner_t *r = ((void **)arg)[0];
	fr_model_work *w = ((void **)arg)[1];
	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->stop && r->next_to_label == r->queued)
			pthread_cond_wait(&r->work_ready, &r->lock);
		if (r->next_to_label == r->queued && r->stop)
			break;
		batch_t *b = &r->slots[r->next_to_label++ % r->n_slots];
		pthread_mutex_unlock(&r->lock);
		label_batch(r, w, b);
		pthread_mutex_lock(&r->lock);
		b->state = DONE;
		pthread_cond_broadcast(&r->batch_done);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

int fr_run_tally_init(fr_run_tally *t, const fr_model *m)
{
	memset(t, 0, sizeof(*t));
	t->n_tasks = fr_model_task_count(m);
	t->label_counts = calloc(t->n_tasks ? t->n_tasks : 1, sizeof(*t->label_counts));
	t->confidence_sum = calloc(t->n_tasks ? t->n_tasks : 1, sizeof(*t->confidence_sum));
	if (t->label_counts == NULL || t->confidence_sum == NULL)
		return FR_ENOMEM;
	for (size_t k = 0; k < t->n_tasks; k++)
		if ((t->label_counts[k] = calloc(fr_model_label_count(m, k), sizeof(size_t))) == NULL)
			return FR_ENOMEM;
	return 0;
}

void fr_run_tally_dispose(fr_run_tally *t)
{
	if (t == NULL)
		return;
	for (size_t k = 0; t->label_counts && k < t->n_tasks; k++)
		free(t->label_counts[k]);
	free(t->label_counts);
	free(t->confidence_sum);
	memset(t, 0, sizeof(*t));
}

static void report_read_problems(const batch_t *b, size_t *next, size_t before, const fr_run_options *o)
{
	for (; *next < b->n_problems && b->problems[*next].before == before; (*next)++)
		if (o->on_problem)
			o->on_problem(o->payload, &b->problems[*next].error);
}

/* Writes a labeled batch and counts it; reports problems in input order. */
static int write_batch(const runner_t *r, batch_t *b, fr_labels_writer *writer,
                       const fr_run_options *o, fr_run_tally *t, fr_error *err)
{
	size_t next_problem = 0;
	if (b->fatal)
		return fr_error_set(err, b->fatal, NULL, 0, "out of memory while labeling");
	int rc = fr_labels_write_chunk(writer, b->records, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < b->n; i++) {
		report_read_problems(b, &next_problem, i, o);
		fr_paragraph p = batch_paragraph(b, i);
		if (b->failed[i]) {
			fr_error *e = &b->errors[i];
			if (e->source[0] == '\0') {
				fr_error_set_source(e, p.file);
				e->line = p.line;
			}
			if (o->on_problem)
				o->on_problem(o->payload, e);
			t->failed++;
			continue;
		}
		const fr_task_result *res = b->results + i * r->n_tasks;
		const fr_text_stats *st = &b->stats[i];
		/* A paragraph with no word but stop words ("...", "   ") is labeled
		 * from nothing, and a correction of it would teach nothing: it is
		 * kept out of the review queue it would otherwise head. */
		if (st->terms > 0 && (rc = fr_labels_review(writer, &p, res, err)) < 0)
			return rc;
		t->paragraphs++;
		t->terms += st->terms;
		t->unknown += st->unknown;
		t->invalid_bytes += st->invalid_bytes;
		t->no_known_terms += st->terms == st->unknown;
		for (size_t k = 0; k < r->n_tasks; k++) {
			/* Every label given: a multi-label task's paragraph counts for each. */
			for (uint64_t set = res[k].label_set; set; set &= set - 1)
				t->label_counts[k][__builtin_ctzll(set)]++;
			t->confidence_sum[k] += res[k].confidence;
		}
	}
	report_read_problems(b, &next_problem, b->n, o);
	if (o->on_progress)
		o->on_progress(o->payload, t->paragraphs);
	return 0;
}

static int keep_problem(batch_t *b, const fr_error *e)
{
	if (b->n_problems == b->cap_problems) {
		size_t cap = b->cap_problems ? b->cap_problems * 2 : 8;
		void *p = realloc(b->problems, cap * sizeof(*b->problems));
		if (p == NULL)
			return FR_ENOMEM;
		b->problems = p;
		b->cap_problems = cap;
	}
	b->problems[b->n_problems].before = b->n;
	b->problems[b->n_problems++].error = *e;
	return 0;
}

/* Reads up to a batch of paragraphs and the problems met on the way. Sets
 * *eof when the corpus is done; the batch may then hold fewer paragraphs,
 * or none. Returns 0 or FR_ENOMEM. */
static int fill_batch(fr_corpus *corpus, batch_t *b, int *eof)
{
	fr_paragraph p;
	fr_error e = FR_ERROR_INIT;
	b->n = 0;
	b->n_problems = 0;
	b->arena_len = 0;
	while (b->n < BATCH_PARAGRAPHS) {
		fr_error_clear(&e);
		int rc = fr_corpus_next(&p, corpus, &e);
		if (rc == FR_ITEROVER) {
			*eof = 1;
			break;
		}
		if (rc < 0) {
			if (keep_problem(b, &e) < 0)
				return FR_ENOMEM;
			continue;
		}
		size_t i = b->n;
		if (arena_add(b, p.id, strlen(p.id), &b->id_off[i]) < 0 ||
		    arena_add(b, p.doc, strlen(p.doc), &b->doc_off[i]) < 0 ||
		    arena_add(b, p.text, p.text_len, &b->text_off[i]) < 0)
			return FR_ENOMEM;
		b->text_len[i] = p.text_len;
		b->para[i] = p.para;
		b->line[i] = p.line;
		b->doc_known[i] = p.doc_known;
		b->file[i] = p.file;
		b->n++;
	}
	return 0;
}

int fr_run_classify(fr_corpus *corpus, const fr_model *m, fr_labels_writer *writer,
                    const fr_run_options *opts, fr_run_tally *tally, fr_error *err)
{
	runner_t r;
	memset(&r, 0, sizeof(r));
	size_t threads = opts->threads ? opts->threads : 1;
	pthread_t *tids = NULL;
	void *(*args)[2] = NULL;
	size_t started = 0, written = 0;
	int rc = 0, eof = 0;
	r.m = m;
	r.n_tasks = fr_model_task_count(m);
	r.n_slots = threads == 1 ? 1 : 2 * threads + 2;
	r.slots = calloc(r.n_slots, sizeof(*r.slots));
	r.works = calloc(threads, sizeof(*r.works));
	if (r.slots == NULL || r.works == NULL) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	for (size_t s = 0; s < r.n_slots; s++) {
		if ((r.slots[s].results = calloc(BATCH_PARAGRAPHS * (r.n_tasks ? r.n_tasks : 1),
		                                 sizeof(fr_task_result))) == NULL) {
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
			goto done;
		}
		if ((rc = fr_labels_chunk_new(&r.slots[s].records, writer, err)) < 0)
			goto done;
	}
	for (size_t i = 0; rc == 0 && i < threads; i++)
		rc = fr_model_work_new(&r.works[i], m, err);
	if (rc < 0)
		goto done;

	if (threads == 1) {
		/* One thread: read, label and write each batch in turn. */
		batch_t *b = &r.slots[0];
		while (rc == 0 && !eof) {
			if (fill_batch(corpus, b, &eof) < 0) {
				rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
				break;
			}
			label_batch(&r, r.works[0], b);
			rc = write_batch(&r, b, writer, opts, tally, err);
		}
		goto done;
	}

	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.work_ready, NULL);
	pthread_cond_init(&r.batch_done, NULL);
	tids = calloc(threads, sizeof(*tids));
	args = calloc(threads, sizeof(*args));
	if (tids == NULL || args == NULL) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto joined;
	}
	for (; started < threads; started++) {
		args[started][0] = &r;
		args[started][1] = r.works[started];
		if (pthread_create(&tids[started], NULL, worker, args[started]) != 0)
			break;
	}
	if (started == 0) {
		rc = fr_error_set(err, FR_ERROR, NULL, 0, "cannot start worker threads");
		goto joined;
	}
	/* Keep every slot busy; write the oldest batch as soon as it is done. */
	while (rc == 0 && (!eof || written < r.queued)) {
		while (!eof && r.queued - written < r.n_slots) {
			batch_t *b = &r.slots[r.queued % r.n_slots];
			if (fill_batch(corpus, b, &eof) < 0) {
				rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
				break;
			}
			if (b->n == 0 && b->n_problems == 0)
				break; /* the corpus ended exactly at a batch boundary */
			pthread_mutex_lock(&r.lock);
			b->state = QUEUED;
			r.queued++;
			pthread_cond_signal(&r.work_ready);
			pthread_mutex_unlock(&r.lock);
		}
		if (rc < 0 || written == r.queued)
			break;
		batch_t *oldest = &r.slots[written % r.n_slots];
		pthread_mutex_lock(&r.lock);
		while (oldest->state != DONE)
			pthread_cond_wait(&r.batch_done, &r.lock);
		pthread_mutex_unlock(&r.lock);
		rc = write_batch(&r, oldest, writer, opts, tally, err);
		oldest->state = FREE;
		written++;
	}
joined:
	pthread_mutex_lock(&r.lock);
	r.stop = 1;
	pthread_cond_broadcast(&r.work_ready);
	pthread_mutex_unlock(&r.lock);
	for (size_t i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&r.lock);
	pthread_cond_destroy(&r.work_ready);
	pthread_cond_destroy(&r.batch_done);
done:
	for (size_t i = 0; r.works && i < threads; i++)
		fr_model_work_free(r.works[i]);
	for (size_t s = 0; r.slots && s < r.n_slots; s++) {
		free(r.slots[s].arena);
		free(r.slots[s].results);
		fr_labels_chunk_free(r.slots[s].records);
		free(r.slots[s].problems);
	}
	free(r.slots);
	free(r.works);
	free(tids);
	free(args);
	return rc;
}
