#ifndef FR_CORPUS_H
#define FR_CORPUS_H

#include <stddef.h>

#include "fr_error.h"

/* The ingest stage: a batch of inputs in, paragraphs out, one at a time.
 *
 * - `.txt`: one article. The first non-empty line is the title (paragraph 0);
 *   after it, paragraphs are runs of non-blank lines separated by blank
 *   lines, numbered 1, 2, ... in file order. Numbers count dropped blocks
 *   too, so an id points at the same block of the file whatever the rules.
 *   Lines of a paragraph are trimmed and joined by one space. CRLF and a
 *   BOM are accepted. Boilerplate blocks are dropped by the rules file;
 *   a block with no letter or digit (a separator such as "* * *") is
 *   skipped as empty.
 * - `.csv`: RFC 4180 with a `text` column and an optional `id` column; one
 *   record is one paragraph.
 * - `.jsonl`: one JSON object per line with a string "text" and an optional
 *   "id" (string or integer).
 * - a directory: its .txt, .csv and .jsonl files, in byte order of name.
 * - "-": JSON Lines on standard input.
 * A paragraph's id is "<file>#<n>", or the record's own id.
 *
 * Bad records are reported and skipped, the rest is read:
 * - a paragraph or record whose text or id is not text (a NUL byte, or
 *   invalid UTF-8: overlong forms, surrogates, truncated sequences), named
 *   with its line and the offset of the first bad byte (in the file for a
 *   .txt, in the field or string otherwise);
 * - a record whose id an earlier record of the run already gave (ids made
 *   up from positions are unique and not checked);
 * - a .csv record with too few or too many fields, a quote out of place
 *   (its line is dropped), or that repeats the header (files joined);
 * - a .jsonl line that is not a JSON object with a string "text".
 * A byte order mark starts any .txt, .csv or .jsonl file, and is accepted
 * where files were joined: at the start of a .jsonl line or a .csv record,
 * and anywhere in a .txt (where a line of them is blank).
 * A .csv whose header is unusable (no `text` column, a name twice, broken
 * quoting) or whose quote never closes is a bad file: what was read stays.
 *
 * Memory is bounded by the largest single article or record, not the batch. */

/* Boilerplate rules, kept as data (data/boilerplate.rules). One rule a line:
 *   exact  TEXT     the whole paragraph is TEXT (ASCII case ignored)
 *   prefix TEXT     the paragraph starts with TEXT (ASCII case ignored), and
 *                   a word TEXT ends in ends there too (fr_word_goes_on):
 *                   "Advertisement" is no prefix of "Advertisements ..."
 *   regex  ERE      the paragraph matches the POSIX extended regex
 *   end    ERE      the paragraph matches, and it and everything after it in
 *                   the article are dropped (share prompts before a list of
 *                   unrelated headlines, signatures); but only when the
 *                   paragraphs kept after the title hold more bytes than the
 *                   file has left after the match. Otherwise (a share prompt
 *                   under the title) the paragraph alone is dropped, so an end
 *                   rule never drops more of an article than was kept of it.
 * An article's title (paragraph 0) is looked at by exact rules only.
 * '#' starts a comment line. Rules look only at paragraphs of at most
 * FR_BOILERPLATE_MAX_BYTES: boilerplate is short, and real paragraphs are
 * never dropped for matching a loose pattern deep inside. */
#define FR_BOILERPLATE_MAX_BYTES 300

typedef struct fr_boilerplate fr_boilerplate;

int fr_boilerplate_load(fr_boilerplate **out, const char *path, fr_error *err);

/* The index of the first rule that matches the paragraph (one after the
 * title: every kind of rule), or -1. Sets *ends_article when that rule is an
 * `end` rule. */
int fr_boilerplate_match(const fr_boilerplate *b, const char *text, size_t len, int *ends_article);

size_t fr_boilerplate_rule_count(const fr_boilerplate *b);
/* "kind pattern" of rule i, for reports. Borrowed. */
const char *fr_boilerplate_rule(const fr_boilerplate *b, size_t i);

void fr_boilerplate_free(fr_boilerplate *b);

/* One paragraph; every pointer is borrowed until the next fr_corpus_next. */
typedef struct fr_paragraph {
	const char *id;
	const char *doc;   /* a .csv record's "document" (or "doc") cell, else the file's name
	                    * within its input; "<stdin>" for "-" */
	size_t para;       /* block number in a .txt, record number (from 1) otherwise */
	const char *text;  /* NUL-terminated, though it may hold NUL bytes itself */
	size_t text_len;
	size_t line;       /* line of the file where it starts */
	int doc_known;     /* doc names the paragraph's own document: a .txt article's, or a
	                    * record's own cell; 0 when it is the name of the file holding the record */
	const char *file;  /* the input file's path as found; "<stdin>" for "-". Lives as long as
	                    * the corpus */
} fr_paragraph;

typedef struct fr_corpus_stats {
	size_t files;              /* inputs opened */
	size_t paragraphs;         /* paragraphs handed out */
	size_t boilerplate;        /* blocks dropped by the rules */
	size_t repeated_titles;    /* blocks dropped for repeating the title */
	size_t empty;              /* records with empty text; .txt blocks with no
	                            * letter or digit */
	size_t bad_records;        /* records reported and skipped */
	size_t bad_files;          /* files reported and skipped, whole or in part */
	size_t ids_unchecked;      /* ids past the first 196,608 of a run: not checked for repeats */
} fr_corpus_stats;

typedef struct fr_corpus fr_corpus;

/* Checks every input and expands directories. rules may be NULL (nothing is
 * dropped) and is borrowed. FR_ENOTFOUND for a missing input or a directory
 * with no inputs, FR_EIO for a named file or directory that cannot be read
 * (a file inside a directory that cannot be read is a bad file later). */
int fr_corpus_open(fr_corpus **out, const char *const *inputs, size_t n_inputs,
                   const fr_boilerplate *rules, fr_error *err);

/* The next paragraph: 0, or FR_ITEROVER at the end. Any other negative
 * code is a bad record or an unreadable file: err says where and what, the
 * corpus has already moved past it, and the caller reports it and calls
 * again. */
int fr_corpus_next(fr_paragraph *out, fr_corpus *c, fr_error *err);

/* How far the reading has got: bytes of the input files consumed and their
 * total size (0 when unknown, as for standard input), and the file being
 * read (its name; "" before the first). For progress reports. */
void fr_corpus_progress(const fr_corpus *c, unsigned long long *done_out,
                        unsigned long long *total_out, const char **current_out);

/* Calls fn each time a file of the inputs is opened, with its path, its
 * number (from 1) and the number of files. */
typedef void (*fr_file_fn)(void *payload, const char *path, size_t index, size_t count);
void fr_corpus_on_file(fr_corpus *c, fr_file_fn fn, void *payload);

/* Number of files the inputs expanded to, and the counts so far. */
size_t fr_corpus_file_count(const fr_corpus *c);
const fr_corpus_stats *fr_corpus_get_stats(const fr_corpus *c);
/* Drops per boilerplate rule so far (rule_count entries). Borrowed. */
const size_t *fr_corpus_rule_drops(const fr_corpus *c);

void fr_corpus_free(fr_corpus *c);

#endif
