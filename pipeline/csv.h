#ifndef FR_CSV_H
#define FR_CSV_H

#include <stdio.h>
#include <stddef.h>

#include "fr_error.h"

/* A streaming RFC 4180 reader: quoted fields, doubled quotes, newlines inside
 * quotes, LF, CRLF or lone CR line ends, and a UTF-8 byte order mark at the
 * start. It reads in 64 KiB blocks and reuses one record buffer, so memory
 * stays flat whatever the file's size and grows only with the largest record.
 * It is strict: a quote inside an unquoted field, a character other than a
 * comma or line end after a closing quote, and a quoted field still open at
 * the end of the file are errors, because a lenient reader silently shifts
 * columns and mislabels rows. Spaces are data, never trimmed.
 * A line with nothing on it is skipped, not read as a one-field record; the
 * last record needs no line end. */
typedef struct fr_csv fr_csv;

/* Opens path for reading. `name` in error messages is the path. Returns 0,
 * FR_ENOTFOUND when it does not exist, FR_EIO when it cannot be opened or is a
 * directory, or FR_ENOMEM. On failure *out is NULL. */
int fr_csv_open(fr_csv **out, const char *path, fr_error *err);

/* Reads from an already open stream, which the reader borrows (it does not
 * close it). `name` is used in error messages, e.g. "<stdin>". */
int fr_csv_open_stream(fr_csv **out, FILE *fp, const char *name, fr_error *err);

/* Moves to the next record. Returns 0, FR_ITEROVER at the end of the input,
 * FR_EFORMAT for broken quoting (err names the file and the line where the
 * bad field starts), or FR_EIO / FR_ENOMEM. After an error every later call
 * returns the same error again: the reader cannot go on after it. */
int fr_csv_next(fr_csv *csv, fr_error *err);

/* After FR_EFORMAT for a quote out of place in the middle of a line (a
 * quote inside an unquoted field, or a character after a closing quote),
 * drops the rest of that physical line so that reading goes on with the
 * next: a batch loses the broken record, not the rest of its file. Returns
 * 0 (also when there was no error), or the error again when the reader
 * cannot go on: a quoted field still open at the end of the input, or an
 * I/O error. Strict readers (labeled data) never call it. */
int fr_csv_skip_line(fr_csv *csv, fr_error *err);

/* The current record: its number of fields (0 before the first record, at
 * the end and after an error), and field i as a NUL-terminated string (quotes
 * removed, doubled quotes undone). A field may itself contain NUL bytes;
 * len_out, when not NULL, gets its true length. An i past the last field
 * gives NULL and a length of 0.
 * Borrowed until the next fr_csv_next or fr_csv_free. */
size_t fr_csv_field_count(const fr_csv *csv);
const char *fr_csv_field(const fr_csv *csv, size_t i, size_t *len_out);

/* Field i as a value of a data row, as spreadsheets and framer write them
 * (len_out is required): a byte order mark starting the record (a file
 * joined on with its BOM) is not part of field 0, and the apostrophe
 * framer puts before a cell that would start a formula ('-7, '=x, ''-7;
 * fr_csv_needs_defusing) is taken off. NUL-terminated as fr_csv_field's. */
const char *fr_csv_value(const fr_csv *csv, size_t i, size_t *len_out);

/* Whether framer's CSVs put an apostrophe before a cell, so a spreadsheet
 * shows it instead of running it: it starts with one of OWASP's formula
 * characters (= + - @ TAB CR), after any apostrophes. Those count so that
 * a cell that starts with ' and a formula character ('-8) gets one more
 * (''-8), which fr_csv_value takes off again: every cell reads back as
 * it was written. */
int fr_csv_needs_defusing(const char *s, size_t len);

/* The 1-based physical line on which the current record starts, 0 before
 * the first. LF, CRLF and lone CR each end a line, inside quotes too. */
size_t fr_csv_line(const fr_csv *csv);

/* Bytes of the input consumed so far (for progress). */
unsigned long long fr_csv_offset(const fr_csv *csv);

/* The name given at open, for messages. Borrowed. */
const char *fr_csv_name(const fr_csv *csv);

/* Whether the current record is Excel's "sep=," line (any separator),
 * which some exports put before the header to tell Excel the separator. */
int fr_csv_is_sep_line(const fr_csv *csv);

/* For a header (the current record) without a 'text' column: sets err to
 * FR_EFORMAT at the record's line, "no 'text' column in the header", with
 * a hint when the record is Excel's sep= line, when a column is named
 * 'text' in another case or with spaces around it (names are exact), or
 * when the header looks separated by ';' or tabs. Both readers of a CSV
 * header (labeled data, batches) use it, so they say the same. Returns
 * FR_EFORMAT. */
int fr_csv_no_text_column(const fr_csv *csv, fr_error *err);

/* NULL-safe. Closes the file when fr_csv_open opened it. */
void fr_csv_free(fr_csv *csv);

/* Writes one field of len bytes to fp, quoted when it holds a comma, quote,
 * CR or LF or starts or ends with a space; quotes inside are doubled. The
 * caller writes the commas and line ends. An empty field is written as
 * nothing, so a record whose only field is empty would come back as a
 * skipped blank line: write `""` for it. Returns 0 or FR_EIO. */
int fr_csv_write_field(FILE *fp, const char *field, size_t len);

/* The same bytes fr_csv_write_field writes, into dst, which has room for
 * 2 * len + 2 bytes (every byte a quote, doubled, inside quotes). Returns
 * the bytes written. For records built in memory, off the writing thread. */
size_t fr_csv_encode_field(char *dst, const char *field, size_t len);

#endif
