#include "corpus.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "csv.h"
#include "jsonl.h"
#include "strmap.h"
#include "tokenize.h"

#define BOM "\xEF\xBB\xBF"

/* ---- boilerplate rules ---- */

enum { RULE_EXACT, RULE_PREFIX, RULE_REGEX, RULE_END };

typedef struct {
	int kind;
	char *text;     /* "kind pattern", for reports */
	const char *pattern; /* points into text */
	regex_t re;
	int has_re;
	int word_end;   /* a prefix pattern that ends in a word: the block's
	                 * word must end there too */
} rule_t;

struct fr_boilerplate {
	rule_t *rules;
	size_t n, cap;
};

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* glibc's regcomp copies a repeated part of a pattern once per repetition
 * ({m,n}: n copies, m + 1 when unbounded; + two), so stacked or nested
 * repetitions grow as their product: "a" and 38 '+' grew to 18 GB before
 * it was killed, and (a{1,300}){1,300} takes 250 MB. Patterns whose copies
 * would pass this are refused before regcomp sees them. A
 * boilerplate rule looks at blocks of at most 300 bytes; 10,000 parts is
 * far more than any rule for them needs. */
#define REGEX_MAX_PARTS 10000.0
#define REGEX_MAX_DEPTH 64

/* Past the bracket expression that *p opens ('['), or to the end. */
static const char *skip_bracket(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']') /* a leading ']' is a member */
		p++;
	while (*p != '\0' && *p != ']') {
		/* [:class:], [=equiv=] and [.coll.] hold a ']' of their own. */
		if (*p == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.')) {
			char end = p[1];
			const char *close = p + 2;
			while (*close != '\0' && !(close[0] == end && close[1] == ']'))
				close++;
			p = *close != '\0' ? close + 2 : close;
			continue;
		}
		p++;
	}
	return *p == ']' ? p + 1 : p;
}

/* The largest count of the interval "{m}", "{m,}" or "{m,n}" at *p, moved
 * past it; -1 (and *p as it was) when there is none there. */
static double interval_copies(const char **p)
{
	const char *s = *p + 1;
	double m = 0, n;
	if (!isdigit((unsigned char)*s) && *s != ',') /* glibc reads "{,n}" as "{0,n}" */
		return -1;
	while (isdigit((unsigned char)*s))
		m = m * 10 + (*s++ - '0');
	n = m;
	if (*s == ',') {
		s++;
		n = m + 1;
		if (isdigit((unsigned char)*s))
			for (n = 0; isdigit((unsigned char)*s);)
				n = n * 10 + (*s++ - '0');
	}
	if (*s != '}')
		return -1;
	*p = s + 1;
	return n > 1 ? n : 1;
}

/* How many parts regcomp would build for the extended regex at *p, up to
 * the ')' closing this group (or the end), *p moved there. Stops counting
 * past REGEX_MAX_PARTS or REGEX_MAX_DEPTH groups deep. */
static double regex_parts(const char **p, int depth)
{
	double total = 0, last = 0; /* last: the parts of the atom a repetition applies to */
	if (depth > REGEX_MAX_DEPTH)
		return REGEX_MAX_PARTS + 1;
	while (**p != '\0' && **p != ')' && total <= REGEX_MAX_PARTS) {
		const char *s = *p;
		double copies = 0;
		if (*s == '(') {
			*p = s + 1;
			last = regex_parts(p, depth + 1) + 1;
			if (**p == ')')
				(*p)++;
		} else if (*s == '[') {
			*p = skip_bracket(s);
			last = 1;
		} else if (*s == '\\') {
			*p = s + (s[1] != '\0' ? 2 : 1);
			last = 1;
		} else if (*s == '+') {
			*p = s + 1;
			copies = 2;
		} else if (*s == '{' && (copies = interval_copies(p)) > 0) {
			/* moved past the interval */
		} else if (*s == '*' || *s == '?') {
			*p = s + 1; /* the atom once, looped or made optional */
			continue;
		} else {
			*p = s + 1;
			last = 1;
		}
		if (copies > 0) {
			total += last * (copies - 1);
			last *= copies;
		} else {
			total += last;
		}
	}
	return total;
}

static int add_rule(fr_boilerplate *b, int kind, const char *kind_name, const char *pattern,
                    const char *path, size_t lineno, fr_error *err)
{
	if (b->n == b->cap) {
		size_t cap2 = b->cap ? b->cap * 2 : 16;
		rule_t *p = realloc(b->rules, cap2 * sizeof(*p));
		if (p == NULL)
			return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		b->rules = p;
		b->cap = cap2;
	}
	rule_t *r = &b->rules[b->n];
	memset(r, 0, sizeof(*r));
	size_t len = strlen(kind_name) + 1 + strlen(pattern) + 1;
	r->text = malloc(len);
	if (r->text == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	snprintf(r->text, len, "%s %s", kind_name, pattern);
	r->pattern = r->text + strlen(kind_name) + 1;
	r->kind = kind;
	if (kind == RULE_PREFIX && *pattern != '\0') {
		/* Its last character starts at the last byte that is not a
		 * UTF-8 continuation byte. */
		size_t at = strlen(pattern) - 1;
		while (at > 0 && ((unsigned char)pattern[at] & 0xC0) == 0x80)
			at--;
		r->word_end = fr_word_goes_on(pattern + at, strlen(pattern) - at);
	}
	if (kind == RULE_REGEX || kind == RULE_END) {
		const char *at = pattern;
		double parts = 0;
		while (*at != '\0' && parts <= REGEX_MAX_PARTS) {
			parts += regex_parts(&at, 0);
			at += *at == ')'; /* an unmatched ')': regcomp's to judge */
		}
		if (parts > REGEX_MAX_PARTS) {
			free(r->text);
			return fr_error_set(err, FR_EFORMAT, path, lineno,
			                    "regex too large: its repetitions ('+', '{m,n}') multiply to over "
			                    "%.0f parts; nest or stack fewer of them", REGEX_MAX_PARTS);
		}
		int rc = regcomp(&r->re, pattern, REG_EXTENDED | REG_NOSUB);
		if (rc != 0) {
			char msg[128];
			regerror(rc, &r->re, msg, sizeof(msg));
			free(r->text);
			return fr_error_set(err, FR_EFORMAT, path, lineno, "bad regex: %s", msg);
		}
		r->has_re = 1;
	}
	b->n++;
	return 0;
}

int fr_boilerplate_load(fr_boilerplate **out, const char *path, fr_error *err)
{
	*out = NULL;
	int rc = 0;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	fr_boilerplate *b = calloc(1, sizeof(*b));
	FILE *fp = fopen(path, "rb");
	if (b == NULL) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	if (fp == NULL) {
		rc = fr_error_set(err, errno == ENOENT ? FR_ENOTFOUND : FR_EIO, path, 0,
		                  "cannot open boilerplate rules: %s", strerror(errno));
		goto done;
	}
	struct stat st;
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = fr_error_set(err, FR_EIO, path, 0, "cannot read boilerplate rules: %s", strerror(EISDIR));
		goto done;
	}
	while (getline(&line, &cap, fp) >= 0) {
		lineno++;
		/* Editors on Windows start a UTF-8 file with a byte order mark. */
		char *s = trim(lineno == 1 && strncmp(line, BOM, 3) == 0 ? line + 3 : line);
		if (*s == '\0' || *s == '#')
			continue;
		char *sp = s + strcspn(s, " \t");
		if (*sp == '\0') {
			rc = fr_error_set(err, FR_EFORMAT, path, lineno, "a rule needs a kind and a pattern");
			goto done;
		}
		*sp = '\0';
		char *pattern = trim(sp + 1);
		static const char *const kinds[] = { "exact", "prefix", "regex", "end" };
		int kind = -1;
		for (int k = 0; k < 4; k++)
			if (strcmp(s, kinds[k]) == 0)
				kind = k;
		if (kind < 0) {
			rc = fr_error_set(err, FR_EFORMAT, path, lineno,
			                  "unknown rule kind '%s' (exact, prefix, regex or end)", s);
			goto done;
		}
		rc = add_rule(b, kind, s, pattern, path, lineno, err);
		if (rc < 0)
			goto done;
	}
	if (ferror(fp))
		rc = fr_error_set(err, FR_EIO, path, lineno, "cannot read boilerplate rules: %s", strerror(errno));
done:
	free(line);
	if (fp)
		fclose(fp);
	if (rc < 0) {
		fr_boilerplate_free(b);
		return rc;
	}
	*out = b;
	return 0;
}

/* fr_boilerplate_match, for a title when title is set: exact rules only. */
static int match_rules(const fr_boilerplate *b, const char *text, size_t len, int title,
                       int *ends_article)
{
	*ends_article = 0;
	if (b == NULL || len > FR_BOILERPLATE_MAX_BYTES)
		return -1;
	for (size_t i = 0; i < b->n; i++) {
		const rule_t *r = &b->rules[i];
		size_t plen = strlen(r->pattern);
		int hit = 0;
		if (title && r->kind != RULE_EXACT)
			continue;
		switch (r->kind) {
		case RULE_EXACT:
			hit = plen == len && strncasecmp(text, r->pattern, len) == 0;
			break;
		case RULE_PREFIX:
			/* "Advertisement" is not the start of "Advertisements for
			 * ..." or "Advertisement-free ...". */
			hit = plen <= len && strncasecmp(text, r->pattern, plen) == 0 &&
			      !(r->word_end && fr_word_goes_on(text + plen, len - plen));
			break;
		default:
			hit = regexec(&r->re, text, 0, NULL, 0) == 0;
			break;
		}
		if (hit) {
			*ends_article = r->kind == RULE_END;
			return (int)i;
		}
	}
	return -1;
}

int fr_boilerplate_match(const fr_boilerplate *b, const char *text, size_t len, int *ends_article)
{
	return match_rules(b, text, len, 0, ends_article);
}

size_t fr_boilerplate_rule_count(const fr_boilerplate *b)
{
	return b ? b->n : 0;
}

const char *fr_boilerplate_rule(const fr_boilerplate *b, size_t i)
{
	return b && i < b->n ? b->rules[i].text : NULL;
}

void fr_boilerplate_free(fr_boilerplate *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n; i++) {
		if (b->rules[i].has_re)
			regfree(&b->rules[i].re);
		free(b->rules[i].text);
	}
	free(b->rules);
	free(b);
}

/* ---- inputs ---- */

enum { IN_TXT, IN_CSV, IN_JSONL, IN_STDIN };

typedef struct {
	char *path;
	char *doc;
	int kind;
	unsigned long long size; /* at open, for progress */
	/* Known before its turn, reported and skipped when it comes: a folder
	 * entry that cannot be read, or a file whose name another input has. */
	int problem;             /* an fr_error_code, 0 for none */
	char *why;
	/* An earlier input of the same file name (a .csv or .jsonl: only its
	 * records without an id of their own are refused), or NULL. */
	const char *name_of;
} input_t;

/* The first FR_IDS_MAX ids of a run are remembered, to catch repeats; past
 * them, ids are not. The set is split into FR_ID_SHARDS open-addressing
 * tables picked by the fingerprint's top bits, each grown on its own, so
 * growing one never holds two copies of the whole set: its memory rises
 * with the ids up to about 4 MiB (256 shards of 1,024 slots of 16 bytes,
 * 7/8 full at most: 768 ids a shard on average at the cap) and stays flat
 * after. */
#define FR_IDS_MAX ((size_t)196608)
#define FR_ID_SHARDS 256

typedef struct {
	uint64_t fp;             /* the id's fingerprint; 0 for an empty slot */
	uint32_t input, line;    /* where the id was first seen */
} id_slot;

typedef struct {
	id_slot *slots;
	uint32_t n_slots, count; /* n_slots a power of two, or 0 */
} id_shard;

struct fr_corpus {
	input_t *inputs;
	size_t n_inputs, cap_inputs;
	unsigned long long total_bytes; /* sizes of the input files */
	unsigned long long done_bytes;  /* of the files finished */
	unsigned long long cur_bytes;   /* of the open .txt or .jsonl file */
	fr_file_fn on_file;
	void *on_file_payload;
	size_t cur;              /* index of the open input, n_inputs when done */
	int open;                /* the current input is open */
	const fr_boilerplate *rules;
	size_t *rule_drops;
	fr_corpus_stats stats;

	/* .txt: the whole article, walked block by block */
	char *file;
	size_t file_len, file_cap, file_pos, file_line;
	size_t block;            /* number of the next block */
	int ended;               /* an `end` rule fired */
	size_t body_bytes;       /* of the blocks after the title handed out so far */
	char *title;
	size_t title_len, title_cap;

	/* .csv */
	fr_csv *csv;
	size_t text_col, id_col, doc_col, n_cols;
	int has_id, has_doc;
	char *header;            /* the header's names, each NUL-terminated */
	size_t header_len, header_cap;

	/* Record ids given by the inputs, to refuse a second record with one:
	 * its labels could not be told from the first's. An open-addressing
	 * set of 64-bit fingerprints with where each id was first seen, capped
	 * at FR_IDS_MAX ids so memory stays flat however long the run. */
	id_shard *ids;           /* FR_ID_SHARDS of them, allocated with the first id */
	size_t id_count;

	/* .jsonl and stdin */
	FILE *fp;
	char *fp_buf;            /* a .jsonl file's stdio buffer (JSONL_BUFFER) */
	char *line;
	char *decoded;           /* a record's strings, decoded by fr_jsonl_record */
	size_t decoded_cap;
	size_t line_cap, line_no;

	size_t record;           /* record number in a .csv / .jsonl */
	int record_error;        /* the last error spoils one record, not the file */
	char *para;              /* the paragraph handed out */
	size_t para_len, para_cap;
	char *id;
	size_t id_cap;
	char *doc;               /* a record's own document, handed out */
	size_t doc_cap;
	int doc_given;           /* ... when the record has one */
	int utf8_hinted;         /* the open file's invalid UTF-8 has had its hint */
};

static int kind_of(const char *name)
{
	size_t n = strlen(name);
	if (n >= 4 && strcasecmp(name + n - 4, ".txt") == 0)
		return IN_TXT;
	if (n >= 4 && strcasecmp(name + n - 4, ".csv") == 0)
		return IN_CSV;
	if (n >= 6 && strcasecmp(name + n - 6, ".jsonl") == 0)
		return IN_JSONL;
	return -1;
}

static int add_input(fr_corpus *c, const char *path, const char *doc, int kind)
{
	if (fr_grow((void **)&c->inputs, &c->cap_inputs, c->n_inputs + 1, sizeof(*c->inputs)) < 0)
		return FR_ENOMEM;
	input_t *in = &c->inputs[c->n_inputs];
	memset(in, 0, sizeof(*in));
	in->path = strdup(path);
	/* The file's name goes into ids and outputs, which are UTF-8: a name
	 * that is not (a Latin-1 file system) gets U+FFFD for its bad bytes in
	 * every output alike, so that labels.csv and review.csv read back. */
	in->doc = fr_utf8_repair(doc);
	in->kind = kind;
	struct stat st;
	in->size = kind != IN_STDIN && stat(path, &st) == 0 ? (unsigned long long)st.st_size : 0;
	c->total_bytes += in->size;
	if (in->path == NULL || in->doc == NULL) {
		free(in->path);
		free(in->doc);
		return FR_ENOMEM;
	}
	c->n_inputs++;
	return 0;
}

/* Marks input `in` to be reported and skipped when its turn comes, with
 * code and a message. */
static int set_problem(input_t *in, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int set_problem(input_t *in, int code, const char *fmt, ...)
{
	char buf[sizeof(((fr_error *)0)->message)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(in->why);
	in->why = strdup(buf);
	in->problem = code;
	return in->why ? 0 : FR_ENOMEM;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Inputs by file name, then by order given. */
static int cmp_inputs_by_doc(const void *a, const void *b, void *inputs)
{
	const input_t *in = inputs;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int d = strcmp(in[i].doc, in[j].doc);
	return d ? d : (i > j) - (i < j);
}

/* Made-up ids are "<file name>#<n>", so two inputs of one name would give
 * their paragraphs the same ids, and corrections to one would land on the
 * other. A .txt after the first of a name is reported and skipped; a .csv
 * or .jsonl loses only its records without an id of their own
 * (made_up_id). The same file given twice is read once. */
static int refuse_repeated_names(fr_corpus *c)
{
	size_t *order = malloc((c->n_inputs ? c->n_inputs : 1) * sizeof(*order));
	if (order == NULL)
		return FR_ENOMEM;
	for (size_t i = 0; i < c->n_inputs; i++)
		order[i] = i;
	qsort_r(order, c->n_inputs, sizeof(*order), cmp_inputs_by_doc, c->inputs);
	int rc = 0;
	/* Sorted by name, then by order given: a group's first is the one read. */
	for (size_t k = 1, first = order[0]; rc == 0 && k < c->n_inputs; k++) {
		input_t *in = &c->inputs[order[k]], *was = &c->inputs[first];
		if (strcmp(in->doc, was->doc) != 0 || in->kind == IN_STDIN) {
			first = order[k];
			continue;
		}
		struct stat a, b;
		if (stat(in->path, &a) == 0 && stat(was->path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			rc = set_problem(in, FR_EINVALID, "the same file as %.*s, read once", fr_utf8_fit_str(was->path, 180),
			                 was->path);
		else if (in->kind == IN_TXT)
			rc = set_problem(in, FR_EINVALID,
			                 "same file name as %.*s, whose paragraph ids (%.*s#N) it would repeat; rename one",
			                 fr_utf8_fit_str(was->path, 120), was->path, fr_utf8_fit_str(in->doc, 40), in->doc);
		else
			in->name_of = was->path;
	}
	free(order);
	return rc;
}

static int add_directory(fr_corpus *c, const char *dir, fr_error *err)
{
	int rc = 0;
	char **names = NULL;
	size_t n = 0, cap = 0, before = c->n_inputs;
	DIR *d = opendir(dir);
	if (d == NULL)
		return fr_error_set(err, FR_EIO, dir, 0, "cannot read directory: %s", strerror(errno));
	struct dirent *e;
	size_t subfolders = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.' && e->d_type == DT_DIR)
			subfolders++;
		if (e->d_name[0] == '.' || kind_of(e->d_name) < 0)
			continue;
		if (n == cap) {
			size_t cap2 = cap ? cap * 2 : 64;
			char **p = realloc(names, cap2 * sizeof(*p));
			if (p == NULL) {
				rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
				goto done;
			}
			names = p;
			cap = cap2;
		}
		names[n] = strdup(e->d_name);
		if (names[n] == NULL) {
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
			goto done;
		}
		n++;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(dir) + 1 + strlen(names[i]) + 1;
		char *path = malloc(len);
		if (path == NULL) {
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
			goto done;
		}
		snprintf(path, len, "%s/%s", dir, names[i]);
		struct stat st;
		int found = stat(path, &st) == 0 ? 0 : errno;
		rc = add_input(c, path, names[i], kind_of(names[i]));
		/* A link to nowhere, or a folder or device with an article's
		 * name, is reported when its turn comes, not passed over. */
		if (rc == 0 && found != 0)
			rc = set_problem(&c->inputs[c->n_inputs - 1], FR_EIO, "cannot read input: %s", strerror(found));
		else if (rc == 0 && !S_ISREG(st.st_mode))
			rc = set_problem(&c->inputs[c->n_inputs - 1], FR_EINVALID, "not a regular file%s",
			                 S_ISDIR(st.st_mode) ? " but a folder (folders inside folders are not read)" : "");
		free(path);
		if (rc < 0) {
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
			goto done;
		}
	}
	if (c->n_inputs == before && subfolders > 0)
		rc = fr_error_set(err, FR_ENOTFOUND, dir, 0,
		                  "no .txt, .csv or .jsonl files in this directory (%zu folder%s in it not read: "
		                  "give %s)", subfolders, subfolders == 1 ? " is" : "s are",
		                  subfolders == 1 ? "it as an input" : "them as inputs");
	else if (c->n_inputs == before)
		rc = fr_error_set(err, FR_ENOTFOUND, dir, 0, "no .txt, .csv or .jsonl files in this directory");
done:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

int fr_corpus_open(fr_corpus **out, const char *const *inputs, size_t n_inputs,
                   const fr_boilerplate *rules, fr_error *err)
{
	*out = NULL;
	int rc = 0;
	fr_corpus *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	c->rules = rules;
	c->rule_drops = calloc(fr_boilerplate_rule_count(rules) + 1, sizeof(size_t));
	if (c->rule_drops == NULL) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n_inputs; i++) {
		const char *path = inputs[i];
		struct stat st;
		if (strcmp(path, "-") == 0) {
			rc = add_input(c, "-", "<stdin>", IN_STDIN);
		} else if (stat(path, &st) != 0) {
			rc = fr_error_set(err, errno == ENOENT ? FR_ENOTFOUND : FR_EIO, path, 0,
			                  "cannot read input: %s", strerror(errno));
			goto done;
		} else if (S_ISDIR(st.st_mode)) {
			rc = add_directory(c, path, err);
		} else {
			int kind = kind_of(path);
			if (kind < 0) {
				rc = fr_error_set(err, FR_EINVALID, path, 0,
				                  "not a .txt, .csv or .jsonl file");
				goto done;
			}
			/* A file named on the command line that cannot be read ends
			 * the run before anything is written; one found in a folder
			 * is reported and skipped when its turn comes. */
			int fd = open(path, O_RDONLY);
			if (fd < 0) {
				rc = fr_error_set(err, FR_EIO, path, 0, "cannot read input: %s", strerror(errno));
				goto done;
			}
			close(fd);
			const char *slash = strrchr(path, '/');
			rc = add_input(c, path, slash ? slash + 1 : path, kind);
		}
		if (rc == FR_ENOMEM)
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		if (rc < 0)
			goto done;
	}
	if (c->n_inputs == 0)
		rc = fr_error_set(err, FR_ENOTFOUND, NULL, 0, "no inputs");
	else if (refuse_repeated_names(c) < 0)
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
done:
	if (rc < 0) {
		fr_corpus_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

static void close_current(fr_corpus *c)
{
	/* The size counted in the total, so done never passes it. */
	if (c->cur < c->n_inputs)
		c->done_bytes += c->inputs[c->cur].size;
	c->cur_bytes = 0;
	fr_csv_free(c->csv);
	c->csv = NULL;
	if (c->fp && c->fp != stdin)
		fclose(c->fp);
	free(c->fp_buf);
	c->fp_buf = NULL;
	c->fp = NULL;
	c->open = 0;
	c->cur++;
}

static int read_whole_file(fr_corpus *c, const char *path, fr_error *err)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return fr_error_set(err, FR_EIO, path, 0, "cannot open: %s", strerror(errno));
	c->file_len = 0;
	for (;;) {
		if (fr_grow((void **)&c->file, &c->file_cap, c->file_len + 65536 + 1, 1) < 0) {
			fclose(fp);
			return fr_error_set(err, FR_ENOMEM, path, 0, "out of memory reading the file");
		}
		size_t got = fread(c->file + c->file_len, 1, 65536, fp);
		c->file_len += got;
		if (got < 65536)
			break;
	}
	int bad = ferror(fp), e = errno;
	fclose(fp);
	if (bad)
		return fr_error_set(err, FR_EIO, path, 0, "read failed: %s", strerror(e));
	c->file[c->file_len] = '\0';
	return 0;
}

/* UTF-16 starts with its byte order mark: say so, rather than report
 * every paragraph as full of NUL bytes. */
static int refuse_utf16(const char *path, const unsigned char *head, size_t n, fr_error *err)
{
	if (n >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF)))
		return fr_error_set(err, FR_EFORMAT, path, 1,
		                    "UTF-16 text (byte order mark %02X %02X): convert it to UTF-8 "
		                    "(iconv -f UTF-16 -t UTF-8)", head[0], head[1]);
	return 0;
}

/* The same for a file not read whole. */
static int refuse_utf16_file(const char *path, fr_error *err)
{
	unsigned char head[2];
	size_t n = 0;
	FILE *fp = fopen(path, "rb");
	if (fp != NULL) {
		n = fread(head, 1, sizeof(head), fp);
		fclose(fp);
	}
	return refuse_utf16(path, head, n, err);
}

/* JSON Lines are read a megabyte at a time. glibc's own buffer is the file
 * system's block or a pipe's page, 4 KiB: a read call per 4 KiB, eleven
 * thousand for classify - on 50,000 records. setvbuf takes a size only
 * together with the buffer; stdin's lives as long as the process, since the
 * stream outlives any corpus. */
#define JSONL_BUFFER ((size_t)1 << 20)
static char stdin_buffer[JSONL_BUFFER];
static int stdin_buffered;

static int open_current(fr_corpus *c, fr_error *err)
{
	input_t *in = &c->inputs[c->cur];
	int rc = 0;
	c->record = 0;
	c->line_no = 0;
	c->open = 1;
	c->stats.files++;
	c->utf8_hinted = 0;
	if (c->on_file)
		c->on_file(c->on_file_payload, in->path, c->cur + 1, c->n_inputs);
	if (in->problem)
		return fr_error_set(err, in->problem, in->path, 0, "%s", in->why);
	switch (in->kind) {
	case IN_TXT:
		rc = read_whole_file(c, in->path, err);
		if (rc == 0)
			rc = refuse_utf16(in->path, (const unsigned char *)c->file, c->file_len, err);
		c->cur_bytes = c->file_len;
		c->file_pos = 0;
		c->file_line = 1;
		c->block = 0;
		c->ended = 0;
		c->body_bytes = 0;
		c->title_len = 0;
		if (rc == 0 && c->file_len >= 3 && memcmp(c->file, "\xEF\xBB\xBF", 3) == 0)
			c->file_pos = 3;
		return rc;
	case IN_CSV:
		rc = fr_csv_open(&c->csv, in->path, err);
		if (rc == 0)
			rc = refuse_utf16_file(in->path, err);
		if (rc < 0)
			return rc;
		rc = fr_csv_next(c->csv, err);
		if (rc == FR_ITEROVER)
			return fr_error_set(err, FR_EFORMAT, in->path, 1, "empty file: no header row");
		if (rc < 0)
			return rc;
		c->n_cols = fr_csv_field_count(c->csv);
		c->has_id = 0;
		c->has_doc = 0;
		c->text_col = c->n_cols;
		c->header_len = 0;
		for (size_t i = 0; i < c->n_cols; i++) {
			size_t len = 0;
			const char *name = fr_csv_value(c->csv, i, &len);
			/* Two columns of one name: which one is the text? */
			for (size_t j = 0, jlen = 0; j < i; j++)
				if (strcmp(name, fr_csv_value(c->csv, j, &jlen)) == 0)
					return fr_error_set(err, FR_EFORMAT, in->path, fr_csv_line(c->csv),
					                    "column '%.*s' appears twice in the header", fr_utf8_fit_str(name, 64),
					                    name);
			/* Kept to recognise the header repeated further down. */
			if (fr_grow((void **)&c->header, &c->header_cap, c->header_len + len + 1, 1) < 0)
				return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
			memcpy(c->header + c->header_len, name, len + 1);
			c->header_len += len + 1;
			if (strcmp(name, "text") == 0)
				c->text_col = i;
			else if (strcmp(name, "id") == 0) {
				c->id_col = i;
				c->has_id = 1;
			} else if ((strcmp(name, "document") == 0 || (strcmp(name, "doc") == 0 && !c->has_doc))) {
				/* As a labeled CSV names it; "document" over "doc". */
				c->doc_col = i;
				c->has_doc = 1;
			}
		}
		if (c->text_col == c->n_cols)
			return fr_csv_no_text_column(c->csv, err);
		return 0;
	case IN_JSONL:
		c->fp = fopen(in->path, "rb");
		if (c->fp == NULL)
			return fr_error_set(err, FR_EIO, in->path, 0, "cannot open: %s", strerror(errno));
		if ((c->fp_buf = malloc(JSONL_BUFFER)) != NULL)
			setvbuf(c->fp, c->fp_buf, _IOFBF, JSONL_BUFFER);
		return refuse_utf16_file(in->path, err);
	default:
		c->fp = stdin;
		/* Before the first read only: "-" given twice reads nothing more. */
		if (!stdin_buffered)
			setvbuf(stdin, stdin_buffer, _IOFBF, JSONL_BUFFER);
		stdin_buffered = 1;
		return 0;
	}
}

/* Refuses a record whose text or id is not text: NUL bytes or invalid
 * UTF-8 would be labeled as replacement characters, silently. */
static int check_text(const char *name, size_t line, const char *what, const char *s,
                      size_t len, fr_error *err)
{
	size_t at = 0;
	const char *why = fr_text_problem(s, len, &at);
	if (why == NULL)
		return 0;
	return fr_error_set(err, FR_EFORMAT, name, line, "%s at byte %zu of the %s", why, at, what);
}

/* At most max bytes of s for a message: whole characters only, control
 * characters as '?', so the message stays one line of valid UTF-8. */
static void quote_for_message(char *buf, size_t size, const char *s, size_t len)
{
	size_t max = size - 1, i = 0, n = 0;
	while (i < len && n < max) {
		int32_t cp = 0;
		size_t k = fr_utf8_decode((const uint8_t *)s + i, len - i, &cp);
		if (k == 0 || cp < 0x20 || cp == 0x7F) {
			buf[n++] = '?';
			i += k ? k : 1;
			continue;
		}
		if (n + k > max)
			break;
		memcpy(buf + n, s + i, k);
		n += k;
		i += k;
	}
	buf[n] = '\0';
}

/* The slot of fingerprint fp in a shard: where it is, or the empty slot
 * where it goes. The low bits place it; the top bits chose the shard. */
static id_slot *id_find(id_slot *slots, size_t n_slots, uint64_t fp)
{
	size_t mask = n_slots - 1, i = (size_t)fp & mask;
	while (slots[i].fp != 0 && slots[i].fp != fp)
		i = (i + 1) & mask;
	return &slots[i];
}

/* Doubles a shard; 0, or FR_ENOMEM. */
static int id_shard_grow(id_shard *sh)
{
	size_t n = sh->n_slots ? (size_t)sh->n_slots * 2 : 16;
	id_slot *slots = calloc(n, sizeof(*slots));
	if (slots == NULL)
		return FR_ENOMEM;
	for (size_t i = 0; i < sh->n_slots; i++)
		if (sh->slots[i].fp != 0)
			*id_find(slots, n, sh->slots[i].fp) = sh->slots[i];
	free(sh->slots);
	sh->slots = slots;
	sh->n_slots = (uint32_t)n;
	return 0;
}

static void id_set_free(fr_corpus *c)
{
	if (c->ids == NULL)
		return;
	for (size_t i = 0; i < FR_ID_SHARDS; i++)
		free(c->ids[i].slots);
	free(c->ids);
}

/* Remembers an id a record gave; a second record with the same id is a bad
 * record, reported with where the first one was. Ids are compared by a
 * 64-bit fingerprint (a false match is about one in 10^9 for the 196,608
 * ids remembered). Once FR_IDS_MAX are remembered, new ids are not (counted
 * in ids_unchecked): a repeat of those goes unnoticed. */
static int check_id(fr_corpus *c, const char *name, size_t line, const char *id, size_t len,
                    fr_error *err)
{
	uint64_t fp = fr_strmap_hash(id, len);
	fp = fp ? fp : 1; /* 0 marks an empty slot */
	if (c->ids == NULL && (c->ids = calloc(FR_ID_SHARDS, sizeof(*c->ids))) == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	id_shard *sh = &c->ids[fp >> 56];
	int full = c->id_count >= FR_IDS_MAX;
	/* Kept at most 7/8 full, so a probe always ends at an empty slot. */
	if (!full && ((size_t)sh->count + 1) * 8 > (size_t)sh->n_slots * 7 && id_shard_grow(sh) < 0)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	if (sh->n_slots == 0) { /* a full set, and no id ever came to this shard */
		c->stats.ids_unchecked++;
		return 0;
	}
	id_slot *slot = id_find(sh->slots, sh->n_slots, fp);
	if (slot->fp == fp) {
		char shown[72];
		quote_for_message(shown, sizeof(shown), id, len);
		return fr_error_set(err, FR_EFORMAT, name, line, "duplicate id '%s', first used at %s:%u",
		                    shown, c->inputs[slot->input].doc, (unsigned)slot->line);
	}
	if (full) {
		c->stats.ids_unchecked++;
		return 0;
	}
	slot->fp = fp;
	slot->input = (uint32_t)c->cur;
	slot->line = line < UINT32_MAX ? (uint32_t)line : UINT32_MAX;
	sh->count++;
	c->id_count++;
	return 0;
}

/* Sets the id to "<doc>#<n>". */
static int default_id(fr_corpus *c, const char *doc, size_t n)
{
	size_t need = strlen(doc) + 32;
	if (fr_grow((void **)&c->id, &c->id_cap, need, 1) < 0)
		return FR_ENOMEM;
	snprintf(c->id, need, "%s#%zu", doc, n);
	return 0;
}

/* len bytes of s into *buf (grown as needed), NUL-terminated. */
static int copy_cell(char **buf, size_t *cap, const char *s, size_t len)
{
	if (fr_grow((void **)buf, cap, len + 1, 1) < 0)
		return FR_ENOMEM;
	memcpy(*buf, s, len);
	(*buf)[len] = '\0';
	return 0;
}

static int set_id(fr_corpus *c, const char *id, size_t len)
{
	return copy_cell(&c->id, &c->id_cap, id, len);
}

/* A .csv or .jsonl record without an id of its own gets "<file>#<n>",
 * unless an earlier input has the file's name and so may have made it up
 * already: then the record is refused. */
static int made_up_id(fr_corpus *c, const input_t *in, const char *name, size_t line, fr_error *err)
{
	if (in->name_of)
		return fr_error_set(err, FR_EINVALID, name, line,
		                    "no id, and %.*s has this file's name, so its id %.*s#%zu may be taken; "
		                    "give the records ids or rename the file", fr_utf8_fit_str(in->name_of, 120), in->name_of,
		                    fr_utf8_fit_str(in->doc, 40), in->doc, c->record);
	return default_id(c, in->doc, c->record) < 0 ? fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory") : 0;
}

static int set_doc(fr_corpus *c, const char *doc, size_t len)
{
	int rc = copy_cell(&c->doc, &c->doc_cap, doc, len);
	c->doc_given = rc == 0;
	return rc;
}

static int set_para(fr_corpus *c, const char *text, size_t len)
{
	int rc = copy_cell(&c->para, &c->para_cap, text, len);
	c->para_len = rc == 0 ? len : 0;
	return rc;
}

/* A record's text with no letter or digit (a spreadsheet's " ", a "* * *"
 * row): empty, as a .txt block of the kind is, not a paragraph labeled
 * from nothing. The scan stops at the first letter, most often the first
 * byte. */
static int is_wordless_text(const char *s, size_t n)
{
	return !fr_has_word(s, n);
}

static int is_blank_line(const char *s, size_t n)
{
	for (size_t i = 0, k; i < n; i += k)
		if ((k = fr_blank_char(s + i, n - i)) == 0)
			return 0;
	return 1;
}

/* Reads one line of the article at file_pos: sets its start and length
 * (without the line end) and moves past it. 0 at the end of the file. */
static int next_line(fr_corpus *c, const char **start, size_t *len)
{
	if (c->file_pos >= c->file_len)
		return 0;
	const char *s = c->file + c->file_pos;
	size_t rest = c->file_len - c->file_pos, n = 0;
	while (n < rest && s[n] != '\n' && s[n] != '\r')
		n++;
	*start = s;
	*len = n;
	if (n < rest && s[n] == '\r' && n + 1 < rest && s[n + 1] == '\n')
		n++;
	c->file_pos += n < rest ? n + 1 : n;
	c->file_line++;
	return 1;
}

/* Appends a trimmed line to the paragraph, joined by one space. */
static int append_line(fr_corpus *c, const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t' || (n >= 3 && memcmp(s, BOM, 3) == 0))) {
		size_t skip = *s == ' ' || *s == '\t' ? 1 : 3;
		s += skip;
		n -= skip;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (fr_grow((void **)&c->para, &c->para_cap, c->para_len + n + 2, 1) < 0)
		return FR_ENOMEM;
	if (c->para_len > 0)
		c->para[c->para_len++] = ' ';
	memcpy(c->para + c->para_len, s, n);
	c->para_len += n;
	c->para[c->para_len] = '\0';
	return 0;
}

/* The next kept block of the article, or FR_ITEROVER at its end. */
static int next_txt(fr_paragraph *out, fr_corpus *c, fr_error *err)
{
	input_t *in = &c->inputs[c->cur];
	const char *s = NULL;
	size_t n = 0;
	for (;;) {
		if (c->ended)
			return FR_ITEROVER;
		/* Skip blank lines to the block's first line. */
		int have = 0;
		while ((have = next_line(c, &s, &n)) && is_blank_line(s, n))
			;
		if (!have)
			return FR_ITEROVER;
		size_t start_line = c->file_line - 1;
		/* The first byte of the block that is not text, and its line. */
		size_t bad_at = 0, bad_line = start_line;
		const char *bad = fr_text_problem(s, n, &bad_at);
		if (bad != NULL)
			bad_at += (size_t)(s - c->file);
		c->para_len = 0;
		if (append_line(c, s, n) < 0)
			return fr_error_set(err, FR_ENOMEM, in->path, start_line, "out of memory");
		/* The title is its first line alone; other blocks run to a blank line. */
		if (c->block > 0) {
			size_t save_pos = c->file_pos, save_line = c->file_line;
			while (next_line(c, &s, &n) && !is_blank_line(s, n)) {
				if (bad == NULL && (bad = fr_text_problem(s, n, &bad_at)) != NULL) {
					bad_at += (size_t)(s - c->file);
					bad_line = c->file_line - 1;
				}
				if (append_line(c, s, n) < 0)
					return fr_error_set(err, FR_ENOMEM, in->path, start_line, "out of memory");
				save_pos = c->file_pos;
				save_line = c->file_line;
			}
			c->file_pos = save_pos;
			c->file_line = save_line;
		}
		size_t block = c->block++;
		if (bad != NULL)
			return fr_error_set(err, FR_EFORMAT, in->path, bad_line, "%s at byte %zu of the file",
			                    bad, bad_at);
		if (block == 0) {
			if (fr_grow((void **)&c->title, &c->title_cap, c->para_len + 1, 1) < 0)
				return fr_error_set(err, FR_ENOMEM, in->path, start_line, "out of memory");
			memcpy(c->title, c->para, c->para_len + 1);
			c->title_len = c->para_len;
		} else if (c->para_len == c->title_len && memcmp(c->para, c->title, c->para_len) == 0) {
			c->stats.repeated_titles++;
			continue;
		}
		/* A headline may start like a byline ("By Any Means Necessary"), a
		 * date or a prefix rule, but is never a whole share prompt. */
		int ends = 0;
		int rule = match_rules(c->rules, c->para, c->para_len, block == 0, &ends);
		if (rule >= 0) {
			c->rule_drops[rule]++;
			c->stats.boilerplate++;
			/* An end rule ends the article only below more kept text than
			 * the file has left: a share prompt under the title (Substack,
			 * WordPress share bars) drops itself, not the body below it. */
			if (ends && c->body_bytes > c->file_len - c->file_pos) {
				/* Count the blocks the end rule drops with it. */
				c->ended = 1;
				while (next_line(c, &s, &n)) {
					if (is_blank_line(s, n))
						continue;
					c->stats.boilerplate++;
					c->rule_drops[rule]++;
					while (next_line(c, &s, &n) && !is_blank_line(s, n))
						;
				}
			}
			continue;
		}
		/* A separator ("* * *", "---") or lone punctuation: nothing to
		 * label, so empty, as a record of spaces is. After the rules, so
		 * that one may still end the article at a "--" signature. */
		if (!fr_has_word(c->para, c->para_len)) {
			c->stats.empty++;
			continue;
		}
		if (default_id(c, in->doc, block) < 0)
			return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		if (block > 0)
			c->body_bytes += c->para_len;
		out->para = block;
		out->line = start_line;
		return 0;
	}
}

/* Whether the current record repeats the header: files joined together. */
static int is_header_again(const fr_corpus *c)
{
	const char *name = c->header;
	for (size_t i = 0; i < c->n_cols; i++) {
		size_t len = 0, nlen = strlen(name);
		const char *f = fr_csv_value(c->csv, i, &len);
		if (len != nlen || memcmp(f, name, len) != 0)
			return 0;
		name += nlen + 1;
	}
	return 1;
}

static int next_csv(fr_paragraph *out, fr_corpus *c, fr_error *err)
{
	input_t *in = &c->inputs[c->cur];
	for (;;) {
		int rc = fr_csv_next(c->csv, err);
		/* A quote out of place costs its own line, not the rest of the file. */
		if (rc == FR_EFORMAT && fr_csv_skip_line(c->csv, NULL) == 0) {
			c->record++;
			c->record_error = 1;
			return rc;
		}
		if (rc < 0)
			return rc;
		c->record++;
		c->record_error = 1; /* until the record is handed out */
		size_t line = fr_csv_line(c->csv);
		if (fr_csv_field_count(c->csv) != c->n_cols)
			return fr_error_set(err, FR_EFORMAT, in->path, line,
			                    "record has %zu fields, the header has %zu",
			                    fr_csv_field_count(c->csv), c->n_cols);
		if (is_header_again(c))
			return fr_error_set(err, FR_EFORMAT, in->path, line,
			                    "the header row again (files joined together?)");
		/* Checked as the file has the cells, so that a problem's byte
		 * counts a leading apostrophe fr_csv_value takes off. */
		size_t tlen = 0, idlen = 0, dlen = 0;
		const char *text = fr_csv_field(c->csv, c->text_col, &tlen);
		const char *id = c->has_id ? fr_csv_field(c->csv, c->id_col, &idlen) : NULL;
		const char *doc = c->has_doc ? fr_csv_field(c->csv, c->doc_col, &dlen) : NULL;
		if ((rc = check_text(in->path, line, "text", text, tlen, err)) < 0 ||
		    (rc = check_text(in->path, line, "id", id, idlen, err)) < 0 ||
		    (rc = check_text(in->path, line, "document", doc, dlen, err)) < 0)
			return rc;
		text = fr_csv_value(c->csv, c->text_col, &tlen);
		id = c->has_id ? fr_csv_value(c->csv, c->id_col, &idlen) : NULL;
		doc = c->has_doc ? fr_csv_value(c->csv, c->doc_col, &dlen) : NULL;
		if (is_wordless_text(text, tlen)) {
			c->record_error = 0;
			c->stats.empty++;
			continue;
		}
		if (idlen > 0 && (rc = check_id(c, in->path, line, id, idlen, err)) < 0)
			return rc;
		if (idlen == 0 && (rc = made_up_id(c, in, in->path, line, err)) < 0)
			return rc;
		c->record_error = 0;
		if (set_para(c, text, tlen) < 0 || (idlen > 0 && set_id(c, id, idlen) < 0) ||
		    (dlen > 0 && set_doc(c, doc, dlen) < 0))
			return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		out->para = c->record;
		out->line = line;
		return 0;
	}
}

/* A JSON Lines record that gives a name twice (at any depth): which text
 * or id was meant is anyone's guess, so the record is refused, naming the
 * name as the line has it and where its second one starts. jansson stops
 * just past the repeated name, `past` bytes into the len of record. */
static int repeated_key(const fr_corpus *c, const char *record, size_t len, int past,
                        const char *name, fr_error *err)
{
	long long open = past >= 0 && (size_t)past <= len ? fr_json_string_start(record, (size_t)past) : -1;
	if (open < 0)
		return fr_error_set(err, FR_EFORMAT, name, c->line_no, "repeated key");
	const char *key = record + open + 1;
	size_t key_len = (size_t)past - (size_t)open - 2, shown = fr_utf8_fit(key, key_len, 64);
	return fr_error_set(err, FR_EFORMAT, name, c->line_no, "repeated key '%.*s%s' at byte %zu of the line",
	                    (int)shown, key, shown < key_len ? "..." : "",
	                    (size_t)(record - c->line) + (size_t)open);
}

/* A record's id or document as jansson read it (a string, or an integer's
 * digits in num): *out and its length, or NULL and 0 when absent. */
static size_t json_name(const json_t *v, char num[32], const char **out)
{
	*out = NULL;
	if (json_is_string(v)) {
		*out = json_string_value(v);
		return json_string_length(v);
	}
	if (!json_is_integer(v))
		return 0;
	snprintf(num, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	*out = num;
	return strlen(num);
}

static int next_jsonl(fr_paragraph *out, fr_corpus *c, fr_error *err)
{
	input_t *in = &c->inputs[c->cur];
	const char *name = in->kind == IN_STDIN ? "<stdin>" : in->path;
	for (;;) {
		ssize_t n = getline(&c->line, &c->line_cap, c->fp);
		if (n < 0) {
			if (ferror(c->fp))
				return fr_error_set(err, FR_EIO, name, c->line_no, "read failed: %s", strerror(errno));
			return FR_ITEROVER;
		}
		c->line_no++;
		c->cur_bytes += (unsigned long long)n;
		/* Without its LF or CRLF end; a line of only spaces is blank. */
		size_t len = (size_t)n;
		while (len > 0 && (c->line[len - 1] == '\n' || c->line[len - 1] == '\r'))
			len--;
		if (is_blank_line(c->line, len))
			continue;
		/* A byte order mark starts the file, or a file joined on. */
		const char *start = c->line;
		if (len >= 3 && memcmp(start, BOM, 3) == 0) {
			start += 3;
			len -= 3;
		}
		c->record++;
		/* The common record without jansson's tree; anything else, and
		 * every error, through jansson. */
		fr_jsonl_fields f;
		int simple = fr_jsonl_record(start, len, &c->decoded, &c->decoded_cap, &f);
		if (simple < 0)
			return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		json_t *obj = NULL;
		char num[32], doc_num[32];
		const char *text = f.text, *idv = f.id, *doc = f.doc;
		size_t tlen = f.text_len, idlen = f.id_len, dlen = f.doc_len;
		int rc = 0;
		if (!simple || text == NULL) {
			json_error_t jerr;
			/* The whole line is one value: text after the object is an
			 * error, not silently dropped. Any value parses, so that a
			 * number or a string is called what it is: not an object. */
			obj = json_loadb(start, len, FR_JSONL_JANSSON_FLAGS, &jerr);
			const json_t *jtext = json_object_get(obj, "text");
			const json_t *id = json_object_get(obj, "id");
			const json_t *jdoc = json_object_get(obj, "document");
			if (jdoc == NULL)
				jdoc = json_object_get(obj, "doc");
			size_t at = 0;
			const char *why = NULL;
			/* jansson names a bad byte but not where it is: find it. It
			 * also reads through a raw NUL between two tokens, which costs
			 * the record as a NUL anywhere does. */
			if (obj == NULL || memchr(start, '\0', len) != NULL)
				why = fr_text_problem(c->line, (size_t)(start - c->line) + len, &at);
			if (why != NULL)
				rc = fr_error_set(err, FR_EFORMAT, name, c->line_no, "%s at byte %zu of the line", why, at);
			else if (obj == NULL && json_error_code(&jerr) == json_error_duplicate_key)
				rc = repeated_key(c, start, len, jerr.position, name, err);
			else if (obj == NULL)
				rc = fr_error_set(err, FR_EFORMAT, name, c->line_no, "invalid JSON: %s", jerr.text);
			else if (!json_is_object(obj))
				rc = fr_error_set(err, FR_EFORMAT, name, c->line_no, "a record must be a JSON object");
			else if (!json_is_string(jtext))
				rc = fr_error_set(err, FR_EFORMAT, name, c->line_no,
				                  jtext ? "\"text\" must be a string" : "record has no \"text\"");
			else if (id && !json_is_string(id) && !json_is_integer(id))
				rc = fr_error_set(err, FR_EFORMAT, name, c->line_no,
				                  "\"id\" must be a string or an integer");
			else if (jdoc && !json_is_string(jdoc) && !json_is_integer(jdoc))
				rc = fr_error_set(err, FR_EFORMAT, name, c->line_no, "\"%s\" must be a string or an integer",
				                  json_object_get(obj, "document") ? "document" : "doc");
			if (rc == 0) {
				text = json_string_value(jtext);
				tlen = json_string_length(jtext);
				idlen = json_name(id, num, &idv);
				dlen = json_name(jdoc, doc_num, &doc);
			}
		}
		if (rc == 0 && is_wordless_text(text, tlen)) {
			c->stats.empty++;
			json_decref(obj);
			continue;
		}
		/* JSON can spell a NUL (\u0000); it is no more text here. */
		if (rc == 0)
			rc = check_text(name, c->line_no, "text", text, tlen, err);
		if (rc == 0)
			rc = check_text(name, c->line_no, "id", idv, idlen, err);
		if (rc == 0)
			rc = check_text(name, c->line_no, "document", doc, dlen, err);
		if (rc == 0 && idlen > 0)
			rc = check_id(c, name, c->line_no, idv, idlen, err);
		if (rc == 0 && idlen == 0)
			rc = made_up_id(c, in, name, c->line_no, err);
		if (rc == 0 && (set_para(c, text, tlen) < 0 || (idlen > 0 && set_id(c, idv, idlen) < 0) ||
		                (dlen > 0 && set_doc(c, doc, dlen) < 0)))
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		json_decref(obj);
		if (rc < 0)
			return rc;
		out->para = c->record;
		out->line = c->line_no;
		return 0;
	}
}

/* A file's first invalid UTF-8 gets a hint: most often the whole file is
 * in Windows-1252 or Latin-1, and every record with a letter outside ASCII
 * is skipped, leaving a biased rest. */
static void hint_encoding(fr_corpus *c, const input_t *in, fr_error *err)
{
	static const char hint[] = "; if the file is Windows-1252 or Latin-1, convert it: iconv -f WINDOWS-1252 -t UTF-8";
	if (err == NULL || c->utf8_hinted || in->kind == IN_STDIN || strncmp(err->message, "invalid UTF-8", 13) != 0)
		return;
	c->utf8_hinted = 1;
	size_t len = strlen(err->message);
	if (len + sizeof(hint) <= sizeof(err->message))
		memcpy(err->message + len, hint, sizeof(hint));
}

int fr_corpus_next(fr_paragraph *out, fr_corpus *c, fr_error *err)
{
	while (c->cur < c->n_inputs) {
		int rc = 0;
		if (!c->open) {
			rc = open_current(c, err);
			if (rc < 0) {
				c->stats.bad_files++;
				close_current(c);
				return rc;
			}
		}
		input_t *in = &c->inputs[c->cur];
		c->para_len = 0;
		c->record_error = 0;
		c->doc_given = 0;
		switch (in->kind) {
		case IN_TXT:
			rc = next_txt(out, c, err);
			break;
		case IN_CSV:
			rc = next_csv(out, c, err);
			break;
		default:
			rc = next_jsonl(out, c, err);
			break;
		}
		if (rc == FR_ITEROVER) {
			close_current(c);
			continue;
		}
		if (rc < 0) {
			hint_encoding(c, in, err);
			/* A CSV whose quoting broke, or a read that failed, cannot go
			 * on in that file; a bad record elsewhere costs only itself. */
			if ((in->kind == IN_CSV && !c->record_error) || rc == FR_EIO) {
				c->stats.bad_files++;
				close_current(c);
			} else {
				c->stats.bad_records++;
			}
			return rc;
		}
		out->id = c->id;
		out->doc = c->doc_given ? c->doc : in->doc;
		out->doc_known = c->doc_given || in->kind == IN_TXT;
		out->file = in->kind == IN_STDIN ? "<stdin>" : in->path;
		out->text = c->para;
		out->text_len = c->para_len;
		c->stats.paragraphs++;
		return 0;
	}
	return FR_ITEROVER;
}

size_t fr_corpus_file_count(const fr_corpus *c)
{
	return c->n_inputs;
}

const fr_corpus_stats *fr_corpus_get_stats(const fr_corpus *c)
{
	return &c->stats;
}

const size_t *fr_corpus_rule_drops(const fr_corpus *c)
{
	return c->rule_drops;
}

void fr_corpus_free(fr_corpus *c)
{
	if (c == NULL)
		return;
	if (c->open) {
		fr_csv_free(c->csv);
		if (c->fp && c->fp != stdin)
			fclose(c->fp);
		free(c->fp_buf);
	}
	for (size_t i = 0; i < c->n_inputs; i++) {
		free(c->inputs[i].path);
		free(c->inputs[i].doc);
		free(c->inputs[i].why);
	}
	free(c->inputs);
	free(c->rule_drops);
	free(c->file);
	free(c->title);
	free(c->header);
	id_set_free(c);
	free(c->line);
	free(c->decoded);
	free(c->para);
	free(c->id);
	free(c->doc);
	free(c);
}

void fr_corpus_progress(const fr_corpus *c, unsigned long long *done_out,
                        unsigned long long *total_out, const char **current_out)
{
	unsigned long long cur = c->csv ? fr_csv_offset(c->csv) : c->cur_bytes;
	if (c->open && c->cur < c->n_inputs && cur > c->inputs[c->cur].size)
		cur = c->inputs[c->cur].size; /* a file that grows while read */
	*done_out = c->done_bytes + (c->open ? cur : 0);
	*total_out = c->total_bytes;
	*current_out = c->open && c->cur < c->n_inputs ? c->inputs[c->cur].path : "";
}

void fr_corpus_on_file(fr_corpus *c, fr_file_fn fn, void *payload)
{
	c->on_file = fn;
	c->on_file_payload = payload;
}
